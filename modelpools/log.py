"""One-line warnings and notices on stderr (doit shows stderr at its default verbosity)."""

from __future__ import annotations

import sys

__all__ = ["warn", "notice"]


def warn(message: str) -> None:
    """Print one warning line: something fell back or was skipped, and the build goes on."""
    print(f"modelpools: warning: {message}", file=sys.stderr, flush=True)


def notice(message: str) -> None:
    """Print one informational line."""
    print(f"modelpools: {message}", file=sys.stderr, flush=True)
