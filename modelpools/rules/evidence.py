"""Evidence arithmetic (pure): size-class priors, evidence units, per-source variances and the combined estimate.

Every score lives on one 0-100 scale, the catalog's ``artificial_analysis.coding_index``. A source's score for a
model is one noisy measurement of it with a variance that shrinks as more was measured; the estimate is the
precision-weighted mean of the prior and every measurement (a normal-normal model), its uncertainty the standard
deviation of that mean, and models are ranked by ``estimate - CONSERVATIVE_K * uncertainty``. docs/scoring.md
states each number below in words.
"""

from __future__ import annotations

import math
import re
from collections.abc import Iterable
from dataclasses import dataclass

__all__ = [
    "AA_SD",
    "AA_UNITS",
    "BENCH_SD_FLOOR",
    "BENCH_SD_PER_UNIT",
    "CONSERVATIVE_K",
    "EVIDENCE_MINIMUM",
    "MEMORY_HALF_LIFE_DAYS",
    "PRIOR_SD",
    "WEB_ELO_SD",
    "SIZE_CLASSES",
    "Estimate",
    "Measurement",
    "Prior",
    "aa_measurement",
    "bench_variance",
    "combine",
    "memory_keep",
    "parameter_counts",
    "prior_for",
]

# The catalog's coding index is the reference itself: a fresh value is known to within about 3 points (Artificial
# Analysis re-runs and index revisions move it by that much) and counts as 6 evidence units (a composite of several
# independently run coding evaluations: about two full LLM-Stats benchmark sets).
AA_SD = 3.0
AA_UNITS = 6.0
# A remembered catalog value (the listing dropped it) loses half its weight per MEMORY_HALF_LIFE_DAYS of age.
MEMORY_HALF_LIFE_DAYS = 90.0
# A benchmark-formula score (LLM-Stats, curated) mapped onto the reference scale: variance BENCH_SD_FLOOR**2 +
# BENCH_SD_PER_UNIT**2 / units. Fitted on 2026-08-18 x LLM-Stats 24a9ccf (26 models both score): with these two
# values the weighted residuals of the calibration line have a reduced chi-square of 1.1.
BENCH_SD_FLOOR = 5.0
BENCH_SD_PER_UNIT = 11.0
# Below this many evidence units a model can be ranked but is no role default while a better-evidenced one exists:
# one independent modern benchmark (Aider Polyglot, 2.5) is enough; one self-reported LiveCodeBench (1.5) is not.
EVIDENCE_MINIMUM = 2.5
CONSERVATIVE_K = 1.0
# A Design Arena Elo's own noise, in Elo points: the page role's direct measurement (rules/fusion.page_estimates).
# The catalog gives no interval with the Elo; arena leaderboards with a few hundred votes per model publish 95 %
# intervals of about +-30 to +-60, so one sd of 25 (3.7 points on the page scale through the website line's slope).
WEB_ELO_SD = 25.0
PRIOR_SD = 12.0
# (upper bound of total parameters in billions, class name, prior mean on the reference scale). Chosen by hand from
# the medians of the 2026-08-18 catalog's coding index per class (8 / 18 / 38 / 49 for the four classes), with the
# large classes lowered because the newest models dominate those medians; unknown sizes get the 10-40B value.
SIZE_CLASSES: tuple[tuple[float, str, float], ...] = (
    (10.0, "under 10B", 8.0),
    (40.0, "10-40B", 18.0),
    (150.0, "40-150B", 25.0),
    (math.inf, "over 150B", 30.0),
)
UNKNOWN_SIZE = ("unknown size", 18.0)

_SIZE = re.compile(r"(?<![a-z0-9.])([ae]?)(\d+(?:\.\d+)?)([bm])(?![a-z0-9])")


@dataclass(frozen=True)
class Prior:
    """The estimate before any measurement: a size class and its mean (sd PRIOR_SD)."""

    size_class: str
    mean: float
    sd: float = PRIOR_SD

    def to_json(self) -> dict:
        return {"sizeClass": self.size_class, "mean": self.mean, "sd": self.sd}


@dataclass(frozen=True)
class Measurement:
    """One source's value for a model on the reference scale, its variance and evidence units."""

    source: str
    value: float
    variance: float
    units: float


@dataclass(frozen=True)
class Estimate:
    """Posterior mean and standard deviation, the conservative score used for ranking, and the evidence units."""

    mean: float
    sd: float
    units: float

    @property
    def conservative(self) -> float:
        return self.mean - CONSERVATIVE_K * self.sd

    @property
    def thin(self) -> bool:
        """True below the evidence minimum."""
        return self.units < EVIDENCE_MINIMUM


def parameter_counts(*names: str | None, known_total: float | None = None) -> tuple[float | None, float | None]:
    """(total, active) parameters in billions from ids or names (``-9b``, ``120b-a12b``, ``e4b``), else known_total.

    ``a12b`` is an active count (mixture of experts); ``e4b`` is an effective count (Gemma 3n), used as both.
    A size in the id or name wins over a benchmark source's count (known_total, in parameters), which is only
    used when the names state none: LLM-Stats lists nemotron-nano-9b-v2 with 88.9 billion.
    """
    total = active = None
    for name in names:
        if not name:
            continue
        text = name.lower().split("/", 1)[-1].split(":", 1)[0]
        for prefix, number, unit in _SIZE.findall(text):
            value = float(number) / (1000.0 if unit == "m" else 1.0)
            if prefix == "a":
                active = value if active is None else active
            elif total is None:
                total = value
                if prefix == "e":
                    active = value if active is None else active
        if total is not None:
            break
    if total is None and known_total:
        total = known_total / 1e9
    if total is not None and active is None:
        active = total
    return total, active


def prior_for(total_billions: float | None) -> Prior:
    """The size-class prior for a model with this many parameters (None: unknown size)."""
    if total_billions is None:
        return Prior(*UNKNOWN_SIZE)
    for bound, name, mean in SIZE_CLASSES:
        if total_billions < bound:
            return Prior(name, mean)
    return Prior(*UNKNOWN_SIZE)  # pragma: no cover - the last bound is infinite


def memory_keep(age_days: float) -> float:
    """The share of its weight a remembered value keeps at this age: half per MEMORY_HALF_LIFE_DAYS."""
    return 0.5 ** (max(0.0, age_days) / MEMORY_HALF_LIFE_DAYS)


def aa_measurement(value: float, age_days: float = 0.0, source: str = "artificial_analysis") -> Measurement:
    """The catalog's coding index as a measurement; a remembered one (age_days > 0) weighs half per half-life."""
    keep = memory_keep(age_days)
    return Measurement(source, value, AA_SD**2 / keep, AA_UNITS * keep)


def bench_variance(units: float) -> float:
    """Variance of a benchmark-formula score on the reference scale, from its evidence units (> 0)."""
    return BENCH_SD_FLOOR**2 + BENCH_SD_PER_UNIT**2 / units


def combine(prior: Prior, measurements: Iterable[Measurement]) -> Estimate:
    """Precision-weighted mean of the prior and the measurements, its sd, and the summed evidence units."""
    precision = 1.0 / prior.sd**2
    weighted = prior.mean * precision
    units = 0.0
    for m in measurements:
        precision += 1.0 / m.variance
        weighted += m.value / m.variance
        units += m.units
    mean = min(100.0, max(0.0, weighted / precision))
    return Estimate(round(mean, 2), round(math.sqrt(1.0 / precision), 2), round(units, 2))
