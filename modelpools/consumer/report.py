"""``modelpools report``: one self-contained HTML page that shows what a pools build decided and why.

    gather_report(settings, now=None) -> ReportInputs    reads the cache files (the I/O edge)
    render_report(inputs) -> str                          pure: the same inputs give the same bytes
    write_report(settings, out=None, now=None) -> Path   both, then an atomic write

The page holds the role defaults with their rule, evidence and runners-up; the tiers as a bar chart (estimate with
an uncertainty whisker, coloured by tier); every model's score with its sources; one scatter plot per calibrated
source (raw against the reference scale, the line and the points it was fitted on); the last change report;
usage (today's requests against the cap and per-model success and latency) when a ledger or usage summary exists;
and the provenance of the inputs. Inline CSS and inline SVG only: no JavaScript, nothing loaded from anywhere.

Every text that comes from data (model ids and names, reasons, meta files, ledger rows) is HTML-escaped, with
control and bidirectional-override characters shown as visible escapes. No clock is read: ``now`` (epoch seconds)
is only used, when given, for today's usage from the ledger, and the page says which time it used.
"""

from __future__ import annotations

import html
import json
import math
import re
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

from modelpools.errors import DataError
from modelpools.io.files import atomic_write, read_json
from modelpools.rules.probestats import SOURCE as PROBE_SOURCE

if TYPE_CHECKING:
    from modelpools.settings import Settings

__all__ = [
    "ReportInputs",
    "gather_report",
    "render_report",
    "write_report",
    "REPORT_NAME",
    "TIER_COLOURS",
    "TIER_PLOT_WIDTH",
]

REPORT_NAME = "model-pools-report.html"
TIER_COLOURS = {"LARGE": "#1f6f5c", "MEDIUM": "#2f6db5", "SMALL": "#c07a2c"}
TIER_PLOT_WIDTH = 560  # pixels of the tier chart's 0-100 axis
_ROLE_ORDER = ("bulkModel", "pageModel", "smallTasksModel")
_META_LIMIT = 1 << 20
_UNSAFE = re.compile(r"[\x00-\x08\x0b-\x1f\x7f-\x9f\u200b-\u200f\u2028\u2029\u202a-\u202e\u2060-\u206f\ufeff]")


@dataclass(frozen=True)
class ReportInputs:
    """Everything the page shows, already read: JSON documents as parsed, None where a file is absent.

    ``files`` maps a label to the path it came from (shown in the provenance section); ``unreadable`` maps a
    label to why an optional file could not be used; ``usage`` is a ``modelpools usage`` report (from the
    ledger, with ``today``) or the usage summary (without ``today``); ``now`` the time today's usage was taken at.
    """

    pools: Mapping[str, Any]
    changes: Mapping[str, Any] | None = None
    catalog_meta: Mapping[str, Any] | None = None
    benchmarks_meta: Mapping[str, Any] | None = None
    usage: Mapping[str, Any] | None = None
    files: tuple[tuple[str, str], ...] = ()
    unreadable: tuple[tuple[str, str], ...] = ()
    now: float | None = None


# -- I/O edge ---------------------------------------------------------------------------------------------------


def _optional_json(path: Path, what: str, unreadable: list[tuple[str, str]]) -> Any:
    if not path.exists():
        return None
    try:
        return read_json(path, what, _META_LIMIT * 8)
    except DataError as exc:
        unreadable.append((what, str(exc)))
        return None


def gather_report(settings: Settings, *, now: float | None = None) -> ReportInputs:
    """Read the pools file (required, validated) and the optional files around it from ``settings``' cache.

    ``now``: take today's usage from the ledger at this time (the CLI passes the clock); without it the usage
    section comes from the usage summary the last build used, and the page holds no time that was not in a file.
    """
    from modelpools.consumer.pools_view import load_pools

    pools = load_pools(settings=settings).document
    unreadable: list[tuple[str, str]] = []
    changes = _optional_json(Path(settings.changes_file), "change report", unreadable)
    catalog_meta = _optional_json(Path(settings.catalog_meta_file), "catalog meta file", unreadable)
    benchmarks_meta = _optional_json(Path(settings.benchmarks_meta_file), "benchmarks meta file", unreadable)
    files = [("pools file", str(settings.pools_file))]
    usage: Mapping[str, Any] | None = None
    ledger = Path(settings.ledger_file)
    if now is not None and ledger.exists():
        from modelpools.consumer.usage_report import usage_report

        try:
            usage = usage_report(ledger, days=settings.usage_window_days, daily_cap=settings.daily_request_cap, now=now)
            files.append(("usage ledger", str(ledger)))
        except DataError as exc:
            unreadable.append(("usage ledger", str(exc)))
    if usage is None:
        summary = _optional_json(Path(settings.usage_summary_file), "usage summary", unreadable)
        if isinstance(summary, Mapping) and summary.get("models"):
            usage = summary
            files.append(("usage summary", str(settings.usage_summary_file)))
    for label, path, doc in (
        ("change report", settings.changes_file, changes),
        ("catalog meta file", settings.catalog_meta_file, catalog_meta),
        ("benchmarks meta file", settings.benchmarks_meta_file, benchmarks_meta),
    ):
        if doc is not None:
            files.append((label, str(path)))
    return ReportInputs(
        pools=pools,
        changes=changes if isinstance(changes, Mapping) else None,
        catalog_meta=catalog_meta if isinstance(catalog_meta, Mapping) else None,
        benchmarks_meta=benchmarks_meta if isinstance(benchmarks_meta, Mapping) else None,
        usage=usage,
        files=tuple(files),
        unreadable=tuple(unreadable),
        now=now if usage is not None and "today" in usage else None,
    )


