"""Provisional estimates (pure): a prior fitted on one listing's own coding-index values, for the models no source
measures.

A third to a half of the eligible free models on the 2025 and early-2026 listings have no benchmark evidence; new
vendors and families appear months before any benchmark lists them. Each such model gets a **provisional** estimate:
the prediction of a small regression fitted on the same listing's index values (every model with a coding index,
free or paid: the catalog's ``referenceScores``), on what the listing says of every model:

    index ~ b0 + b1 * known + b2 * log2(total B) + b3 * log2(active B) + b4 * years + b5 * known * years
            + b6 * log2(total B) * years + b7 * log2(1 + the vendor's other index values in the listing)
            + the vendor family's offset (its mean residual, shrunk towards 0)

(known: 1 when the id, name or Hugging Face id gives a size, the size terms 0 otherwise; years: since 2024-01-01 by
the catalog's ``created``, the listing's mean where unknown; the interactions let the release-date trend differ with
size: on 2026-08-18 the index rose about 21 points a year for models of unknown size, the frontier's; the vendor's
count tells a large lab's unsized models from a newcomer's, which the listing does not score yet), with ridge
RIDGE on the slopes, and as its sd the leave-one-out residual spread (each model predicted without itself,
its vendor's offset without it too). Below MIN_PRIOR_POINTS index values (every listing before mid-2026) the
documented fixed size-class prior (rules/evidence.prior_for, sd 12) stands in. A provisional estimate is never a
measurement: its evidence is 0 units, no role takes it while a measured model is eligible (rules/roles.py), and the
probe measures provisional models first (stages/probe_plan.py). Only models without a measurement get it: a
measured model keeps the fixed prior, so its estimate does not move when other models come and go.
"""

from __future__ import annotations

import datetime
import math
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from modelpools.rules.evidence import Prior, parameter_counts, prior_for
from modelpools.rules.modelids import base_id, vendor_of

__all__ = [
    "MIN_PRIOR_POINTS",
    "RIDGE",
    "VENDOR_SHRINK",
    "ListingPrior",
    "PriorInputs",
    "Provisional",
    "fit_listing_prior",
    "listing_points",
    "prior_inputs",
    "provisional_prior",
]

MIN_PRIOR_POINTS = 20  # fewer index values than this: the fixed size-class prior
RIDGE = 1.0  # on the slopes (the features are of order 1-10)
VENDOR_SHRINK = 3.0  # a vendor's offset is its residual sum / (its models + this)
_EPOCH = datetime.date(2024, 1, 1)


@dataclass(frozen=True)
class PriorInputs:
    """What the prior reads of one model: total and active parameters (billions, None unknown), its release day
    (the catalog's ``created``, ISO) and its vendor family."""

    total: float | None
    active: float | None
    created: str | None
    vendor: str

    def to_json(self) -> dict[str, Any]:
        return {"totalParameters": self.total, "activeParameters": self.active, "created": self.created,
                "vendor": self.vendor}  # fmt: skip


def _created_day(value: Any) -> str | None:
    if isinstance(value, int) and not isinstance(value, bool) and 0 < value < 2**40:
        return datetime.datetime.fromtimestamp(value, datetime.timezone.utc).date().isoformat()
    return None


def prior_inputs(model: Mapping[str, Any], parameters: tuple[float | None, float | None] | None = None) -> PriorInputs:
    """The prior's inputs for a catalog (or reference) record; parameters: its (total, active) when already known."""
    mid = str(model.get("id") or "")
    total, active = parameters or parameter_counts(mid, str(model.get("name") or ""), model.get("hugging_face_id"))
    return PriorInputs(total, active, _created_day(model.get("created")), vendor_of(base_id(mid)).lower())


def _features(inputs: PriorInputs, mean_years: float, others: int) -> list[float]:
    """The regression's inputs for one model; others: how many other index values of its vendor the listing has."""
    known = inputs.total is not None and inputs.total > 0
    total = math.log2(inputs.total) if known and inputs.total else 0.0
    active = math.log2(inputs.active) if known and inputs.active else total
    years = mean_years
    if inputs.created is not None:
        years = (datetime.date.fromisoformat(inputs.created) - _EPOCH).days / 365.25
    flag = 1.0 if known else 0.0
    return [1.0, flag, total, active, years, flag * years, total * years, math.log2(1 + others)]


def _solve(matrix: list[list[float]], vector: list[float]) -> list[float]:
    """Gaussian elimination with partial pivoting (the system is small and, with the ridge, well posed)."""
    n = len(vector)
    a = [row[:] + [vector[i]] for i, row in enumerate(matrix)]
    for col in range(n):
        pivot = max(range(col, n), key=lambda r: abs(a[r][col]))
        a[col], a[pivot] = a[pivot], a[col]
        if abs(a[col][col]) < 1e-12:
            continue
        for r in range(n):
            if r != col:
                factor = a[r][col] / a[col][col]
                a[r] = [x - factor * y for x, y in zip(a[r], a[col])]
    return [a[i][n] / a[i][i] if abs(a[i][i]) >= 1e-12 else 0.0 for i in range(n)]


