"""The usage stage: summarise the usage ledger into ``usage-summary.json`` for the pools stage.

The summary's window ends at the newest finished attempt in the ledger (see modelpools.rules.usage), so the file
changes only when the ledger gains attempts, never because time passed: a later build with no new requests leaves
it, and the pools built from it, byte for byte as they were. No ledger gives the empty summary, with which the
pools are exactly those of a build without usage data.

The A/B experiments' verdicts (rules.experiments) go in as ``experiments`` (role -> default -> verdict), read from
every experiment attempt the ledger keeps (``usage_retention_days``), not only the window's: the evidence of an
experiment stays as long as the ledger does.
"""

from __future__ import annotations

from pathlib import Path

from modelpools.consumer.ledger import read_experiment_attempts, read_rows
from modelpools.io.files import write_if_changed
from modelpools.records import UsageSummary
from modelpools.rules.experiments import experiment_verdicts
from modelpools.rules.usage import summarize
from modelpools.slices import UsageSettings

__all__ = ["build_usage_summary", "refresh_usage_summary"]


def build_usage_summary(ledger_file: Path, summary_file: Path, window_days: int) -> str:
    """Summarise the ledger into summary_file (written only when the bytes change); return one line."""
    rows = read_rows(ledger_file)
    doc = summarize(rows, window_days)
    experiments = experiment_verdicts(read_experiment_attempts(ledger_file))
    if experiments:  # only a site with ab_share set has any: without, the summary is as it always was
        doc["experiments"] = {
            role: {default: verdict.to_json() for default, verdict in by_default.items()}
            for role, by_default in experiments.items()
        }
    summary = UsageSummary(doc)
    written = write_if_changed(summary_file, summary.dump())
    end = summary.doc["window"]["end"]
    what = f"{len(summary.models)} model(s), window ending {end}" if rows else "no ledger rows"
    return f"{summary_file}: {'written' if written else 'unchanged'} ({what})"


def refresh_usage_summary(settings: UsageSettings) -> str:
    """doit action of the ``usage`` task."""
    return build_usage_summary(
        settings.files.ledger_file, settings.files.usage_summary_file, settings.usage_window_days
    )
