"""Fuse per-model coding scores from the catalog index, LLM-Stats matches and curated scores onto one 0-100 scale."""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Any, Iterable, Mapping, Sequence

__all__ = [
    "SOURCES",
    "SOURCE_WEIGHTS",
    "MIN_FIT_POINTS",
    "ScoreSource",
    "MatchInfo",
    "Calibration",
    "CuratedEntry",
    "FusedModel",
    "base_id",
    "vendor_of",
    "collect_raw_scores",
    "fit_calibration",
    "choose_reference",
    "fuse_scores",
]

# Source names in priority order: the first one scoring >= MIN_FIT_POINTS catalog models is the reference scale.
SOURCES = ("artificial_analysis", "llm-stats", "curated")
# Base weight of each source in the weighted mean (times the per-model confidence).
SOURCE_WEIGHTS = {"artificial_analysis": 1.0, "llm-stats": 1.0, "curated": 0.5}
# Fewer common models than this with the reference: the source is left uncalibrated (identity).
MIN_FIT_POINTS = 3
_NO_MATCH_METHOD = "none"


@dataclass(frozen=True)
class ScoreSource:
    """One source's score for one model: raw value, value on the reference scale, where it came from, weight."""

    source: str
    raw: float
    calibrated: float
    ref: str
    weight: float
    calibrated_ok: bool = True

    def to_json(self) -> dict[str, Any]:
        """The pools-file form."""
        return {"source": self.source, "raw": self.raw, "calibrated": self.calibrated, "ref": self.ref,
                "weight": self.weight}


@dataclass(frozen=True)
class MatchInfo:
    """A catalog model's benchmark match, as read from model-matches.json."""

    benchmark_id: str | None = None
    method: str = _NO_MATCH_METHOD
    confidence: float = 0.0

    def to_json(self) -> dict[str, Any]:
        """The pools-file form."""
        return {"benchmarkId": self.benchmark_id, "method": self.method, "confidence": self.confidence}


@dataclass(frozen=True)
class Calibration:
    """How one source maps onto the reference scale: calibrated = slope * raw + intercept (then clamped)."""

    source: str
    method: str  # "reference" | "linear" | "offset" | "identity"
    points: int
    slope: float = 1.0
    intercept: float = 0.0

    def apply(self, raw: float) -> float:
        """raw mapped onto the reference scale, clamped to 0-100 and rounded to 2 decimals."""
        return round(min(100.0, max(0.0, self.slope * raw + self.intercept)), 2)

    def to_json(self) -> dict[str, Any]:
        """The pools-file form."""
        return {"method": self.method, "points": self.points, "slope": round(self.slope, 6),
                "intercept": round(self.intercept, 6)}


@dataclass(frozen=True)
class CuratedEntry:
    """A hand-curated coding score for one or more base OpenRouter ids."""

    openrouter_ids: tuple[str, ...]
    name: str
    coding_score: float
    source: str
    source_url: str = ""


@dataclass(frozen=True)
class FusedModel:
    """One catalog model with its fused coding score (None when no source scores it, with a reason)."""

    id: str
    name: str
    vendor: str
    context_length: int
    expiration_date: str | None
    coding_score: float | None
    sources: tuple[ScoreSource, ...]
    match: MatchInfo
    reason: str | None = None


@dataclass(frozen=True)
class _Raw:
    value: float
    ref: str
    confidence: float


def base_id(model_id: str) -> str:
    """The catalog id without its variant suffix: ``qwen/qwen3-coder:free`` -> ``qwen/qwen3-coder``."""
    return model_id.split(":", 1)[0]


def vendor_of(model_id: str) -> str:
    """The vendor part of an id (before "/", without a leading "~")."""
    return model_id.lstrip("~").split("/", 1)[0]


def _number(value: Any) -> float | None:
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        return None
    try:
        number = float(value)
    except OverflowError:  # an integer beyond a double
        return None
    return number if math.isfinite(number) else None


def _match_of(entry: Mapping[str, Any] | None) -> MatchInfo:
    if not entry:
        return MatchInfo()
    confidence = _number(entry.get("confidence")) or 0.0
    return MatchInfo(entry.get("benchmarkId"), str(entry.get("method") or _NO_MATCH_METHOD),
                     round(min(1.0, max(0.0, confidence)), 4))


def collect_raw_scores(
    catalog_models: Sequence[Mapping[str, Any]],
    benchmark_models: Iterable[Mapping[str, Any]],
    matches: Mapping[str, MatchInfo],
    curated: Iterable[CuratedEntry],
) -> dict[str, dict[str, _Raw]]:
    """Source -> catalog id -> raw score, for every source that scores the model."""
    bench = {m.get("id"): m for m in benchmark_models}
    curated_by_base: dict[str, CuratedEntry] = {}
    for entry in sorted(curated, key=lambda e: (e.name, e.openrouter_ids)):
        for oid in entry.openrouter_ids:
            curated_by_base.setdefault(base_id(oid), entry)
    out: dict[str, dict[str, _Raw]] = {name: {} for name in SOURCES}
    for model in catalog_models:
        mid = model["id"]
        aa = ((model.get("benchmarks") or {}).get("artificial_analysis") or {})
        value = _number(aa.get("coding_index")) if isinstance(aa, Mapping) else None
        if value is not None:
            out["artificial_analysis"][mid] = _Raw(value, "openrouter:benchmarks.artificial_analysis.coding_index", 1.0)
        match = matches.get(mid, MatchInfo())
        scored = bench.get(match.benchmark_id) if match.benchmark_id else None
        value = _number(scored.get("codingScore")) if scored else None
        if value is not None:
            coverage = _number(scored.get("coverage")) or 0.0
            out["llm-stats"][mid] = _Raw(value, f"llm-stats:{match.benchmark_id}",
                                         round(match.confidence * min(1.0, max(0.0, coverage)), 4))
        entry = curated_by_base.get(base_id(mid))
        if entry is not None and _number(entry.coding_score) is not None:
            ref = "curated:" + (entry.source_url or entry.source or entry.name)
            out["curated"][mid] = _Raw(float(entry.coding_score), ref, 1.0)
    return out


