"""Render model-pools.json as one static HTML page: defaults, a bar chart (inline SVG) and the tiers; no JavaScript."""

from __future__ import annotations

import json
import sys
from collections.abc import Mapping
from html import escape
from pathlib import Path
from typing import Any

__all__ = ["render_pools_html", "write_site"]

TIER_COLOURS = {"LARGE": "#2f6f4f", "MEDIUM": "#3d6fa8", "SMALL": "#a86f3d"}
ROLE_LABELS = (("bulkModel", "Bulk generation"), ("pageModel", "Page generation"), ("smallTasksModel", "Small tasks"))
CSS = """body{font:15px/1.45 system-ui,sans-serif;margin:2rem auto;max-width:60rem;padding:0 1rem;color:#222}
h1{font-size:1.6rem}table{border-collapse:collapse;width:100%;margin:.5rem 0 1.5rem}
th,td{text-align:left;padding:.25rem .5rem;border-bottom:1px solid #ddd}td.num{text-align:right}
code{font-size:.9em;overflow-wrap:break-word}.tier{display:inline-block;padding:0 .4rem;border-radius:3px;color:#fff}
.chart{overflow-x:auto}
@media (max-width:700px){body{margin:1rem auto}table{display:block;overflow-x:auto}}"""


def _e(value: Any) -> str:
    """HTML-escaped text of any value (None as an em dash)."""
    return "&#8212;" if value is None else escape(str(value), quote=True)


def _num(value: Any, digits: int = 1) -> str:
    return _e(f"{value:.{digits}f}") if isinstance(value, (int, float)) and not isinstance(value, bool) else _e(None)


def _context(value: Any) -> str:
    if not isinstance(value, int) or isinstance(value, bool):
        return _e(None)
    return _e(f"{value // 1000}k" if value < 1_000_000 else f"{value / 1_000_000:g}M")


def _tier_badge(tier: Any) -> str:
    colour = TIER_COLOURS.get(str(tier), "#666")
    return f'<span class="tier" style="background:{colour}">{_e(tier)}</span>'


def _chart(models: list[Mapping[str, Any]]) -> str:
    """A horizontal bar per ranked model under its id, length = codingScore (0-100), coloured by tier: ids above
    the bars keep the chart narrow enough for a phone (it scrolls in its box rather than shrinking its labels)."""
    label_h, bar_h, gap, bar_w = 16, 18, 8, 360
    row = label_h + bar_h + gap
    height = max(1, len(models)) * row + gap
    parts = [
        f'<svg xmlns="http://www.w3.org/2000/svg" role="img" width="{bar_w + 60}" height="{height}" '
        f'viewBox="0 0 {bar_w + 60} {height}" aria-label="Coding score per ranked model">'
    ]
    for i, model in enumerate(models):
        y = gap + i * row + label_h
        score = model.get("codingScore")
        score = float(score) if isinstance(score, (int, float)) and not isinstance(score, bool) else 0.0
        width = round(bar_w * min(100.0, max(0.0, score)) / 100.0, 1)
        colour = TIER_COLOURS.get(str(model.get("tier")), "#666")
        parts.append(f'<text x="0" y="{y - 4}" font-size="12">{_e(model.get("id"))}</text>')
        parts.append(
            f'<rect x="0" y="{y}" width="{width}" height="{bar_h}" fill="{colour}">'
            f"<title>{_e(model.get('id'))}: {_num(score)} ({_e(model.get('tier'))})</title></rect>"
        )
        parts.append(f'<text x="{width + 4}" y="{y + bar_h - 4}" font-size="12">{_num(score)}</text>')
    parts.append("</svg>")
    return "\n".join(parts)


def _provenance(doc: Mapping[str, Any]) -> str:
    """Where the data came from, with the dates the pools file records (a static page shows no ages: they would go
    stale; `modelpools show` gives them)."""
    from modelpools.consumer.overview import provenance_line

    provenance = doc.get("provenance")
    return provenance_line(provenance) if isinstance(provenance, Mapping) else "unknown (rebuild the pools file)"