def write_report(settings: Settings, out: Path | str | None = None, *, now: float | None = None) -> Path:
    """Write the report page (default ``<cache>/model-pools-report.html``) atomically; return its path."""
    path = Path(out) if out is not None else Path(settings.cache_path) / REPORT_NAME
    page = render_report(gather_report(settings, now=now))
    try:
        atomic_write(path, page.encode("utf-8"))
    except OSError as exc:
        raise DataError(f"cannot write the report to {path} ({exc.strerror or exc}); choose another --out") from None
    return path


# -- formatting helpers -----------------------------------------------------------------------------------------


def _visible(match: re.Match[str]) -> str:
    code = ord(match.group())
    return f"\\x{code:02x}" if code < 0x100 else f"\\u{code:04x}"


def _e(value: Any) -> str:
    """HTML-escaped text of any value; None as an em dash; control and bidi characters as visible escapes."""
    if value is None:
        return "&#8212;"
    return html.escape(_UNSAFE.sub(_visible, str(value)), quote=True)


def _is_num(value: Any) -> bool:
    return isinstance(value, (int, float)) and not isinstance(value, bool) and math.isfinite(value)


def _num(value: Any, digits: int = 1) -> str:
    return f"{value:.{digits}f}" if _is_num(value) else "&#8212;"


def _f(value: float) -> str:
    """An SVG coordinate: at most two decimals, no trailing zeros (stable text for the same number)."""
    text = f"{value:.2f}".rstrip("0").rstrip(".")
    return "0" if text in ("-0", "") else text


def _pct(value: Any) -> str:
    return f"{value * 100:.0f}%" if _is_num(value) else "&#8212;"


def _context(value: Any) -> str:
    if not _is_num(value):
        return "&#8212;"
    return f"{value / 1_000_000:g}M" if value >= 1_000_000 else f"{round(value / 1000)}k"


def _iso(epoch: Any) -> str | None:
    from modelpools.rules.usage import iso_time

    return iso_time(epoch) if _is_num(epoch) and 0 <= epoch < 1e11 else None


def _ms(value: Any) -> str:
    return f"{value / 1000:.1f}&#8201;s" if _is_num(value) else "&#8212;"


def _code(value: Any) -> str:
    return f"<code>{_e(value)}</code>" if value is not None else "&#8212;"


def _badge(text: Any, kind: str, title: Any = None) -> str:
    tip = f' title="{_e(title)}"' if title else ""
    return f'<span class="badge {kind}"{tip}>{_e(text)}</span>'


def _tier_badge(tier: Any) -> str:
    if tier not in TIER_COLOURS:
        return _badge(tier or "unranked", "muted")
    return f'<span class="badge tier" style="background:{TIER_COLOURS[tier]}">{_e(tier)}</span>'


def _table(head: Sequence[str], rows: Iterable[Sequence[str]], cls: str = "") -> str:
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
        return _kv(value)
    if isinstance(value, list):
        if all(not isinstance(v, (list, Mapping)) for v in value):
            return ", ".join(_code(v) for v in value) or "&#8212;"
        return "<br>".join(_code(json.dumps(v, ensure_ascii=False, sort_keys=True)) for v in value)
    if key.endswith("At") and _is_num(value):
        return _e(_iso(value) or value)
    if isinstance(value, str) and re.fullmatch(r"[0-9a-f]{40,64}", value):
        return f'<code title="{_e(value)}">{_e(value[:12])}&#8230;</code>'
    if isinstance(value, bool):
        return "yes" if value else "no"
    return _code(value) if isinstance(value, str) else _e(value)


def _kv(mapping: Mapping[str, Any]) -> str:
    rows = "".join(f"<tr><th>{_e(k)}</th><td>{_value(str(k), mapping[k])}</td></tr>" for k in sorted(mapping))
    return f'<table class="kv">{rows}</table>' if rows else "&#8212;"


# -- charts -----------------------------------------------------------------------------------------------------


def _nice_step(span: float, ticks: int = 6) -> float:
    raw = max(span, 1e-9) / ticks
    power = 10 ** math.floor(math.log10(raw))
    for factor in (1, 2, 2.5, 5, 10):
        if raw <= factor * power:
            return factor * power
    return 10 * power


def _ticks(low: float, high: float, ticks: int = 6) -> tuple[float, float, list[float]]:
    step = _nice_step(high - low, ticks)
    start, end = math.floor(low / step) * step, math.ceil(high / step) * step
    count = round((end - start) / step)
    return start, end, [start + i * step for i in range(count + 1)]


def _tick_label(value: float) -> str:
    return f"{value:g}" if abs(value) < 1e6 else f"{value:.3g}"


