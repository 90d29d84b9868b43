"""Pure statistics of the coding probe: accuracy with a Wilson interval, an evidence weight, and the calibration of
probe accuracy onto the reference coding scale.

A probe result is a tally (items answered, items right) per model and probe set. Its accuracy is a binomial
proportion, so its interval is Wilson's score interval (sound at 0 or all correct and for few items, unlike the
normal approximation). The evidence weight grows with the items answered, n / (n + HALF_WEIGHT_ITEMS): a model
probed with HALF_WEIGHT_ITEMS items counts half as much as a fully measured one.

Calibration (:func:`modelpools.rules.calibration.fit_calibration`): the probe has no documented fixed line (its accuracy
depends on the probe set), so the anchors, the models that have both a probe accuracy and a reference score, get a
line (or a median offset) fitted on them; with fewer than ``MIN_LINE_POINTS`` anchors the probe stays uncalibrated
and its accuracies are never mixed with calibrated scores.

As a measurement in the evidence model (rules/evidence.py), a calibrated probe result has the variance of its
accuracy carried through the line (binomial, with one right and one wrong answer added so 0 % and 100 % keep a
spread) plus the line's own error (the anchors' residual sd, at least ``LINE_SD_FLOOR``), and
``MAX_UNITS * evidence_weight`` evidence units: under the evidence minimum (2.5) however many items were answered,
so a model measured by the probe alone is ranked but never a role default while a benchmarked model is left.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass
from statistics import NormalDist
from typing import Any

from modelpools.rules.calibration import UNCALIBRATED, fit_calibration
from modelpools.rules.calibration import Calibration as CalibrationLine
from modelpools.rules.calibration import LineFit as Calibration
from modelpools.rules.modelids import base_id

__all__ = [
    "SOURCE",
    "CONFIDENCE",
    "HALF_WEIGHT_ITEMS",
    "MAX_UNITS",
    "LINE_SD_FLOOR",
    "ProbeTally",
    "ProbeScore",
    "wilson_interval",
    "evidence_weight",
    "anchor_points",
    "calibrate_probe",
    "probe_score",
    "probe_scores",
    "line_residual_sd",
]

SOURCE = "probe"
# Two-sided confidence of every probe interval.
CONFIDENCE = 0.90
# Items at which a probe result's evidence weight reaches one half.
HALF_WEIGHT_ITEMS = 40
# Evidence units of a probe result tend to this (times the evidence weight): below rules.evidence.EVIDENCE_MINIMUM.
MAX_UNITS = 2.0
# The probe-to-reference line is fitted on a handful of anchors: its error is taken as at least this (points).
LINE_SD_FLOOR = 8.0


@dataclass(frozen=True)
class ProbeTally:
    """What the probe measured for one model under one probe set: items answered and items answered right."""

    model: str
    probe_set: str
    answered: int
    correct: int

    def __post_init__(self) -> None:
        if not 0 <= self.correct <= self.answered:
            raise ValueError(
                f"probe tally for {self.model}: need 0 <= correct <= answered, got {self.correct} of {self.answered}"
            )

    @property
    def accuracy(self) -> float | None:
        """Percent right (0-100), None before any item was answered."""
        return 100.0 * self.correct / self.answered if self.answered else None


@dataclass(frozen=True)
class ProbeScore:
    """A probe result on the reference scale: calibrated accuracy, its interval, the evidence behind it."""

    model: str
    probe_set: str
    items: int
    accuracy: float  # percent right, raw
    low: float  # Wilson interval of the accuracy, percent
    high: float
    calibrated: float  # on the reference scale
    calibrated_low: float
    calibrated_high: float
    weight: float
    sd: float = 0.0  # of the calibrated value, on the reference scale (the line's error included)
    units: float = 0.0  # evidence units

    def to_json(self) -> dict[str, Any]:
        """The pools-file form."""
        return {
            "probeSet": self.probe_set,
            "items": self.items,
            "accuracy": self.accuracy,
            "interval": [self.low, self.high],
            "calibrated": self.calibrated,
            "calibratedInterval": [self.calibrated_low, self.calibrated_high],
            "weight": self.weight,
        }


def wilson_interval(correct: int, answered: int, confidence: float = CONFIDENCE) -> tuple[float, float]:
    """Wilson score interval of correct/answered as fractions in [0, 1]; (0, 1) when nothing was answered."""
    if answered <= 0:
        return 0.0, 1.0
    z = NormalDist().inv_cdf(0.5 + confidence / 2)
    p = correct / answered
    z2n = z * z / answered
    centre = (p + z2n / 2) / (1 + z2n)
    half = z * math.sqrt(p * (1 - p) / answered + z2n / (4 * answered)) / (1 + z2n)
    low = 0.0 if correct <= 0 else max(0.0, centre - half)
    return low, 1.0 if correct >= answered else min(1.0, centre + half)


def evidence_weight(answered: int) -> float:
    """n / (n + HALF_WEIGHT_ITEMS), rounded to 4 decimals: 0 for no items, 0.5 at HALF_WEIGHT_ITEMS, towards 1."""
    return round(answered / (answered + HALF_WEIGHT_ITEMS), 4) if answered > 0 else 0.0


def anchor_points(tallies: Mapping[str, ProbeTally], reference: Mapping[str, float]) -> list[tuple[float, float]]:
    """(probe accuracy, reference score) for every probed model the reference also scores, by base id, in id order.

    A model probed under several catalog ids (``x:free``, ``x``) counts once: the tally with most items.
    """
    best: dict[str, ProbeTally] = {}
    for mid in sorted(tallies):
        tally = tallies[mid]
        key = base_id(mid)
        if tally.answered and (key not in best or tally.answered > best[key].answered):
            best[key] = tally
    ref = {base_id(mid): value for mid, value in sorted(reference.items())}
    return [(accuracy, ref[key]) for key in sorted(best) if key in ref and (accuracy := best[key].accuracy) is not None]


def calibrate_probe(tallies: Mapping[str, ProbeTally], reference: Mapping[str, float]) -> Calibration:
    """Probe accuracy -> reference scale, fitted on the anchors; uncalibrated below MIN_LINE_POINTS anchors."""
    return fit_calibration(SOURCE, anchor_points(tallies, reference))


def line_residual_sd(calibration: Calibration, points: list[tuple[float, float]]) -> float:
    """The anchors' residual sd around the fitted line, at least LINE_SD_FLOOR."""
    if len(points) < 3:
        return LINE_SD_FLOOR
    residuals = [y - (calibration.slope * x + calibration.intercept) for x, y in points]
    return max(LINE_SD_FLOOR, math.sqrt(sum(r * r for r in residuals) / max(1, len(points) - 2)))


