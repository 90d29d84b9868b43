"""One-line warnings and notices on stderr (doit shows stderr at its default verbosity), and URLs safe to print."""

from __future__ import annotations

import sys

__all__ = ["warn", "notice", "display_url", "describe_duration"]


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


def describe_duration(seconds: float) -> str:
    """A span for messages, in its largest whole unit: ``45 s``, ``59 min``, ``47 h``, ``3 d`` (negative counts as 0)."""
    seconds = max(0.0, seconds)
    if seconds < 60:
        return f"{int(seconds)} s"
    if seconds < 3600:
        return f"{int(seconds // 60)} min"
    if seconds < 2 * 86400:
        return f"{int(seconds // 3600)} h"
    return f"{int(seconds // 86400)} d"