def _tier_chart(models: Sequence[Mapping[str, Any]]) -> str:
    """A bar per ranked model (rank order): the estimate, a whisker of +-1 uncertainty, a tick at the rank score."""
    row, plot_w, top, pad_r = 24, TIER_PLOT_WIDTH, 30, 84
    longest = max((len(f"{m.get('rank')}. {m.get('id')}") for m in models), default=10)
    label_w = 16 + math.ceil(7.3 * longest)  # 12px monospace labels, about 7.2px per character
    height = top + row * len(models) + 12
    width = label_w + plot_w + pad_r
    x = lambda v: label_w + plot_w * min(100.0, max(0.0, v)) / 100.0  # noqa: E731
    out = [
        f'<svg class="chart tiers" xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {width} {height}" '
        f'width="{width}" height="{height}" role="img" aria-labelledby="tiers-title">',
        '<title id="tiers-title">Coding estimate per ranked model with its uncertainty, coloured by tier</title>',
    ]
    for tick in range(0, 101, 10):
        out.append(
            f'<line class="grid" x1="{_f(x(tick))}" y1="{top - 6}" x2="{_f(x(tick))}" '
            f'y2="{height - 10}"/><text class="axis" x="{_f(x(tick))}" y="{top - 12}" '
            f'text-anchor="middle">{tick}</text>'
        )
    for i, m in enumerate(models):
        y = top + i * row
        est = float(m["codingScore"]) if _is_num(m.get("codingScore")) else 0.0
        sd = float(m["uncertainty"]) if _is_num(m.get("uncertainty")) else 0.0
        colour = TIER_COLOURS.get(str(m.get("tier")), "#777")
        faded = ' opacity="0.55"' if m.get("thinEvidence") or m.get("deprecated") else ""
        label = f"{m.get('rank')}. {m.get('id')}"
        tip = (
            f"{m.get('id')}: estimate {_num(est)} ± {_num(sd)}, rank score {_num(m.get('rankScore'))}, {m.get('tier')}"
        )
        out.append(
            f'<g class="model"><title>{_e(tip)}</title>'
            f'<text class="label" x="{label_w - 10}" y="{y + 16}" text-anchor="end">{_e(label)}</text>'
            f'<rect class="bar" x="{label_w}" y="{y + 4}" width="{_f(x(est) - label_w)}" height="16" '
            f'rx="2" fill="{colour}"{faded}/>'
            f'<line class="whisker" x1="{_f(x(est - sd))}" y1="{y + 12}" x2="{_f(x(est + sd))}" '
            f'y2="{y + 12}"/>'
            f'<line class="whisker" x1="{_f(x(est - sd))}" y1="{y + 7}" x2="{_f(x(est - sd))}" y2="{y + 17}"/>'
            f'<line class="whisker" x1="{_f(x(est + sd))}" y1="{y + 7}" x2="{_f(x(est + sd))}" y2="{y + 17}"/>'
            f'<text class="value" x="{_f(x(est + sd) + 6)}" y="{y + 16}">{_num(est)} ± {_num(sd)}</text></g>'
        )
    out.append("</svg>")
    return "".join(out)


def _scatter(name: str, cal: Mapping[str, Any], index: int) -> str:
    """Raw score against the reference scale: the points, the line in use and, dashed, the points' own
    least-squares line (``live``; files of older versions: the fixed line when another line was in use)."""
    pairs = [(float(p[0]), float(p[1])) for p in cal.get("pairs") or () if _is_num(p[0]) and _is_num(p[1])]
    slope, intercept = float(cal.get("slope", 1.0)), float(cal.get("intercept", 0.0))
    other = next((cal[k] for k in ("live", "fixed") if isinstance(cal.get(k), Mapping)), None)
    xs = [p[0] for p in pairs]
    if xs:
        low, high = min(xs), max(xs)
    else:  # no points: show the raw range that maps onto 0-100
        low, high = sorted(((0 - intercept) / slope, (100 - intercept) / slope))
    if high - low < 1e-9:
        low, high = low - 1, high + 1
    x0, x1, xticks = _ticks(low - (high - low) * 0.04, high + (high - low) * 0.04, 6)
    ys = [p[1] for p in pairs] + [slope * v + intercept for v in (x0, x1)]
    y0, y1, yticks = _ticks(max(0.0, min(ys)), min(100.0, max(max(ys), 1.0)), 5)
    width, height, left, right, top, bottom = 440, 300, 48, 14, 14, 40
    pw, ph = width - left - right, height - top - bottom
    sx = lambda v: left + pw * (v - x0) / (x1 - x0)  # noqa: E731
    sy = lambda v: top + ph * (1 - (v - y0) / (y1 - y0))  # noqa: E731
    clip = f"clip-{index}"
    out = [
        f'<svg class="chart calibration" data-source="{_e(name)}" xmlns="http://www.w3.org/2000/svg" '
        f'viewBox="0 0 {width} {height}" width="{width}" height="{height}" role="img">',
        f"<title>{_e(name)}: raw score against the reference scale, {len(pairs)} points</title>",
        f'<defs><clipPath id="{clip}"><rect x="{left}" y="{top}" width="{pw}" height="{ph}"/></clipPath></defs>',
    ]
    for t in xticks:
        out.append(
            f'<line class="grid" x1="{_f(sx(t))}" y1="{top}" x2="{_f(sx(t))}" y2="{top + ph}"/>'
            f'<text class="axis" x="{_f(sx(t))}" y="{top + ph + 15}" text-anchor="middle">'
            f"{_tick_label(t)}</text>"
        )
    for t in yticks:
        out.append(
            f'<line class="grid" x1="{left}" y1="{_f(sy(t))}" x2="{left + pw}" y2="{_f(sy(t))}"/>'
            f'<text class="axis" x="{left - 6}" y="{_f(sy(t) + 4)}" text-anchor="end">{_tick_label(t)}</text>'
        )
    out.append(
        f'<rect class="frame" x="{left}" y="{top}" width="{pw}" height="{ph}"/>'
        f'<text class="axis-title" x="{left + pw / 2:g}" y="{height - 6}" text-anchor="middle">raw '
        f'({_e(name)})</text><text class="axis-title" transform="translate(12 {top + ph / 2:g}) rotate(-90)" '
        'text-anchor="middle">reference (coding index)</text>'
    )
    out.append(f'<g clip-path="url(#{clip})">')
    if (
        other
        and _is_num(other.get("slope"))
        and _is_num(other.get("intercept"))
        and (other["slope"], other["intercept"]) != (slope, intercept)
    ):
        fs, fi = float(other["slope"]), float(other["intercept"])
        label = "these points' own line" if other is cal.get("live") else "fixed line"
        out.append(
            f'<line class="fixed-line" x1="{_f(sx(x0))}" y1="{_f(sy(fs * x0 + fi))}" x2="{_f(sx(x1))}" '
            f'y2="{_f(sy(fs * x1 + fi))}"><title>{label}: {fs:g} × raw + {fi:g}</title></line>'
        )
    for px, py in pairs:
        out.append(
            f'<circle class="point" cx="{_f(sx(px))}" cy="{_f(sy(py))}" r="3.5">'
            f"<title>raw {px:g} → reference {py:g}</title></circle>"
        )
    out.append(
        f'<line class="fit-line" x1="{_f(sx(x0))}" y1="{_f(sy(slope * x0 + intercept))}" x2="{_f(sx(x1))}" '
        f'y2="{_f(sy(slope * x1 + intercept))}"><title>{_e(cal.get("method"))} line: {slope:g} × raw + '
        f"{intercept:g}</title></line></g></svg>"
    )
    return "".join(out)


