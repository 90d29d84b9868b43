"""Fuse per-model coding evidence (catalog index, LLM-Stats, curated, remembered, probe) into one estimate with
uncertainty; and the page role's estimate, the model's web Elo with the coding estimate as its indirect measurement.

The scale is the catalog's ``artificial_analysis.coding_index`` (0-100). Each score source is one ``Source`` record
in ``SOURCES``: its name, its calibration line (rules/calibration.py: the documented fixed lines and the drift check)
and how it measures a model (rules/rawscores.py collects the raw scores), giving a ``Reading`` with its evidence
units. rules/evidence.py holds the priors, variances and the combination; ``fuse_scores`` loops over the sources per
model. A source calibrated on the first pass's estimates (the coding probe) is a ``second_pass`` source: it is
measured once the others have given every model its estimate. Design Arena web Elo only feeds the page role (see
``page_estimates``).
"""

from __future__ import annotations

import dataclasses
import math
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass
from functools import cached_property
from typing import TYPE_CHECKING, Any

from modelpools.rules.calibration import (
    UNCALIBRATED,
    Calibration,
    CalibrationEntry,
    calibration_entries,
    curated_line,
    fit_calibration,
    llm_stats_line,
)
from modelpools.rules.evidence import (
    WEB_ELO_SD,
    Estimate,
    Measurement,
    Prior,
    aa_measurement,
    bench_variance,
    combine,
    memory_keep,
    prior_for,
)
from modelpools.rules.freemodels import coding_index
from modelpools.rules.modelids import base_id, vendor_of
from modelpools.rules.numbers import finite_number as _number
from modelpools.rules.numbers import is_integer
from modelpools.rules.rawscores import MatchInfo, curated_index, curated_score, llm_stats_score, match_map, web_elo
from modelpools.rules.sizes import Architecture, model_size

if TYPE_CHECKING:
    from modelpools.rules.matching import Match
    from modelpools.rules.probestats import ProbeTally
    from modelpools.rules.provisional import Provisional
    from modelpools.rules.scoring import CuratedScore

__all__ = [
    "SOURCES",
    "PROBE",
    "Source",
    "Evidence",
    "Reading",
    "ScoreSource",
    "FusedModel",
    "Remembered",
    "fuse_scores",
    "PAGE_SCALE",
    "PageEstimate",
    "page_estimates",
]

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
    parameters: tuple[float | None, float | None] = (None, None)  # total and active, billions (rules.sizes)
    active_from: str | None = None  # where the active count came from (rules.sizes.ModelSize.source)
    provisional: Provisional | None = None  # no source measured it: its estimate is the listing's prior

    @property
    def coding_score(self) -> float | None:
        """The estimate's mean (the pools file's ``estimate``; its ``codingScore`` is ``conservative``)."""
        return self.estimate.mean if self.estimate else None

    @property
    def conservative(self) -> float | None:
        """The ranking score: estimate minus its uncertainty (the pools file's ``codingScore`` and ``rankScore``)."""
        return round(self.estimate.conservative, 2) if self.estimate else None


def _context(model: Mapping[str, Any]) -> int:
    value = model.get("context_length")
    return value if is_integer(value) and value > 0 else 0


def _reason(match: MatchInfo, benchmark_ids: Any) -> str:
    if not match.benchmark_id:
        bench = "no benchmark match"
    elif match.benchmark_id in benchmark_ids:
        bench = f"matched {match.benchmark_id} has no coding benchmarks"
    else:
        bench = f"matched {match.benchmark_id} is not in benchmark-scores.json"
    return f"no coding score: no catalog coding_index, {bench}, no curated score"


