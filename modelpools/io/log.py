"""One-line warnings and notices on stderr (doit shows stderr at its default verbosity), and URLs safe to print."""

from __future__ import annotations

import sys

__all__ = ["warn", "notice", "display_url"]


def warn(message: str) -> None:
    """Print one warning line: something fell back or was skipped, and the build goes on."""
    print(f"modelpools: warning: {message}", file=sys.stderr, flush=True)


def notice(message: str) -> None:
    """Print one informational line."""
    print(f"modelpools: {message}", file=sys.stderr, flush=True)


def display_url(url: str) -> str:
    """url without any user:password part, safe to print or store."""
    from urllib.parse import urlsplit, urlunsplit

    try:
        parts = urlsplit(url)
    except ValueError:
        return "<invalid URL>"
    if "@" not in parts.netloc:
        return url
    host = parts.netloc.rsplit("@", 1)[1]
    return urlunsplit((parts.scheme, "***@" + host, parts.path, parts.query, parts.fragment))
