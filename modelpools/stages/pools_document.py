"""The pools document, built from the stage's typed inputs (pure): drop non-coding models, fuse the evidence, rank,
tier and choose the role defaults; plus the provenance block read from the inputs' content.

stages/pools.py is the runner that reads the records, validates this document and writes it.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from modelpools.gcpause import gc_paused
from modelpools.records import POOLS_VERSION, BenchmarkScores
from modelpools.rules.calibration import web_calibrations
from modelpools.rules.eligibility import catalog_date, deprecation, not_for_code
from modelpools.rules.freemodels import prices_are_zero
from modelpools.rules.fusion import PAGE_SCALE, FusedModel, PageEstimate, fuse_scores, page_estimates
from modelpools.rules.memory import recall
from modelpools.rules.ranking import TIER_NAMES, assign_tiers, rank_models
from modelpools.rules.rolechoice import Candidate, RoleChoice, choose_roles, chosen_defaults
from modelpools.rules.roles import BUILTIN_ROLES, RoleRule
from modelpools.rules.usage import Verdict, prefer_faster, usage_verdicts
from modelpools.slices import RankingSettings

if TYPE_CHECKING:
    from modelpools.rules.calibration import Calibration
    from modelpools.rules.matching import Match
    from modelpools.rules.probestats import ProbeTally
    from modelpools.rules.scoring import CuratedScore
    from modelpools.rules.sizes import Architecture

__all__ = ["PoolsInputs", "build_document", "is_zero_priced", "pools_provenance", "roles_of"]


# The evidence, kept in every pools entry, that the model is free (the catalog's prices, normalized).
ZERO_PRICING = {"prompt": "0", "completion": "0"}


def is_zero_priced(model: Mapping[str, Any]) -> bool:
    """True when a catalog model's prompt and completion prices are zero (missing counts as zero, as in the catalog)."""
    return prices_are_zero(model.get("pricing") if "pricing" in model else {})


def _model_json(
    model: FusedModel,
    rank: int,
    tier: str,
    page: PageEstimate | None,
    page_line: Calibration | None,
    deprecated: str | None,
    entry: Mapping[str, Any],
    usage: Verdict | None = None,
) -> dict[str, Any]:
    estimate = model.estimate
    assert estimate is not None  # a ranked model: rank_models keeps only the models with an estimate
    out = {
        "id": model.id,
        "name": model.name,
        "vendor": model.vendor,
        "rank": rank,
        "tier": tier,
        "codingScore": model.conservative,  # the number the models are ranked by (docs/scoring.md)
        "estimate": estimate.mean,
        "uncertainty": estimate.sd,
        "rankScore": model.conservative,
        "evidence": estimate.units,
        "thinEvidence": estimate.thin,
        "prior": model.prior.to_json(),
        "parameters": {"total": model.parameters[0], "active": model.parameters[1], "activeFrom": model.active_from},
        "contextLength": model.context_length,
        "maxOutputTokens": _positive_int(entry.get("max_completion_tokens")),
        "supportedParameters": [p for p in entry.get("supported_parameters") or () if isinstance(p, str)],
        "expirationDate": model.expiration_date,
        "deprecated": deprecated,
        "pricing": dict(ZERO_PRICING),
        "scoreSources": [s.to_json() for s in model.sources],
        "match": model.match.to_json(),
    }
    if page is not None:
        out["pageScore"] = page.to_json(page_line)
    if model.provisional is not None:  # no source measured it: the listing's prior, with what it read
        out["provisional"] = {**model.provisional.to_json(), "reason": model.reason or ""}
    if usage is not None:  # only when the usage ledger held something against (or for) the model
        out["usage"] = usage.to_json()
    return out


def _positive_int(value: Any) -> int | None:
    return value if isinstance(value, int) and not isinstance(value, bool) and value > 0 else None


