"""Time parsing + scoring whole LLM-Stats snapshots (run: python benchmarks/bench_benchmark_parse.py [REPEATS])."""

from __future__ import annotations

import statistics
import sys
import time
from pathlib import Path

from modelpools.io.llmstats import parse_checkout
from modelpools.stages.benchmarks import build_scores, unscored_code_benchmarks

DATA = Path(__file__).resolve().parents[2] / "shared" / "data" / "llm-stats"
SNAPSHOTS = ("JonathanChavezTamales-24a9ccf", "JonathanChavezTamales-df1d14e")


def run_once(root: Path) -> tuple[float, int, int]:
    """Seconds to parse, score and serialize one checkout (what the stage does after git); (seconds, models, bytes)."""
    start = time.perf_counter()
    layout, models, problems = parse_checkout(root)
    unscored_code_benchmarks(root, problems)  # reads data/benchmarks/*.json in the new layout
    data = build_scores("bench", None, layout, models).dump()
    return time.perf_counter() - start, len(models), len(data)


def main(repeats: int = 20) -> None:
    for name in SNAPSHOTS:
        root = DATA / name
        run_once(root)  # warm the page cache
        times, models, size = [], 0, 0
        for _ in range(repeats):
            seconds, models, size = run_once(root)
            times.append(seconds)
        median = statistics.median(times)
        print(
            f"{name}: {models} models, {size} bytes out; median {median * 1000:.1f} ms "
            f"(min {min(times) * 1000:.1f}, max {max(times) * 1000:.1f}) over {repeats} runs; "
            f"{models / median:,.0f} models/s"
        )


if __name__ == "__main__":
    main(int(sys.argv[1]) if len(sys.argv) > 1 else 20)