def probe_score(mid: str, tally: ProbeTally, line: Calibration | CalibrationLine, line_sd: float) -> ProbeScore | None:
    """A model's tally on the reference scale through a usable line whose own error is line_sd (at least
    LINE_SD_FLOOR, see line_residual_sd); None when nothing was answered."""
    accuracy = tally.accuracy
    if accuracy is None:
        return None
    low, high = wilson_interval(tally.correct, tally.answered)
    ends = sorted((line.apply(100 * low), line.apply(100 * high)))
    p = (tally.correct + 1) / (tally.answered + 2)
    sampling_sd = abs(line.slope) * 100 * math.sqrt(p * (1 - p) / tally.answered)
    sd = math.sqrt(sampling_sd**2 + line_sd**2)
    weight = evidence_weight(tally.answered)
    return ProbeScore(
        mid,
        tally.probe_set,
        tally.answered,
        round(accuracy, 2),
        round(100 * low, 2),
        round(100 * high, 2),
        line.apply(accuracy),
        ends[0],
        ends[1],
        weight,
        round(sd, 2),
        round(MAX_UNITS * weight, 2),
    )


def probe_scores(
    tallies: Mapping[str, ProbeTally], reference: Mapping[str, float]
) -> tuple[dict[str, ProbeScore], Calibration]:
    """Every answered tally as a ProbeScore, and the calibration used; no scores when the probe is uncalibrated."""
    points = anchor_points(tallies, reference)
    calibration = fit_calibration(SOURCE, points)
    if calibration.method == UNCALIBRATED:
        return {}, calibration
    line_sd = line_residual_sd(calibration, points)
    scored = ((mid, probe_score(mid, tallies[mid], calibration, line_sd)) for mid in sorted(tallies))
    return {mid: score for mid, score in scored if score is not None}, calibration
