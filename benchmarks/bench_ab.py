"""The A/B rule on simulated models (run: python benchmarks/bench_ab.py [RUNS]).

Each run simulates one experiment: the default and one or two runners-up answer with known success rates and
quality (a success scores quality + noise, clipped to [0, 1]), ``ab_share`` of the requests go to the runners-up,
and the rule of modelpools.rules.experiments decides after every request. Printed: the share of runs of equal
models that promoted a runner-up (the false-promotion rate; the rule bounds it by ALPHA / 2 = 2.5 %), and for a
clearly better runner-up the share promoted and the requests (all arms) and runner-up attempts it took.
"""

from __future__ import annotations

import random
import statistics
import sys
import time

from modelpools.rules.experiments import CHECKPOINTS, ExperimentAttempt, assign_arm, decide_experiment


def simulate(
    rng: random.Random,
    models: dict[str, tuple[float, float]],
    share: float,
    max_requests: int,
) -> tuple[str, int, int, int | None]:
    """One experiment of the default (first) against the others: (verdict, requests, runner-up attempts, look)."""
    default, *challengers = models
    attempts: list[ExperimentAttempt] = []
    counts = dict.fromkeys(models, 0)
    for i in range(max_requests):
        model = assign_arm(rng.random(), share, challengers) or default
        success, quality = models[model]
        ok = rng.random() < success
        score = min(1.0, max(0.0, rng.gauss(quality, 0.15))) if ok else None
        attempts.append(
            ExperimentAttempt(float(i), "pageModel", model, default, "ok" if ok else "server_error", score=score)
        )
        counts[model] += 1
        if counts[model] in CHECKPOINTS:  # a look becomes possible only when an arm reaches a checkpoint
            verdict = decide_experiment("pageModel", default, attempts)
            if verdict.verdict != "running":
                return verdict.verdict, i + 1, sum(counts[c] for c in challengers), verdict.look
    return "running", max_requests, sum(counts[c] for c in challengers), None


def main(runs: int = 1000) -> None:
    started = time.perf_counter()
    rng = random.Random(24)
    share = 0.1
    cases = {
        "equal models (0.9 success, quality 0.7)": {"a": (0.9, 0.7), "b": (0.9, 0.7), "c": (0.9, 0.7)},
        "equal models, low success (0.6, quality 0.5)": {"a": (0.6, 0.5), "b": (0.6, 0.5)},
        "clearly better runner-up (0.7/0.5 vs 0.95/0.85)": {"a": (0.7, 0.5), "b": (0.95, 0.85)},
        "clearly better, one of two runners-up": {"a": (0.7, 0.5), "b": (0.7, 0.5), "c": (0.95, 0.85)},
        "slightly better runner-up (0.9/0.7 vs 0.9/0.75)": {"a": (0.9, 0.7), "b": (0.9, 0.75)},
    }
    print(f"ab_share {share}, {runs} runs per case, looks at {CHECKPOINTS} attempts per arm")
    print(f"{'case':50} | promoted | kept  | requests median (p90) | runner-up attempts median | promoted at look")
    for name, models in cases.items():
        outcomes = [simulate(rng, models, share, 20_000) for _ in range(runs)]
        promoted = [o for o in outcomes if o[0] == "promote"]
        kept = sum(1 for o in outcomes if o[0] == "kept")
        requests = sorted(o[1] for o in promoted)
        side = [o[2] for o in promoted]
        figures = (
            f"{statistics.median(requests):>8.0f} ({requests[int(0.9 * (len(requests) - 1))]:>6})"
            f" | {statistics.median(side):>6.0f}"
            if promoted
            else f"{'-':>17} | {'-':>6}"
        )
        looks = ", ".join(f"{n}: {sum(1 for o in promoted if o[3] == n)}" for n in CHECKPOINTS)
        print(f"{name:50} | {len(promoted) / runs:7.1%} | {kept / runs:5.1%} | {figures} | {looks}")
    print(f"({time.perf_counter() - started:.0f} s)")


if __name__ == "__main__":
    main(int(sys.argv[1]) if len(sys.argv) > 1 else 1000)
