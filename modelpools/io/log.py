"""The terminal and file edge of every message: one-line warnings and notices, the one URL redaction, the one
terminal sanitiser.

    redact(text, *urls)   credentials out of text: the userinfo of every URL in it (``user:pw@``, ``user%3Apw@``,
                          ``token@``) and every query value, plus any credential of ``urls`` found elsewhere in text
                          (git writes ``unable to look up user:pw@host``). Everything that stores or prints a URL,
                          or a message that may hold one, goes through it.
    printable(text)       text safe for a terminal: control characters (C0, DEL, C1), line and paragraph separators
                          and bidi overrides shown as ``\\x1b``-style escapes; newlines too unless ``newlines=True``.
                          Every printing path (warnings, doit summaries and failures, the CLI) goes through it.
"""

from __future__ import annotations

import functools
import re
import sys

__all__ = ["warn", "notice", "redact", "printable", "describe_duration"]

# scheme://authority/path?query inside any text; it ends at whitespace or a quote or bracket (as in JSON or git's
# 'https://...' messages), which a URL holds only percent-encoded.
_URL = r"(?P<scheme>[A-Za-z][A-Za-z0-9+.-]*://)(?P<authority>[^/?#\s\"'<>]*)(?P<rest>[^?#\s\"'<>]*)(?:\?(?P<query>[^#\s\"'<>]*))?"
# C0 controls, DEL, C1 controls, line/paragraph separators, bidi embeddings/overrides/isolates, BOM.
_UNPRINTABLE = "\x00-\x09\x0b-\x1f\x7f-\x9f\u2028\u2029\u202a-\u202e\u2066-\u2069\u200e\u200f\ufeff"


@functools.cache
def _pattern(name: str) -> re.Pattern[str]:
    """The compiled patterns, on first use: the TTL checks import this module on every doit run."""
    return re.compile(
        {
            "url": _URL,
            "query value": r"=[^&;]*",
            "unprintable": f"[{_UNPRINTABLE}]",
            "unprintable or newline": f"[{_UNPRINTABLE}\n]",
        }[name]
    )


def _redact_url(match: re.Match[str]) -> str:
    authority = match["authority"]
    if "@" in authority:
        authority = "***@" + authority.rsplit("@", 1)[1]
    query = match["query"]
    shown = match["scheme"] + authority + match["rest"]
    if query is not None:
        shown += "?" + _pattern("query value").sub("=***", query)
    return shown


def _credentials(url: str) -> set[str]:
    """What may be a credential in url: all between ``://`` and the last ``@`` (even with an unencoded / ? # in it),
    as written and percent-decoded, and its user and password parts (4+ characters)."""
    from urllib.parse import unquote

    _scheme, sep, rest = url.strip().partition("://")
    if not sep or "@" not in rest:
        return set()
    userinfo = rest.rsplit("@", 1)[0]
    secrets = {userinfo, unquote(userinfo)}
    for part in unquote(userinfo).split(":", 1):
        if len(part) >= 4:  # a short user name ("git") is no secret and would blank out ordinary words
            secrets.add(part)
    return {s for s in secrets if s}


def redact(text: str, *urls: str) -> str:
    """text without credentials: safe to store in a file or show in a message (see the module docstring)."""
    text = _pattern("url").sub(_redact_url, str(text))
    for url in urls:
        for secret in sorted(_credentials(str(url)), key=len, reverse=True):
            text = text.replace(secret, "***")
    return text


def _escape(match: re.Match[str]) -> str:
    code = ord(match.group())
    return f"\\x{code:02x}" if code < 0x100 else f"\\u{code:04x}"


def _json_escape(match: re.Match[str]) -> str:
    return f"\\u{ord(match.group()):04x}"


def printable(text: str, newlines: bool = False, json: bool = False) -> str:
    """text with every character that could move the cursor, recolour or rewrite a terminal shown as an escape.

    newlines=True keeps line breaks (text whose lines were each made printable, or JSON); json=True writes the
    escapes as ``\\u009b``, which is the same string to a JSON reader (JSON text holds no other raw controls).
    """
    pattern = _pattern("unprintable" if newlines else "unprintable or newline")
    return pattern.sub(_json_escape if json else _escape, str(text))


def warn(message: str) -> None:
    """Print one warning line: something fell back or was skipped, and the build goes on."""
    print(f"modelpools: warning: {printable(redact(message))}", file=sys.stderr, flush=True)


def notice(message: str) -> None:
    """Print one informational line."""
    print(f"modelpools: {printable(redact(message))}", file=sys.stderr, flush=True)


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
