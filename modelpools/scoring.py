"""Canonical coding benchmarks, their weights and anchors, the codingScore formula and the curated fallback scores."""

from __future__ import annotations

import re
import sys
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from .errors import DataError
from .fileio import read_json

__all__ = [
    "BENCHMARKS",
    "CURATED_FILE",
    "PRIOR",
    "PRIOR_WEIGHT",
    "TOTAL_WEIGHT",
    "Benchmark",
    "Component",
    "CuratedScore",
    "Result",
    "calibrate",
    "canonical_benchmark",
    "coding_score",
    "curate_from_aider",
    "load_curated_scores",
    "select_components",
]

DATA_DIR = Path(__file__).resolve().parent / "data"
CURATED_FILE = DATA_DIR / "curated-scores.json"
CURATED_SCHEMA = DATA_DIR / "curated-scores.schema.json"


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
BENCHMARKS: dict[str, Benchmark] = {b.id: b for b in (
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
)}
TOTAL_WEIGHT = sum(b.weight for b in BENCHMARKS.values())
PRIOR = 0.30  # common-scale value a model is assumed to have before any evidence
PRIOR_WEIGHT = 1.5  # how many weight units of evidence the prior is worth

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
        return {"benchmark": self.benchmark, "dataset": self.dataset, "score": self.score,
                "weight": self.weight, "selfReported": self.self_reported}


def calibrate(benchmark: Benchmark, score: float) -> float:
    """Map a 0-1 raw score onto the common difficulty scale: linear from low (0) to high (top), clamped."""
    fraction = (score - benchmark.low) / (benchmark.high - benchmark.low)
    return benchmark.top * min(1.0, max(0.0, fraction))


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
        Component(bid, r.dataset, r.score, BENCHMARKS[bid].weight, r.self_reported)
        for bid, (_rank, r) in sorted(best.items())
    ]


def coding_score(components: list[Component]) -> tuple[float | None, float]:
    """(codingScore 0-100 or None without evidence, coverage 0-1) by the shrunk weighted mean of calibrated scores."""
    if not components:
        return None, 0.0
    evidence = sum(c.weight for c in components)
    total = sum(c.weight * calibrate(BENCHMARKS[c.benchmark], c.score) for c in components)
    score = 100.0 * (total + PRIOR_WEIGHT * PRIOR) / (evidence + PRIOR_WEIGHT)
    return round(score, 2), round(evidence / TOTAL_WEIGHT, 4)


@dataclass(frozen=True)
class CuratedScore:
    """A hand-curated coding score for OpenRouter ids that LLM-Stats lacks."""

    openrouter_ids: tuple[str, ...]
    name: str
    coding_score: float
    source: str
    source_url: str
    date: str


def load_curated_scores(path: Path | str | None = None) -> list[CuratedScore]:
    """Read and schema-check the curated scores file (the bundled one by default); DataError when invalid."""
    import jsonschema  # heavy: imported only when needed

    path = Path(path) if path is not None else CURATED_FILE
    document = read_json(path, "curated scores file")
    schema = read_json(CURATED_SCHEMA, "curated scores schema")
    error = jsonschema.exceptions.best_match(jsonschema.Draft202012Validator(schema).iter_errors(document))
    if error is not None:
        where = "$" + "".join(f"[{p!r}]" if isinstance(p, int) else f".{p}" for p in error.absolute_path)
        raise DataError(f"curated scores file {path}: {where}: {error.message}; fix the entry")
    seen: set[str] = set()
    out = []
    for entry in document["models"]:
        dup = seen.intersection(entry["openrouterIds"])
        if dup:
            raise DataError(f"curated scores file {path}: {min(dup)!r} is listed twice; keep one entry")
        seen.update(entry["openrouterIds"])
        out.append(CuratedScore(tuple(entry["openrouterIds"]), entry["name"], float(entry["codingScore"]),
                                entry["source"], entry["sourceUrl"], entry["date"]))
    return out


# --- generator for modelpools/data/curated-scores.json from Aider's polyglot leaderboard -------------------------