def _latency_tie(
    choice: RoleChoice,
    candidates: Sequence[Candidate],
    choices: Sequence[RoleChoice],
    summary: Mapping[str, Any],
    verdicts: dict[str, Verdict],
) -> RoleChoice:
    """A choice whose rule breaks ties on latency (small: same active parameters and rank score) tied exactly with
    other usable candidates of its tier goes to the one with the lower latency p50 in the usage summary
    (rules.usage.prefer_faster)."""
    if not choice.role.rule.latency_breaks_ties or choice.model is None or not summary.get("models"):
        return choice
    by_id = {c.id: c for c in candidates}
    won = by_id[choice.model]
    others = {c.model for c in choices if c is not choice}
    tied = [won] + [
        c
        for c in candidates
        if c.id != won.id
        and c.id not in others
        and c.tier == won.tier
        and c.usage is None
        and c.deprecated is None
        and not c.thin
        and (c.active_parameters, c.conservative) == (won.active_parameters, won.conservative)
    ]
    faster = prefer_faster([(c.id, c.conservative) for c in tied], summary)
    if faster is None or faster == won.id:
        return choice
    verdicts[faster] = Verdict(
        "preferred", f"{choice.role.name}: same size and rank score as {won.id}, lower latency p50", ()
    )
    return dataclasses.replace(choice, model=faster, notes=choice.notes + (f"latency tie with {won.id}",))


def roles_of(settings: RankingSettings) -> tuple[RoleRule, ...]:
    """The role rules of the ranking settings (the built-in roles first, then the site's roles)."""
    return tuple(settings.roles) or BUILTIN_ROLES


def _experiment(
    choice: RoleChoice, summary: Mapping[str, Any], candidates: Sequence[Candidate]
) -> tuple[RoleChoice, dict[str, Any] | None]:
    """The role's A/B experiment against the default the rules chose (the usage summary's ``experiments``), and the
    choice it makes: a promoted challenger that is still a usable ranked model becomes the role's model and the old
    default its first runner-up. An experiment against another default (the catalog moved on) does not apply."""
    found = ((summary.get("experiments") or {}).get(choice.role.name) or {}).get(choice.model or "")
    if not isinstance(found, Mapping):
        return choice, None
    experiment = dict(found)
    usable = {c.id for c in candidates if c.usage not in ("unavailable", "demoted") and not c.deprecated}
    challenger = experiment.get("challenger")
    if experiment.get("verdict") != "promote" or challenger not in usable or choice.model is None:
        return choice, experiment
    runners = (choice.model, *(m for m in choice.runners_up if m != challenger))[:2]
    note = f"A/B experiment: {challenger} replaces {choice.model} ({experiment.get('reason')})"
    return dataclasses.replace(choice, model=challenger, runners_up=runners, notes=choice.notes + (note,)), experiment


def _role_json(
    choice: RoleChoice, by_id: Mapping[str, dict[str, Any]], experiment: Mapping[str, Any] | None = None
) -> dict[str, Any]:
    def evidence(mid: str | None) -> dict[str, Any] | None:
        entry = by_id.get(mid) if mid else None
        if entry is None:
            return None
        return {
            "id": mid,
            "codingScore": entry["codingScore"],
            "estimate": entry["estimate"],
            "uncertainty": entry["uncertainty"],
            "rankScore": entry["rankScore"],
            "evidence": entry["evidence"],
            "pageRankScore": (entry.get("pageScore") or {}).get("rankScore"),
            "activeParameters": entry["parameters"]["active"],
            "contextLength": entry["contextLength"],
            "sources": [s["source"] for s in entry["scoreSources"]]
            + ([entry["pageScore"]["web"]["source"]] if (entry.get("pageScore") or {}).get("web") else []),
        }

    return {
        "model": choice.model,
        "rule": choice.role.rule.name,
        "ruleText": choice.rule_text,
        "requires": list(choice.role.requires),
        "minContext": choice.role.min_context,
        "evidence": evidence(choice.model),
        "runnersUp": [evidence(m) for m in choice.runners_up],
        "notes": list(choice.notes),
        "gates": [g.to_json() for g in choice.gates],
        **({"experiment": dict(experiment)} if experiment is not None else {}),
    }