@dataclass(frozen=True)
class Evidence:
    """What the sources read for one fusion: the catalog models (sorted by id), their benchmark matches, the
    LLM-Stats scores by benchmark id, the curated scores by base id, the calibration-only reference models and their
    matches, remembered catalog evidence and the probe's tallies (each by catalog id)."""

    models: Sequence[Mapping[str, Any]]
    matches: Mapping[str, MatchInfo]
    bench: Mapping[str, Mapping[str, Any]]
    curated: Mapping[str, CuratedScore]
    reference_scores: Sequence[Mapping[str, Any]] = ()
    reference_matches: Mapping[str, MatchInfo] | None = None
    remembered: Mapping[str, Remembered] | None = None
    probe: Mapping[str, ProbeTally] | None = None
    architectures: Mapping[str, Architecture] | None = None  # rules.sizes: known total and active parameters

    @cached_property
    def calibration_entries(self) -> list[CalibrationEntry]:
        """(id, coding index, match) of every catalog and reference model: the points a fixed line is checked on."""
        return calibration_entries(self.models, self.matches, self.reference_scores, self.reference_matches)

    def match(self, mid: str) -> MatchInfo:
        return self.matches.get(mid, _NO_MATCH)

    def remembered_of(self, mid: str) -> Remembered | None:
        return self.remembered.get(mid) if self.remembered else None


_NO_MATCH = MatchInfo()


@dataclass(frozen=True)
class Reading:
    """One source's measurement of one model: on the reference scale (its variance and evidence units in it), the
    raw value and ref it came from, and what a pools file's entry says besides (ScoreSource's fields)."""

    measurement: Measurement
    ref: str
    raw: float
    remembered: str | None = None  # the date a remembered value was last seen
    probed: tuple[int, str, tuple[float, float]] | None = None  # the probe: items, probe set, accuracy interval
    params: float | None = None  # a total parameter count the source knows (LLM-Stats)


@dataclass(frozen=True)
class Source:
    """A score source: its name, its calibration line, and how it measures a model.

    line(evidence, estimates) gives the source's Calibration, or None when it cannot be calibrated (the source then
    adds nothing); estimates is empty unless second_pass, when it holds the well-evidenced first-pass estimates
    (catalog id -> mean; the probe's anchors). measure(model, evidence, line) gives the model's Reading (its value on
    the reference scale, variance and evidence units), or None when the source has nothing on the model.
    """

    name: str
    line: Callable[[Evidence, Mapping[str, float]], Calibration | None]
    measure: Callable[[Mapping[str, Any], Evidence, Calibration], Reading | None]
    second_pass: bool = False


def _catalog_index(model: Mapping[str, Any], evidence: Evidence, _line: Calibration) -> Reading | None:
    """The catalog's own coding index (the reference), else one remembered from an earlier listing."""
    aa = _number(coding_index(model))
    if aa is not None:
        return Reading(aa_measurement(aa), _AA_REF, aa)
    memory = evidence.remembered_of(model["id"])
    if memory is not None and memory.coding_index is not None:
        return Reading(
            aa_measurement(memory.coding_index, memory.age_days),
            _AA_REF + " (remembered)",
            memory.coding_index,
            memory.last_seen,
        )
    return None


def _llm_stats(model: Mapping[str, Any], evidence: Evidence, line: Calibration) -> Reading | None:
    """The matched LLM-Stats model's benchmark-formula mean, weighted by the match's confidence."""
    llm = llm_stats_score(evidence.match(model["id"]), evidence.bench)
    if llm is None:
        return None
    measurement = Measurement("llm-stats", line.apply(llm.mean), bench_variance(llm.units), llm.units)
    return Reading(measurement, llm.ref, llm.mean, params=llm.params)


def _curated(model: Mapping[str, Any], evidence: Evidence, line: Calibration) -> Reading | None:
    """The curated results for the model's base id, without the benchmarks LLM-Stats measured for it."""
    key = base_id(model["id"])
    if key not in evidence.curated:
        return None
    match = evidence.match(model["id"])
    cur = curated_score(key, evidence.curated, llm_stats_score(match, evidence.bench), evidence.bench, match)
    if cur is None:
        return None
    return Reading(
        Measurement("curated", line.apply(cur.mean), bench_variance(cur.units), cur.units), cur.ref, cur.mean
    )


def _probe_line(evidence: Evidence, estimates: Mapping[str, float]) -> Calibration | None:
    """The probe's line on its anchors (the probed models with a well-evidenced first-pass estimate); None below
    three anchors."""
    from modelpools.rules.probestats import anchor_points, line_residual_sd

    if not evidence.probe:
        return None
    points = anchor_points(evidence.probe, estimates)
    line = fit_calibration(PROBE, points)
    if line.method == UNCALIBRATED:
        return None
    pairs = tuple((x, y, 1.0) for x, y in points)
    return Calibration(PROBE, line.method, line.slope, line.intercept, line_residual_sd(line, points), pairs)


