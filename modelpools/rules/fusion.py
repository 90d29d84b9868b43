"""Fuse per-model coding scores from the catalog index, LLM-Stats matches and curated scores onto one 0-100 scale."""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, Iterable, Mapping, Sequence

from modelpools.rules.freemodels import coding_index
from modelpools.rules.modelids import base_id, vendor_of
from modelpools.rules.numbers import finite_number as _number, is_integer

if TYPE_CHECKING:
    from modelpools.rules.scoring import CuratedScore

__all__ = [
    "SOURCES",
    "SOURCE_WEIGHTS",
    "MIN_FIT_POINTS",
    "BORROWS",
    "UNCALIBRATED",
    "ScoreSource",
    "MatchInfo",
    "Calibration",
    "FusedModel",
    "collect_raw_scores",
    "common_points",
    "fit_calibration",
    "choose_reference",
    "calibrate_sources",
    "fuse_scores",
]

# Source names in priority order: the first one scoring >= MIN_FIT_POINTS models is the reference scale.
SOURCES = ("artificial_analysis", "llm-stats", "curated")
# Base weight of each source in the weighted mean (times the per-model confidence).
SOURCE_WEIGHTS = {"artificial_analysis": 1.0, "llm-stats": 1.0, "curated": 0.5}
# Fewer common models than this with the reference: no direct fit.
MIN_FIT_POINTS = 3
# Curated scores are the codingScore formula applied to one aider-polyglot result, the same formula as LLM-Stats
# scores: without a direct fit of its own, curated uses llm-stats' mapping onto the reference (method "via-llm-stats").
BORROWS = {"curated": "llm-stats"}
UNCALIBRATED = "uncalibrated"
_DIRECT = ("reference", "linear", "offset")
_NO_MATCH_METHOD = "none"
_AA_REF = "openrouter:benchmarks.artificial_analysis.coding_index"


@dataclass(frozen=True)
class ScoreSource:
    """One source's score for one model: raw value, value on the reference scale, where it came from, weight.

    The one record for a pools file's ``scoreSources`` entry: fusion builds it, the consumer view reads it back.
    """

    source: str
    raw: float
    calibrated: float
    ref: str
    weight: float

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
    method: str  # "reference" | "linear" | "offset" | "via-llm-stats" | "uncalibrated"
    points: int
    slope: float = 1.0
    intercept: float = 0.0

    @property
    def usable(self) -> bool:
        """False for a source left on its own scale: its scores are never mixed with calibrated ones."""
        return self.method != UNCALIBRATED

    def apply(self, raw: float) -> float:
        """raw mapped onto the reference scale, clamped to 0-100 and rounded to 2 decimals."""
        return round(min(100.0, max(0.0, self.slope * raw + self.intercept)), 2)

    def to_json(self) -> dict[str, Any]:
        """The pools-file form."""
        return {"method": self.method, "points": self.points, "slope": round(self.slope, 6),
                "intercept": round(self.intercept, 6)}


@dataclass(frozen=True)
class FusedModel:
    """One catalog model with its fused coding score (None when no calibrated source scores it, with a reason)."""

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


def _match_of(entry: Mapping[str, Any] | None) -> MatchInfo:
    if not entry:
        return MatchInfo()
    confidence = _number(entry.get("confidence")) or 0.0
    bid = entry.get("benchmarkId")
    return MatchInfo(bid if isinstance(bid, str) else None, str(entry.get("method") or _NO_MATCH_METHOD),
                     round(min(1.0, max(0.0, confidence)), 4))


def _match_map(entries: Iterable[Any]) -> dict[str, MatchInfo]:
    return {m["id"]: _match_of(m) for m in entries if isinstance(m, Mapping) and isinstance(m.get("id"), str)}


def _curated_index(curated: Iterable[CuratedScore]) -> dict[str, CuratedScore]:
    out: dict[str, CuratedScore] = {}
    for entry in sorted(curated, key=lambda e: (e.name, tuple(e.openrouter_ids))):
        if _number(entry.coding_score) is not None:
            for oid in entry.openrouter_ids:
                out.setdefault(base_id(oid), entry)
    return out


def _curated_ref(entry: CuratedScore) -> str:
    return "curated:" + (entry.source_url or entry.source or entry.name)


def _llm_stats(match: MatchInfo | None, bench: Mapping[str, Mapping[str, Any]]) -> tuple[float, Mapping] | None:
    scored = bench.get(match.benchmark_id) if match and match.benchmark_id else None
    value = _number(scored.get("codingScore")) if isinstance(scored, Mapping) else None
    return (value, scored) if value is not None else None