@dataclass(frozen=True)
class PoolsInputs:
    """Everything the pools document is built from, read once by the pools stage (stages/pools.read_inputs).

    catalog_models: the catalog cache's models (only the zero-priced ones enter the document; build_pools warns
    about any other); reference_scores and reference_matches: the catalog's other scored models and their matches,
    which only add calibration points; memory (evidence-memory.json) supplies coding indices a listing dropped.
    usage_summary (records.UsageSummary.doc) passes over unavailable and demoted models for the defaults while
    another is left, and breaks an exact smallTasksModel tie on latency; empty or None changes nothing.
    probe (catalog id -> rules.probestats.ProbeTally) adds the coding probe as a score source once it is calibrated.
    architectures (table key -> rules.sizes.Architecture): the known total and active parameters (records.Architectures:
    the shipped table with the site's merged over it); None or empty: sizes from ids and descriptions only.
    fingerprints: the document's ``inputs`` block (content hashes and settings); provenance (see pools_provenance):
    where the catalog and benchmark data came from.
    """

    catalog_models: Sequence[Mapping[str, Any]]
    provenance: Mapping[str, Any]
    fingerprints: Mapping[str, Any] = field(default_factory=dict)
    benchmark_models: Sequence[Mapping[str, Any]] = ()
    matches: Sequence[Match] = ()
    curated: Sequence[CuratedScore] = ()
    reference_scores: Sequence[Mapping[str, Any]] = ()
    reference_matches: Sequence[Match] = ()
    memory: Mapping[str, Any] | None = None
    usage_summary: Mapping[str, Any] | None = None
    probe: Mapping[str, ProbeTally] | None = None
    architectures: Mapping[str, Architecture] | None = None


