"""What ``modelpools explain`` says, as JSON data and as text lines: why a model got its score, tier and roles (the
tier rule's arithmetic, its sources, its match to LLM-Stats), and how a role's default was chosen.

>>> from pathlib import Path
>>> from modelpools.consumer.pools_view import load_pools
>>> pools = load_pools(Path("tests/data/pools-sample.json"))
>>> explain_model(pools, "openai/gpt-oss-20b").data["why"]
'rank 8 of 11 ranked; LARGE holds ranks 1-2 (ceil(11 x 0.15) = 2), MEDIUM ranks 3-6 (up to ceil(11 x 0.5) = 6), SMALL ranks 7-11 (the rest) -> SMALL'
>>> explain_role(pools, "pageModel").lines[0]
'  pageModel: nvidia/nemotron-3-ultra-550b-a55b:free'
"""

from __future__ import annotations

import difflib
from collections.abc import Mapping
from pathlib import Path
from typing import TYPE_CHECKING, Any

from modelpools.consumer.overview import Report, model_entries
from modelpools.consumer.pools_view import PoolModel, Pools, UnrankedModel, estimate_of
from modelpools.errors import DataError
from modelpools.rules.ranking import tier_cut
from modelpools.rules.roles import ROLE_ALIASES

if TYPE_CHECKING:
    from modelpools.rules.matching import Match

__all__ = [
    "explain_model",
    "explain_role",
    "resolve_id",
    "role_name",
    "tier_rule",
    "match_report_entry",
]


def tier_rule(pools: Pools) -> str:
    """The rank ranges of the tiers and the rounded-up cut-offs behind them, from the pools file's own settings."""
    settings = pools.document["inputs"]["settings"]  # validated: both cut-offs are there
    large_cutoff, medium_cutoff = settings["large_cutoff"], settings["medium_cutoff"]
    cut = tier_cut(len(pools.models), large_cutoff, medium_cutoff)  # provisional models are cut like measured ones

    def rounded(cutoff: float, value: int, end: int) -> str:
        text = f"ceil({cut.n} x {cutoff:g}) = {value}"
        return text if value == end else f"{text}, raised to {end}: MEDIUM holds at least one model when any is left"

    return (
        f"LARGE holds {_ranks(1, cut.large_end)} ({rounded(large_cutoff, cut.large_ceil, cut.large_end)}), "
        f"MEDIUM {_ranks(cut.large_end + 1, cut.medium_end)} "
        f"(up to {rounded(medium_cutoff, cut.medium_ceil, cut.medium_end)}), "
        f"SMALL {_ranks(cut.medium_end + 1, cut.n)} (the rest)"
    )


def _ranks(first: int, last: int) -> str:
    if last < first:
        return "no ranks"
    return f"rank {first}" if first == last else f"ranks {first}-{last}"


def explain_model(pools: Pools, model_id: str, match_entry: Match | None = None) -> Report:
    """Why a model got its score, tier and roles (``:free`` may be left off); DataError naming close ids if unknown.

    ``match_entry`` is the model's entry in model-matches.json (see match_report_entry), shown when given.
    """
    wanted = resolve_id(pools, model_id)
    model = pools.model(wanted)
    if model is not None:
        data, lines = _explain_ranked(pools, model)
    else:
        unranked = next((u for u in pools.unranked if u.id == wanted), None)
        excluded = _excluded_entry(pools, model_id)
        if unranked is None and excluded is not None:
            data, lines = _explain_excluded(excluded)
        elif unranked is None:
            close = difflib.get_close_matches(model_id, sorted(pools.ids), n=3, cutoff=0.5)
            hint = f"; did you mean {', '.join(close)}?" if close else "; run `modelpools show` for the list"
            raise DataError(f"{model_id!r} is not in {pools.path}{hint}")
        else:
            data, lines = _explain_unranked(unranked)
    if match_entry is not None:
        data["matchReport"] = match_entry.to_dict()
        candidates = ", ".join(f"{bid} ({score})" for bid, score in match_entry.candidates)
        if candidates:
            lines.append(f"  match candidates: {candidates}")
        if match_entry.note:
            lines.append(f"  note: {match_entry.note}")
    return Report(data, tuple(lines))


