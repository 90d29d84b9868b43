"""Fuse per-model coding evidence (catalog index, LLM-Stats, curated, remembered, probe) into one estimate with
uncertainty, and the page role's estimate on top of it.

The scale is the catalog's ``artificial_analysis.coding_index`` (0-100). rules/rawscores.py collects each source's
raw score, rules/calibration.py maps it onto the scale (the documented fixed lines and the drift check),
rules/evidence.py holds the priors, variances and the combination; this module puts them together per model.
Design Arena web Elo only feeds the page role (see ``page_estimates``).
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from modelpools.rules.calibration import Calibration, calibrate
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
from modelpools.rules.rawscores import MatchInfo, curated_index, curated_score, llm_stats_score, match_map, web_elo

if TYPE_CHECKING:
    from modelpools.rules.matching import Match
    from modelpools.rules.probestats import ProbeScore, ProbeTally
    from modelpools.rules.scoring import CuratedScore

__all__ = [
    "SOURCES",
    "PROBE",
    "ScoreSource",
    "FusedModel",
    "Remembered",
    "fuse_scores",
    "page_estimates",
]

SOURCES = ("artificial_analysis", "llm-stats", "curated")
_AA_REF = "openrouter:benchmarks.artificial_analysis.coding_index"
PROBE = "probe"  # the coding probe's source name (rules/probestats.py)


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
class Remembered:
    """Catalog evidence the current listing lacks, remembered from an earlier one (rules/memory.py): its coding
    index and its web Elo ((calibration key, Elo), the page role's), each None when the listing has its own, each
    with the catalog date it was last seen and its age in days at this catalog's date."""

    coding_index: float | None
    last_seen: str
    age_days: float
    web_elo: tuple[str, float] | None = None
    web_last_seen: str | None = None  # None: the same as last_seen
    web_age_days: float | None = None


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


def _context(model: Mapping[str, Any]) -> int:
    value = model.get("context_length")
    return value if is_integer(value) and value > 0 else 0


_NO_EVIDENCE = "no coding score: no catalog coding_index, no benchmark match, no curated score"


def _reason(match: MatchInfo, benchmark_ids: Any) -> str:
    if not match.benchmark_id:
        return _NO_EVIDENCE  # the common case at scale: one string for all of them
    if match.benchmark_id in benchmark_ids:
        bench = f"matched {match.benchmark_id} has no coding benchmarks"
    else:
        bench = f"matched {match.benchmark_id} is not in benchmark-scores.json"
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
    llm = llm_stats_score(match, bench)
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
    cur = curated_score(key, curated_by_base, llm, bench, match)
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
    matches: Iterable[Match],
    curated: Iterable[CuratedScore],
    reference_scores: Iterable[Mapping[str, Any]] = (),
    reference_matches: Iterable[Match] = (),
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
    match_of = match_map(matches)
    bench = {m["id"]: m for m in benchmark_models if isinstance(m, Mapping) and isinstance(m.get("id"), str)}
    curated_by_base = curated_index(curated)
    calibrations = calibrate(
        catalog_models, match_of, bench, curated_by_base, list(reference_scores), match_map(reference_matches)
    )
    remembered = remembered or {}
    fused = [
        _fuse_one(m, match_of.get(m["id"], MatchInfo()), bench, curated_by_base, calibrations, remembered.get(m["id"]))
        for m in catalog_models
    ]
    if probe:
        fused = _with_probe(fused, catalog_models, probe, match_of, bench, curated_by_base, calibrations, remembered)
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
            seen = memory.web_last_seen or memory.last_seen
            age = memory.age_days if memory.web_age_days is None else memory.web_age_days
            found, keep = memory.web_elo, memory_keep(age)
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
