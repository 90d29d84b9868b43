"""Canonical coding benchmarks, their weights and anchors, the codingScore formula and the curated score entries
(read by records.CuratedScores)."""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

__all__ = [
    "BENCHMARKS",
    "LEFT_OUT",
    "PRIOR",
    "PRIOR_WEIGHT",
    "SELF_REPORTED_FACTOR",
    "TOTAL_WEIGHT",
    "Benchmark",
    "Component",
    "CuratedScore",
    "Result",
    "calibrate",
    "canonical_benchmark",
    "coding_score",
    "component_mean",
    "component_weight",
    "select_components",
]


@dataclass(frozen=True)
class Benchmark:
    """A canonical coding benchmark: raw score ``low`` maps to 0 and ``high`` to ``top`` on the common scale."""

    id: str
    weight: float
    low: float
    high: float
    top: float = 1.0
    saturated: bool = False


# Modern, hard, less contaminated benchmarks weigh more; saturated ones (most models score 0.8-0.95)
# weigh 0.5 each and a perfect score on them reaches only 0.6 of the common scale.
BENCHMARKS: dict[str, Benchmark] = {
    b.id: b
    for b in (
        Benchmark("swe-bench-verified", 3.0, 0.0, 0.80),
        Benchmark("swe-bench-pro", 3.0, 0.0, 0.50),
        Benchmark("terminal-bench", 2.5, 0.0, 0.60),
        Benchmark("aider-polyglot", 2.5, 0.0, 0.90),
        Benchmark("livecodebench", 2.0, 0.0, 0.85),
        Benchmark("swe-bench-multilingual", 2.0, 0.0, 0.70),
        Benchmark("bigcodebench", 1.0, 0.0, 0.60),
        Benchmark("scicode", 1.0, 0.0, 0.50),
        Benchmark("humaneval", 0.5, 0.60, 1.0, 0.6, True),
        Benchmark("humaneval-plus", 0.5, 0.55, 0.95, 0.6, True),
        Benchmark("mbpp", 0.5, 0.50, 0.95, 0.6, True),
        Benchmark("mbpp-plus", 0.5, 0.45, 0.90, 0.6, True),
        Benchmark("multipl-e", 0.5, 0.50, 0.95, 0.6, True),
        Benchmark("aider-edit", 0.5, 0.30, 0.90, 0.6, True),
    )
}
TOTAL_WEIGHT = sum(b.weight for b in BENCHMARKS.values())
PRIOR = 0.30  # common-scale value a model is assumed to have before any evidence
# How many weight units of evidence the prior is worth: as much as one modern benchmark (SWE-bench Verified), so a
# single result, however good, moves the score at most halfway from the prior to its calibrated value.
PRIOR_WEIGHT = 3.0
# A self-reported result (the vendor's own model card) counts 0.75 of its benchmark's weight: vendors pick their
# best harness, prompt and attempt count, and report the benchmarks they shine on.
SELF_REPORTED_FACTOR = 0.75

# "Aider-Polyglot Edit" is left out on purpose: DeepSeek-V3's 0.797 under that name is the older Aider code-editing
# benchmark, and every other model reporting it also reports "Aider-Polyglot".
# Names as found in LLM-Stats (old dataset_name, new benchmark_id and benchmark_name), normalized by _key().
_ALIASES: dict[str, str] = {
    "swebenchverified": "swe-bench-verified",
    "swebenchverifiedagenticcoding": "swe-bench-verified",
    "swebenchverifiedagentless": "swe-bench-verified",
    "swebenchpro": "swe-bench-pro",
    "swebenchpropublic": "swe-bench-pro",
    "swebenchmultilingual": "swe-bench-multilingual",
    "terminalbench": "terminal-bench",
    "terminus": "terminal-bench",  # Terminal-Bench run with its reference agent Terminus (same tasks, same 0-1 rate)
    "aiderpolyglot": "aider-polyglot",
    "aider": "aider-edit",
    "bigcodebench": "bigcodebench",
    "bigcodebenchfull": "bigcodebench",
    "scicode": "scicode",
    "humaneval": "humaneval",
    "humaneval+": "humaneval-plus",
    "humanevalplus": "humaneval-plus",
    "mbpp": "mbpp",
    "mbpppass@1": "mbpp",
    "mbppevalplusbase": "mbpp",
    "mbpp++baseversion": "mbpp",
    "mbpp+": "mbpp-plus",
    "mbppplus": "mbpp-plus",
    "mbppevalplus": "mbpp-plus",
    "multiple": "multipl-e",
    "multiplehumaneval": "multipl-e",
    "multiplembpp": "multipl-e",
    "humanevalmul": "multipl-e",
    "humanevalmulti": "multipl-e",
}
_LIVECODEBENCH = re.compile(r"^livecodebench(?:v\d+)?(?:cot|\d+)?$")