def _scores_of(mid: str, aa: float | None, match: MatchInfo | None, bench: Mapping[str, Mapping[str, Any]],
               curated_by_base: Mapping[str, CuratedScore]) -> dict[str, tuple[_Raw, str]]:
    """Source -> (raw score, identity of the measurement) for one catalog or reference id.

    identity names what was measured (the base id for the catalog index, the benchmark model, the curated entry),
    so one measurement counts once however many catalog ids (``:free``, ``:batch``) lead to it.
    """
    key = base_id(mid)
    out: dict[str, tuple[_Raw, str]] = {}
    if aa is not None:
        out["artificial_analysis"] = (_Raw(aa, _AA_REF, 1.0), key)
    found = _llm_stats(match, bench)
    if found is not None:
        value, scored = found
        coverage = _number(scored.get("coverage")) or 0.0
        ref = f"llm-stats:{match.benchmark_id}"
        out["llm-stats"] = (_Raw(value, ref, round(match.confidence * min(1.0, max(0.0, coverage)), 4)), ref)
    entry = curated_by_base.get(key)
    if entry is not None:
        ref = _curated_ref(entry)
        out["curated"] = (_Raw(float(entry.coding_score), ref, 1.0), ref + "#" + entry.name)
    return out


def _catalog_scores(catalog_models: Sequence[Mapping[str, Any]], matches: Mapping[str, MatchInfo],
                    bench: Mapping[str, Mapping[str, Any]],
                    curated_by_base: Mapping[str, CuratedScore]) -> list[tuple[str, dict[str, tuple[_Raw, str]]]]:
    """(catalog id, its scores by source) for every catalog model, in order."""
    return [(m["id"], _scores_of(m["id"], _number(coding_index(m)), matches.get(m["id"]), bench, curated_by_base))
            for m in catalog_models]


def _raw_scores(catalog_scores: Iterable[tuple[str, Mapping[str, tuple[_Raw, str]]]]) -> dict[str, dict[str, _Raw]]:
    out: dict[str, dict[str, _Raw]] = {name: {} for name in SOURCES}
    for mid, scores in catalog_scores:
        for name, (raw, _identity) in scores.items():
            out[name][mid] = raw
    return out


def collect_raw_scores(
    catalog_models: Sequence[Mapping[str, Any]],
    benchmark_models: Iterable[Mapping[str, Any]],
    matches: Mapping[str, MatchInfo],
    curated: Iterable[CuratedScore],
) -> dict[str, dict[str, _Raw]]:
    """Source -> catalog id -> raw score, for every source that scores the model."""
    bench = {m.get("id"): m for m in benchmark_models}
    return _raw_scores(_catalog_scores(catalog_models, matches, bench, _curated_index(curated)))


def _score_rows(
    catalog_scores: Sequence[tuple[str, Mapping[str, tuple[_Raw, str]]]],
    reference_scores: Iterable[Any],
    bench: Mapping[str, Mapping[str, Any]],
    reference_matches: Mapping[str, MatchInfo],
    curated_by_base: Mapping[str, CuratedScore],
) -> dict[str, dict[str, tuple[float, str]]]:
    """Base id -> source -> (value, identity) over the free models and the catalog's reference entries."""
    references = sorted((r for r in reference_scores if isinstance(r, Mapping) and isinstance(r.get("id"), str)),
                        key=lambda r: r["id"])
    entries = list(catalog_scores) + [
        (r["id"], _scores_of(r["id"], _number(r.get("coding_index")), reference_matches.get(r["id"]), bench,
                             curated_by_base))
        for r in references]
    rows: dict[str, dict[str, tuple[float, str]]] = {}
    for mid, scores in entries:
        row = rows.setdefault(base_id(mid), {})
        for name, (raw, identity) in scores.items():
            row.setdefault(name, (raw.value, identity))
    return rows


def common_points(rows: Mapping[str, Mapping[str, tuple[float, str]]], source: str,
                  reference: str) -> list[tuple[float, float]]:
    """(source value, reference value) for every model both score; one point per pair of measurements."""
    points: dict[tuple[str, str], tuple[float, float]] = {}
    for key in sorted(rows):
        row = rows[key]
        if source in row and reference in row:
            points.setdefault((row[source][1], row[reference][1]), (row[source][0], row[reference][0]))
    return [points[k] for k in sorted(points)]


def _median(values: Sequence[float]) -> float:
    ordered = sorted(values)
    mid = len(ordered) // 2
    return ordered[mid] if len(ordered) % 2 else (ordered[mid - 1] + ordered[mid]) / 2


def fit_calibration(source: str, pairs: Sequence[tuple[float, float]]) -> Calibration:
    """Map (raw, reference) pairs: least squares line when >= MIN_FIT_POINTS with positive slope, else median offset;
    fewer pairs: uncalibrated."""
    n = len(pairs)
    if n < MIN_FIT_POINTS:
        return Calibration(source, UNCALIBRATED, n)
    xs = [p[0] for p in pairs]
    ys = [p[1] for p in pairs]
    mean_x, mean_y = sum(xs) / n, sum(ys) / n
    sxx = sum((x - mean_x) ** 2 for x in xs)
    sxy = sum((x - mean_x) * (y - mean_y) for x, y in pairs)
    if sxx > 1e-9 and sxy > 0:
        slope = sxy / sxx
        return Calibration(source, "linear", n, slope, mean_y - slope * mean_x)
    return Calibration(source, "offset", n, 1.0, _median([y - x for x, y in pairs]))