def resolve_id(pools: Pools, model_id: str) -> str:
    """model_id, or model_id + ":free" when only that is in the file."""
    if model_id not in pools.ids and model_id + ":free" in pools.ids:
        return model_id + ":free"
    return model_id


def role_name(pools: Pools, text: str) -> str | None:
    """The role text names (``page``, ``pageModel``, a site role) when it is no model id in the file, else None."""
    roles = pools.document.get("roles") or {}
    name = ROLE_ALIASES.get(text, text)
    return name if name in roles and text not in pools.ids else None


def explain_role(pools: Pools, name: str) -> Report:
    """How a role's default was chosen: the rule, the winner's evidence, the two runners-up, relaxed gates."""
    role = pools.document["roles"][name]
    lines = _role_lines(name, role)
    if role.get("rule") == "page":  # the scale the page rule ranks on, from the winner's pageScore
        text = page_scale_text(model_entries(pools).get(role.get("model") or "", {}).get("pageScore"))
        lines[2:2] = [f"    {text}"] if text else []
    return Report({"role": name, **role}, tuple(lines))


def _role_lines(name: str, role: Mapping[str, Any]) -> list[str]:
    def describe(e: Mapping[str, Any] | None) -> str:
        if not e:
            return "none"
        page = f", page {e['pageRankScore']:.1f}" if isinstance(e.get("pageRankScore"), (int, float)) else ""
        active = f", {e['activeParameters']:g}B active" if isinstance(e.get("activeParameters"), (int, float)) else ""
        return (
            f"{e['id']}: estimate {estimate_of(e):.1f} ±{e['uncertainty']:.1f} (rank score "
            f"{e['rankScore']:.1f}{page}), evidence {e['evidence']:g} units from "
            f"{', '.join(e['sources']) or 'none'}{active}"
        )

    lines = [
        f"  {name}: {role.get('model') or 'none'}",
        f"    rule: {role.get('ruleText')}",
        f"    won: {describe(role.get('evidence'))}",
    ]
    lines += [f"    runner-up: {describe(e)}" for e in role.get("runnersUp") or ()]
    lines += [f"    note: {n}" for n in role.get("notes") or ()]
    lines += [f"    gate {_gate_text(g)}" for g in role.get("gates") or () if g.get("result") != "not applied"]
    if isinstance(role.get("experiment"), Mapping):
        from modelpools.rules.experiments import experiment_lines

        lines += [f"    {line}" for line in experiment_lines(role["experiment"])]
    return lines


def _gate_text(gate: Mapping[str, Any]) -> str:
    """One gate of a role choice: passed by the winner (and the models ahead of it that it set aside), or given up."""
    if gate.get("result") == "given up":
        return f"{gate.get('text')}: given up (no candidate passed it)"
    aside = gate.get("setAside") or ()
    return f"{gate.get('text')}: passed" + (
        f"; set aside, though ahead in the order: {', '.join(aside)}" if aside else ""
    )


def _provisional_text(provisional: Mapping[str, Any]) -> str:
    """Why an estimate is provisional and what its prior read."""
    inputs = provisional.get("inputs") or {}
    size = inputs.get("totalParameters")
    read = (
        f"{'unknown size' if size is None else f'{size:g}B total'}"
        + (f", {inputs['activeParameters']:g}B active" if inputs.get("activeParameters") not in (None, size) else "")
        + f", released {inputs.get('created') or 'unknown'}, vendor {inputs.get('vendor')}"
    )
    how = (
        f"the prior fitted on {provisional.get('points')} coding-index values of this listing"
        if provisional.get("method") == "fitted"
        else "the fixed size-class prior (this listing has too few coding-index values to fit one)"
    )
    return (
        f"  provisional: no measurement ({provisional.get('reason')}); the estimate is {how}, from {read}; never a "
        "role default while a measured model is eligible; the probe measures it first"
    )


