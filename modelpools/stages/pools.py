"""The pools stage: read catalog, benchmark scores, matches and curated scores; write a validated model-pools.json.

    build_document(...)  pure: the input records + ranking settings -> the pools document
    build_pools(settings) the runner: reads the records, validates, writes the pools file and the change report
"""

from __future__ import annotations

import dataclasses
import hashlib
import time
from pathlib import Path
from typing import TYPE_CHECKING, Any, Callable, Mapping, Sequence

from modelpools.errors import DataError, PoolsInvalid
from modelpools.io import log
from modelpools.io.files import write_if_changed
from modelpools.records import BenchmarkScores, CatalogCache, ChangeReport, MatchReport, PoolsDocument, UsageSummary
from modelpools.resources import PACKAGE_CURATED, PACKAGE_OVERRIDES
from modelpools.rules.changes import compare_pools, format_changes
from modelpools.rules.freemodels import prices_are_zero
from modelpools.rules.fusion import FusedModel, fuse_scores
from modelpools.rules.ranking import TIER_NAMES, assign_tiers, choose_defaults, rank_models
from modelpools.rules.scoring import load_curated_scores
from modelpools.rules.usage import Verdict, prefer_faster, usage_verdicts
from modelpools.rules.validation import describe_pools, expiry_warning, validate_pools
from modelpools.settings import PoolsSettings, RankingSettings

if TYPE_CHECKING:
    from modelpools.rules.scoring import CuratedScore

__all__ = ["ZERO_PRICING", "build_document", "build_pools", "sha256_bytes"]

# The evidence, kept in every pools entry, that the model is free (the catalog's prices, normalized).
ZERO_PRICING = {"prompt": "0", "completion": "0"}


def sha256_bytes(data: bytes) -> str:
    """Hex sha256 of data."""
    return hashlib.sha256(data).hexdigest()


def _read_bytes(path: Path | None) -> bytes:
    try:
        return Path(path).read_bytes() if path is not None else b""
    except FileNotFoundError:
        return b""


def is_zero_priced(model: Mapping[str, Any]) -> bool:
    """True when a catalog model's prompt and completion prices are zero (missing counts as zero, as in the catalog)."""
    return prices_are_zero(model.get("pricing") if "pricing" in model else {})


def _model_json(model: FusedModel, rank: int, tier: str, usage: Verdict | None = None) -> dict[str, Any]:
    entry = {
        "id": model.id,
        "name": model.name,
        "vendor": model.vendor,
        "rank": rank,
        "tier": tier,
        "codingScore": model.coding_score,
        "contextLength": model.context_length,
        "expirationDate": model.expiration_date,
        "pricing": dict(ZERO_PRICING),
        "scoreSources": [s.to_json() for s in model.sources],
        "match": model.match.to_json(),
    }
    if usage is not None:  # only when the usage ledger held something against (or for) the model
        entry["usage"] = usage.to_json()
    return entry


def _choose_with_usage(ranked: Sequence[FusedModel], tiers: Mapping[str, list[str]], settings: RankingSettings,
                       summary: Mapping[str, Any], catalog_sha256: str | None):
    """Role defaults and per-model verdicts once the usage summary is taken into account (pure).

    Unavailable and demoted models are passed over for the defaults while another model is left; an exact score
    tie for smallTasksModel goes to the lower latency p50. Without usage data this is choose_defaults itself.
    """
    ranked_ids = [m.id for m in ranked]
    if not summary.get("models"):
        return choose_defaults(ranked_ids, tiers, settings.page_model_other_vendor, settings.small_tasks_tier), {}
    verdicts = usage_verdicts(summary, catalog_sha256)
    usable = [i for i in ranked_ids if i not in verdicts]
    alive = [i for i in ranked_ids if getattr(verdicts.get(i), "verdict", None) != "unavailable"]
    pool = usable or alive or ranked_ids
    chosen = set(pool)
    pool_tiers = {name: [i for i in ids if i in chosen] for name, ids in tiers.items()}
    defaults = choose_defaults(pool, pool_tiers, settings.page_model_other_vendor, settings.small_tasks_tier)
    score = {m.id: m.coding_score for m in ranked}
    used = {defaults.bulk_model, defaults.page_model}
    candidates = [(i, score[i]) for i in pool_tiers.get(settings.small_tasks_tier, []) if i not in used]
    if candidates and candidates[0][0] == defaults.small_tasks_model:
        faster = prefer_faster(candidates, summary)
        if faster != defaults.small_tasks_model:
            verdicts[faster] = Verdict("preferred", f"smallTasksModel: same coding score as "
                                       f"{defaults.small_tasks_model}, lower latency p50", ())
            defaults = dataclasses.replace(defaults, small_tasks_model=faster)
    return defaults, verdicts