def _meter(fraction: float, width: int = 120, fill: str = "#2e8b57", rest: str = "#d9534f") -> str:
    """A small inline bar: ``fraction`` of it in ``fill`` from the left, the rest in ``rest``."""
    fraction = min(1.0, max(0.0, fraction))
    return (
        f'<svg class="meter" xmlns="http://www.w3.org/2000/svg" width="{width}" height="10" '
        f'viewBox="0 0 {width} 10"><rect width="{width}" height="10" rx="2" fill="{rest}"/>'
        f'<rect width="{_f(width * fraction)}" height="10" rx="2" fill="{fill}"/></svg>'
    )


def _line(slope: Any, intercept: Any) -> str:
    """``0.4582 × raw − 0.94``"""
    if not (_is_num(slope) and _is_num(intercept)):
        return "&#8212;"
    return f"{slope:.4f} × raw {'−' if intercept < 0 else '+'} {abs(intercept):.2f}"


# -- sections ---------------------------------------------------------------------------------------------------


def _roles_in_order(roles: Mapping[str, Any]) -> list[str]:
    return [r for r in _ROLE_ORDER if r in roles] + sorted(r for r in roles if r not in _ROLE_ORDER)


def _evidence_row(label: str, ev: Mapping[str, Any], page: bool, tiers: Mapping[str, str]) -> list[str]:
    model_id = ev.get("id")
    row = [
        label,
        _code(model_id),
        _tier_badge(tiers.get(model_id) if isinstance(model_id, str) else None),
        f'{_num(ev.get("codingScore"))} <span class="muted">± {_num(ev.get("uncertainty"))}</span>',
        _num(ev.get("rankScore")),
    ]
    if page:
        row.append(_num(ev.get("pageRankScore")))
    row += [
        _num(ev.get("evidence")),
        _num(ev.get("activeParameters"), 0) if _is_num(ev.get("activeParameters")) else "?",
        _context(ev.get("contextLength")),
        ", ".join(_e(s) for s in ev.get("sources") or ()) or "&#8212;",
    ]
    return row


def _roles_section(doc: Mapping[str, Any]) -> str:
    roles = doc.get("roles") or {}
    defaults = doc.get("chosenDefaults") or {}
    tiers = {m.get("id"): m.get("tier") for m in doc.get("models") or ()}
    cards = []
    for name in _roles_in_order(roles):
        role = roles[name]
        page = role.get("rule") == "page"
        site_role = "" if name in defaults else _badge("site role", "muted")
        needs = []
        if role.get("requires"):
            needs.append("requires " + ", ".join(_code(r) for r in role["requires"]))
        if role.get("minContext"):
            needs.append(f"context ≥ {_context(role['minContext'])}")
        head = (
            ["", "model", "tier", "#estimate", "#rank score"]
            + (["#page score"] if page else [])
            + ["#evidence", "#active params", "#context", "sources"]
        )
        rows = []
        if isinstance(role.get("evidence"), Mapping):
            rows.append(_evidence_row("chosen", role["evidence"], page, tiers))
        for i, runner in enumerate(role.get("runnersUp") or (), 1):
            if isinstance(runner, Mapping):
                rows.append(_evidence_row(f"runner-up {i}", runner, page, tiers))
        notes = "".join(f"<li>{_e(n)}</li>" for n in role.get("notes") or ())
        cards.append(
            f'<article class="role" id="role-{_e(name)}"><header><h3>{_e(name)}</h3>'
            f"{_badge(role.get('rule'), 'rule', 'rule')} {site_role}</header>"
            f'<p class="winner">{_code(role.get("model")) if role.get("model") else "<em>no model</em>"}</p>'
            f'<p class="rule-text">{_e(role.get("ruleText"))}</p>'
            + (f'<p class="needs">{"; ".join(needs)}</p>' if needs else "")
            + _table(head, rows, "compact")
            + (f'<ul class="notes">{notes}</ul>' if notes else "")
            + "</article>"
        )
    return (
        '<section id="defaults"><h2>Role defaults</h2><p class="lead">Each role is filled by gates, then an '
        "order (docs/scoring.md §5). The chosen model and the two runners-up, with the evidence the rule "
        f'used.</p><div class="roles">{"".join(cards)}</div></section>'
    )