def _web_text(page: Mapping[str, Any]) -> str:
    """Both measurements of a page score: the web Elo (direct) and the coding estimate (indirect), with weights."""
    web, coding = page.get("web"), page.get("coding")
    indirect = (
        f"coding estimate {coding['estimate']:.1f} ±{coding['sd']:.1f} (the line's residual spread added), "
        f"{100 * coding['weight']:.0f}% of the weight"
        if coding
        else "the coding estimate"
    )
    if not web:
        spread = f": {coding['estimate']:.1f} ±{coding['sd']:.1f} (the line's residual spread added)" if coding else ""
        return f"no web Elo: the coding estimate stands in{spread}"
    seen = f", remembered from {web['rememberedFrom']}" if web.get("rememberedFrom") else ""
    arena = str(web["source"]).removeprefix("web:")
    return (
        f"web Elo {web['raw']:g} ({arena}) -> {web['calibrated']:.1f} ±{web.get('sd', 0):.1f}, "
        f"{100 * web.get('weight', 0):.0f}% of the weight{seen}; {indirect}"
    )


def page_scale_text(page: Mapping[str, Any] | None) -> str | None:
    """The page scale in words, from a pageScore's ``scale``; None when the entry has none (an older file)."""
    scale = (page or {}).get("scale")
    if not scale:
        return None
    measure = str(scale["measure"]).removeprefix("web:")
    sign = "-" if scale["intercept"] < 0 else "+"
    return (
        f"page scale: Design Arena {measure} Elo on the coding-index scale ({scale['slope']:g} x Elo {sign} "
        f"{abs(scale['intercept']):g})"
    )


def _explain_ranked(pools: Pools, model: PoolModel) -> tuple[dict[str, Any], list[str]]:
    roles_doc = pools.document.get("roles") or {}
    roles = [key for key, value in pools.defaults if value == model.id]
    roles += [key for key, role in sorted(roles_doc.items()) if role.get("model") == model.id and key not in roles]
    entry = model_entries(pools).get(model.id, {})
    why = f"rank {model.rank} of {len(pools.models)} ranked; {tier_rule(pools)} -> {model.tier}"
    data = {
        "id": model.id,
        "name": model.name,
        "vendor": model.vendor,
        "ranked": True,
        "rank": model.rank,
        "tier": model.tier,
        "codingScore": model.coding_score,
        "estimate": model.estimate,
        "contextLength": model.context_length,
        "expirationDate": model.expiration_date,
        "defaultFor": roles,
        "why": why,
        "scoreSources": [
            {"source": s.source, "raw": s.raw, "calibrated": s.calibrated, "ref": s.ref} for s in model.score_sources
        ],
        "match": {
            "benchmarkId": model.match.benchmark_id,
            "method": model.match.method,
            "confidence": model.match.confidence,
        },
    }
    lines = [
        f"{model.id}  ({model.name})",
        f"  tier {model.tier}, rank {model.rank}, coding score {model.coding_score:.1f} (what the ranking orders by)",
        f"  why: {why}",
    ]
    if "uncertainty" in entry:
        prior = entry["prior"]
        data.update(
            {k: entry[k] for k in ("uncertainty", "rankScore", "evidence", "thinEvidence", "prior", "deprecated")}
        )
        data["scoreSources"] = [dict(s) for s in entry.get("scoreSources") or ()]
        lines.append(
            f"  estimate {estimate_of(entry):.1f} ±{entry['uncertainty']:.1f}, ranked by "
            f"{entry['rankScore']:.1f} (estimate - uncertainty); evidence {entry['evidence']:g} units"
            + (" (thin: below the minimum)" if entry["thinEvidence"] else "")
            + f"; prior {prior['mean']:g} ±{prior['sd']:g} ({prior['sizeClass']})"
        )
        for source in entry.get("scoreSources") or ():
            seen = f", remembered from {source['rememberedFrom']}" if source.get("rememberedFrom") else ""
            if source.get("items") is not None:  # the coding probe: what it measured, and how sure that is
                low, high = source["interval"]
                seen += (
                    f"; probed: {source['raw']:g}% right of {source['items']} items (90% interval "
                    f"{low:g}-{high:g}%), probe set {source['probeSet']}"
                )
            lines.append(
                f"  source {source['source']}: raw {source['raw']:g} -> calibrated "
                f"{source['calibrated']:.1f} ±{source.get('sd', 0):.1f}, {source.get('evidence', 0):g} "
                f"units, {100 * source['weight']:.0f}% of the measured weight{seen}  [{source['ref']}]"
            )
        page = entry.get("pageScore")
        if page:  # what the page roles rank by: the web Elo, else the coding estimate through the web line
            data["pageScore"] = dict(page)
            elo = f" (website Elo {page['scale']['elo']:g})" if page.get("scale") else ""
            lines.append(
                f"  page score {page['estimate']:.1f} ±{page['uncertainty']:.1f}{elo}, page roles rank by "
                f"{page['rankScore']:.1f}; {_web_text(page)}"
            )
        if entry.get("provisional"):
            lines.append(_provisional_text(entry["provisional"]))
        if entry.get("deprecated"):
            lines.append(f"  deprecated: {entry['deprecated']} (never a role default)")
    else:  # a version-1 file
        lines += [
            f"  source {s.source}: raw {s.raw:g} -> calibrated {s.calibrated:.1f}  [{s.ref}]"
            for s in model.score_sources
        ]
    lines.append(_match_line(pools, model))
    if roles:
        lines.append(f"  default for: {', '.join(roles)}")
        for key in roles:
            if key in roles_doc:
                lines += _role_lines(key, roles_doc[key])
    if model.expiration_date:
        lines.append(f"  expires: {model.expiration_date}")
    if model.usage:  # what the usage ledger made the pools do with the model
        data["usage"] = dict(model.usage)
        lines.append(f"  usage: {model.usage.get('verdict')}: {model.usage.get('reason')}")
    return data, lines


