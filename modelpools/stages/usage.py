"""The usage stage: summarise the usage ledger into ``usage-summary.json`` for the pools stage.

The summary's window ends at the newest finished attempt in the ledger (see modelpools.rules.usage), so the file
changes only when the ledger gains attempts, never because time passed: a later build with no new requests leaves
it, and the pools built from it, byte for byte as they were. No ledger gives the empty summary, with which the
pools are exactly those of a build without usage data.
"""

from __future__ import annotations

from pathlib import Path

from modelpools.consumer.ledger import read_rows
from modelpools.io.files import write_if_changed
from modelpools.records import UsageSummary
from modelpools.rules.usage import summarize
from modelpools.slices import UsageSettings

__all__ = ["build_usage_summary", "refresh_usage_summary"]


def build_usage_summary(ledger_file: Path, summary_file: Path, window_days: int) -> str:
    """Summarise the ledger into summary_file (written only when the bytes change); return one line."""
    rows = read_rows(ledger_file)
    summary = UsageSummary(summarize(rows, window_days))
    written = write_if_changed(summary_file, summary.dump())
    end = summary.doc["window"]["end"]
    what = f"{len(summary.models)} model(s), window ending {end}" if rows else "no ledger rows"
    return f"{summary_file}: {'written' if written else 'unchanged'} ({what})"


def refresh_usage_summary(settings: UsageSettings) -> str:
    """doit action of the ``usage`` task."""
    return build_usage_summary(
        settings.files.ledger_file, settings.files.usage_summary_file, settings.usage_window_days
    )