def choose_reference(scored: Mapping[str, Any]) -> str | None:
    """The reference source: first in SOURCES scoring >= MIN_FIT_POINTS models, else the one scoring most.

    ``scored`` maps a source to the models it scores (anything with a length).
    """
    for name in SOURCES:
        if len(scored.get(name, ())) >= MIN_FIT_POINTS:
            return name
    best = max(SOURCES, key=lambda name: (len(scored.get(name, ())), -SOURCES.index(name)))
    return best if scored.get(best) else None


def calibrate_sources(rows: Mapping[str, Mapping[str, tuple[float, str]]]) -> dict[str, Calibration]:
    """The calibration of every source scoring any model: the reference, a direct fit, a borrowed one, or none."""
    scored = {name: [k for k, row in rows.items() if name in row] for name in SOURCES}
    reference = choose_reference(scored)
    out: dict[str, Calibration] = {}
    for name in SOURCES:
        if not scored[name]:
            continue
        if name == reference:
            out[name] = Calibration(name, "reference", len(scored[name]))
        else:
            out[name] = fit_calibration(name, common_points(rows, name, reference) if reference else [])
    for name, partner in BORROWS.items():
        if name in out and not out[name].usable and partner in out and out[partner].method in _DIRECT:
            lender = out[partner]
            out[name] = Calibration(name, f"via-{partner}", lender.points, lender.slope, lender.intercept)
    return out


def _reference_of(calibrations: Mapping[str, Calibration]) -> str:
    return next((c.source for c in calibrations.values() if c.method == "reference"), "the reference")


def _uncalibrated_reason(names: Iterable[str], calibrations: Mapping[str, Calibration]) -> str:
    reference = _reference_of(calibrations)
    parts = []
    for name in names:
        n = calibrations[name].points
        parts.append(f"{name}: {n} common model{'' if n == 1 else 's'} with {reference}, need {MIN_FIT_POINTS}")
    return f"score only on an uncalibrated scale ({'; '.join(parts)})"


def _reason(match: MatchInfo, benchmark_ids: set[str]) -> str:
    if match.benchmark_id and match.benchmark_id in benchmark_ids:
        bench = f"matched {match.benchmark_id} has no coding benchmarks"
    elif match.benchmark_id:
        bench = f"matched {match.benchmark_id} is not in benchmark-scores.json"
    else:
        bench = "no benchmark match"
    return f"no coding score: no catalog coding_index, {bench}, no curated score"


def _context(model: Mapping[str, Any]) -> int:
    value = model.get("context_length")
    return value if is_integer(value) and value > 0 else 0


def fuse_scores(
    catalog_models: Sequence[Mapping[str, Any]],
    benchmark_models: Sequence[Mapping[str, Any]],
    match_entries: Iterable[Mapping[str, Any]],
    curated: Iterable[CuratedScore],
    reference_scores: Iterable[Mapping[str, Any]] = (),
    reference_matches: Iterable[Mapping[str, Any]] = (),
) -> tuple[list[FusedModel], dict[str, Calibration]]:
    """Every catalog model (sorted by id) with its fused score, plus the calibration used for each source.

    Calibration points come from every model two sources both score: the free catalog models plus the catalog's
    ``referenceScores`` (non-free models with a coding_index) and their benchmark matches (``reference_matches``).
    """
    catalog_models = sorted(catalog_models, key=lambda m: m["id"])
    matches = _match_map(match_entries)
    bench = {m.get("id"): m for m in benchmark_models if isinstance(m, Mapping)}
    curated_by_base = _curated_index(curated)
    catalog_scores = _catalog_scores(catalog_models, matches, bench, curated_by_base)
    raw = _raw_scores(catalog_scores)
    rows = _score_rows(catalog_scores, reference_scores, bench, _match_map(reference_matches), curated_by_base)
    calibrations = calibrate_sources(rows)
    fused: list[FusedModel] = []
    for model in catalog_models:
        mid = model["id"]
        found = [name for name in SOURCES if mid in raw[name]]
        sources = tuple(
            ScoreSource(name, raw[name][mid].value, calibrations[name].apply(raw[name][mid].value), raw[name][mid].ref,
                        round(SOURCE_WEIGHTS[name] * raw[name][mid].confidence, 4))
            for name in found if calibrations[name].usable
        )
        score = None
        if sources:
            total = sum(s.weight for s in sources)
            if total > 0:
                score = sum(s.calibrated * s.weight for s in sources) / total
            else:
                score = sum(s.calibrated for s in sources) / len(sources)
            score = round(min(100.0, max(0.0, score)), 2)
        match = matches.get(mid, MatchInfo())
        if score is not None:
            reason = None
        elif found:
            reason = _uncalibrated_reason(found, calibrations)
        else:
            reason = _reason(match, bench.keys())  # a set-like view; set(bench) here was O(n) per model
        fused.append(FusedModel(
            id=mid,
            name=str(model.get("name") or mid),
            vendor=vendor_of(mid),
            context_length=_context(model),
            expiration_date=model.get("expiration_date") or None,
            coding_score=score,
            sources=sources,
            match=match,
            reason=reason,
        ))
    return fused, calibrations