def _probe(model: Mapping[str, Any], evidence: Evidence, line: Calibration) -> Reading | None:
    """The model's probe accuracy through the probe's line, its sd carrying the line's own error."""
    from modelpools.rules.probestats import probe_score

    tally = evidence.probe.get(model["id"]) if evidence.probe else None
    probe = probe_score(model["id"], tally, line, line.residual_sd) if tally is not None else None
    if probe is None:
        return None
    measurement = Measurement(PROBE, probe.calibrated, probe.sd**2, probe.units)
    return Reading(
        measurement,
        f"probe:{probe.probe_set}",
        probe.accuracy,
        probed=(probe.items, probe.probe_set, (probe.low, probe.high)),
    )


def _reference_line(_evidence: Evidence, _estimates: Mapping[str, float]) -> Calibration:
    """The catalog index is the scale itself."""
    return Calibration("artificial_analysis", "reference")


def _llm_stats_line(evidence: Evidence, _estimates: Mapping[str, float]) -> Calibration:
    return llm_stats_line(evidence.calibration_entries, evidence.bench)


def _curated_line(evidence: Evidence, _estimates: Mapping[str, float]) -> Calibration:
    return curated_line(evidence.calibration_entries, evidence.curated, evidence.bench)


# Every score source, in the order a model's scoreSources lists them. A new source is one more entry here (and its
# name in the pools schema's sourceName enum, which tests/test_fusion.py checks against this tuple).
SOURCES: tuple[Source, ...] = (
    Source("artificial_analysis", _reference_line, _catalog_index),
    Source("llm-stats", _llm_stats_line, _llm_stats),
    Source("curated", _curated_line, _curated),
    Source(PROBE, _probe_line, _probe, second_pass=True),
)


def _fused(model: Mapping[str, Any], readings: Sequence[Reading], evidence: Evidence) -> FusedModel:
    """A model's estimate from its sources' readings (none: no estimate, with the reason)."""
    mid = model["id"]
    known_total = next((r.params for r in readings if r.params is not None), None)
    size = model_size(model, known_total, evidence.architectures)
    prior = prior_for(size.total)
    estimate = combine(prior, [r.measurement for r in readings]) if readings else None
    precision = sum(1.0 / r.measurement.variance for r in readings)
    sources = tuple(
        ScoreSource(
            r.measurement.source,
            round(r.raw, 4),
            round(r.measurement.value, 2),
            r.ref,
            round((1.0 / r.measurement.variance) / precision, 4),
            round(math.sqrt(r.measurement.variance), 2),
            round(r.measurement.units, 2),
            r.remembered,
            *(r.probed or ()),
        )
        for r in readings
    )
    match = evidence.match(mid)
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
        reason=None if readings else _reason(match, evidence.bench.keys()),
        parameters=(size.total, size.active),
        active_from=size.source,
    )


def _readings(
    model: Mapping[str, Any], evidence: Evidence, lines: Sequence[tuple[Source, Calibration]]
) -> list[Reading]:
    return [r for source, line in lines if (r := source.measure(model, evidence, line)) is not None]