@gc_paused
def build_document(inputs: PoolsInputs, settings: RankingSettings) -> dict[str, Any]:
    """The pools document (pure): drop non-coding models, fuse evidence, rank, tier, choose role defaults.

    settings.roles names the roles to fill; what each input adds is said in PoolsInputs.
    """
    reference_scores = inputs.reference_scores
    catalog_models = [m for m in inputs.catalog_models if is_zero_priced(m)]
    excluded = [(m, why) for m in catalog_models if (why := not_for_code(m))]
    excluded_ids = {m["id"] for m, _ in excluded}
    coding_models = [m for m in catalog_models if m["id"] not in excluded_ids]
    as_of = catalog_date(list(catalog_models) + [r for r in reference_scores if isinstance(r, Mapping)])
    remembered = recall(inputs.memory, coding_models) if inputs.memory else {}
    fused, calibrations = fuse_scores(
        coding_models,
        inputs.benchmark_models,
        inputs.matches,
        inputs.curated,
        reference_scores,
        inputs.reference_matches,
        remembered,
        inputs.probe,
        architectures=inputs.architectures,
    )
    web_lines = web_calibrations(coding_models, reference_scores)
    pages = page_estimates(fused, coding_models, web_lines, remembered)
    ranked = rank_models(fused)
    ranked_ids = [m.id for m in ranked]
    provisional = [m.id for m in ranked if m.provisional is not None]
    tiers = assign_tiers(ranked_ids, settings.large_cutoff, settings.medium_cutoff)  # provisional ones ranked alike
    tier_of = {mid: name for name in TIER_NAMES for mid in tiers[name]}
    entry_of = {m["id"]: m for m in coding_models}
    deprecated = {m["id"]: deprecation(m, as_of, settings.expiry_warning_days) for m in coding_models}
    summary = inputs.usage_summary or {}
    verdicts = usage_verdicts(summary, inputs.fingerprints.get("catalogSha256")) if summary.get("models") else {}
    candidates = []
    for m in ranked:
        estimate, conservative = m.estimate, m.conservative
        assert estimate is not None and conservative is not None  # rank_models keeps only the estimated models
        candidates.append(
            Candidate(
                id=m.id,
                tier=tier_of[m.id],
                conservative=conservative,
                page_conservative=pages[m.id].estimate.conservative,
                context_length=m.context_length,
                max_output=_positive_int(entry_of[m.id].get("max_completion_tokens")) or 0,
                active_parameters=m.parameters[1],
                thin=estimate.thin,
                deprecated=deprecated[m.id],
                supported_parameters=tuple(entry_of[m.id].get("supported_parameters") or ()),
                usage=getattr(verdicts.get(m.id), "verdict", None),
                provisional=m.provisional is not None,
            )
        )
    choices = choose_roles(candidates, roles_of(settings), settings.page_model_other_vendor, settings.small_tasks_tier)
    choices = [_latency_tie(c, candidates, choices, summary, verdicts) for c in choices]
    experiments: dict[str, dict[str, Any]] = {}
    if summary.get("experiments"):
        tried = [_experiment(c, summary, candidates) for c in choices]
        choices = [c for c, _ in tried]
        experiments = {c.role.name: e for c, e in tried if e is not None}
    models_json = [
        _model_json(
            m,
            i + 1,
            tier_of[m.id],
            pages.get(m.id),
            web_lines.get(PAGE_SCALE),
            deprecated[m.id],
            entry_of[m.id],
            verdicts.get(m.id),
        )
        for i, m in enumerate(ranked)
    ]
    by_id = {m["id"]: m for m in models_json}
    unranked = [m for m in fused if m.estimate is None]
    return {
        "schemaVersion": POOLS_VERSION,
        "chosenDefaults": chosen_defaults(choices),
        "roles": {c.role.name: _role_json(c, by_id, experiments.get(c.role.name)) for c in choices},
        "tiers": [{"name": name, "models": tiers[name]} for name in TIER_NAMES],
        "models": models_json,
        "unranked": [
            {
                "id": m.id,
                "name": m.name,
                "vendor": m.vendor,
                "contextLength": m.context_length,
                "expirationDate": m.expiration_date,
                "deprecated": deprecated[m.id],
                "pricing": dict(ZERO_PRICING),
                "reason": m.reason,
            }
            for m in unranked
        ],
        "excluded": [
            {"id": m["id"], "name": str(m.get("name") or m["id"]), "reason": why}
            for m, why in sorted(excluded, key=lambda e: e[0]["id"])
        ],
        "summary": {
            "freeModels": len(fused),
            "ranked": len(ranked),
            "unranked": len(unranked),
            "provisional": len(provisional),
            "excluded": len(excluded),
            "tiers": {name: len(tiers[name]) for name in TIER_NAMES},
        },
        "calibration": {
            name: c.to_json()
            for name, c in sorted(
                {
                    **calibrations,
                    **{k: v for k, v in web_lines.items() if any(p.web and p.web.source == k for p in pages.values())},
                }.items()
            )
        },
        "catalogDate": as_of.isoformat() if as_of else None,
        "inputs": dict(inputs.fingerprints),
        "provenance": dict(inputs.provenance),
    }


def pools_provenance(catalog_origin: Mapping[str, Any], scores: BenchmarkScores | None) -> dict[str, Any]:
    """Where the pools' inputs came from, read from their content (never the clock): the catalog's origin (a live
    URL, or the bundled snapshot and its capture day) and the LLM-Stats commit and its day, or curated scores only."""
    catalog = {
        "source": catalog_origin.get("source"),
        "url": catalog_origin.get("url"),
        "capturedAt": catalog_origin.get("capturedAt"),
    }
    if scores is None or scores.commit is None:
        benchmarks = {"source": "curated-only", "repo": None, "commit": None, "commitDate": None}
    else:
        benchmarks = {
            "source": "llm-stats",
            "repo": scores.repo,
            "commit": scores.commit,
            "commitDate": scores.commit_date,
        }
    return {"catalog": catalog, "benchmarks": benchmarks}