AIDER_COMMIT = "cb6a152e"
AIDER_URL = "https://aider.chat/docs/leaderboards/"
# Leaderboard `model` names that map unambiguously to one OpenRouter id (the default, non-thinking variant only).
AIDER_NAMES = {
    "claude-3-5-sonnet-20241022": "anthropic/claude-3.5-sonnet",
    "claude-3-5-haiku-20241022": "anthropic/claude-3.5-haiku-20241022",
    "claude-3-7-sonnet-20250219 (no thinking)": "anthropic/claude-3.7-sonnet",
    "claude-sonnet-4-20250514 (no thinking)": "anthropic/claude-sonnet-4",
    "claude-opus-4-20250514 (no think)": "anthropic/claude-opus-4",
    "gpt-4o-2024-11-20": "openai/gpt-4o-2024-11-20",
    "gpt-4o-2024-08-06": "openai/gpt-4o-2024-08-06",
    "gpt-4o-mini-2024-07-18": "openai/gpt-4o-mini-2024-07-18",
    "o1-mini-2024-09-12": "openai/o1-mini-2024-09-12",
    "o3-mini (medium)": "openai/o3-mini",
    "o3-mini (high)": "openai/o3-mini-high",
    "o4-mini (high)": "openai/o4-mini-high",
    "o3": "openai/o3",
    "o3-pro (high)": "openai/o3-pro",
    "gpt-4.1": "openai/gpt-4.1",
    "gpt-4.1-mini": "openai/gpt-4.1-mini",
    "gpt-4.1-nano": "openai/gpt-4.1-nano",
    "gpt-5 (medium)": "openai/gpt-5",
    "gemini-2.0-flash-exp": "google/gemini-2.0-flash-exp",
    "Gemini 2.5 Pro Preview 03-25": "google/gemini-2.5-pro-exp-03-25",
    "Gemini 2.5 Pro Preview 05-06": "google/gemini-2.5-pro-preview-05-06",
    "gemini-2.5-flash-preview-05-20 (no think)": "google/gemini-2.5-flash-preview-05-20",
    "Qwen2.5-Coder-32B-Instruct": "qwen/qwen-2.5-coder-32b-instruct",
    "QwQ-32B": "qwen/qwq-32b",
    "Qwen3 235B A22B diff, no think, Alibaba API": "qwen/qwen3-235b-a22b",
    "Codestral 25.01": "mistralai/codestral-2501",
    "command-a-03-2025-quality": "cohere/command-a",
    "Llama 4 Maverick": "meta-llama/llama-4-maverick",
    "DeepSeek R1": "deepseek/deepseek-r1",
    "DeepSeek R1 (0528)": "deepseek/deepseek-r1-0528",
    "DeepSeek V3 (0324)": "deepseek/deepseek-chat-v3-0324",
    "DeepSeek-V3.2-Exp (Chat)": "deepseek/deepseek-v3.2-exp",
}
_OPENROUTER_CMD = re.compile(r"aider\s+--model\s+openrouter/([\w.-]+/[\w.:-]+)")


def curate_from_aider(entries: list[dict[str, Any]]) -> dict[str, Any]:
    """The curated-scores document from Aider polyglot entries (best pass_rate_2 per OpenRouter id)."""
    best: dict[str, dict[str, Any]] = {}
    for entry in entries:
        match = _OPENROUTER_CMD.search(str(entry.get("command", "")))
        or_id = match.group(1) if match else AIDER_NAMES.get(str(entry.get("model")))
        if not or_id or or_id.startswith("openrouter/") or " + " in str(entry.get("model")):
            continue  # unmapped, an anonymous stealth model, or an architect/editor pair
        rate = float(entry["pass_rate_2"])
        if or_id not in best or rate > float(best[or_id]["pass_rate_2"]):
            best[or_id] = entry
    models = []
    for or_id, entry in sorted(best.items()):
        rate = float(entry["pass_rate_2"])
        component = Component("aider-polyglot", "Aider Polyglot", round(rate / 100, 4), 2.5, False)
        score, _coverage = coding_score([component])
        models.append({
            "openrouterIds": [or_id], "name": str(entry["model"]), "codingScore": score,
            "source": f"Aider polyglot leaderboard (Aider-AI/aider@{AIDER_COMMIT}): pass_rate_2 {rate}%",
            "sourceUrl": AIDER_URL, "date": str(entry["date"]),
        })
    return {"schemaVersion": 1, "models": models}


def main(argv: list[str] | None = None) -> int:
    """``python -m modelpools.scoring curate --aider polyglot_leaderboard.yml [--out FILE]``."""
    import argparse

    import yaml

    from .fileio import dump_json, write_if_changed

    parser = argparse.ArgumentParser(prog="python -m modelpools.scoring")
    sub = parser.add_subparsers(dest="command", required=True)
    curate = sub.add_parser("curate", help="regenerate curated-scores.json from Aider's polyglot leaderboard")
    curate.add_argument("--aider", required=True, type=Path, help="aider/website/_data/polyglot_leaderboard.yml")
    curate.add_argument("--out", type=Path, default=CURATED_FILE)
    args = parser.parse_args(argv)
    with open(args.aider, encoding="utf-8") as handle:
        document = curate_from_aider(yaml.safe_load(handle))
    write_if_changed(args.out, dump_json(document))
    load_curated_scores(args.out)
    print(f"{args.out}: {len(document['models'])} curated scores", file=sys.stderr)
    return 0


if __name__ == "__main__":
    sys.exit(main())