def fuse_scores(
    catalog_models: Sequence[Mapping[str, Any]],
    benchmark_models: Sequence[Mapping[str, Any]],
    matches: Iterable[Match],
    curated: Iterable[CuratedScore],
    reference_scores: Iterable[Mapping[str, Any]] = (),
    reference_matches: Iterable[Match] = (),
    remembered: Mapping[str, Remembered] | None = None,
    probe: Mapping[str, ProbeTally] | None = None,
    *,
    sources: Sequence[Source] = SOURCES,
    provisional: bool = True,
    architectures: Mapping[str, Architecture] | None = None,
) -> tuple[list[FusedModel], dict[str, Calibration]]:
    """Every catalog model (sorted by id) with its estimate, plus the calibration of each source that has one.

    Each of sources (SOURCES unless given) measures every model through its line; a model's estimate combines its
    readings. Calibration points come from every model the catalog index and LLM-Stats both score: the free catalog
    models plus the catalog's ``referenceScores`` (non-free models with a coding_index) and their matches.
    ``remembered`` maps a catalog id to its remembered coding index, used only when the listing has none.
    ``probe`` (catalog id -> probe tally) adds the coding probe as a source: its accuracy is calibrated on the
    anchors, the models both the probe and well-evidenced estimates measure (rules/probestats.py); with fewer than
    three anchors it adds nothing. ``architectures`` (rules.sizes) gives the known total and active parameters.
    A model that no source measures gets a provisional estimate (rules/provisional.py: the prior fitted on this
    listing's index values, 0 evidence units, ``provisional`` set) unless provisional is False, when it keeps no
    estimate (the reason says why).
    """
    evidence = Evidence(
        sorted(catalog_models, key=lambda m: m["id"]),
        match_map(matches),
        {m["id"]: m for m in benchmark_models if isinstance(m, Mapping) and isinstance(m.get("id"), str)},
        curated_index(curated),
        list(reference_scores),
        match_map(reference_matches),
        remembered,
        probe,
        architectures,
    )
    first = [(s, line) for s in sources if not s.second_pass and (line := s.line(evidence, {})) is not None]
    fused = [_fused(m, _readings(m, evidence, first), evidence) for m in evidence.models]
    calibrations = {s.name: line for s, line in first}
    later = [s for s in sources if s.second_pass]
    if later:
        estimates = {f.id: f.estimate.mean for f in fused if f.estimate is not None and not f.estimate.thin}
        second = [(s, line) for s in later if (line := s.line(evidence, estimates)) is not None]
        calibrations.update((s.name, line) for s, line in second)
        if second:
            fused = [_refused(m, f, evidence, first, second) for m, f in zip(evidence.models, fused)]
    if provisional:
        fused = _provisional(fused, evidence)
    used = {s.source for f in fused for s in f.sources}
    return fused, {name: c for name, c in calibrations.items() if name in used}


def _index_value(model: Mapping[str, Any]) -> float | None:
    """A catalog model's coding index, or a reference record's."""
    return _number(model.get("coding_index")) if "coding_index" in model else _number(coding_index(model))


def _provisional(fused: list[FusedModel], evidence: Evidence) -> list[FusedModel]:
    """fused with a provisional estimate for every model no source measured: the prior fitted on this listing's
    index values (rules/provisional.py), else the fixed size-class prior; 0 evidence units."""
    from modelpools.rules.provisional import (
        fit_listing_prior,
        listing_points,
        prior_inputs,
        provisional_prior,
    )

    if all(f.estimate is not None for f in fused):
        return fused

    def sizes(model: Mapping[str, Any]) -> tuple[float | None, float | None]:
        size = model_size(model, None, evidence.architectures)
        return size.total, size.active

    fitted = fit_listing_prior(listing_points(evidence.models, evidence.reference_scores, _index_value, sizes))
    by_id = {m["id"]: m for m in evidence.models}
    out = []
    for f in fused:
        if f.estimate is None:
            prior, how = provisional_prior(prior_inputs(by_id[f.id], f.parameters), fitted)
            f = dataclasses.replace(f, estimate=Estimate(prior.mean, prior.sd, 0.0), prior=prior, provisional=how)
        out.append(f)
    return out


def _refused(
    model: Mapping[str, Any],
    fused: FusedModel,
    evidence: Evidence,
    first: Sequence[tuple[Source, Calibration]],
    second: Sequence[tuple[Source, Calibration]],
) -> FusedModel:
    """fused again with the second-pass sources' readings added; unchanged when none of them measures the model."""
    added = _readings(model, evidence, second)
    return _fused(model, _readings(model, evidence, first) + added, evidence) if added else fused


# The page role's scale (docs/scoring.md section 5): the Design Arena website Elo, mapped onto the coding-index scale
# through its fixed line (rules/calibration.py FIXED_LINES), so a page score of 40 is the website quality of a model
# with Elo (40 + 128.48) / 0.1483 = 1136. The web Elo is the direct measurement; the coding estimate the indirect one.
PAGE_SCALE = "web:models/website"


