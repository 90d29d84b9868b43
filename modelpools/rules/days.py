"""Calendar days as modelpools' files write them: ``YYYY-MM-DD``, in UTC.

    parse_day("2026-08-18")   -> midnight UTC of that day in epoch seconds (None when the text is no such day)
    utc_day(epoch)            -> "YYYY-MM-DD" of that instant in UTC

Pure and tiny, so both the stages and the consumer side (which never imports stages/) can use it.
"""

from __future__ import annotations

from datetime import datetime, timezone
from typing import Any

__all__ = ["parse_day", "utc_day"]


def parse_day(text: Any) -> float | None:
    """Midnight UTC of a YYYY-MM-DD date in epoch seconds; None when text is no such date."""
    try:
        return datetime.strptime(text, "%Y-%m-%d").replace(tzinfo=timezone.utc).timestamp()
    except (TypeError, ValueError):
        return None


def utc_day(epoch: float) -> str:
    """YYYY-MM-DD of an instant (epoch seconds) in UTC."""
    return datetime.fromtimestamp(epoch, timezone.utc).strftime("%Y-%m-%d")