def _tiers_section(doc: Mapping[str, Any]) -> str:
    models = list(doc.get("models") or ())
    summary = doc.get("summary") or {}
    legend = "".join(
        f'<span class="key"><i style="background:{c}"></i>{t} ({_e((summary.get("tiers") or {}).get(t, 0))})</span>'
        for t, c in TIER_COLOURS.items()
    )
    legend += (
        '<span class="key"><i class="whisker-key"></i>± 1 uncertainty</span>'
        '<span class="key"><i class="faded-key"></i>thin evidence or deprecated</span>'
    )
    chart = _tier_chart(models) if models else '<p class="muted">No ranked models.</p>'
    return (
        f'<section id="tiers"><h2>Tiers</h2><p class="lead">Ranked by rank score (estimate − uncertainty), '
        f'best first; bars show the estimate.</p><div class="legend">{legend}</div>'
        f'<div class="scroll">{chart}</div></section>'
    )


def _raw(value: Any) -> str:
    return f"{value:.4g}" if _is_num(value) and abs(value) < 1000 else _num(value, 0)


def _probe_text(source: Mapping[str, Any]) -> str:
    """`` · 40 items of probe set <id>, 90 % interval 31-49 % right`` for a probe source, else ``""``."""
    if source.get("source") != PROBE_SOURCE:
        return ""
    interval = source.get("interval")
    low, high = interval if isinstance(interval, Sequence) and len(interval) == 2 else (None, None)
    return (
        f" · {_e(source.get('items'))} items of probe set <code>{_e(source.get('probeSet'))}</code>, "
        f"90 % interval {_num(low, 0)}-{_num(high, 0)} % right"
    )


def _sources_cell(sources: Sequence[Mapping[str, Any]]) -> str:
    parts = []
    for s in sources:
        remembered = f" · remembered from {_e(s['rememberedFrom'])}" if s.get("rememberedFrom") else ""
        raw = f"{_num(s.get('raw'))} % right" if s.get("source") == PROBE_SOURCE else _raw(s.get("raw"))
        parts.append(
            f'<div class="src" data-source="{_e(s.get("source"))}" title="{_e(s.get("ref"))}">'
            f'<b>{_e(s.get("source"))}</b> {raw} → {_num(s.get("calibrated"))}<div class="muted">sd '
            f"{_num(s.get('sd'))} · weight {_pct(s.get('weight'))} · {_num(s.get('evidence'))} units"
            f"{remembered}{_probe_text(s)}</div></div>"
        )
    return "".join(parts) or "&#8212;"


def _flags(m: Mapping[str, Any]) -> str:
    flags = []
    if m.get("deprecated"):
        flags.append(_badge("deprecated", "bad", m["deprecated"]))
    if m.get("thinEvidence"):
        flags.append(_badge("thin evidence", "warn", "below the evidence minimum"))
    probed = [s for s in m.get("scoreSources") or () if isinstance(s, Mapping) and s.get("source") == PROBE_SOURCE]
    if probed:
        flags.append(_badge("probed", "rule", f"measured by the coding probe: {probed[0].get('items')} items"))
    usage = m.get("usage")
    if isinstance(usage, Mapping) and usage.get("verdict"):
        kind = {"unavailable": "bad", "demoted": "warn"}.get(str(usage["verdict"]), "good")
        flags.append(_badge(usage["verdict"], kind, usage.get("reason")))
    return " ".join(flags)


def _models_section(doc: Mapping[str, Any]) -> str:
    rows = []
    for m in doc.get("models") or ():
        prior = m.get("prior") or {}
        match = m.get("match") or {}
        match_text = (
            f'{_e(match.get("method"))} <span class="muted">{_num(match.get("confidence"), 2)}</span>'
            f"<div>{_code(match.get('benchmarkId'))}</div>"
            if match.get("benchmarkId")
            else '<span class="muted">none</span>'
        )
        rows.append(
            [
                _e(m.get("rank")),
                f'{_code(m.get("id"))}<div class="name">{_e(m.get("name"))}</div>{_flags(m)}',
                _tier_badge(m.get("tier")),
                f'<b>{_num(m.get("codingScore"))}</b> <span class="muted">± {_num(m.get("uncertainty"))}</span>',
                _num(m.get("rankScore")),
                f'{_num(m.get("evidence"))} units<div class="muted">prior {_num(prior.get("mean"), 0)}, '
                f"{_e(prior.get('sizeClass'))}</div>",
                _sources_cell([s for s in m.get("scoreSources") or () if isinstance(s, Mapping)]),
                match_text,
                _context(m.get("contextLength")),
            ]
        )
    table = _table(
        ["#rank", "model", "tier", "#estimate", "#rank score", "evidence", "sources", "match", "#context"],
        rows,
        "models",
    )
    unranked = _table(
        ["model", "reason", "#context"],
        (
            [
                f'{_code(u.get("id"))}<div class="name">{_e(u.get("name"))}</div>'
                + (_badge("deprecated", "bad", u["deprecated"]) if u.get("deprecated") else ""),
                _e(u.get("reason")),
                _context(u.get("contextLength")),
            ]
            for u in doc.get("unranked") or ()
        ),
    )
    excluded = _table(
        ["model", "reason"],
        (
            [f'{_code(x.get("id"))}<div class="name">{_e(x.get("name"))}</div>', _e(x.get("reason"))]
            for x in doc.get("excluded") or ()
        ),
    )
    return (
        f'<section id="models"><h2>Models and their scores</h2><p class="lead">Estimate ± uncertainty on the '
        f"catalog's coding-index scale; each source: raw → calibrated, its standard deviation, its share of "
        f'the weight and its evidence units (docs/scoring.md §2-4).</p><div class="scroll">{table}</div>'
        f"<h3>Unranked ({len(doc.get('unranked') or ())})</h3>{unranked}"
        f"<h3>Excluded, not for code ({len(doc.get('excluded') or ())})</h3>{excluded}</section>"
    )


