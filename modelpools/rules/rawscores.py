"""Each source's raw coding evidence for one model, before calibration: the benchmark-formula mean of its matched
LLM-Stats results and of its curated results (rules/scoring.py), weighted by what was measured, and its Design
Arena web Elo. rules/calibration.py maps these onto the reference scale; rules/fusion.py combines them.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from modelpools.rules.modelids import base_id
from modelpools.rules.numbers import finite_number as _number
from modelpools.rules.scoring import Component, component_mean

if TYPE_CHECKING:
    from modelpools.rules.matching import Match
    from modelpools.rules.scoring import CuratedScore

__all__ = [
    "WEB_CATEGORIES",
    "MatchInfo",
    "RawScore",
    "bench_components",
    "llm_stats_score",
    "curated_index",
    "curated_score",
    "match_map",
    "web_elos",
    "web_elo",
]

WEB_CATEGORIES = ("web:models/website", "web:agents/webapps")  # Design Arena categories that are page evidence
_NO_MATCH_METHOD = "none"


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
class RawScore:
    """A benchmark-formula mean on its own scale, its evidence units, its ref and the identity of what was measured
    (one calibration point per identity and base id), with the LLM-Stats parameter count when known."""

    mean: float
    units: float
    ref: str
    identity: str
    params: float | None = None


def bench_components(entry: Mapping[str, Any]) -> tuple[Component, ...]:
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


def llm_stats_score(match: MatchInfo | None, bench: Mapping[str, Mapping[str, Any]]) -> RawScore | None:
    if match is None or not match.benchmark_id:
        return None
    entry = bench.get(match.benchmark_id)
    if not isinstance(entry, Mapping):
        return None
    mean, units = component_mean(bench_components(entry))
    units = round(units * min(1.0, max(0.0, match.confidence)), 4)
    if mean is None or units <= 0:
        return None
    ref = f"llm-stats:{match.benchmark_id}"
    return RawScore(mean, units, ref, ref, _number(entry.get("paramCount")))


def curated_index(curated: Iterable[CuratedScore]) -> dict[str, CuratedScore]:
    out: dict[str, CuratedScore] = {}
    for entry in sorted(curated, key=lambda e: (e.name, tuple(e.openrouter_ids))):
        if entry.components:
            for oid in entry.openrouter_ids:
                out.setdefault(base_id(oid), entry)
    return out


def curated_score(
    key: str,
    curated_by_base: Mapping[str, CuratedScore],
    llm: RawScore | None,
    bench: Mapping[str, Mapping[str, Any]],
    match: MatchInfo | None,
) -> RawScore | None:
    """The curated results for a base id, without any benchmark LLM-Stats already measured for the model."""
    entry = curated_by_base.get(key)
    if entry is None:
        return None
    measured = set()
    if llm is not None and match is not None and match.benchmark_id:
        measured = {c.benchmark for c in bench_components(bench.get(match.benchmark_id) or {})}
    mean, units = component_mean(c for c in entry.components if c.benchmark not in measured)
    if mean is None:
        return None
    ref = "curated:" + (entry.source_url or entry.source or entry.name)
    return RawScore(mean, units, ref, ref + "#" + entry.name)


def match_map(matches: Iterable[Match]) -> dict[str, MatchInfo]:
    """Catalog id -> what fusion reads of its match: benchmark id, method, confidence clamped to 0..1."""
    return {
        m.id: MatchInfo(m.benchmark_id, m.method or _NO_MATCH_METHOD, round(min(1.0, max(0.0, m.confidence)), 4))
        for m in matches
    }


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
