"""The pools stage: read catalog, benchmark scores, matches and curated scores; write a validated model-pools.json."""

from __future__ import annotations

import hashlib
import time
from pathlib import Path
from typing import TYPE_CHECKING, Any, Callable, Mapping, Sequence

from modelpools.io import files
from modelpools.io import log
from modelpools.rules.changes import compare_pools, format_changes
from modelpools.rules.freemodels import prices_are_zero
from modelpools.errors import DataError, PoolsInvalid
from modelpools.rules.fusion import FusedModel, fuse_scores
from modelpools.rules.ranking import TIER_NAMES, assign_tiers, choose_defaults, rank_models
from modelpools.resources import PACKAGE_CURATED, PACKAGE_OVERRIDES
from modelpools.rules.scoring import load_curated_scores
from modelpools.settings import Settings, settings_fingerprint
from modelpools.rules.validation import describe_pools, expiry_warning, validate_pools

if TYPE_CHECKING:
    from modelpools.rules.scoring import CuratedScore

__all__ = ["RANKING_KEYS", "ZERO_PRICING", "build_document", "build_pools", "sha256_bytes"]

RANKING_KEYS = ("large_cutoff", "medium_cutoff", "page_model_other_vendor", "small_tasks_tier")
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


def _model_json(model: FusedModel, rank: int, tier: str) -> dict[str, Any]:
    return {
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


def build_document(
    catalog_models: Sequence[Mapping[str, Any]],
    benchmark_models: Sequence[Mapping[str, Any]],
    match_entries: Sequence[Mapping[str, Any]],
    curated: Sequence[CuratedScore],
    settings: Settings,
    inputs: Mapping[str, Any],
    reference_scores: Sequence[Mapping[str, Any]] = (),
    reference_matches: Sequence[Mapping[str, Any]] = (),
) -> dict[str, Any]:
    """The pools document (pure): fuse scores, rank, tier, choose defaults, summarise.

    Only zero-priced catalog models enter it (build_pools warns about any other); reference_scores and
    reference_matches (the catalog's other scored models and their matches) only add calibration points.
    """
    catalog_models = [m for m in catalog_models if is_zero_priced(m)]
    fused, calibrations = fuse_scores(catalog_models, benchmark_models, match_entries, curated, reference_scores,
                                      reference_matches)
    ranked = rank_models(fused)
    ranked_ids = [m.id for m in ranked]
    tiers = assign_tiers(ranked_ids, settings.large_cutoff, settings.medium_cutoff)
    tier_of = {mid: name for name in TIER_NAMES for mid in tiers[name]}
    defaults = choose_defaults(ranked_ids, tiers, settings.page_model_other_vendor, settings.small_tasks_tier)
    unranked = [m for m in fused if m.coding_score is None]
    return {
        "schemaVersion": 1,
        "chosenDefaults": defaults.to_json(),
        "tiers": [{"name": name, "models": tiers[name]} for name in TIER_NAMES],
        "models": [_model_json(m, i + 1, tier_of[m.id]) for i, m in enumerate(ranked)],
        "unranked": [{"id": m.id, "name": m.name, "vendor": m.vendor, "contextLength": m.context_length,
                      "expirationDate": m.expiration_date, "pricing": dict(ZERO_PRICING), "reason": m.reason}
                     for m in unranked],
        "summary": {"freeModels": len(fused), "ranked": len(ranked), "unranked": len(unranked),
                    "tiers": {name: len(tiers[name]) for name in TIER_NAMES}},
        "calibration": {name: c.to_json() for name, c in sorted(calibrations.items())},
        "inputs": dict(inputs),
    }


def _models_list(doc: Any, path: Path, what: str, key: str) -> list[dict[str, Any]]:
    items = doc.get(key) if isinstance(doc, dict) else None
    if not isinstance(items, list) or not all(isinstance(m, dict) and isinstance(m.get("id"), str) for m in items):
        raise DataError(f"{what} at {path} has no valid '{key}' list; delete it and rebuild")
    return items


def _optional_list(doc: Any, path: Path, what: str, key: str) -> list[dict[str, Any]]:
    """doc[key] when present (a list of objects with an id); [] when absent (files from older versions)."""
    if not isinstance(doc, dict) or key not in doc:
        return []
    return _models_list(doc, path, what, key)


def _read_optional(path: Path, what: str, key: str, settings: Settings,
                   task: str) -> tuple[Any, list[dict[str, Any]], bytes]:
    data = _read_bytes(path)
    if not data:
        if settings.strict:
            raise DataError(f"{what} not found at {path}; run `doit {settings.task_prefix}{task}`")
        log.warn(f"{what} not found at {path}; ranking without it")
        return {}, [], b""
    doc = _parse_json(data, path, what)
    return doc, _models_list(doc, path, what, key), data


def _parse_json(data: bytes, path: Path, what: str) -> Any:
    """The JSON in data, read from path; the same one-line DataErrors as files.read_json (size, encoding, syntax)."""
    if len(data) > files.DEFAULT_READ_LIMIT:
        raise DataError(f"{what} at {path} is larger than {files.DEFAULT_READ_LIMIT} bytes; delete it and rebuild")
    return files.parse_json_bytes(data, f"{what} at {path}", "; delete it and rebuild")


def _previous_doc(path: Path) -> Any:
    """The previous pools document for the change report; None (first build) when absent or unusable."""
    try:
        data = path.read_bytes()
    except OSError:
        return None
    try:
        doc = files.parse_json_bytes(data, f"previous {path}")
    except DataError:
        doc = None
    if not _usable_previous(doc):
        log.warn(f"previous {path} is unreadable or malformed; replacing it, the change report starts afresh")
        return None
    return doc


def _usable_previous(doc: Any) -> bool:
    """True when doc has the shape compare_pools reads: id/tier entries and string-or-null defaults."""
    if not isinstance(doc, dict) or not isinstance(doc.get("chosenDefaults") or {}, dict):
        return False
    if not all(v is None or isinstance(v, str) for v in (doc.get("chosenDefaults") or {}).values()):
        return False
    for key in ("models", "unranked"):
        entries = doc.get(key) or []
        if not isinstance(entries, list):
            return False
        for entry in entries:
            if not isinstance(entry, dict) or not isinstance(entry.get("id"), str):
                return False
            if not all(entry.get(k) is None or isinstance(entry.get(k), str) for k in ("tier", "name")):
                return False
    return True


def _write_changes(report: dict[str, Any], settings: Settings) -> list[str]:
    files.write_if_changed(settings.changes_file, files.dump_json(report))
    return list(format_changes(report))


def build_pools(settings: Settings, *, clock: Callable[[], float] = time.time) -> str:
    """Build, validate and (only if valid) write settings.pools_file; return a multi-line summary.

    The clock is used only for the expiry warning, never for the ranking or the file.
    """
    catalog_bytes = _read_bytes(settings.catalog_file)
    if not catalog_bytes:
        raise DataError(f"OpenRouter catalog cache not found at {settings.catalog_file}; "
                        f"run `doit {settings.task_prefix}catalog` first")
    what = "OpenRouter catalog cache"
    catalog_doc = _parse_json(catalog_bytes, settings.catalog_file, what)
    catalog_models = _models_list(catalog_doc, settings.catalog_file, what, "models")
    reference_scores = _optional_list(catalog_doc, settings.catalog_file, what, "referenceScores")
    if "referenceScores" not in catalog_doc:
        log.warn(f"{settings.catalog_file} has no referenceScores (written by an older modelpools); calibrating on "
                 f"free models only until the next catalog refresh (`doit forget {settings.task_prefix}catalog` "
                 "forces one)")
    priced = sorted(m["id"] for m in catalog_models if not is_zero_priced(m))
    if priced:
        log.warn(f"left out {len(priced)} catalog model(s) listed as free but with a non-zero prompt or completion "
                 f"price: {', '.join(priced[:3])}{', ...' if len(priced) > 3 else ''}")
    scores_doc, benchmark_models, scores_bytes = _read_optional(
        settings.benchmark_scores_file, "benchmark scores", "models", settings, "benchmarks")
    matches_doc, match_entries, _ = _read_optional(settings.matches_file, "model matches", "matches", settings,
                                                   "match")
    reference_matches = _optional_list(matches_doc, settings.matches_file, "model matches", "reference")
    overrides = [PACKAGE_OVERRIDES] + ([settings.overrides_path] if settings.overrides_path else [])
    source = scores_doc.get("source") if isinstance(scores_doc.get("source"), dict) else {}
    inputs = {
        "catalogSha256": sha256_bytes(catalog_bytes),
        "benchmarkScoresSha256": sha256_bytes(scores_bytes),
        "benchmarkCommit": source.get("commit"),
        "overridesSha256": sha256_bytes(b"".join(sha256_bytes(_read_bytes(p)).encode() for p in overrides)),
        "curatedScoresSha256": sha256_bytes(_read_bytes(PACKAGE_CURATED)),
        "settings": settings_fingerprint(settings, RANKING_KEYS),
    }
    doc = build_document(catalog_models, benchmark_models, match_entries, load_curated_scores(), settings, inputs,
                         reference_scores, reference_matches)
    try:
        validate_pools(doc, {m["id"] for m in catalog_models}, settings.task_prefix)
    except PoolsInvalid as exc:
        kept = f"kept the previous {settings.pools_file}" if settings.pools_file.exists() else "nothing written"
        raise PoolsInvalid(f"{exc}; {kept}", exc.path) from None
    now = clock()
    report = compare_pools(_previous_doc(settings.pools_file), doc, settings, now)  # before the old file is replaced
    written = files.write_if_changed(settings.pools_file, files.dump_json(doc))
    warning = expiry_warning(doc, settings.expiry_warning_days, now)
    if warning:
        log.warn(warning)
    return "\n".join(_summary(doc, settings.pools_file, written) + _write_changes(report, settings))


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