def _match_line(pools: Pools, model: PoolModel) -> str:
    """How the model was matched to LLM-Stats, said plainly when there was no benchmark data or no match."""
    if model.match.benchmark_id:
        return f"  match: {model.match.method} -> {model.match.benchmark_id} (confidence {model.match.confidence:.2f})"
    benchmarks = (pools.document.get("provenance") or {}).get("benchmarks") or {}
    if benchmarks.get("source") == "curated-only":
        return "  match: none - no LLM-Stats benchmark data was available for this build (curated scores only)"
    return "  match: none - no LLM-Stats model matched this id"


def _explain_unranked(unranked: UnrankedModel) -> tuple[dict[str, Any], list[str]]:
    data = {
        "id": unranked.id,
        "name": unranked.name,
        "vendor": unranked.vendor,
        "ranked": False,
        "reason": unranked.reason,
        "contextLength": unranked.context_length,
    }
    return data, [f"{unranked.id}  ({unranked.name})", f"  unranked: {unranked.reason}"]


def _excluded_entry(pools: Pools, model_id: str) -> Mapping[str, Any] | None:
    """The pools file's ``excluded`` entry of model_id (``:free`` may be left off), or None."""
    wanted = {model_id, model_id + ":free"}
    return next((e for e in pools.document.get("excluded") or () if e.get("id") in wanted), None)


def _explain_excluded(entry: Mapping[str, Any]) -> tuple[dict[str, Any], list[str]]:
    data = {"id": entry["id"], "name": entry.get("name"), "ranked": False, "excluded": True, "reason": entry["reason"]}
    return data, [f"{entry['id']}  ({entry.get('name')})", f"  excluded from the pools: {entry['reason']}"]


def match_report_entry(matches_file: Path, model_id: str) -> Match | None:
    """The model's entry in model-matches.json; None when the file is missing or unreadable (it only adds detail)."""
    from modelpools.records import MatchReport

    if not matches_file.is_file():
        return None
    try:
        matches = MatchReport.load(matches_file).matches
    except DataError:
        return None
    return next((m for m in matches if m.id == model_id), None)