def _inverse(matrix: list[list[float]]) -> list[list[float]]:
    n = len(matrix)
    columns = [_solve(matrix, [1.0 if i == j else 0.0 for i in range(n)]) for j in range(n)]
    return [[columns[j][i] for j in range(n)] for i in range(n)]


@dataclass(frozen=True)
class ListingPrior:
    """A prior fitted on one listing's index values: the regression's coefficients, the vendor offsets, the mean
    release year standing in for an unknown ``created``, the points it was fitted on and its leave-one-out sd."""

    coefficients: tuple[float, ...]
    vendor_offsets: Mapping[str, float]
    vendor_counts: Mapping[str, int]
    mean_years: float
    points: int
    residual_sd: float

    def predict(self, inputs: PriorInputs) -> float:
        x = _features(inputs, self.mean_years, self.vendor_counts.get(inputs.vendor, 0))
        value = sum(c * v for c, v in zip(self.coefficients, x)) + self.vendor_offsets.get(inputs.vendor, 0.0)
        return round(min(100.0, max(0.0, value)), 2)


def fit_listing_prior(points: Iterable[tuple[PriorInputs, float]]) -> ListingPrior | None:
    """The prior fitted on (inputs, coding index) points; None below MIN_PRIOR_POINTS."""
    pts = list(points)
    n = len(pts)
    if n < MIN_PRIOR_POINTS:
        return None
    dated = [(datetime.date.fromisoformat(p.created) - _EPOCH).days / 365.25 for p, _y in pts if p.created is not None]
    mean_years = sum(dated) / len(dated) if dated else 0.0
    counts: dict[str, int] = {}
    for p, _y in pts:
        counts[p.vendor] = counts.get(p.vendor, 0) + 1
    xs = [_features(p, mean_years, counts[p.vendor] - 1) for p, _y in pts]
    ys = [y for _p, y in pts]
    k = len(xs[0])
    gram = [[sum(x[i] * x[j] for x in xs) + (RIDGE if i == j and i > 0 else 0.0) for j in range(k)] for i in range(k)]
    coefficients = _solve(gram, [sum(x[i] * y for x, y in zip(xs, ys)) for i in range(k)])
    residuals = [y - sum(c * v for c, v in zip(coefficients, x)) for x, y in zip(xs, ys)]
    # leave-one-out: the regression's own (residual / (1 - leverage)), then the vendor offset without the model
    inverse = _inverse(gram)
    sums: dict[str, float] = {}
    for (p, _y), r in zip(pts, residuals):
        sums[p.vendor] = sums.get(p.vendor, 0.0) + r
    squares = 0.0
    for (p, _y), x, r in zip(pts, xs, residuals):
        leverage = sum(x[i] * inverse[i][j] * x[j] for i in range(k) for j in range(k))
        loo = r / max(1e-6, 1.0 - leverage)
        offset = (sums[p.vendor] - r) / (counts[p.vendor] - 1 + VENDOR_SHRINK)
        squares += (loo - offset) ** 2
    offsets = {v: sums[v] / (counts[v] + VENDOR_SHRINK) for v in sorted(sums)}
    return ListingPrior(
        tuple(coefficients), offsets, dict(sorted(counts.items())), mean_years, n, math.sqrt(squares / n)
    )


@dataclass(frozen=True)
class Provisional:
    """How a provisional estimate was made: "fitted" (on ``points`` index values of this listing, its leave-one-out
    sd) or "fixed" (the documented size-class prior: too few index values), from the model's inputs."""

    method: str
    points: int
    inputs: PriorInputs

    def to_json(self) -> dict[str, Any]:
        """The pools file's ``provisional`` block."""
        return {"method": self.method, "points": self.points, "inputs": self.inputs.to_json()}


def provisional_prior(inputs: PriorInputs, fitted: ListingPrior | None) -> tuple[Prior, Provisional]:
    """The provisional prior of a model no source measures, and how it was made; the fixed size-class prior without
    a fitted one."""
    if fitted is None:
        return prior_for(inputs.total), Provisional("fixed", 0, inputs)
    prior = Prior(f"fitted on {fitted.points} index values", fitted.predict(inputs), round(fitted.residual_sd, 2))
    return prior, Provisional("fitted", fitted.points, inputs)


def listing_points(
    models: Sequence[Mapping[str, Any]], reference_scores: Iterable[Any], index_of: Any, sizes: Any = None
) -> list[tuple[PriorInputs, float]]:
    """(inputs, coding index) of every model of the listing with an index, free or paid, one per base id (the first
    in id order: the free entries come first, then the references). ``sizes`` (a record -> (total, active)) reads
    the sizes the way the predictions do (rules.sizes), so the fit and its use see the same numbers."""
    points: dict[str, tuple[PriorInputs, float]] = {}
    for model in list(models) + [r for r in reference_scores if isinstance(r, Mapping)]:
        mid = model.get("id")
        value = index_of(model)
        if isinstance(mid, str) and value is not None:
            parameters = sizes(model) if sizes is not None else None
            points.setdefault(base_id(mid).lstrip("~").lower(), (prior_inputs(model, parameters), float(value)))
    return [points[key] for key in sorted(points)]