def _median(values: Sequence[float]) -> float:
    ordered = sorted(values)
    mid = len(ordered) // 2
    return ordered[mid] if len(ordered) % 2 else (ordered[mid - 1] + ordered[mid]) / 2


def fit_calibration(source: str, pairs: Sequence[tuple[float, float]]) -> Calibration:
    """Map (raw, reference) pairs: least squares line when >= MIN_FIT_POINTS with positive slope, else median offset."""
    n = len(pairs)
    if n < MIN_FIT_POINTS:
        return Calibration(source, "identity", n)
    xs = [p[0] for p in pairs]
    ys = [p[1] for p in pairs]
    mean_x, mean_y = sum(xs) / n, sum(ys) / n
    sxx = sum((x - mean_x) ** 2 for x in xs)
    sxy = sum((x - mean_x) * (y - mean_y) for x, y in pairs)
    if sxx > 1e-9 and sxy > 0:
        slope = sxy / sxx
        return Calibration(source, "linear", n, slope, mean_y - slope * mean_x)
    return Calibration(source, "offset", n, 1.0, _median([y - x for x, y in pairs]))


def choose_reference(raw: Mapping[str, Mapping[str, _Raw]]) -> str | None:
    """The reference source: first in SOURCES scoring >= MIN_FIT_POINTS models, else the one scoring most."""
    for name in SOURCES:
        if len(raw.get(name, {})) >= MIN_FIT_POINTS:
            return name
    best = max(SOURCES, key=lambda name: (len(raw.get(name, {})), -SOURCES.index(name)))
    return best if raw.get(best) else None


def _calibrations(raw: Mapping[str, Mapping[str, _Raw]], reference: str | None) -> dict[str, Calibration]:
    out: dict[str, Calibration] = {}
    for name in SOURCES:
        if not raw.get(name):
            continue
        if name == reference:
            out[name] = Calibration(name, "reference", len(raw[name]))
            continue
        ref_scores = raw.get(reference, {}) if reference else {}
        common = sorted(set(raw[name]) & set(ref_scores))
        out[name] = fit_calibration(name, [(raw[name][i].value, ref_scores[i].value) for i in common])
    return out


def _reason(match: MatchInfo, benchmark_ids: set[str]) -> str:
    if match.benchmark_id and match.benchmark_id in benchmark_ids:
        bench = f"matched {match.benchmark_id} has no coding benchmarks"
    elif match.benchmark_id:
        bench = f"matched {match.benchmark_id} is not in benchmark-scores.json"
    else:
        bench = "no benchmark match"
    return f"no coding score: no catalog coding_index, {bench}, no curated score"


def fuse_scores(
    catalog_models: Sequence[Mapping[str, Any]],
    benchmark_models: Sequence[Mapping[str, Any]],
    match_entries: Iterable[Mapping[str, Any]],
    curated: Iterable[CuratedEntry],
) -> tuple[list[FusedModel], dict[str, Calibration]]:
    """Every catalog model (sorted by id) with its fused score, plus the calibration used for each source."""
    catalog_models = sorted(catalog_models, key=lambda m: m["id"])
    matches = {m["id"]: _match_of(m) for m in match_entries if isinstance(m, Mapping) and "id" in m}
    raw = collect_raw_scores(catalog_models, benchmark_models, matches, curated)
    calibrations = _calibrations(raw, choose_reference(raw))
    benchmark_ids = {m.get("id") for m in benchmark_models}
    fused: list[FusedModel] = []
    for model in catalog_models:
        mid = model["id"]
        sources = tuple(
            ScoreSource(name, raw[name][mid].value, calibrations[name].apply(raw[name][mid].value), raw[name][mid].ref,
                        round(SOURCE_WEIGHTS[name] * raw[name][mid].confidence, 4),
                        calibrations[name].method != "identity")
            for name in SOURCES if mid in raw[name]
        )
        usable = [s for s in sources if s.calibrated_ok] or list(sources)
        score = None
        if usable:
            total = sum(s.weight for s in usable)
            if total > 0:
                score = sum(s.calibrated * s.weight for s in usable) / total
            else:
                score = sum(s.calibrated for s in usable) / len(usable)
            score = round(min(100.0, max(0.0, score)), 2)
        match = matches.get(mid, MatchInfo())
        context = model.get("context_length")
        fused.append(FusedModel(
            id=mid,
            name=str(model.get("name") or mid),
            vendor=vendor_of(mid),
            context_length=context if isinstance(context, int) and not isinstance(context, bool) and context > 0 else 0,
            expiration_date=model.get("expiration_date") or None,
            coding_score=score,
            sources=sources,
            match=match,
            reason=None if score is not None else _reason(match, benchmark_ids),
        ))
    return fused, calibrations