def build_document(
    catalog_models: Sequence[Mapping[str, Any]],
    benchmark_models: Sequence[Mapping[str, Any]],
    match_entries: Sequence[Mapping[str, Any]],
    curated: Sequence[CuratedScore],
    settings: RankingSettings,
    inputs: Mapping[str, Any],
    reference_scores: Sequence[Mapping[str, Any]] = (),
    reference_matches: Sequence[Mapping[str, Any]] = (),
    usage_summary: Mapping[str, Any] | None = None,
) -> dict[str, Any]:
    """The pools document (pure): fuse scores, rank, tier, choose defaults, summarise.

    Only zero-priced catalog models enter it (build_pools warns about any other); reference_scores and
    reference_matches (the catalog's other scored models and their matches) only add calibration points.
    usage_summary (records.UsageSummary.doc) can pass over failing models for the defaults and chains; empty or
    None changes nothing.
    """
    catalog_models = [m for m in catalog_models if is_zero_priced(m)]
    fused, calibrations = fuse_scores(catalog_models, benchmark_models, match_entries, curated, reference_scores,
                                      reference_matches)
    ranked = rank_models(fused)
    ranked_ids = [m.id for m in ranked]
    tiers = assign_tiers(ranked_ids, settings.large_cutoff, settings.medium_cutoff)
    tier_of = {mid: name for name in TIER_NAMES for mid in tiers[name]}
    defaults, verdicts = _choose_with_usage(ranked, tiers, settings, usage_summary or {}, inputs.get("catalogSha256"))
    unranked = [m for m in fused if m.coding_score is None]
    return {
        "schemaVersion": 1,
        "chosenDefaults": defaults.to_json(),
        "tiers": [{"name": name, "models": tiers[name]} for name in TIER_NAMES],
        "models": [_model_json(m, i + 1, tier_of[m.id], verdicts.get(m.id)) for i, m in enumerate(ranked)],
        "unranked": [{"id": m.id, "name": m.name, "vendor": m.vendor, "contextLength": m.context_length,
                      "expirationDate": m.expiration_date, "pricing": dict(ZERO_PRICING), "reason": m.reason}
                     for m in unranked],
        "summary": {"freeModels": len(fused), "ranked": len(ranked), "unranked": len(unranked),
                    "tiers": {name: len(tiers[name]) for name in TIER_NAMES}},
        "calibration": {name: c.to_json() for name, c in sorted(calibrations.items())},
        "inputs": dict(inputs),
    }


def _read_optional(record: Any, path: Path, settings: PoolsSettings, task: str) -> Any:
    """The record at path; None (with a warning, or DataError when strict) when the file is missing."""
    if not path.exists():
        what = record.WHAT
        if settings.strict:
            raise DataError(f"{what} not found at {path}; run `{settings.files.task(task)}`")
        log.warn(f"{what} not found at {path}; ranking without it")
        return None
    return record.load(path, advice=f"run `{settings.files.task(task)}`")


def _previous(path: Path) -> Mapping[str, Any] | None:
    """The previous pools document for the change report; None (first build) when absent or unusable."""
    try:
        previous = PoolsDocument.load_previous(path)
    except DataError:
        log.warn(f"previous {path} is unreadable or malformed; replacing it, the change report starts afresh")
        return None
    return previous.doc if previous is not None else None


