"""The report's sections drawn from the pools document, one pure function each from the parsed document to HTML:
role defaults, tiers, models and their scores, calibration. The sections drawn from the files beside it (the change
report, usage) are in ``modelpools.consumer.report_activity``; the page around them in ``modelpools.consumer.report``.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from modelpools.consumer.charts import calibration_scatter, tier_chart
from modelpools.consumer.explanation import page_scale_text
from modelpools.consumer.markup import (
    TIER_COLOURS,
    badge,
    code,
    context_size,
    esc,
    is_num,
    num,
    pct,
    table,
    tier_badge,
    verdict_badge,
)
from modelpools.consumer.pools_view import estimate_of
from modelpools.rules.probestats import SOURCE as PROBE_SOURCE
from modelpools.rules.roles import BUILTIN_ROLES

__all__ = [
    "roles_section",
    "tiers_section",
    "models_section",
    "calibration_section",
]

_ROLE_ORDER = tuple(role.name for role in BUILTIN_ROLES)


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
        f'{num(estimate_of(ev))} <span class="muted">± {num(ev.get("uncertainty"))}</span>',
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
    entries = {m.get("id"): m for m in doc.get("models") or () if isinstance(m, Mapping)}
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
        if page:  # the scale the page rule ranks on, from the winner's pageScore
            scale = page_scale_text(entries.get(role.get("model"), {}).get("pageScore"))
            needs += [esc(scale)] if scale else []
        notes = "".join(f"<li>{esc(n)}</li>" for n in role.get("notes") or ())
        cards.append(
            f'<article class="role" id="role-{esc(name)}"><header><h3>{esc(name)}</h3>'
            f"{badge(role.get('rule'), 'rule', 'rule')} {site_role}</header>"
            f'<p class="winner">{code(role.get("model")) if role.get("model") else "<em>no model</em>"}</p>'
            f'<p class="rule-text">{esc(role.get("ruleText"))}</p>'
            + (f'<p class="needs">{"; ".join(needs)}</p>' if needs else "")
            + table(head, rows, "compact")
            + (f'<ul class="notes">{notes}</ul>' if notes else "")
            + _experiment_html(role.get("experiment"))
            + "</article>"
        )
    return (
        '<section id="defaults"><h2>Role defaults</h2><p class="lead">Each role is filled by gates, then an '
        "order (docs/scoring.md §5). The chosen model and the two runners-up, with the evidence the rule "
        f'used.</p><div class="roles">{"".join(cards)}</div></section>'
    )


def _experiment_html(experiment: Any) -> str:
    """A role's A/B experiment (roles.<role>.experiment), when the usage summary held one: its verdict and arms."""
    if not isinstance(experiment, Mapping):
        return ""
    from modelpools.rules.experiments import experiment_lines

    head, *arms = experiment_lines(experiment)
    items = "".join(f"<li>{esc(line.strip())}</li>" for line in arms)
    return f'<div class="experiment"><p>{esc(head)}</p><ul>{items}</ul></div>'


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
    if m.get("provisional"):
        how = m["provisional"]
        fitted = f"fitted on {how.get('points')} index values" if how.get("method") == "fitted" else "fixed"
        flags.append(badge("provisional", "warn", f"no measurement: the listing's prior ({fitted})"))
    elif m.get("thinEvidence"):
        flags.append(badge("thin evidence", "warn", "below the evidence minimum"))
    probed = [s for s in m.get("scoreSources") or () if isinstance(s, Mapping) and s.get("source") == PROBE_SOURCE]
    if probed:
        flags.append(badge("probed", "rule", f"measured by the coding probe: {probed[0].get('items')} items"))
    verdict = verdict_badge(m.get("usage"))
    if verdict:
        flags.append(verdict)
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
                f'<b>{num(estimate_of(m))}</b> <span class="muted">± {num(m.get("uncertainty"))}</span>',
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
