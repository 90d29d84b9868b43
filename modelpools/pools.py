"""The pools stage: read catalog, benchmark scores, matches and curated scores; write a validated model-pools.json."""

from __future__ import annotations

import hashlib
import json
from pathlib import Path
from typing import Any, Iterable, Mapping, Sequence

from . import fileio, log
from .errors import DataError, PoolsInvalid
from .fusion import CuratedEntry, FusedModel, fuse_scores
from .ranking import TIER_NAMES, assign_tiers, choose_defaults, rank_models
from .settings import Settings, settings_fingerprint
from .validation import describe_pools, validate_pools

__all__ = ["RANKING_KEYS", "PACKAGE_OVERRIDES", "PACKAGE_CURATED", "build_document", "build_pools", "load_curated",
           "sha256_bytes", "report_changes"]

PACKAGE_DATA = Path(__file__).resolve().parent / "data"
PACKAGE_OVERRIDES = PACKAGE_DATA / "model-id-overrides.json"
PACKAGE_CURATED = PACKAGE_DATA / "curated-scores.json"
RANKING_KEYS = ("large_cutoff", "medium_cutoff", "page_model_other_vendor", "small_tasks_tier")


def sha256_bytes(data: bytes) -> str:
    """Hex sha256 of data."""
    return hashlib.sha256(data).hexdigest()


def _read_bytes(path: Path | None) -> bytes:
    try:
        return Path(path).read_bytes() if path is not None else b""
    except FileNotFoundError:
        return b""


def _curated_from_json(doc: Any, path: Path) -> list[CuratedEntry]:
    if not isinstance(doc, dict) or not isinstance(doc.get("models"), list):
        raise DataError(f"curated scores at {path} have no 'models' list; fix the file")
    out = []
    for i, entry in enumerate(doc["models"]):
        try:
            out.append(CuratedEntry(tuple(entry["openrouterIds"]), str(entry["name"]), float(entry["codingScore"]),
                                    str(entry.get("source") or ""), str(entry.get("sourceUrl") or "")))
        except (KeyError, TypeError, ValueError):
            raise DataError(f"curated scores at {path}: models[{i}] lacks openrouterIds/name/codingScore") from None
    return out


def _curated_from_objects(items: Iterable[Any]) -> list[CuratedEntry]:
    def get(item: Any, *names: str, default: Any = None) -> Any:
        for name in names:
            if isinstance(item, Mapping) and name in item:
                return item[name]
            if hasattr(item, name):
                return getattr(item, name)
        return default

    return [
        CuratedEntry(tuple(get(i, "openrouter_ids", "openrouterIds", default=())), str(get(i, "name", default="")),
                     float(get(i, "coding_score", "codingScore")), str(get(i, "source", default="") or ""),
                     str(get(i, "source_url", "sourceUrl", default="") or ""))
        for i in items
    ]


def load_curated(path: Path = PACKAGE_CURATED) -> list[CuratedEntry]:
    """Curated scores: via modelpools.scoring.load_curated_scores when present, else read path directly."""
    try:
        from .scoring import load_curated_scores
    except ImportError:
        load_curated_scores = None
    if load_curated_scores is not None:
        return _curated_from_objects(load_curated_scores(path))
    if not Path(path).exists():
        return []
    return _curated_from_json(fileio.read_json(path, "curated scores"), Path(path))


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
        "scoreSources": [s.to_json() for s in model.sources],
        "match": model.match.to_json(),
    }


def build_document(
    catalog_models: Sequence[Mapping[str, Any]],
    benchmark_models: Sequence[Mapping[str, Any]],
    match_entries: Sequence[Mapping[str, Any]],
    curated: Sequence[CuratedEntry],
    settings: Settings,
    inputs: Mapping[str, Any],
) -> dict[str, Any]:
    """The pools document (pure): fuse scores, rank, tier, choose defaults, summarise."""
    fused, calibrations = fuse_scores(catalog_models, benchmark_models, match_entries, curated)
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
                      "expirationDate": m.expiration_date, "reason": m.reason} for m in unranked],
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


def _read_optional(path: Path, what: str, key: str, settings: Settings) -> tuple[Any, list[dict[str, Any]], bytes]:
    data = _read_bytes(path)
    if not data:
        if settings.strict:
            raise DataError(f"{what} not found at {path}; run `doit` for the earlier stages")
        log.warn(f"{what} not found at {path}; ranking without it")
        return {}, [], b""
    doc = fileio.read_json(path, what)
    return doc, _models_list(doc, path, what, key), data


def _previous_doc(path: Path) -> Any:
    """The previous pools document for the change report; None (first build) when absent or unusable."""
    try:
        data = path.read_bytes()
    except OSError:
        return None
    try:
        doc = json.loads(data)
    except (ValueError, RecursionError):
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


def report_changes(previous: Any, doc: Mapping[str, Any], settings: Settings) -> dict[str, Any] | None:
    """Change-report hook: modelpools.changes.compare_pools(previous, doc, settings), or None without that module."""
    try:
        from .changes import compare_pools
    except ImportError:
        return None
    return compare_pools(previous, doc, settings)


def _write_changes(report: dict[str, Any] | None, settings: Settings) -> list[str]:
    if report is None:
        return []
    from .changes import format_changes

    fileio.write_if_changed(settings.changes_file, fileio.dump_json(report))
    return list(format_changes(report))


def build_pools(settings: Settings) -> str:
    """Build, validate and (only if valid) write settings.pools_file; return a multi-line summary."""
    catalog_bytes = _read_bytes(settings.catalog_file)
    if not catalog_bytes:
        raise DataError(f"OpenRouter catalog cache not found at {settings.catalog_file}; run `doit catalog` first")
    catalog_models = _models_list(fileio.read_json(settings.catalog_file, "OpenRouter catalog cache"),
                                  settings.catalog_file, "OpenRouter catalog cache", "models")
    scores_doc, benchmark_models, scores_bytes = _read_optional(
        settings.benchmark_scores_file, "benchmark scores", "models", settings)
    _, match_entries, _ = _read_optional(settings.matches_file, "model matches", "matches", settings)
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
    doc = build_document(catalog_models, benchmark_models, match_entries, load_curated(), settings, inputs)
    try:
        validate_pools(doc, {m["id"] for m in catalog_models})
    except PoolsInvalid as exc:
        kept = f"kept the previous {settings.pools_file}" if settings.pools_file.exists() else "nothing written"
        raise PoolsInvalid(f"{exc}; {kept}", exc.path) from None
    report = report_changes(_previous_doc(settings.pools_file), doc, settings)  # before the old file is replaced
    written = fileio.write_if_changed(settings.pools_file, fileio.dump_json(doc))
    return "\n".join(_summary(doc, settings.pools_file, written) + _write_changes(report, settings))


def _summary(doc: Mapping[str, Any], path: Path, written: bool) -> list[str]:
    lines = [f"{path}: {'written' if written else 'unchanged'}"]
    for model in doc["models"][:5]:
        lines.append(f"  {model['rank']:>2}. {model['id']} {model['codingScore']:.1f} "
                     f"({model['tier']}, {model['contextLength'] // 1000}k ctx)")
    described = describe_pools(doc, top=0)
    tiers = "tiers: " + ", ".join(f"{name} {n}" for name, n in doc["summary"]["tiers"].items())
    return lines + [described[0], tiers, described[-1]]