def _calibration_section(doc: Mapping[str, Any]) -> str:
    calibration = doc.get("calibration") or {}
    figures, reference = [], []
    for i, name in enumerate(sorted(calibration)):
        cal = calibration[name]
        if not isinstance(cal, Mapping):
            continue
        if cal.get("method") == "reference":
            reference.append(name)
            continue
        fixed = given if isinstance(given := cal.get("fixed"), Mapping) else {}
        caption = (
            f"<b>{_e(name)}</b> {_badge(cal.get('method'), 'rule')} calibrated = "
            f"{_line(cal.get('slope'), cal.get('intercept'))}; {_e(cal.get('points'))} common models, "
            f"residual sd {_num(cal.get('residualSd'))}"
        )
        live = given if isinstance(given := cal.get("live"), Mapping) else None
        drift = given if isinstance(given := cal.get("drift"), Mapping) else {}
        if fixed:
            fixed_line = _line(fixed.get("slope"), fixed.get("intercept"))
            caption += (
                f'<br><span class="muted">documented fixed line {fixed_line} '
                f"(fitted on {_e(fixed.get('points'))} models{'' if live else '; dashed'})</span>"
            )
        if live:
            own = _line(live.get("slope"), live.get("intercept"))
            caption += f'<br><span class="muted">these points\' own line {own} (dashed; shown, not used)</span>'
        if drift.get("drifted") is True:
            caption += (
                f"<br>{_badge('drifted', 'bad')} the points sit {_num(drift.get('shift'))} (se "
                f"{_num(drift.get('se'))}) off the fixed line: refit it (docs/scoring.md §3)"
            )
        figures.append(f"<figure>{_scatter(name, cal, i)}<figcaption>{caption}</figcaption></figure>")
    lead = (
        "Each source reaches the reference scale through a line (docs/scoring.md §3). The points are the "
        "models scored by both; solid: the line in use; dashed: the points' own least-squares line."
    )
    if reference:
        lead += " Reference scale: " + ", ".join(_code(r) for r in reference) + "."
    body = (
        f'<div class="figures">{"".join(figures)}</div>'
        if figures
        else '<p class="muted">No calibrated source in this build.</p>'
    )
    return f'<section id="calibration"><h2>Calibration</h2><p class="lead">{lead}</p>{body}</section>'


def _changes_section(changes: Mapping[str, Any] | None) -> str:
    if changes is None:
        return (
            '<section id="changes"><h2>Last change report</h2><p class="muted">No change report '
            "(model-pools-changes.json) in the cache.</p></section>"
        )
    tier = lambda t: _tier_badge(t) if t else _badge("unranked", "muted")  # noqa: E731
    first = bool(changes.get("firstBuild"))
    groups: list[tuple[str, list[str]]] = []
    if first:
        groups.append(("First build", [f"{len(changes.get('added') or ())} free models"]))
    else:
        groups.append(
            (
                "Default changes",
                [
                    f"<b>{_e(d.get('role'))}</b>: {_code(d.get('from'))} → {_code(d.get('to'))}"
                    for d in changes.get("defaultChanges") or ()
                ],
            )
        )
        groups.append(("Added", [f"{_code(a.get('id'))} {tier(a.get('tier'))}" for a in changes.get("added") or ()]))
        groups.append(
            ("Removed", [f"{_code(r.get('id'))} was {tier(r.get('tier'))}" for r in changes.get("removed") or ()])
        )
    groups.append(
        (
            "Tier moves",
            [
                f"{_code(m.get('id'))} {tier(m.get('from'))} → {tier(m.get('to'))}"
                for m in changes.get("tierMoves") or ()
            ],
        )
    )
    expiring = []
    for e in changes.get("expiring") or ():
        left = e.get("daysLeft")
        when = (
            ("expired" if left < 0 else "expires today" if left == 0 else f"expires in {left} days")
            if _is_num(left)
            else "expires"
        )
        expiring.append(f"{_code(e.get('id'))} {when} ({_e(e.get('expirationDate'))})")
    groups.append((f"Expired or expiring within {_e(changes.get('expiryWarningDays'))} days", expiring))
    body = "".join(
        f'<div class="change-group"><h3>{title} <span class="muted">({len(items)})</span></h3>'
        f'<ul class="changes{" many" if len(items) > 6 else ""}">{"".join(f"<li>{i}</li>" for i in items)}</ul></div>'
        for title, items in groups
        if items
    )
    if not body:
        body = "<p>No changes since the previous build.</p>"
    return (
        f'<section id="changes"><h2>Last change report</h2><p class="lead">From the previous pools file to '
        f"this one (model-pools-changes.json).</p>{body}</section>"
    )


