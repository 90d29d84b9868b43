"""The report's sections, one pure function each from the parsed pools document (and, for changes and usage,
the files beside it) to HTML: role defaults, tiers, models and their scores, calibration, changes and usage.
The page around them (header, provenance, style) is in ``modelpools.consumer.report``.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from modelpools.consumer.charts import calibration_scatter, meter, tier_chart
from modelpools.consumer.markup import (
    TIER_COLOURS,
    badge,
    code,
    context_size,
    esc,
    is_num,
    iso,
    num,
    pct,
    secs,
    table,
    tier_badge,
)
from modelpools.rules.probestats import SOURCE as PROBE_SOURCE

__all__ = [
    "roles_section",
    "tiers_section",
    "models_section",
    "calibration_section",
    "changes_section",
    "usage_section",
]

_ROLE_ORDER = ("bulkModel", "pageModel", "smallTasksModel")


def _line(slope: Any, intercept: Any) -> str:
    """``0.4582 × raw − 0.94``"""
    if not (is_num(slope) and is_num(intercept)):
        return "&#8212;"
    return f"{slope:.4f} × raw {'−' if intercept < 0 else '+'} {abs(intercept):.2f}"


def _roles_in_order(roles: Mapping[str, Any]) -> list[str]:
    return [r for r in _ROLE_ORDER if r in roles] + sorted(r for r in roles if r not in _ROLE_ORDER)


def _evidence_row(label: str, ev: Mapping[str, Any], page: bool, tiers: Mapping[str, str]) -> list[str]:
    model_id = ev.get("id")
    row = [
        label,
        code(model_id),
        tier_badge(tiers.get(model_id) if isinstance(model_id, str) else None),
        f'{num(ev.get("codingScore"))} <span class="muted">± {num(ev.get("uncertainty"))}</span>',
        num(ev.get("rankScore")),
    ]
    if page:
        row.append(num(ev.get("pageRankScore")))
    row += [
        num(ev.get("evidence")),
        num(ev.get("activeParameters"), 0) if is_num(ev.get("activeParameters")) else "?",
        context_size(ev.get("contextLength")),
        ", ".join(esc(s) for s in ev.get("sources") or ()) or "&#8212;",
    ]
    return row


def roles_section(doc: Mapping[str, Any]) -> str:
    roles = doc.get("roles") or {}
    defaults = doc.get("chosenDefaults") or {}
    tiers = {m.get("id"): m.get("tier") for m in doc.get("models") or ()}
    cards = []
    for name in _roles_in_order(roles):
        role = roles[name]
        page = role.get("rule") == "page"
        site_role = "" if name in defaults else badge("site role", "muted")
        needs = []
        if role.get("requires"):
            needs.append("requires " + ", ".join(code(r) for r in role["requires"]))
        if role.get("minContext"):
            needs.append(f"context ≥ {context_size(role['minContext'])}")
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
        notes = "".join(f"<li>{esc(n)}</li>" for n in role.get("notes") or ())
        cards.append(
            f'<article class="role" id="role-{esc(name)}"><header><h3>{esc(name)}</h3>'
            f"{badge(role.get('rule'), 'rule', 'rule')} {site_role}</header>"
            f'<p class="winner">{code(role.get("model")) if role.get("model") else "<em>no model</em>"}</p>'
            f'<p class="rule-text">{esc(role.get("ruleText"))}</p>'
            + (f'<p class="needs">{"; ".join(needs)}</p>' if needs else "")
            + table(head, rows, "compact")
            + (f'<ul class="notes">{notes}</ul>' if notes else "")
            + "</article>"
        )
    return (
        '<section id="defaults"><h2>Role defaults</h2><p class="lead">Each role is filled by gates, then an '
        "order (docs/scoring.md §5). The chosen model and the two runners-up, with the evidence the rule "
        f'used.</p><div class="roles">{"".join(cards)}</div></section>'
    )


def tiers_section(doc: Mapping[str, Any]) -> str:
    models = list(doc.get("models") or ())
    summary = doc.get("summary") or {}
    legend = "".join(
        f'<span class="key"><i style="background:{c}"></i>{t} ({esc((summary.get("tiers") or {}).get(t, 0))})</span>'
        for t, c in TIER_COLOURS.items()
    )
    legend += (
        '<span class="key"><i class="whisker-key"></i>± 1 uncertainty</span>'
        '<span class="key"><i class="faded-key"></i>thin evidence or deprecated</span>'
    )
    chart = tier_chart(models) if models else '<p class="muted">No ranked models.</p>'
    return (
        f'<section id="tiers"><h2>Tiers</h2><p class="lead">Ranked by rank score (estimate − uncertainty), '
        f'best first; bars show the estimate.</p><div class="legend">{legend}</div>'
        f'<div class="scroll">{chart}</div></section>'
    )


def _raw(value: Any) -> str:
    return f"{value:.4g}" if is_num(value) and abs(value) < 1000 else num(value, 0)


def _probe_text(source: Mapping[str, Any]) -> str:
    """`` · 40 items of probe set <id>, 90 % interval 31-49 % right`` for a probe source, else ``""``."""
    if source.get("source") != PROBE_SOURCE:
        return ""
    interval = source.get("interval")
    low, high = interval if isinstance(interval, Sequence) and len(interval) == 2 else (None, None)
    return (
        f" · {esc(source.get('items'))} items of probe set <code>{esc(source.get('probeSet'))}</code>, "
        f"90 % interval {num(low, 0)}-{num(high, 0)} % right"
    )


def _sources_cell(sources: Sequence[Mapping[str, Any]]) -> str:
    parts = []
    for s in sources:
        remembered = f" · remembered from {esc(s['rememberedFrom'])}" if s.get("rememberedFrom") else ""
        raw = f"{num(s.get('raw'))} % right" if s.get("source") == PROBE_SOURCE else _raw(s.get("raw"))
        parts.append(
            f'<div class="src" data-source="{esc(s.get("source"))}" title="{esc(s.get("ref"))}">'
            f'<b>{esc(s.get("source"))}</b> {raw} → {num(s.get("calibrated"))}<div class="muted">sd '
            f"{num(s.get('sd'))} · weight {pct(s.get('weight'))} · {num(s.get('evidence'))} units"
            f"{remembered}{_probe_text(s)}</div></div>"
        )
    return "".join(parts) or "&#8212;"


def _flags(m: Mapping[str, Any]) -> str:
    flags = []
    if m.get("deprecated"):
        flags.append(badge("deprecated", "bad", m["deprecated"]))
    if m.get("thinEvidence"):
        flags.append(badge("thin evidence", "warn", "below the evidence minimum"))
    probed = [s for s in m.get("scoreSources") or () if isinstance(s, Mapping) and s.get("source") == PROBE_SOURCE]
    if probed:
        flags.append(badge("probed", "rule", f"measured by the coding probe: {probed[0].get('items')} items"))
    usage = m.get("usage")
    if isinstance(usage, Mapping) and usage.get("verdict"):
        kind = {"unavailable": "bad", "demoted": "warn"}.get(str(usage["verdict"]), "good")
        flags.append(badge(usage["verdict"], kind, usage.get("reason")))
    return " ".join(flags)


def models_section(doc: Mapping[str, Any]) -> str:
    rows = []
    for m in doc.get("models") or ():
        prior = m.get("prior") or {}
        match = m.get("match") or {}
        match_text = (
            f'{esc(match.get("method"))} <span class="muted">{num(match.get("confidence"), 2)}</span>'
            f"<div>{code(match.get('benchmarkId'))}</div>"
            if match.get("benchmarkId")
            else '<span class="muted">none</span>'
        )
        rows.append(
            [
                esc(m.get("rank")),
                f'{code(m.get("id"))}<div class="name">{esc(m.get("name"))}</div>{_flags(m)}',
                tier_badge(m.get("tier")),
                f'<b>{num(m.get("codingScore"))}</b> <span class="muted">± {num(m.get("uncertainty"))}</span>',
                num(m.get("rankScore")),
                f'{num(m.get("evidence"))} units<div class="muted">prior {num(prior.get("mean"), 0)}, '
                f"{esc(prior.get('sizeClass'))}</div>",
                _sources_cell([s for s in m.get("scoreSources") or () if isinstance(s, Mapping)]),
                match_text,
                context_size(m.get("contextLength")),
            ]
        )
    ranked = table(
        ["#rank", "model", "tier", "#estimate", "#rank score", "evidence", "sources", "match", "#context"],
        rows,
        "models",
    )
    unranked = table(
        ["model", "reason", "#context"],
        (
            [
                f'{code(u.get("id"))}<div class="name">{esc(u.get("name"))}</div>'
                + (badge("deprecated", "bad", u["deprecated"]) if u.get("deprecated") else ""),
                esc(u.get("reason")),
                context_size(u.get("contextLength")),
            ]
            for u in doc.get("unranked") or ()
        ),
    )
    excluded = table(
        ["model", "reason"],
        (
            [f'{code(x.get("id"))}<div class="name">{esc(x.get("name"))}</div>', esc(x.get("reason"))]
            for x in doc.get("excluded") or ()
        ),
    )
    return (
        f'<section id="models"><h2>Models and their scores</h2><p class="lead">Estimate ± uncertainty on the '
        f"catalog's coding-index scale; each source: raw → calibrated, its standard deviation, its share of "
        f'the weight and its evidence units (docs/scoring.md §2-4).</p><div class="scroll">{ranked}</div>'
        f"<h3>Unranked ({len(doc.get('unranked') or ())})</h3>{unranked}"
        f"<h3>Excluded, not for code ({len(doc.get('excluded') or ())})</h3>{excluded}</section>"
    )


def calibration_section(doc: Mapping[str, Any]) -> str:
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
            f"<b>{esc(name)}</b> {badge(cal.get('method'), 'rule')} calibrated = "
            f"{_line(cal.get('slope'), cal.get('intercept'))}; {esc(cal.get('points'))} common models, "
            f"residual sd {num(cal.get('residualSd'))}"
        )
        live = given if isinstance(given := cal.get("live"), Mapping) else None
        drift = given if isinstance(given := cal.get("drift"), Mapping) else {}
        if fixed:
            fixed_line = _line(fixed.get("slope"), fixed.get("intercept"))
            caption += (
                f'<br><span class="muted">documented fixed line {fixed_line} '
                f"(fitted on {esc(fixed.get('points'))} models{'' if live else '; dashed'})</span>"
            )
        if live:
            own = _line(live.get("slope"), live.get("intercept"))
            caption += f'<br><span class="muted">these points\' own line {own} (dashed; shown, not used)</span>'
        if drift.get("drifted") is True:
            caption += (
                f"<br>{badge('drifted', 'bad')} the points sit {num(drift.get('shift'))} (se "
                f"{num(drift.get('se'))}) off the fixed line: refit it (docs/scoring.md §3)"
            )
        figures.append(f"<figure>{calibration_scatter(name, cal, i)}<figcaption>{caption}</figcaption></figure>")
    lead = (
        "Each source reaches the reference scale through a line (docs/scoring.md §3). The points are the "
        "models scored by both; solid: the line in use; dashed: the points' own least-squares line."
    )
    if reference:
        lead += " Reference scale: " + ", ".join(code(r) for r in reference) + "."
    body = (
        f'<div class="figures">{"".join(figures)}</div>'
        if figures
        else '<p class="muted">No calibrated source in this build.</p>'
    )
    return f'<section id="calibration"><h2>Calibration</h2><p class="lead">{lead}</p>{body}</section>'


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
                _flags({"usage": verdict}) if verdict else "&#8212;",
            ]
        )
    parts.append(
        '<p class="lead">Per model: attempts, share of successes, latency of successful replies (p50, '
        "p90), failures by class, and what the pools made of it (docs/consumer-client.md).</p>"
    )
    parts.append(table(["model", "#attempts", "success", "#p50", "#p90", "failures", "in the pools"], rows, "usage"))
    parts.append("</section>")
    return "".join(parts)
