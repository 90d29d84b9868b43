"""The report's sections drawn from the files beside the pools document, one pure function each to HTML: the last
change report (model-pools-changes.json) and usage (a ``modelpools usage`` report from the ledger, or the usage
summary the last build read). The sections drawn from the pools document itself are in
``modelpools.consumer.report_pools``; the page around them in ``modelpools.consumer.report``.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from modelpools.consumer.charts import meter
from modelpools.consumer.markup import badge, code, esc, is_num, iso, pct, secs, table, tier_badge, verdict_badge

__all__ = ["changes_section", "usage_section"]


def changes_section(changes: Mapping[str, Any] | None) -> str:
    if changes is None:
        return (
            '<section id="changes"><h2>Last change report</h2><p class="muted">No change report '
            "(model-pools-changes.json) in the cache.</p></section>"
        )
    tier = lambda t: tier_badge(t) if t else badge("unranked", "muted")  # noqa: E731
    first = bool(changes.get("firstBuild"))
    groups: list[tuple[str, list[str]]] = []
    if first:
        groups.append(("First build", [f"{len(changes.get('added') or ())} free models"]))
    else:
        groups.append(
            (
                "Default changes",
                [
                    f"<b>{esc(d.get('role'))}</b>: {code(d.get('from'))} → {code(d.get('to'))}"
                    for d in changes.get("defaultChanges") or ()
                ],
            )
        )
        groups.append(("Added", [f"{code(a.get('id'))} {tier(a.get('tier'))}" for a in changes.get("added") or ()]))
        groups.append(
            ("Removed", [f"{code(r.get('id'))} was {tier(r.get('tier'))}" for r in changes.get("removed") or ()])
        )
    groups.append(
        (
            "Tier moves",
            [
                f"{code(m.get('id'))} {tier(m.get('from'))} → {tier(m.get('to'))}"
                for m in changes.get("tierMoves") or ()
            ],
        )
    )
    expiring = []
    for e in changes.get("expiring") or ():
        left = e.get("daysLeft")
        when = (
            ("expired" if left < 0 else "expires today" if left == 0 else f"expires in {left} days")
            if is_num(left)
            else "expires"
        )
        expiring.append(f"{code(e.get('id'))} {when} ({esc(e.get('expirationDate'))})")
    groups.append((f"Expired or expiring within {esc(changes.get('expiryWarningDays'))} days", expiring))
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


def usage_section(usage: Mapping[str, Any] | None, now: float | None, doc: Mapping[str, Any]) -> str:
    if usage is None:
        return ""
    verdicts = {m.get("id"): m["usage"] for m in doc.get("models") or () if isinstance(m.get("usage"), Mapping)}
    parts = ['<section id="usage"><h2>Usage</h2>']
    today = usage.get("today") if isinstance(usage.get("today"), Mapping) else None
    if today:
        used, limit = today.get("used", 0), today.get("limit", 0)
        share = used / limit if is_num(used) and is_num(limit) and limit else 1.0
        state = "cap reached" if today.get("capped") else f"{esc(today.get('left'))} left"
        source = "from OpenRouter's answer" if today.get("limitSource") == "header" else "setting daily_request_cap"
        parts.append(
            f'<div class="today"><p><b>Today (UTC): {esc(used)} of {esc(limit)}</b> free requests used '
            f"({esc(source)}), {state}; resets {esc(today.get('resetsAt'))}.</p>"
            f"{meter(share, 480, '#d9534f' if today.get('capped') else '#2f6db5', '#e3e8ef')}"
            f'<p class="muted">As of {esc(iso(now))}, from the ledger {code(usage.get("ledger"))}; '
            f"per model: the last {esc(usage.get('days'))} days.</p></div>"
        )
    else:
        window = usage.get("window") or {}
        parts.append(
            f'<p class="lead">From the usage summary the last build read: {esc(window.get("days"))} days '
            f"up to {esc(window.get('end'))}.</p>"
        )
    models = usage.get("models") or {}
    rows = []
    for model_id, m in sorted(models.items(), key=lambda item: (-(item[1].get("attempts") or 0), item[0])):
        latency = m.get("latencyMs") or {}
        failures = ", ".join(f"{esc(k)} {esc(v)}" for k, v in sorted((m.get("outcomes") or {}).items()) if k != "ok")
        rate = m.get("successRate")
        verdict = verdicts.get(model_id)
        rows.append(
            [
                code(model_id),
                esc(m.get("attempts")),
                f"{meter(rate if is_num(rate) else 0)} {pct(rate)}",
                secs(latency.get("p50")),
                secs(latency.get("p90")),
                failures or "&#8212;",
                verdict_badge(verdict) if verdict else "&#8212;",
            ]
        )
    parts.append(
        '<p class="lead">Per model: attempts, share of successes, latency of successful replies (p50, '
        "p90), failures by class, and what the pools made of it (docs/consumer-client.md).</p>"
    )
    parts.append(table(["model", "#attempts", "success", "#p50", "#p90", "failures", "in the pools"], rows, "usage"))
    parts.append("</section>")
    return "".join(parts)
