"""Fuse per-model coding evidence (catalog index, LLM-Stats, curated, remembered) into one estimate with uncertainty.

The scale is the catalog's ``artificial_analysis.coding_index`` (0-100). LLM-Stats and curated scores are the same
benchmark formula (rules/scoring.py) and reach that scale through one calibration line; Design Arena web Elo reaches
it through a line of its own and only feeds the page role (see ``page_estimates``). A calibration line is always the
documented fixed line (fitted once on the 2026-08-18 catalog, constants below), never a slope-1 guess and never
refitted on the current catalog: a model's estimate depends on its own evidence only, so models entering or leaving
the catalog cannot move it. The current catalog's common points are kept for the chart and checked against the
fixed line: when they sit off it by more than DRIFT_Z standard errors the line is marked drifted (refit it with
``python benchmarks/bench_trust.py --fit``). rules/evidence.py holds the priors, variances and the combination.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from modelpools.rules.evidence import (
    Estimate,
    Measurement,
    Prior,
    aa_measurement,
    bench_variance,
    combine,
    memory_keep,
    parameter_counts,
    prior_for,
)
from modelpools.rules.freemodels import coding_index
from modelpools.rules.modelids import base_id, vendor_of
from modelpools.rules.numbers import finite_number as _number
from modelpools.rules.numbers import is_integer
from modelpools.rules.scoring import Component, component_mean

if TYPE_CHECKING:
    from modelpools.rules.probestats import ProbeScore, ProbeTally
    from modelpools.rules.scoring import CuratedScore

__all__ = [
    "SOURCES",
    "FIXED_LINES",
    "MIN_DRIFT_POINTS",
    "DRIFT_Z",
    "WEB_CATEGORIES",
    "ScoreSource",
    "MatchInfo",
    "Calibration",
    "FusedModel",
    "Remembered",
    "least_squares",
    "calibration_line",
    "UNCALIBRATED",
    "LineFit",
    "fit_calibration",
    "calibrate",
    "fuse_scores",
    "web_elo",
    "web_elos",
    "web_calibrations",
    "page_estimates",
]

SOURCES = ("artificial_analysis", "llm-stats", "curated")
# (slope, intercept, points, residual sd) of each fixed line: raw -> the catalog's coding index. Fitted on
# models-2026-08-18.json (paid models included) x LLM-Stats 24a9ccf by `python benchmarks/bench_trust.py --fit`.
# "llm-stats": the unshrunk benchmark-formula mean of a model's LLM-Stats results (weighted least squares, weights
# 1/variance from rules.evidence.bench_variance); "curated": the same formula on one Aider Polyglot result (Aider's
# floor lifts weak models less, hence a flatter line); "web:<arena>/<category>": Design Arena Elo.
FIXED_LINES: dict[str, tuple[float, float, int, float]] = {
    "llm-stats": (0.4582, -0.94, 26, 9.32),
    "curated": (0.2448, 12.58, 13, 7.98),
    "web:models/website": (0.1483, -128.48, 68, 11.07),
    "web:agents/webapps": (0.0723, -21.80, 27, 8.16),
}
WEB_CATEGORIES = ("web:models/website", "web:agents/webapps")
# The drift check: with at least MIN_DRIFT_POINTS distinct models scored by both, the current catalog's points are
# compared with the fixed line; their weighted mean residual beyond DRIFT_Z standard errors marks the line drifted.
# A check, not a refit: blending a live fit into the line let up to 11 of 28 common models coming and going move
# a thin model's estimate by 2 points (tests/test_fusion.py), and on every real dump the live points were either
# too few or the fixed line's own.
MIN_DRIFT_POINTS = 8
DRIFT_Z = 3.0
_AA_REF = "openrouter:benchmarks.artificial_analysis.coding_index"
PROBE = "probe"  # the coding probe's source name (rules/probestats.py)
_NO_MATCH_METHOD = "none"
MIN_LINE_POINTS = 3  # a least-squares line needs this many points


@dataclass(frozen=True)
class ScoreSource:
    """One source's evidence for one model: raw value, value on the reference scale, its sd and evidence units.

    The one record for a pools file's ``scoreSources`` entry: fusion builds it, the consumer view reads it back.
    """

    source: str
    raw: float
    calibrated: float
    ref: str
    weight: float  # share of the estimate's precision (prior excluded), 0-1
    sd: float = 0.0
    units: float = 0.0
    remembered: str | None = None  # the date a remembered value was last seen
    items: int | None = None  # the probe: items answered, their probe set and the accuracy's 90 % interval
    probe_set: str | None = None
    interval: tuple[float, float] | None = None

    @classmethod
    def from_json(cls, data: Mapping[str, Any]) -> ScoreSource:
        """Read back a pools file's entry (to_json's form); fields an older file lacks keep their defaults.

        Raises KeyError, TypeError or ValueError on a malformed entry (the pools loader turns them into one line).
        """
        interval = data.get("interval")
        if interval is not None:
            low, high = interval
            interval = (float(low), float(high))
        items = data.get("items")
        remembered, probe_set = data.get("rememberedFrom"), data.get("probeSet")
        return cls(
            str(data["source"]),
            float(data["raw"]),
            float(data["calibrated"]),
            str(data.get("ref", "")),
            float(data.get("weight", 0.0)),
            float(data.get("sd", 0.0)),
            float(data.get("evidence", 0.0)),
            None if remembered is None else str(remembered),
            None if items is None else int(items),
            None if probe_set is None else str(probe_set),
            interval,
        )

    def to_json(self) -> dict[str, Any]:
        """The pools-file form."""
        out = {
            "source": self.source,
            "raw": self.raw,
            "calibrated": self.calibrated,
            "ref": self.ref,
            "weight": self.weight,
            "sd": self.sd,
            "evidence": self.units,
        }
        if self.remembered:
            out["rememberedFrom"] = self.remembered
        if self.items is not None:
            out.update(items=self.items, probeSet=self.probe_set, interval=list(self.interval or (0.0, 100.0)))
        return out


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
    """How one raw scale maps onto the reference: calibrated = slope * raw + intercept (then clamped to 0-100).

    method: "reference" (the catalog index itself), "fixed" (the documented line), "linear"/"offset" (the probe's
    line on its anchors; "fitted", a live fit blended with the fixed line, is only in files of older versions).
    points: the current catalog's (raw, reference, units) points; live: their own least-squares (slope, intercept)
    and shift: their weighted mean residual from the line with its standard error (the drift check).
    """

    source: str
    method: str
    slope: float = 1.0
    intercept: float = 0.0
    residual_sd: float = 0.0
    points: tuple[tuple[float, float, float], ...] = ()
    live: tuple[float, float] | None = None
    shift: tuple[float, float] | None = None  # (weighted mean residual, its standard error)

    @property
    def drifted(self) -> bool:
        """True when at least MIN_DRIFT_POINTS common points sit off the line by more than DRIFT_Z standard errors."""
        return (
            self.shift is not None
            and len(self.points) >= MIN_DRIFT_POINTS
            and abs(self.shift[0]) > DRIFT_Z * self.shift[1]
        )

    def apply(self, raw: float) -> float:
        """raw mapped onto the reference scale, clamped to 0-100 and rounded to 2 decimals."""
        return round(min(100.0, max(0.0, self.slope * raw + self.intercept)), 2)

    def to_json(self) -> dict[str, Any]:
        """The pools-file form: the line, the fixed line it starts from, and the live points (for a chart)."""
        out: dict[str, Any] = {
            "method": self.method,
            "points": len(self.points),
            "slope": round(self.slope, 6),
            "intercept": round(self.intercept, 6),
            "residualSd": round(self.residual_sd, 3),
        }
        fixed = FIXED_LINES.get(self.source)
        if fixed is not None:
            out["fixed"] = {"slope": fixed[0], "intercept": fixed[1], "points": fixed[2]}
        if self.live is not None:
            out["live"] = {"slope": round(self.live[0], 6), "intercept": round(self.live[1], 6)}
        if self.shift is not None:
            out["drift"] = {"shift": round(self.shift[0], 3), "se": round(self.shift[1], 3), "drifted": self.drifted}
        out["pairs"] = [[round(x, 3), round(y, 3)] for x, y, _w in self.points]
        return out


@dataclass(frozen=True)
class Remembered:
    """Catalog evidence the current listing lacks, remembered from an earlier one (rules/memory.py): its coding
    index and its web Elo ((calibration key, Elo), the page role's), each None when the listing has its own."""

    coding_index: float | None
    last_seen: str
    age_days: float
    web_elo: tuple[str, float] | None = None


@dataclass(frozen=True)
class FusedModel:
    """One catalog model with its coding estimate (None when nothing measured it, with a reason)."""

    id: str
    name: str
    vendor: str
    context_length: int
    expiration_date: str | None
    estimate: Estimate | None
    prior: Prior
    sources: tuple[ScoreSource, ...]
    match: MatchInfo
    reason: str | None = None
    parameters: tuple[float | None, float | None] = (None, None)

    @property
    def coding_score(self) -> float | None:
        """The estimate's mean (the pools file's codingScore)."""
        return self.estimate.mean if self.estimate else None

    @property
    def conservative(self) -> float | None:
        """The ranking score: estimate minus its uncertainty."""
        return round(self.estimate.conservative, 2) if self.estimate else None


def _point_weights(key: str, points: Sequence[tuple[float, float, float]]) -> list[float]:
    """1 / variance of each (raw, reference, units) point: a benchmark-formula mean's variance from its units; an
    Elo point the fixed line's residual variance."""
    if key in ("llm-stats", "curated"):
        return [1.0 / bench_variance(max(u, 1e-3)) for _x, _y, u in points]
    return [1.0 / FIXED_LINES[key][3] ** 2] * len(points)


def least_squares(key: str, points: Sequence[tuple[float, float, float]]) -> tuple[float, float, float] | None:
    """(slope, intercept, residual sd) of the weighted least-squares line through (raw, reference, units) points;
    None below MIN_LINE_POINTS points or without a positive slope. The source of FIXED_LINES (bench_trust --fit)
    and the live line drawn beside the fixed one; never used to map a score."""
    pts = tuple(points)
    if len(pts) < MIN_LINE_POINTS:
        return None
    weights = _point_weights(key, pts)
    total = sum(weights)
    mx = sum(w * x for w, (x, _y, _u) in zip(weights, pts)) / total
    my = sum(w * y for w, (_x, y, _u) in zip(weights, pts)) / total
    sxx = sum(w * (x - mx) ** 2 for w, (x, _y, _u) in zip(weights, pts))
    sxy = sum(w * (x - mx) * (y - my) for w, (x, y, _u) in zip(weights, pts))
    if sxx <= 1e-9 or sxy <= 0:
        return None
    slope = sxy / sxx
    intercept = my - slope * mx
    residuals = [y - (slope * x + intercept) for x, y, _u in pts]
    return slope, intercept, math.sqrt(sum(r * r for r in residuals) / max(1, len(pts) - 2))


def calibration_line(key: str, points: Sequence[tuple[float, float, float]]) -> Calibration:
    """The calibration for a raw scale: the documented fixed line, with the current catalog's (raw, reference,
    units) points, their own least-squares line and the drift check (their weighted mean residual from the fixed
    line and its standard error)."""
    slope0, intercept0, _n0, sd0 = FIXED_LINES[key]
    pts = tuple(points)
    shift = None
    if pts:
        weights = _point_weights(key, pts)
        total = sum(weights)
        mean = sum(w * (y - (slope0 * x + intercept0)) for w, (x, y, _u) in zip(weights, pts)) / total
        shift = (mean, 1.0 / math.sqrt(total))
    live = least_squares(key, pts)
    return Calibration(key, "fixed", slope0, intercept0, sd0, pts, live[:2] if live else None, shift)


UNCALIBRATED = "uncalibrated"


@dataclass(frozen=True)
class LineFit:
    """A plain fitted line for a source without a documented fixed line (the coding probe, rules/probestats.py):
    calibrated = slope * raw + intercept; "uncalibrated" (never used) below MIN_LINE_POINTS pairs."""

    source: str
    method: str  # "linear" | "offset" | "uncalibrated"
    points: int
    slope: float = 1.0
    intercept: float = 0.0

    @property
    def usable(self) -> bool:
        return self.method != UNCALIBRATED

    def apply(self, raw: float) -> float:
        return round(min(100.0, max(0.0, self.slope * raw + self.intercept)), 2)

    def to_json(self) -> dict[str, Any]:
        return {
            "method": self.method,
            "points": self.points,
            "slope": round(self.slope, 6),
            "intercept": round(self.intercept, 6),
        }


def fit_calibration(source: str, pairs: Sequence[tuple[float, float]]) -> LineFit:
    """Least-squares line on (raw, reference) pairs when >= MIN_LINE_POINTS with a positive slope, else their median
    offset; fewer pairs: uncalibrated (the source is not used)."""
    n = len(pairs)
    if n < MIN_LINE_POINTS:
        return LineFit(source, UNCALIBRATED, n)
    xs, ys = [p[0] for p in pairs], [p[1] for p in pairs]
    mean_x, mean_y = sum(xs) / n, sum(ys) / n
    sxx = sum((x - mean_x) ** 2 for x in xs)
    sxy = sum((x - mean_x) * (y - mean_y) for x, y in pairs)
    if sxx > 1e-9 and sxy > 0:
        slope = sxy / sxx
        return LineFit(source, "linear", n, slope, mean_y - slope * mean_x)
    offsets = sorted(y - x for x, y in pairs)
    mid = n // 2
    median = offsets[mid] if n % 2 else (offsets[mid - 1] + offsets[mid]) / 2
    return LineFit(source, "offset", n, 1.0, median)


# ---------------------------------------------------------------- raw evidence per model


@dataclass(frozen=True)
class _Bench:
    mean: float
    units: float
    ref: str
    identity: str
    params: float | None = None


def _bench_components(entry: Mapping[str, Any]) -> tuple[Component, ...]:
    out = []
    for c in entry.get("components") or ():
        if not isinstance(c, Mapping):
            continue
        score, weight = _number(c.get("score")), _number(c.get("weight"))
        if score is None or weight is None or not isinstance(c.get("benchmark"), str):
            continue
        out.append(
            Component(
                c["benchmark"], str(c.get("dataset") or c["benchmark"]), score, weight, bool(c.get("selfReported"))
            )
        )
    return tuple(out)


def _llm_stats(match: MatchInfo | None, bench: Mapping[str, Mapping[str, Any]]) -> _Bench | None:
    if match is None or not match.benchmark_id:
        return None
    entry = bench.get(match.benchmark_id)
    if not isinstance(entry, Mapping):
        return None
    mean, units = component_mean(_bench_components(entry))
    units = round(units * min(1.0, max(0.0, match.confidence)), 4)
    if mean is None or units <= 0:
        return None
    ref = f"llm-stats:{match.benchmark_id}"
    return _Bench(mean, units, ref, ref, _number(entry.get("paramCount")))


def _curated_index(curated: Iterable[CuratedScore]) -> dict[str, CuratedScore]:
    out: dict[str, CuratedScore] = {}
    for entry in sorted(curated, key=lambda e: (e.name, tuple(e.openrouter_ids))):
        if entry.components:
            for oid in entry.openrouter_ids:
                out.setdefault(base_id(oid), entry)
    return out


def _curated(
    key: str,
    curated_by_base: Mapping[str, CuratedScore],
    llm: _Bench | None,
    bench: Mapping[str, Mapping[str, Any]],
    match: MatchInfo | None,
) -> _Bench | None:
    """The curated results for a base id, without any benchmark LLM-Stats already measured for the model."""
    entry = curated_by_base.get(key)
    if entry is None:
        return None
    measured = set()
    if llm is not None and match is not None and match.benchmark_id:
        measured = {c.benchmark for c in _bench_components(bench.get(match.benchmark_id) or {})}
    mean, units = component_mean(c for c in entry.components if c.benchmark not in measured)
    if mean is None:
        return None
    ref = "curated:" + (entry.source_url or entry.source or entry.name)
    return _Bench(mean, units, ref, ref + "#" + entry.name)


def _match_of(entry: Mapping[str, Any] | None) -> MatchInfo:
    if not entry:
        return MatchInfo()
    confidence = _number(entry.get("confidence")) or 0.0
    bid = entry.get("benchmarkId")
    return MatchInfo(
        bid if isinstance(bid, str) else None,
        str(entry.get("method") or _NO_MATCH_METHOD),
        round(min(1.0, max(0.0, confidence)), 4),
    )


def _match_map(entries: Iterable[Any]) -> dict[str, MatchInfo]:
    return {m["id"]: _match_of(m) for m in entries if isinstance(m, Mapping) and isinstance(m.get("id"), str)}


def _points(entries: Iterable[tuple[str, float | None, _Bench | None]]) -> tuple[tuple[float, float, float], ...]:
    """(source mean, coding index, units): one point per (measurement, base id) pair, sorted."""
    points: dict[tuple[str, str], tuple[float, float, float]] = {}
    for mid, aa, found in entries:
        if found is not None and aa is not None:
            points.setdefault((found.identity, base_id(mid)), (found.mean, float(aa), found.units))
    return tuple(points[k] for k in sorted(points))


def calibrate(
    catalog_models: Sequence[Mapping[str, Any]],
    matches: Mapping[str, MatchInfo],
    bench: Mapping[str, Mapping[str, Any]],
    curated_by_base: Mapping[str, CuratedScore],
    reference_scores: Iterable[Any] = (),
    reference_matches: Mapping[str, MatchInfo] | None = None,
) -> dict[str, Calibration]:
    """The calibration of each source: the catalog index is the reference; LLM-Stats and curated each get their
    fixed line, with the live points (every model, free or paid, with a coding index and that source's score) for
    the chart and the drift check."""
    reference_matches = reference_matches or {}
    entries = [(m["id"], _number(coding_index(m)), matches.get(m["id"])) for m in catalog_models]
    entries += [
        (r["id"], _number(r.get("coding_index")), reference_matches.get(r["id"]))
        for r in reference_scores
        if isinstance(r, Mapping) and isinstance(r.get("id"), str)
    ]
    llm_points = _points((mid, aa, _llm_stats(match, bench)) for mid, aa, match in entries)
    curated_points = _points(
        (mid, aa, _curated(base_id(mid), curated_by_base, None, bench, None)) for mid, aa, _match in entries
    )
    return {
        "artificial_analysis": Calibration("artificial_analysis", "reference"),
        "llm-stats": calibration_line("llm-stats", llm_points),
        "curated": calibration_line("curated", curated_points),
    }


def _context(model: Mapping[str, Any]) -> int:
    value = model.get("context_length")
    return value if is_integer(value) and value > 0 else 0


def _reason(match: MatchInfo, benchmark_ids: Any) -> str:
    if match.benchmark_id and match.benchmark_id in benchmark_ids:
        bench = f"matched {match.benchmark_id} has no coding benchmarks"
    elif match.benchmark_id:
        bench = f"matched {match.benchmark_id} is not in benchmark-scores.json"
    else:
        bench = "no benchmark match"
    return f"no coding score: no catalog coding_index, {bench}, no curated score"


def _fuse_one(
    model: Mapping[str, Any],
    match: MatchInfo,
    bench: Mapping[str, Mapping[str, Any]],
    curated_by_base: Mapping[str, CuratedScore],
    calibrations: Mapping[str, Calibration],
    remembered: Remembered | None,
    probe: ProbeScore | None = None,
) -> FusedModel:
    mid = model["id"]
    key = base_id(mid)
    found: list[tuple[Measurement, str, float, str | None]] = []  # measurement, ref, raw, remembered date
    aa = _number(coding_index(model))
    if aa is not None:
        found.append((aa_measurement(aa), _AA_REF, aa, None))
    elif remembered is not None and remembered.coding_index is not None:
        found.append(
            (
                aa_measurement(remembered.coding_index, remembered.age_days),
                _AA_REF + " (remembered)",
                remembered.coding_index,
                remembered.last_seen,
            )
        )
    llm = _llm_stats(match, bench)
    if llm is not None:
        cal = calibrations["llm-stats"]
        found.append(
            (
                Measurement("llm-stats", cal.apply(llm.mean), bench_variance(llm.units), llm.units),
                llm.ref,
                llm.mean,
                None,
            )
        )
    cur = _curated(key, curated_by_base, llm, bench, match)
    if cur is not None:
        cal = calibrations["curated"]
        found.append(
            (Measurement("curated", cal.apply(cur.mean), bench_variance(cur.units), cur.units), cur.ref, cur.mean, None)
        )
    if probe is not None:
        found.append(
            (
                Measurement(PROBE, probe.calibrated, probe.sd**2, probe.units),
                f"probe:{probe.probe_set}",
                probe.accuracy,
                None,
            )
        )
    params = parameter_counts(
        mid, str(model.get("name") or ""), model.get("hugging_face_id"), known_total=llm.params if llm else None
    )
    prior = prior_for(params[0])
    estimate = combine(prior, [m for m, *_ in found]) if found else None
    precision = sum(1.0 / m.variance for m, *_ in found)
    probed = (probe.items, probe.probe_set, (probe.low, probe.high)) if probe is not None else ()
    sources = tuple(
        ScoreSource(
            m.source,
            round(raw, 4),
            round(m.value, 2),
            ref,
            round((1.0 / m.variance) / precision, 4),
            round(math.sqrt(m.variance), 2),
            round(m.units, 2),
            seen,
            *(probed if m.source == PROBE else ()),
        )
        for m, ref, raw, seen in found
    )
    return FusedModel(
        id=mid,
        name=str(model.get("name") or mid),
        vendor=vendor_of(mid),
        context_length=_context(model),
        expiration_date=model.get("expiration_date") or None,
        estimate=estimate,
        prior=prior,
        sources=sources,
        match=match,
        reason=None if found else _reason(match, bench.keys()),
        parameters=params,
    )


def fuse_scores(
    catalog_models: Sequence[Mapping[str, Any]],
    benchmark_models: Sequence[Mapping[str, Any]],
    match_entries: Iterable[Mapping[str, Any]],
    curated: Iterable[CuratedScore],
    reference_scores: Iterable[Mapping[str, Any]] = (),
    reference_matches: Iterable[Mapping[str, Any]] = (),
    remembered: Mapping[str, Remembered] | None = None,
    probe: Mapping[str, ProbeTally] | None = None,
) -> tuple[list[FusedModel], dict[str, Calibration]]:
    """Every catalog model (sorted by id) with its estimate, plus the calibration of each source that has one.

    Calibration points come from every model the catalog index and LLM-Stats both score: the free catalog models
    plus the catalog's ``referenceScores`` (non-free models with a coding_index) and their matches.
    ``remembered`` maps a catalog id to its remembered coding index, used only when the listing has none.
    ``probe`` (catalog id -> probe tally) adds the coding probe as a source: its accuracy is calibrated on the
    anchors, the models both the probe and well-evidenced estimates measure (rules/probestats.py); with fewer than
    three anchors it adds nothing.
    """
    catalog_models = sorted(catalog_models, key=lambda m: m["id"])
    matches = _match_map(match_entries)
    bench = {m["id"]: m for m in benchmark_models if isinstance(m, Mapping) and isinstance(m.get("id"), str)}
    curated_by_base = _curated_index(curated)
    calibrations = calibrate(
        catalog_models, matches, bench, curated_by_base, list(reference_scores), _match_map(reference_matches)
    )
    remembered = remembered or {}
    fused = [
        _fuse_one(m, matches.get(m["id"], MatchInfo()), bench, curated_by_base, calibrations, remembered.get(m["id"]))
        for m in catalog_models
    ]
    if probe:
        fused = _with_probe(fused, catalog_models, probe, matches, bench, curated_by_base, calibrations, remembered)
    used = {s.source for f in fused for s in f.sources}
    return fused, {name: c for name, c in calibrations.items() if name in used}


def _with_probe(
    fused: list[FusedModel],
    catalog_models: Sequence[Mapping[str, Any]],
    tallies: Mapping[str, ProbeTally],
    matches: Mapping[str, MatchInfo],
    bench: Mapping[str, Mapping[str, Any]],
    curated_by_base: Mapping[str, CuratedScore],
    calibrations: dict[str, Calibration],
    remembered: Mapping[str, Remembered],
) -> list[FusedModel]:
    """fused with the probe source added to every probed model, once the probe is calibrated on the anchors (the
    models with well-evidenced estimates without it); unchanged when it cannot be."""
    from modelpools.rules.probestats import anchor_points, line_residual_sd, probe_scores

    reference = {f.id: f.estimate.mean for f in fused if f.estimate is not None and not f.estimate.thin}
    scores, line = probe_scores(tallies, reference)
    if not scores:
        return fused
    points = anchor_points(tallies, reference)
    calibrations[PROBE] = Calibration(
        PROBE,
        line.method,
        line.slope,
        line.intercept,
        line_residual_sd(line, points),
        tuple((x, y, 1.0) for x, y in points),
    )
    by_id = {m["id"]: m for m in catalog_models}
    return [
        _fuse_one(
            by_id[f.id],
            matches.get(f.id, MatchInfo()),
            bench,
            curated_by_base,
            calibrations,
            remembered.get(f.id),
            scores[f.id],
        )
        if f.id in scores
        else f
        for f in fused
    ]


# ---------------------------------------------------------------- page evidence


def web_elos(model: Mapping[str, Any]) -> dict[str, float]:
    """Calibration key -> Elo for each of WEB_CATEGORIES the model's Design Arena entries have."""
    benchmarks = model.get("benchmarks")
    arena = benchmarks.get("design_arena") if isinstance(benchmarks, Mapping) else None
    out: dict[str, float] = {}
    for entry in arena if isinstance(arena, list) else ():
        if isinstance(entry, Mapping):
            key = f"web:{entry.get('arena')}/{entry.get('category')}"
            elo = _number(entry.get("elo"))
            if key in WEB_CATEGORIES and elo is not None:
                out.setdefault(key, elo)
    return out


def web_elo(model: Mapping[str, Any]) -> tuple[str, float] | None:
    """(calibration key, Elo) of a model's Design Arena web evidence: models/website, else agents/webapps."""
    found = web_elos(model)
    return next(((key, found[key]) for key in WEB_CATEGORIES if key in found), None)


def web_calibrations(
    catalog_models: Sequence[Mapping[str, Any]], reference_scores: Iterable[Mapping[str, Any]] = ()
) -> dict[str, Calibration]:
    """Elo -> coding-index line per web category (the fixed line), with every model (free or reference) that has
    both as its points."""
    points: dict[str, dict[str, tuple[float, float, float]]] = {key: {} for key in WEB_CATEGORIES}
    for model in list(catalog_models) + [r for r in reference_scores if isinstance(r, Mapping)]:
        aa = _number(model.get("coding_index")) if "coding_index" in model else _number(coding_index(model))
        if aa is None or not isinstance(model.get("id"), str):
            continue
        for key, elo in web_elos(model).items():
            points[key].setdefault(base_id(model["id"]), (elo, aa, 1.0))
    return {key: calibration_line(key, [p[k] for k in sorted(p)]) for key, p in points.items()}


def page_estimates(
    fused: Sequence[FusedModel],
    catalog_models: Sequence[Mapping[str, Any]],
    calibrations: Mapping[str, Calibration],
    remembered: Mapping[str, Remembered] | None = None,
) -> dict[str, tuple[Estimate, ScoreSource | None]]:
    """Page-role estimate per estimated model: its coding estimate updated with its web Elo (calibrated onto the
    coding scale, variance = the line's residual sd squared) where it has one, else with a remembered web Elo (the
    variance divided by its age's memory_keep, as every remembered value); else the coding estimate itself."""
    by_id = {m["id"]: m for m in catalog_models}
    remembered = remembered or {}
    out: dict[str, tuple[Estimate, ScoreSource | None]] = {}
    for model in fused:
        if model.estimate is None:
            continue
        found, seen, keep = web_elo(by_id.get(model.id, {})), None, 1.0
        memory = remembered.get(model.id)
        if found is None and memory is not None and memory.web_elo is not None:
            found, seen, keep = memory.web_elo, memory.last_seen, memory_keep(memory.age_days)
        if found is None:
            out[model.id] = (model.estimate, None)
            continue
        key, elo = found
        cal = calibrations[key]
        value = cal.apply(elo)
        variance = max(cal.residual_sd, 1.0) ** 2 / keep
        start = Prior("coding estimate", model.estimate.mean, max(model.estimate.sd, 0.01))
        estimate = combine(start, [Measurement(key, value, variance, 0.0)])
        estimate = Estimate(estimate.mean, estimate.sd, model.estimate.units)
        share = (1.0 / variance) / (1.0 / variance + 1.0 / start.sd**2)
        ref = "openrouter:benchmarks.design_arena" + (" (remembered)" if seen else "")
        out[model.id] = (
            estimate,
            ScoreSource(key, elo, value, ref, round(share, 4), round(math.sqrt(variance), 2), 0.0, seen),
        )
    return out