def render_pools_html(doc: Mapping[str, Any]) -> str:
    """The whole page for a pools document; every value from the document is HTML-escaped."""
    models = list(doc.get("models") or [])
    by_id = {m.get("id"): m for m in models}
    defaults = doc.get("chosenDefaults") or {}
    summary = doc.get("summary") or {}
    out = [
        "<!DOCTYPE html>",
        '<html lang="en">',
        "<head>",
        '<meta charset="utf-8">',
        '<meta name="viewport" content="width=device-width, initial-scale=1">',
        "<title>Free coding model pools</title>",
        f"<style>{CSS}</style>",
        "</head>",
        "<body>",
        "<h1>Free coding model pools</h1>",
        f"<p>{_e(summary.get('freeModels'))} free OpenRouter models: {_e(summary.get('ranked'))} ranked for coding, "
        f"{_e(summary.get('unranked'))} without a score.</p>",
        f'<p class="provenance">Data: {_e(_provenance(doc))}</p>',
        "<h2>Role defaults</h2>",
        "<table>",
        "<tr><th>Role</th><th>Model</th><th>Score</th><th>Tier</th></tr>",
    ]
    for key, label in ROLE_LABELS:
        model_id = defaults.get(key)
        model = by_id.get(model_id, {})
        out.append(
            f"<tr><td>{_e(label)}</td><td><code>{_e(model_id)}</code></td>"
            f'<td class="num">{_num(model.get("codingScore"))}</td>'
            f"<td>{_tier_badge(model.get('tier')) if model else _e(None)}</td></tr>"
        )
    out += ["</table>", "<h2>Coding scores</h2>", f'<div class="chart">{_chart(models)}</div>']
    for tier in doc.get("tiers") or []:
        ids = list(tier.get("models") or [])
        out.append(f"<h2>{_tier_badge(tier.get('name'))} {_e(len(ids))} model{'s' * (len(ids) != 1)}</h2>")
        if not ids:
            out.append("<p>No models in this tier.</p>")
            continue
        out += [
            "<table>",
            "<tr><th>Rank</th><th>Model</th><th>Name</th><th>Score</th><th>Context</th><th>Sources</th></tr>",
        ]
        for model_id in ids:
            m = by_id.get(model_id, {})
            sources = ", ".join(
                f"{_e(s.get('source'))} {_num(s.get('calibrated'))}" for s in m.get("scoreSources") or []
            )
            out.append(
                f'<tr><td class="num">{_e(m.get("rank"))}</td><td><code>{_e(model_id)}</code></td>'
                f'<td>{_e(m.get("name"))}</td><td class="num">{_num(m.get("codingScore"))}</td>'
                f'<td class="num">{_context(m.get("contextLength"))}</td><td>{sources}</td></tr>'
            )
        out.append("</table>")
    unranked = list(doc.get("unranked") or [])
    if unranked:
        out += ["<h2>Without a coding score</h2>", "<table>", "<tr><th>Model</th><th>Context</th><th>Why</th></tr>"]
        out += [
            f'<tr><td><code>{_e(u.get("id"))}</code></td><td class="num">{_context(u.get("contextLength"))}</td>'
            f"<td>{_e(u.get('reason'))}</td></tr>"
            for u in unranked
        ]
        out.append("</table>")
    commit = (doc.get("inputs") or {}).get("benchmarkCommit")
    out += [
        f"<footer><p>Benchmark data commit: <code>{_e(commit)}</code>. Built by modelpools.</p></footer>",
        "</body>",
        "</html>",
        "",
    ]
    return "\n".join(out)


def write_site(pools_file: Path | str, out_file: Path | str) -> bool:
    """Render pools_file into out_file (written only when the bytes change); True when written."""
    from modelpools.io.files import read_json, write_if_changed

    doc = read_json(pools_file, "pools file")
    return write_if_changed(out_file, render_pools_html(doc).encode("utf-8"))


if __name__ == "__main__":  # python render.py POOLS_JSON OUT_HTML
    if len(sys.argv) != 3:
        sys.exit("usage: python render.py POOLS_JSON OUT_HTML")
    write_site(sys.argv[1], sys.argv[2])
    print(json.dumps({"written": sys.argv[2]}))
