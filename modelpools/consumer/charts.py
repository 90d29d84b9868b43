"""The report's inline SVG charts, pure text: the tier chart (a bar per ranked model with an uncertainty whisker),
a calibration scatter (raw score against the reference scale with its lines) and a small meter bar.

Coordinates are written with at most two decimals and no trailing zeros, so the same numbers give the same bytes.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from typing import Any

from modelpools.consumer.markup import TIER_COLOURS, esc, is_num, num
from modelpools.consumer.pools_view import estimate_of

__all__ = ["TIER_PLOT_WIDTH", "tier_chart", "calibration_scatter", "meter"]

TIER_PLOT_WIDTH = 560  # pixels of the tier chart's 0-100 axis


def coord(value: float) -> str:
    """An SVG coordinate: at most two decimals, no trailing zeros (stable text for the same number)."""
    text = f"{value:.2f}".rstrip("0").rstrip(".")
    return "0" if text in ("-0", "") else text


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


def tier_chart(models: Sequence[Mapping[str, Any]]) -> str:
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
            f'<line class="grid" x1="{coord(x(tick))}" y1="{top - 6}" x2="{coord(x(tick))}" '
            f'y2="{height - 10}"/><text class="axis" x="{coord(x(tick))}" y="{top - 12}" '
            f'text-anchor="middle">{tick}</text>'
        )
    for i, m in enumerate(models):
        y = top + i * row
        est = float(estimate_of(m)) if is_num(estimate_of(m)) else 0.0
        sd = float(m["uncertainty"]) if is_num(m.get("uncertainty")) else 0.0
        colour = TIER_COLOURS.get(str(m.get("tier")), "#777")
        faded = ' opacity="0.55"' if m.get("thinEvidence") or m.get("deprecated") else ""
        label = f"{m.get('rank')}. {m.get('id')}"
        tip = f"{m.get('id')}: estimate {num(est)} ± {num(sd)}, rank score {num(m.get('rankScore'))}, {m.get('tier')}"
        out.append(
            f'<g class="model"><title>{esc(tip)}</title>'
            f'<text class="label" x="{label_w - 10}" y="{y + 16}" text-anchor="end">{esc(label)}</text>'
            f'<rect class="bar" x="{label_w}" y="{y + 4}" width="{coord(x(est) - label_w)}" height="16" '
            f'rx="2" fill="{colour}"{faded}/>'
            f'<line class="whisker" x1="{coord(x(est - sd))}" y1="{y + 12}" x2="{coord(x(est + sd))}" '
            f'y2="{y + 12}"/>'
            f'<line class="whisker" x1="{coord(x(est - sd))}" y1="{y + 7}" x2="{coord(x(est - sd))}" y2="{y + 17}"/>'
            f'<line class="whisker" x1="{coord(x(est + sd))}" y1="{y + 7}" x2="{coord(x(est + sd))}" y2="{y + 17}"/>'
            f'<text class="value" x="{coord(x(est + sd) + 6)}" y="{y + 16}">{num(est)} ± {num(sd)}</text></g>'
        )
    out.append("</svg>")
    return "".join(out)


def calibration_scatter(name: str, cal: Mapping[str, Any], index: int) -> str:
    """Raw score against the reference scale: the points, the line in use and, dashed, the points' own
    least-squares line (``live``; files of older versions: the fixed line when another line was in use)."""
    pairs = [(float(p[0]), float(p[1])) for p in cal.get("pairs") or () if is_num(p[0]) and is_num(p[1])]
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
        f'<svg class="chart calibration" data-source="{esc(name)}" xmlns="http://www.w3.org/2000/svg" '
        f'viewBox="0 0 {width} {height}" width="{width}" height="{height}" role="img">',
        f"<title>{esc(name)}: raw score against the reference scale, {len(pairs)} points</title>",
        f'<defs><clipPath id="{clip}"><rect x="{left}" y="{top}" width="{pw}" height="{ph}"/></clipPath></defs>',
    ]
    for t in xticks:
        out.append(
            f'<line class="grid" x1="{coord(sx(t))}" y1="{top}" x2="{coord(sx(t))}" y2="{top + ph}"/>'
            f'<text class="axis" x="{coord(sx(t))}" y="{top + ph + 15}" text-anchor="middle">'
            f"{_tick_label(t)}</text>"
        )
    for t in yticks:
        out.append(
            f'<line class="grid" x1="{left}" y1="{coord(sy(t))}" x2="{left + pw}" y2="{coord(sy(t))}"/>'
            f'<text class="axis" x="{left - 6}" y="{coord(sy(t) + 4)}" text-anchor="end">{_tick_label(t)}</text>'
        )
    out.append(
        f'<rect class="frame" x="{left}" y="{top}" width="{pw}" height="{ph}"/>'
        f'<text class="axis-title" x="{left + pw / 2:g}" y="{height - 6}" text-anchor="middle">raw '
        f'({esc(name)})</text><text class="axis-title" transform="translate(12 {top + ph / 2:g}) rotate(-90)" '
        'text-anchor="middle">reference (coding index)</text>'
    )
    out.append(f'<g clip-path="url(#{clip})">')
    if (
        other
        and is_num(other.get("slope"))
        and is_num(other.get("intercept"))
        and (other["slope"], other["intercept"]) != (slope, intercept)
    ):
        fs, fi = float(other["slope"]), float(other["intercept"])
        label = "these points' own line" if other is cal.get("live") else "fixed line"
        out.append(
            f'<line class="fixed-line" x1="{coord(sx(x0))}" y1="{coord(sy(fs * x0 + fi))}" x2="{coord(sx(x1))}" '
            f'y2="{coord(sy(fs * x1 + fi))}"><title>{label}: {fs:g} × raw + {fi:g}</title></line>'
        )
    for px, py in pairs:
        out.append(
            f'<circle class="point" cx="{coord(sx(px))}" cy="{coord(sy(py))}" r="3.5">'
            f"<title>raw {px:g} → reference {py:g}</title></circle>"
        )
    out.append(
        f'<line class="fit-line" x1="{coord(sx(x0))}" y1="{coord(sy(slope * x0 + intercept))}" x2="{coord(sx(x1))}" '
        f'y2="{coord(sy(slope * x1 + intercept))}"><title>{esc(cal.get("method"))} line: {slope:g} × raw + '
        f"{intercept:g}</title></line></g></svg>"
    )
    return "".join(out)


def meter(fraction: float, width: int = 120, fill: str = "#2e8b57", rest: str = "#d9534f") -> str:
    """A small inline bar: ``fraction`` of it in ``fill`` from the left, the rest in ``rest``."""
    fraction = min(1.0, max(0.0, fraction))
    return (
        f'<svg class="meter" xmlns="http://www.w3.org/2000/svg" width="{width}" height="10" '
        f'viewBox="0 0 {width} 10"><rect width="{width}" height="10" rx="2" fill="{rest}"/>'
        f'<rect width="{coord(width * fraction)}" height="10" rx="2" fill="{fill}"/></svg>'
    )
