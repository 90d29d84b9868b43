"""Text pieces of the report page: HTML escaping and the cells, badges and tables its sections are made of.

Every text that comes from data goes through ``esc``: HTML-escaped, with control and bidirectional-override
characters shown as visible escapes, None as an em dash. Everything here is pure.
"""

from __future__ import annotations

import html
import json
import math
import re
from collections.abc import Iterable, Mapping, Sequence
from typing import Any

__all__ = [
    "TIER_COLOURS",
    "esc",
    "is_num",
    "num",
    "pct",
    "context_size",
    "iso",
    "secs",
    "code",
    "badge",
    "tier_badge",
    "verdict_badge",
    "table",
    "kv",
]

TIER_COLOURS = {"LARGE": "#1f6f5c", "MEDIUM": "#2f6db5", "SMALL": "#c07a2c"}
_UNSAFE = re.compile(r"[\x00-\x08\x0b-\x1f\x7f-\x9f\u200b-\u200f\u2028\u2029\u202a-\u202e\u2060-\u206f\ufeff]")


def _visible(match: re.Match[str]) -> str:
    point = ord(match.group())
    return f"\\x{point:02x}" if point < 0x100 else f"\\u{point:04x}"


def esc(value: Any) -> str:
    """HTML-escaped text of any value; None as an em dash; control and bidi characters as visible escapes."""
    if value is None:
        return "&#8212;"
    return html.escape(_UNSAFE.sub(_visible, str(value)), quote=True)


def is_num(value: Any) -> bool:
    return isinstance(value, (int, float)) and not isinstance(value, bool) and math.isfinite(value)


def num(value: Any, digits: int = 1) -> str:
    return f"{value:.{digits}f}" if is_num(value) else "&#8212;"


def pct(value: Any) -> str:
    return f"{value * 100:.0f}%" if is_num(value) else "&#8212;"


def context_size(value: Any) -> str:
    if not is_num(value):
        return "&#8212;"
    return f"{value / 1_000_000:g}M" if value >= 1_000_000 else f"{round(value / 1000)}k"


def iso(epoch: Any) -> str | None:
    from modelpools.rules.usage import iso_time

    return iso_time(epoch) if is_num(epoch) and 0 <= epoch < 1e11 else None


def secs(value: Any) -> str:
    return f"{value / 1000:.1f}&#8201;s" if is_num(value) else "&#8212;"


def code(value: Any) -> str:
    return f"<code>{esc(value)}</code>" if value is not None else "&#8212;"


def badge(text: Any, kind: str, title: Any = None) -> str:
    tip = f' title="{esc(title)}"' if title else ""
    return f'<span class="badge {kind}"{tip}>{esc(text)}</span>'


def tier_badge(tier: Any) -> str:
    if tier not in TIER_COLOURS:
        return badge(tier or "unranked", "muted")
    return f'<span class="badge tier" style="background:{TIER_COLOURS[tier]}">{esc(tier)}</span>'


def verdict_badge(usage: Any) -> str:
    """The badge for what use made the pools do with a model (a pools model's ``usage``: its verdict and reason), or
    ``""`` when there is no verdict."""
    if not (isinstance(usage, Mapping) and usage.get("verdict")):
        return ""
    kind = {"unavailable": "bad", "demoted": "warn"}.get(str(usage["verdict"]), "good")
    return badge(usage["verdict"], kind, usage.get("reason"))


def table(head: Sequence[str], rows: Iterable[Sequence[str]], cls: str = "") -> str:
    """A table; head cells starting with '#' are numeric (right-aligned). Cells are HTML already."""
    numeric = [h.startswith("#") for h in head]
    th = "".join(f"<th{' class=num' if n else ''}>{h.lstrip('#')}</th>" for h, n in zip(head, numeric))
    body = []
    for row in rows:
        tds = "".join(f"<td{' class=num' if n else ''}>{c}</td>" for c, n in zip(row, numeric))
        body.append(f"<tr>{tds}</tr>")
    if not body:
        return '<p class="muted">none</p>'
    return f'<table class="{cls}"><thead><tr>{th}</tr></thead><tbody>{"".join(body)}</tbody></table>'


def _value(key: str, value: Any) -> str:
    """A provenance value: times as ISO UTC, shas shortened (full text on hover), lists and objects compact."""
    if isinstance(value, Mapping):
        return kv(value)
    if key == "roles" and isinstance(value, list) and all(isinstance(v, list) and len(v) == 4 for v in value):
        return "<br>".join(_role_setting(*v) for v in value)  # the settings' (name, rule, requires, min_context)
    if isinstance(value, list):
        if all(not isinstance(v, (list, Mapping)) for v in value):
            return ", ".join(code(v) for v in value) or "&#8212;"
        return "<br>".join(code(json.dumps(v, ensure_ascii=False, sort_keys=True)) for v in value)
    if key.endswith("At") and is_num(value):
        return esc(iso(value) or value)
    if isinstance(value, str) and re.fullmatch(r"[0-9a-f]{40,64}", value):
        return f'<code title="{esc(value)}">{esc(value[:12])}&#8230;</code>'
    if isinstance(value, bool):
        return "yes" if value else "no"
    return code(value) if isinstance(value, str) else esc(value)


def _role_setting(name: Any, rule: Any, requires: Any, min_context: Any) -> str:
    """``bulkModel``: rule coding, needs tools, context >= 100000 (a role as the settings hold it)."""
    needs = f", needs {', '.join(map(str, requires))}" if requires else ""
    context = f", context &gt;= {esc(min_context)}" if min_context else ""
    return f"{code(name)}: rule {esc(rule)}{esc(needs)}{context}"


def kv(mapping: Mapping[str, Any]) -> str:
    rows = "".join(f"<tr><th>{esc(k)}</th><td>{_value(str(k), mapping[k])}</td></tr>" for k in sorted(mapping))
    return f'<table class="kv">{rows}</table>' if rows else "&#8212;"