def _usage_section(usage: Mapping[str, Any] | None, now: float | None, doc: Mapping[str, Any]) -> str:
    if usage is None:
        return ""
    verdicts = {m.get("id"): m["usage"] for m in doc.get("models") or () if isinstance(m.get("usage"), Mapping)}
    parts = ['<section id="usage"><h2>Usage</h2>']
    today = usage.get("today") if isinstance(usage.get("today"), Mapping) else None
    if today:
        used, limit = today.get("used", 0), today.get("limit", 0)
        share = used / limit if _is_num(used) and _is_num(limit) and limit else 1.0
        state = "cap reached" if today.get("capped") else f"{_e(today.get('left'))} left"
        source = "from OpenRouter's answer" if today.get("limitSource") == "header" else "setting daily_request_cap"
        parts.append(
            f'<div class="today"><p><b>Today (UTC): {_e(used)} of {_e(limit)}</b> free requests used '
            f"({_e(source)}), {state}; resets {_e(today.get('resetsAt'))}.</p>"
            f"{_meter(share, 480, '#d9534f' if today.get('capped') else '#2f6db5', '#e3e8ef')}"
            f'<p class="muted">As of {_e(_iso(now))}, from the ledger {_code(usage.get("ledger"))}; '
            f"per model: the last {_e(usage.get('days'))} days.</p></div>"
        )
    else:
        window = usage.get("window") or {}
        parts.append(
            f'<p class="lead">From the usage summary the last build read: {_e(window.get("days"))} days '
            f"up to {_e(window.get('end'))}.</p>"
        )
    models = usage.get("models") or {}
    rows = []
    for model_id, m in sorted(models.items(), key=lambda item: (-(item[1].get("attempts") or 0), item[0])):
        latency = m.get("latencyMs") or {}
        failures = ", ".join(f"{_e(k)} {_e(v)}" for k, v in sorted((m.get("outcomes") or {}).items()) if k != "ok")
        rate = m.get("successRate")
        verdict = verdicts.get(model_id)
        rows.append(
            [
                _code(model_id),
                _e(m.get("attempts")),
                f"{_meter(rate if _is_num(rate) else 0)} {_pct(rate)}",
                _ms(latency.get("p50")),
                _ms(latency.get("p90")),
                failures or "&#8212;",
                _flags({"usage": verdict}) if verdict else "&#8212;",
            ]
        )
    parts.append(
        '<p class="lead">Per model: attempts, share of successes, latency of successful replies (p50, '
        "p90), failures by class, and what the pools made of it (docs/consumer-client.md).</p>"
    )
    parts.append(_table(["model", "#attempts", "success", "#p50", "#p90", "failures", "in the pools"], rows, "usage"))
    parts.append("</section>")
    return "".join(parts)


def _provenance_section(inputs: ReportInputs) -> str:
    doc = inputs.pools
    pools_facts = {"schemaVersion": doc.get("schemaVersion"), "catalogDate": doc.get("catalogDate")}
    blocks = [("Pools file", _kv(pools_facts)), ("Inputs", _kv(doc.get("inputs") or {}))]
    if isinstance(doc.get("provenance"), Mapping):
        blocks.append(("Provenance", _kv(doc["provenance"])))
    if inputs.catalog_meta is not None:
        blocks.append(("Catalog refresh (openrouter-models.meta.json)", _kv(inputs.catalog_meta)))
    if inputs.benchmarks_meta is not None:
        blocks.append(("Benchmarks refresh (llm-stats.meta.json)", _kv(inputs.benchmarks_meta)))
    files = _table(["what", "path"], ([_e(label), _code(path)] for label, path in inputs.files))
    blocks.append(("Files read", files))
    if inputs.unreadable:
        blocks.append(("Left out", _table(["what", "why"], ([_e(k), _e(v)] for k, v in inputs.unreadable))))
    body = "".join(f"<h3>{_e(title)}</h3>{html_block}" for title, html_block in blocks)
    return f'<section id="provenance"><h2>Provenance</h2>{body}</section>'


