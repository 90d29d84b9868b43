"""The usage stage: summarise the usage ledger into ``usage-summary.json`` for the pools stage.

The summary's window ends at the newest finished attempt in the ledger (see modelpools.rules.usage), so the file
changes only when the ledger gains attempts, never because time passed: a later build with no new requests leaves
it, and the pools built from it, byte for byte as they were. No ledger gives the empty summary, with which the
pools are exactly those of a build without usage data.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from modelpools.consumer.ledger import read_rows
from modelpools.errors import DataError
from modelpools.io.files import dump_json, read_json, write_if_changed
from modelpools.rules.usage import SUMMARY_VERSION, empty_summary, summarize

__all__ = ["USAGE_KEYS", "build_usage_summary", "read_usage_summary"]

USAGE_KEYS = ("usage_window_days",)


def build_usage_summary(ledger_file: Path, summary_file: Path, window_days: int) -> str:
    """Summarise the ledger into summary_file (written only when the bytes change); return one line."""
    rows = read_rows(ledger_file)
    summary = summarize(rows, window_days)
    written = write_if_changed(summary_file, dump_json(summary))
    what = f"{len(summary['models'])} model(s), window ending {summary['window']['end']}" if rows else "no ledger rows"
    return f"{summary_file}: {'written' if written else 'unchanged'} ({what})"


def read_usage_summary(path: Path, window_days: int = 7) -> dict[str, Any]:
    """The usage summary at path; the empty summary when absent (a site that never used the client)."""
    if not Path(path).is_file():
        return empty_summary(window_days)
    summary = read_json(path, "usage summary", max_bytes=16 * 1024 * 1024)
    if (not isinstance(summary, dict) or summary.get("schemaVersion") != SUMMARY_VERSION
            or not isinstance(summary.get("models"), dict)):
        raise DataError(f"usage summary at {path} is not a version-{SUMMARY_VERSION} summary; delete it and rebuild")
    return summary
