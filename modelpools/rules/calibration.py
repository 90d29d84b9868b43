"""Calibration lines: how each source's raw scale maps onto the reference, the catalog's coding index (0-100).

A line is always the documented fixed line (FIXED_LINES, fitted once on the 2026-08-18 catalog), never a slope-1
guess and never refitted on the current catalog: a model's estimate depends on its own evidence only, so models
entering or leaving the catalog cannot move it. The current catalog's common points are kept for the chart and
checked against the fixed line: when they sit off it by more than DRIFT_Z standard errors the line is marked
drifted (refit it with ``python benchmarks/bench_trust.py --fit``). A source without a fixed line (the coding probe,
rules/probestats.py) gets a plain least-squares fit on its anchors (``fit_calibration``).
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from modelpools.rules.evidence import AA_SD, bench_variance
from modelpools.rules.freemodels import coding_index
from modelpools.rules.modelids import base_id
from modelpools.rules.numbers import finite_number as _number
from modelpools.rules.rawscores import WEB_CATEGORIES, MatchInfo, RawScore, curated_score, llm_stats_score, web_elos

if TYPE_CHECKING:
    from modelpools.rules.scoring import CuratedScore

__all__ = [
    "FIXED_LINES",
    "MIN_DRIFT_POINTS",
    "DRIFT_Z",
    "MIN_LINE_POINTS",
    "Calibration",
    "least_squares",
    "calibration_line",
    "UNCALIBRATED",
    "LineFit",
    "fit_calibration",
    "CalibrationEntry",
    "calibration_entries",
    "llm_stats_line",
    "curated_line",
    "calibrate",
    "web_calibrations",
    "index_revision",
]

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
# The drift check: with at least MIN_DRIFT_POINTS distinct models scored by both, the current catalog's points are
# compared with the fixed line; their weighted mean residual beyond DRIFT_Z standard errors marks the line drifted.
# A check, not a refit: blending a live fit into the line let up to 11 of 28 common models coming and going move
# a thin model's estimate by 2 points (tests/test_fusion.py), and on every real dump the live points were either
# too few or the fixed line's own.
MIN_DRIFT_POINTS = 8
DRIFT_Z = 3.0
MIN_LINE_POINTS = 3  # a least-squares line needs this many points


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


def _points(entries: Iterable[tuple[str, float | None, RawScore | None]]) -> tuple[tuple[float, float, float], ...]:
    """(source mean, coding index, units): one point per (measurement, base id) pair, sorted."""
    points: dict[tuple[str, str], tuple[float, float, float]] = {}
    for mid, aa, found in entries:
        if found is not None and aa is not None:
            points.setdefault((found.identity, base_id(mid)), (found.mean, float(aa), found.units))
    return tuple(points[k] for k in sorted(points))


CalibrationEntry = tuple[str, float | None, MatchInfo | None]  # (id, coding index, benchmark match)


def calibration_entries(
    catalog_models: Sequence[Mapping[str, Any]],
    matches: Mapping[str, MatchInfo],
    reference_scores: Iterable[Any] = (),
    reference_matches: Mapping[str, MatchInfo] | None = None,
) -> list[CalibrationEntry]:
    """(id, coding index, match) of every model that can calibrate a source: the catalog's, free or paid (its
    referenceScores)."""
    reference_matches = reference_matches or {}
    entries = [(m["id"], _number(coding_index(m)), matches.get(m["id"])) for m in catalog_models]
    entries += [
        (r["id"], _number(r.get("coding_index")), reference_matches.get(r["id"]))
        for r in reference_scores
        if isinstance(r, Mapping) and isinstance(r.get("id"), str)
    ]
    return entries


def llm_stats_line(entries: Sequence[CalibrationEntry], bench: Mapping[str, Mapping[str, Any]]) -> Calibration:
    """LLM-Stats' fixed line, with the live points of every entry that has a coding index and an LLM-Stats score."""
    return calibration_line(
        "llm-stats", _points((mid, aa, llm_stats_score(match, bench)) for mid, aa, match in entries)
    )


def curated_line(
    entries: Sequence[CalibrationEntry],
    curated_by_base: Mapping[str, CuratedScore],
    bench: Mapping[str, Mapping[str, Any]],
) -> Calibration:
    """The curated scores' fixed line, with the live points of every entry that has a coding index and a curated
    score."""
    points = _points(
        (mid, aa, curated_score(base_id(mid), curated_by_base, None, bench, None)) for mid, aa, _match in entries
    )
    return calibration_line("curated", points)


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
    entries = calibration_entries(catalog_models, matches, reference_scores, reference_matches)
    return {
        "artificial_analysis": Calibration("artificial_analysis", "reference"),
        "llm-stats": llm_stats_line(entries, bench),
        "curated": curated_line(entries, curated_by_base, bench),
    }


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


def index_revision(pairs: Sequence[tuple[float, float]]) -> LineFit | None:
    """The line from an earlier listing's coding index onto this listing's, when the index was revised; else None.

    pairs: (earlier value, value now) of the models both listings score (rules/memory.py remembers the earlier ones).
    The drift check of the fixed lines, applied to the index itself: with at least MIN_DRIFT_POINTS pairs whose mean
    difference lies beyond DRIFT_Z standard errors (each difference's sd AA_SD * sqrt(2): two runs of the index), the
    index counts as revised, and the least-squares line through the pairs (their median offset without a positive
    slope) maps remembered values onto the new scale.
    """
    pts = list(pairs)
    if len(pts) < MIN_DRIFT_POINTS:
        return None
    shift = sum(new - old for old, new in pts) / len(pts)
    if abs(shift) <= DRIFT_Z * AA_SD * math.sqrt(2.0) / math.sqrt(len(pts)):
        return None
    return fit_calibration("index revision", pts)