@dataclass(frozen=True)
class PageEstimate:
    """A model's page-role estimate on the page scale (PAGE_SCALE): the estimate, its web Elo reading (None: no Elo),
    and the coding estimate as the indirect measurement: its value, its sd (the coding uncertainty and the line's
    residual spread) and its share of the page estimate's precision."""

    estimate: Estimate
    web: ScoreSource | None
    coding: float
    coding_sd: float
    coding_weight: float

    def to_json(self, line: Calibration | None) -> dict[str, Any]:
        """The pools file's ``pageScore``: the estimate, its rank score, the scale (with the estimate as a website
        Elo) and both measurements."""
        out: dict[str, Any] = {
            "estimate": self.estimate.mean,
            "uncertainty": self.estimate.sd,
            "rankScore": round(self.estimate.conservative, 2),
            "web": self.web.to_json() if self.web is not None else None,
            "coding": {"estimate": self.coding, "sd": self.coding_sd, "weight": self.coding_weight},
        }
        if line is not None and line.slope > 0:
            out["scale"] = {
                "measure": PAGE_SCALE,
                "slope": line.slope,
                "intercept": line.intercept,
                "elo": round((self.estimate.mean - line.intercept) / line.slope, 1),
            }
        return out


def page_estimates(
    fused: Sequence[FusedModel],
    catalog_models: Sequence[Mapping[str, Any]],
    calibrations: Mapping[str, Calibration],
    remembered: Mapping[str, Remembered] | None = None,
) -> dict[str, PageEstimate]:
    """Page-role estimate per estimated model, on the page scale (PAGE_SCALE): the target is the model's Design Arena
    website Elo (agents/webapps where it has none), each through its fixed line onto the coding-index scale.

    The web Elo is the direct measurement, with the Elo's own noise (WEB_ELO_SD Elo points times the line's slope;
    a remembered Elo's variance divided by its age's memory_keep, as every remembered value). The coding estimate is
    the indirect one: its mean, with its variance plus the website line's residual variance (how far a model's
    website quality sits from its coding ability). The page estimate is their precision-weighted mean; without an
    Elo it is the coding estimate with that wider spread."""
    by_id = {m["id"]: m for m in catalog_models}
    remembered = remembered or {}
    spread = max(calibrations[PAGE_SCALE].residual_sd if PAGE_SCALE in calibrations else 0.0, 1.0)
    out: dict[str, PageEstimate] = {}
    for model in fused:
        if model.estimate is None:
            continue
        coding_sd = math.sqrt(model.estimate.sd**2 + spread**2)
        indirect = Prior("coding estimate", model.estimate.mean, coding_sd)
        found, seen, keep = web_elo(by_id.get(model.id, {})), None, 1.0
        memory = remembered.get(model.id)
        if found is None and memory is not None and memory.web_elo is not None:
            seen = memory.web_last_seen or memory.last_seen
            age = memory.age_days if memory.web_age_days is None else memory.web_age_days
            found, keep = memory.web_elo, memory_keep(age)
        if found is None:
            estimate = Estimate(model.estimate.mean, round(coding_sd, 2), model.estimate.units)
            out[model.id] = PageEstimate(estimate, None, model.estimate.mean, round(coding_sd, 2), 1.0)
            continue
        key, elo = found
        cal = calibrations[key]
        value = cal.apply(elo)
        variance = (max(cal.slope, 1e-6) * WEB_ELO_SD) ** 2 / keep
        combined = combine(indirect, [Measurement(key, value, variance, 0.0)])
        estimate = Estimate(combined.mean, combined.sd, model.estimate.units)
        share = (1.0 / variance) / (1.0 / variance + 1.0 / coding_sd**2)
        ref = "openrouter:benchmarks.design_arena" + (" (remembered)" if seen else "")
        web = ScoreSource(key, elo, value, ref, round(share, 4), round(math.sqrt(variance), 2), 0.0, seen)
        out[model.id] = PageEstimate(estimate, web, model.estimate.mean, round(coding_sd, 2), round(1 - share, 4))
    return out