# LLM-Stats benchmark definitions (new layout, data/benchmarks/<id>.json) in category "code" that are reviewed and
# deliberately not scored, with the reason. An unmapped code benchmark missing here is new upstream: it is reported
# with a warning so a maintainer can decide (a weight needs a sound 0-1 scale and a frontier anchor).
LEFT_OUT: dict[str, str] = {
    "aider-polyglot-edit": "ambiguous: DeepSeek-V3's 0.797 under this name is the older Aider code-editing benchmark",
    "cfeval": "a CodeForces Elo rating divided by 10000, not a pass rate",
    "codegolf-v2.2": "only reported for small Gemma 3n models; no frontier anchor",
    "evalplus": "an unstated mix of HumanEval+ and MBPP+, which are scored directly",
    "gorilla-benchmark-api-bench": "API-call generation (tool use), not writing code",
    "multi-swe-bench": "no model reports it yet; no anchor",
    "repobench": "code completion, one self-reported row; no anchor",
    "repoqa": "long-context code retrieval, not writing code",
    "swe-lancer": "rows mix earned-dollar and solved-task fractions",
    "swe-lancer-(ic-diamond-subset)": "rows are not pass rates (GPT-5 shows 1.0)",
}


def _key(name: str) -> str:
    return re.sub(r"[^a-z0-9+@]", "", name.lower())


def canonical_benchmark(name: str) -> Benchmark | None:
    """The canonical coding benchmark a dataset name or benchmark_id stands for, or None (not coding)."""
    key = _key(name)
    if key in _ALIASES:
        return BENCHMARKS[_ALIASES[key]]
    if _LIVECODEBENCH.match(key):  # LiveCodeBench, v5, v6, (01-09), v5 24.12-25.2, -COT
        return BENCHMARKS["livecodebench"]
    return None


@dataclass(frozen=True)
class Result:
    """One score row as found in the data (0-1 scale already checked)."""

    dataset: str
    score: float
    self_reported: bool


@dataclass(frozen=True)
class Component:
    """The score chosen for one canonical benchmark of one model."""

    benchmark: str
    dataset: str
    score: float
    weight: float
    self_reported: bool

    def to_json(self) -> dict[str, Any]:
        """The contract's component object."""
        return {
            "benchmark": self.benchmark,
            "dataset": self.dataset,
            "score": self.score,
            "weight": self.weight,
            "selfReported": self.self_reported,
        }


def calibrate(benchmark: Benchmark, score: float) -> float:
    """Map a 0-1 raw score onto the common difficulty scale: linear from low (0) to high (top), clamped."""
    fraction = (score - benchmark.low) / (benchmark.high - benchmark.low)
    return benchmark.top * min(1.0, max(0.0, fraction))


def component_weight(benchmark: Benchmark, self_reported: bool) -> float:
    """The weight a result carries in the formula: its benchmark's, times SELF_REPORTED_FACTOR when self-reported."""
    return benchmark.weight * (SELF_REPORTED_FACTOR if self_reported else 1.0)


def select_components(results: Iterable[Result]) -> list[Component]:
    """One component per canonical benchmark: best independent (non-self-reported) score, else best; sorted."""
    best: dict[str, tuple[tuple, Result]] = {}
    for result in results:
        bench = canonical_benchmark(result.dataset)
        if bench is None:
            continue
        rank = (not result.self_reported, result.score, result.dataset)
        if bench.id not in best or rank > best[bench.id][0]:
            best[bench.id] = (rank, result)
    return [
        Component(bid, r.dataset, r.score, component_weight(BENCHMARKS[bid], r.self_reported), r.self_reported)
        for bid, (_rank, r) in sorted(best.items())
    ]


def coding_score(components: list[Component]) -> tuple[float | None, float]:
    """(codingScore 0-100 or None, coverage 0-1): weighted mean of calibrated scores, shrunk toward the prior."""
    if not components:
        return None, 0.0
    evidence = sum(c.weight for c in components)
    total = sum(c.weight * calibrate(BENCHMARKS[c.benchmark], c.score) for c in components)
    score = 100.0 * (total + PRIOR_WEIGHT * PRIOR) / (evidence + PRIOR_WEIGHT)
    return round(score, 2), round(evidence / TOTAL_WEIGHT, 4)


def component_mean(components: Iterable[Component]) -> tuple[float | None, float]:
    """(unshrunk weighted mean of the calibrated scores on the 0-100 common scale, evidence units = summed weights).

    The evidence units say how much was measured: each result counts its benchmark's weight, times
    SELF_REPORTED_FACTOR when self-reported. The pools stage shrinks by evidence itself (rules/evidence.py), so
    this mean carries no prior; (None, 0.0) without components.
    """
    parts = [c for c in components if c.benchmark in BENCHMARKS and c.weight > 0]
    units = sum(c.weight for c in parts)
    if not parts:
        return None, 0.0
    total = sum(c.weight * calibrate(BENCHMARKS[c.benchmark], c.score) for c in parts)
    return round(100.0 * total / units, 4), round(units, 4)


@dataclass(frozen=True)
class CuratedScore:
    """A hand-curated coding score for OpenRouter ids that LLM-Stats lacks, with the results it comes from."""

    openrouter_ids: tuple[str, ...]
    name: str
    coding_score: float
    source: str
    source_url: str
    date: str
    components: tuple[Component, ...] = ()