_CSS = """
:root{--fg:#1d2330;--muted:#5f6b7a;--line:#e2e6ec;--soft:#f5f7fa;--accent:#2f6db5}
*{box-sizing:border-box}
body{margin:0;color:var(--fg);background:#fff;font:14px/1.5 system-ui,-apple-system,"Segoe UI",Roboto,
"Helvetica Neue",Arial,sans-serif}
header.top{background:#17202e;color:#fff;padding:22px 32px 18px}
header.top h1{margin:0;font-size:22px;font-weight:600}
header.top p{margin:4px 0 0;color:#c5cede}
nav{display:flex;gap:18px;padding:10px 32px;border-bottom:1px solid var(--line);background:var(--soft);
position:sticky;top:0;z-index:1}
nav a{color:var(--accent);text-decoration:none;font-weight:500}
main{max-width:1240px;margin:0 auto;padding:8px 32px 48px}
section{margin-top:28px}
h2{font-size:18px;margin:0 0 4px;padding-bottom:6px;border-bottom:2px solid var(--line)}
h3{font-size:15px;margin:18px 0 6px}
.lead{color:var(--muted);margin:6px 0 14px}
.muted{color:var(--muted)}
code{font:12.5px/1.4 ui-monospace,SFMono-Regular,Menlo,Consolas,monospace;overflow-wrap:anywhere}
.stats{display:flex;flex-wrap:wrap;gap:12px;margin:18px 0 0}
.stat{border:1px solid var(--line);border-radius:8px;padding:8px 14px;min-width:110px;background:#fff}
.stat b{display:block;font-size:20px}
.stat span{color:var(--muted);font-size:12px}
.roles{display:grid;grid-template-columns:1fr;gap:14px}
.role{border:1px solid var(--line);border-radius:10px;padding:12px 16px;background:#fff}
.role header{display:flex;align-items:center;gap:8px}
.role h3{margin:0;font-size:16px}
.role td:first-child{white-space:nowrap}
table.models td:nth-child(2){min-width:300px}
table.models td:nth-child(6){white-space:nowrap}
table.models code{overflow-wrap:normal}
.role .winner{margin:6px 0 2px;font-size:15px}
.role .winner code{font-size:15px;font-weight:600}
.rule-text{margin:2px 0 8px;color:var(--muted)}
.needs{margin:0 0 8px}
.notes{margin:6px 0 0;color:#8a5a00}
table{border-collapse:collapse;width:100%;margin:4px 0 10px}
th,td{text-align:left;vertical-align:top;padding:5px 8px;border-bottom:1px solid var(--line)}
thead th{font-size:12px;text-transform:uppercase;letter-spacing:.03em;color:var(--muted);background:var(--soft)}
td.num,th.num{text-align:right;font-variant-numeric:tabular-nums;white-space:nowrap}
table.compact td,table.compact th{padding:3px 8px}
table.compact tbody tr:first-child{background:#eef5ff;font-weight:500}
.name{color:var(--muted);font-size:12px}
table.kv{width:100%}
table.kv table.kv{width:auto}
table.kv th{width:220px;color:var(--muted);font-weight:500;background:none;text-transform:none;font-size:13px}
.src{font-size:12.5px;white-space:nowrap}
.src+.src{margin-top:4px}
.badge{display:inline-block;padding:0 7px;border-radius:10px;font-size:11.5px;font-weight:600;line-height:18px;
background:#e8ecf1;color:#334;margin-right:3px}
.badge.tier{color:#fff}
.badge.rule{background:#e3ecf9;color:#1f4f8f}
.badge.bad{background:#fbe3e3;color:#9b1c1c}
.badge.warn{background:#fdf1d8;color:#7a5200}
.badge.good{background:#dff3e6;color:#1c6b3a}
.legend{display:flex;flex-wrap:wrap;gap:16px;margin:0 0 8px;font-size:13px}
.key i{display:inline-block;width:12px;height:12px;border-radius:2px;margin-right:5px;vertical-align:-1px}
.key i.whisker-key{height:2px;width:16px;background:#1d2330;vertical-align:3px}
.key i.faded-key{background:#2f6db5;opacity:.55}
.scroll{overflow-x:auto}
svg.chart{display:block;max-width:100%;height:auto;font-family:inherit}
svg .grid{stroke:#edf0f4;stroke-width:1}
svg .axis{font-size:11px;fill:#6b7685}
svg .axis-title{font-size:11.5px;fill:#4b5563}
svg .label{font-size:12px;fill:#1d2330;font-family:ui-monospace,SFMono-Regular,Menlo,Consolas,monospace}
svg .value{font-size:11.5px;fill:#4b5563}
svg .whisker{stroke:#1d2330;stroke-width:1.4}
svg .frame{fill:none;stroke:#cfd6df}
svg .point{fill:#2f6db5;fill-opacity:.7;stroke:#fff;stroke-width:.8}
svg .fit-line{stroke:#c0392b;stroke-width:2}
svg .fixed-line{stroke:#6b7685;stroke-width:1.4;stroke-dasharray:5 4}
svg.meter{vertical-align:middle;margin-right:6px}
.figures{display:grid;grid-template-columns:repeat(auto-fill,minmax(460px,1fr));gap:18px}
figure{margin:0;border:1px solid var(--line);border-radius:10px;padding:10px}
figcaption{font-size:13px;margin-top:6px}
ul.changes{list-style:none;padding:0;margin:0}
ul.changes.many{columns:2 420px}
ul.changes li{padding:2px 0;break-inside:avoid}
.today p{margin:4px 0}
footer{color:var(--muted);font-size:12px;border-top:1px solid var(--line);margin-top:36px;padding-top:10px}
@media print{nav{display:none}header.top{background:none;color:var(--fg)}header.top p{color:var(--muted)}}
"""


def _header(inputs: ReportInputs) -> str:
    doc = inputs.pools
    summary = doc.get("summary") or {}
    tiers = summary.get("tiers") or {}
    stats = [
        ("free models", summary.get("freeModels")),
        ("ranked", summary.get("ranked")),
        ("unranked", summary.get("unranked")),
        ("excluded", summary.get("excluded")),
        ("LARGE", tiers.get("LARGE")),
        ("MEDIUM", tiers.get("MEDIUM")),
        ("SMALL", tiers.get("SMALL")),
    ]
    defaults = doc.get("chosenDefaults") or {}
    commit = (doc.get("inputs") or {}).get("benchmarkCommit")
    sub = f"catalog of {_e(doc.get('catalogDate'))}"
    if commit:
        sub += f" · LLM-Stats {_e(str(commit)[:12])}"
    chips = "".join(f'<div class="stat"><b>{_e(v)}</b><span>{_e(k)}</span></div>' for k, v in stats)
    picks = " · ".join(f"{_e(k)} {_code(v)}" for k, v in defaults.items())
    return (
        f'<header class="top"><h1>Free coding model pools</h1><p>{sub}</p></header>'
        '<nav><a href="#defaults">Defaults</a><a href="#tiers">Tiers</a><a href="#models">Models</a>'
        '<a href="#calibration">Calibration</a><a href="#changes">Changes</a>'
        + ('<a href="#usage">Usage</a>' if inputs.usage is not None else "")
        + f'<a href="#provenance">Provenance</a></nav><main><div class="stats">{chips}</div>'
        f'<p class="lead">Defaults: {picks}</p>'
    )


def render_report(inputs: ReportInputs) -> str:
    """The whole page. Pure: the same inputs give byte-identical text."""
    doc = inputs.pools
    title = f"modelpools report · catalog {doc.get('catalogDate') or 'unknown'}"
    return "".join(
        [
            '<!DOCTYPE html>\n<html lang="en"><head><meta charset="utf-8">',
            '<meta name="viewport" content="width=device-width, initial-scale=1">',
            f"<title>{_e(title)}</title><style>{_CSS}</style></head><body>",
            _header(inputs),
            _roles_section(doc),
            _tiers_section(doc),
            _models_section(doc),
            _calibration_section(doc),
            _changes_section(inputs.changes),
            _usage_section(inputs.usage, inputs.now, doc),
            _provenance_section(inputs),
            "<footer>Written by <code>modelpools report</code> from the files listed under Provenance; rules in "
            "docs/scoring.md.</footer></main></body></html>\n",
        ]
    )