def build_pools(settings: PoolsSettings, *, clock: Callable[[], float] = time.time) -> str:
    """Build, validate and (only if valid) write the pools file and the change report; return a multi-line summary.

    The clock is used only for the expiry warning and the change report's days left, never for the pools file.
    """
    files = settings.files
    if not files.catalog_file.exists():
        raise DataError(f"OpenRouter catalog cache not found at {files.catalog_file}; "
                        f"run `{files.task('catalog')}` first")
    catalog = CatalogCache.load(files.catalog_file, advice=f"run `{files.task('catalog')}`")
    priced = sorted(m["id"] for m in catalog.models if not is_zero_priced(m))
    if priced:
        log.warn(f"left out {len(priced)} catalog model(s) listed as free but with a non-zero prompt or completion "
                 f"price: {', '.join(priced[:3])}{', ...' if len(priced) > 3 else ''}")
    scores = _read_optional(BenchmarkScores, files.benchmark_scores_file, settings, "benchmarks")
    matches = _read_optional(MatchReport, files.matches_file, settings, "match")
    overrides = [PACKAGE_OVERRIDES] + ([settings.overrides_path] if settings.overrides_path else [])
    inputs = {
        "catalogSha256": sha256_bytes(_read_bytes(files.catalog_file)),
        "benchmarkScoresSha256": sha256_bytes(_read_bytes(files.benchmark_scores_file if scores else None)),
        "benchmarkCommit": scores.commit if scores else None,
        "overridesSha256": sha256_bytes(b"".join(sha256_bytes(_read_bytes(p)).encode() for p in overrides)),
        "curatedScoresSha256": sha256_bytes(_read_bytes(PACKAGE_CURATED)),
        "settings": settings.ranking.fingerprint(),
    }
    doc = build_document(catalog.models, scores.models if scores else (), matches.matches if matches else (),
                         load_curated_scores(), settings.ranking, inputs, catalog.reference_scores,
                         matches.reference if matches else (),
                         UsageSummary.load_or_empty(files.usage_summary_file, f"run `{files.task('usage')}`").doc)
    pools_file = files.pools_file
    try:
        validate_pools(doc, catalog.ids, files.task_prefix)
    except PoolsInvalid as exc:
        kept = f"kept the previous {pools_file}" if pools_file.exists() else "nothing written"
        raise PoolsInvalid(f"{exc}; {kept}", exc.path) from None
    now = clock()
    report = compare_pools(_previous(pools_file), doc, settings.expiry_warning_days, now)  # before it is replaced
    written = write_if_changed(pools_file, PoolsDocument(doc).dump())
    warning = expiry_warning(doc, settings.expiry_warning_days, now)
    if warning:
        log.warn(warning)
    write_if_changed(files.changes_file, ChangeReport(report).dump())
    return "\n".join(_summary(doc, pools_file, written) + list(format_changes(report)))


def _summary(doc: Mapping[str, Any], path: Path, written: bool) -> list[str]:
    lines = [f"{path}: {'written' if written else 'unchanged'}"]
    for model in doc["models"][:5]:
        lines.append(f"  {model['rank']:>2}. {model['id']} {model['codingScore']:.1f} "
                     f"({model['tier']}, {model['contextLength'] // 1000}k ctx)")
    described = describe_pools(doc, top=0)
    tiers = "tiers: " + ", ".join(f"{name} {n}" for name, n in doc["summary"]["tiers"].items())
    return lines + [described[0], tiers, _calibration_line(doc["calibration"]), described[-1]]


def _calibration_line(calibration: Mapping[str, Mapping[str, Any]]) -> str:
    """``scale: artificial_analysis (reference, 160 models); llm-stats linear on 22 common models; ...``."""
    parts = []
    for name, c in calibration.items():
        if c["method"] == "reference":
            parts.append(f"{name} (reference, {c['points']} models)")
        elif c["method"] in ("linear", "offset"):
            parts.append(f"{name} {c['method']} on {c['points']} common models")
        else:
            parts.append(f"{name} {c['method']}")
    return "scale: " + ("; ".join(parts) or "no scores")
