"""Figures of the coding probe: items needed to tell two models apart, requests per build, coverage on a real dump.

Usage: python benchmarks/bench_probe.py [--trials N] [--dump models-2026-08-18.json]

1. Separation (simulation). Two simulated models answer each item right with probabilities p and p + 0.10. For
   n items each, TRIALS simulated probes (seeded) count how often (a) the better model gets the higher accuracy
   (ties count half: the order a ranking would show), and (b) a one-sided two-proportion test at 90 % confidence
   declares the better one better (z > 1.2816), i.e. the probe *separates* them. Prints the smallest n (step 5)
   where each happens in >= 90 % of trials, and the exact probability at that n as a check of the simulation.
2. Requests per build at the default budget, from the default settings: the real catalog, benchmarks, match and
   memory stages run on the dump (loopback fetch, file:// clone of LLM-Stats 24a9ccf), then the probe stage's own
   rules plan on the document it plans from (pools.ranking_document): probe_plan.candidates_from picks the models to
   probe (unranked, then ranked with thin evidence) and the anchors, probe_plan.plan_requests the requests of the first
   build of a day with no results yet.
3. Coverage on the dump: the ranked and unranked free models of that same document. If each candidate were probed
   once with the anchors, within the default daily budget: how many free models would then be ranked, and how wide
   their probe intervals are.
4. Grading time of adversarial replies: "ANSWER 1" followed by N spaces and no colon (N = 4k .. 199k, the reply
   limit is 200,000 characters), graded as one probe request of 6 items; median of 5 runs, in ms, and the ratio to
   grading a plain reply of the same length. Goal: under 50 ms each (the quadratic pattern took 5.45 s at 32k).
"""

from __future__ import annotations

import argparse
import bisect
import math
import random
import re
import statistics
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "benchmarks"))

from modelpools.rules.probestats import CONFIDENCE, evidence_weight, wilson_interval  # noqa: E402

Z_ONE_SIDED = 1.2815515655446004  # 90 % one-sided
GAP = 0.10
# The probe task's defaults (settings.Settings), read through the stage's own options.
from modelpools.settings import Settings  # noqa: E402
from modelpools.slices import ProbeSettings  # noqa: E402
from modelpools.stages.probe_plan import ProbeOptions  # noqa: E402

OPTIONS = ProbeOptions.of(ProbeSettings.of(Settings()))
DAILY_REQUESTS = OPTIONS.daily_requests
ITEMS_PER_REQUEST = OPTIONS.items_per_request
TARGET_ITEMS = OPTIONS.target_items  # section 1: items to order two models 10 points apart right (85), in requests


def binomial_cdf(n: int, p: float) -> list[float]:
    out, total = [], 0.0
    for k in range(n + 1):
        total += math.comb(n, k) * p**k * (1 - p) ** (n - k)
        out.append(total)
    return out


def binomial_pmf(n: int, p: float) -> list[float]:
    return [math.comb(n, k) * p**k * (1 - p) ** (n - k) for k in range(n + 1)]


def separated(k_low: int, k_high: int, n: int) -> bool:
    """One-sided two-proportion z-test (pooled) at 90 %: is the second accuracy higher?"""
    pooled = (k_low + k_high) / (2 * n)
    if pooled in (0.0, 1.0):
        return False
    return (k_high - k_low) / n / math.sqrt(2 * pooled * (1 - pooled) / n) > Z_ONE_SIDED


def simulate(n: int, p: float, trials: int, rng: random.Random) -> tuple[float, float]:
    """(share of trials ordering the two models right, share separating them) for n items each."""
    cdf_low, cdf_high = binomial_cdf(n, p), binomial_cdf(n, p + GAP)
    ordered = separating = 0.0
    for _ in range(trials):
        k_low = min(n, bisect.bisect_left(cdf_low, rng.random()))
        k_high = min(n, bisect.bisect_left(cdf_high, rng.random()))
        ordered += 1.0 if k_high > k_low else 0.5 if k_high == k_low else 0.0
        separating += separated(k_low, k_high, n)
    return ordered / trials, separating / trials


def exact(n: int, p: float) -> tuple[float, float]:
    low, high = binomial_pmf(n, p), binomial_pmf(n, p + GAP)
    ordered = separating = 0.0
    for a, pa in enumerate(low):
        for b, pb in enumerate(high):
            weight = pa * pb
            ordered += weight * (1.0 if b > a else 0.5 if a == b else 0.0)
            if b > a and separated(a, b, n):
                separating += weight
    return ordered, separating


def items_needed(p: float, trials: int, seed: int) -> tuple[int, int]:
    """Smallest n (step 5) ordering right in >= 90 % of trials, and smallest n separating in >= 90 %."""
    rng = random.Random(seed)
    order_n = separate_n = None
    n = 5
    while separate_n is None:
        ordered, separating = simulate(n, p, trials, rng)
        if order_n is None and ordered >= 0.9:
            order_n = n
        if separating >= 0.9:
            separate_n = n
        n += 5
    return order_n, separate_n


def separation(trials: int) -> None:
    print(f"1. items per model to tell apart two simulated models {GAP * 100:.0f} points apart ({trials} trials per n)")
    print("   p_low  p_high | order right in >=90%: n  (exact)  | 90%-confidence separation in >=90%: n  (exact)")
    for p in (0.3, 0.5, 0.7):
        order_n, separate_n = items_needed(p, trials, seed=int(p * 100))
        print(
            f"   {p:.2f}   {p + GAP:.2f}   | {order_n:4d}  ({exact(order_n, p)[0]:.3f})"
            f"                  | {separate_n:4d}  ({exact(separate_n, p)[1]:.3f})"
        )


def probe_view(dump: Path) -> tuple[dict, list[str], list[str]]:
    """Run the real stages on dump; (the document the probe stage plans from, its candidates, its anchors)."""
    from bench_noop import make_repo, serve

    from modelpools.slices import BenchmarkSettings, CatalogSettings, MatchSettings, MemorySettings
    from modelpools.stages.benchmarks import refresh_benchmarks
    from modelpools.stages.catalog import refresh_catalog
    from modelpools.stages.match import build_matches
    from modelpools.stages.memory import build_memory
    from modelpools.stages.pools import ranking_document
    from modelpools.stages.probe_plan import candidates_from

    with tempfile.TemporaryDirectory() as tmp:
        root = Path(tmp)
        server = serve(dump.parent)
        try:
            settings = Settings(
                project_dir=root,
                cache_dir=root / "cache",
                openrouter_url=f"http://127.0.0.1:{server.server_port}/{dump.name}",
                benchmarks_repo=make_repo(root).as_uri(),
            )
            refresh_catalog(CatalogSettings.of(settings))
            refresh_benchmarks(BenchmarkSettings.of(settings))
        finally:
            server.shutdown()
        build_matches(MatchSettings.of(settings))
        build_memory(MemorySettings.of(settings))
        document = ranking_document(settings.files)
    candidates, anchors = candidates_from(document)
    return document, candidates, anchors[: OPTIONS.anchors]


def coverage(dump: Path) -> None:
    from modelpools.records import ProbeResults
    from modelpools.rules.probe import probe_set_id
    from modelpools.stages.probe_plan import plan_requests

    document, candidates, anchors = probe_view(dump)
    ranked = [m["id"] for m in document["models"]]
    unranked = [m["id"] for m in document["unranked"]]
    thin = [mid for mid in candidates if mid in ranked]
    total = len(ranked) + len(unranked)
    queue = len(candidates) + len(anchors)
    empty = ProbeResults(probe_set_id())
    first = plan_requests(candidates, anchors, empty, OPTIONS, DAILY_REQUESTS, "2026-01-01")
    target = len(plan_requests(candidates, anchors, empty, OPTIONS, 10**6, "2026-01-01"))
    print(
        f"\n2. requests per build at the default budget (probe_daily_requests = {DAILY_REQUESTS}, "
        f"{ITEMS_PER_REQUEST} items per request)"
    )
    print(
        f"   queue on {dump.name} (probe_plan.candidates_from): {len(unranked)} unscored + {len(thin)} thin "
        f"({', '.join(thin) or 'none'}) + {len(anchors)} anchors = {queue} models"
    )
    print(
        f"   first build of a UTC day (probe_plan.plan_requests): {len(first)} requests (one pass over the queue takes "
        f"{queue}); later builds that day: 0"
    )
    passes = DAILY_REQUESTS / queue
    print(
        f"   items per queued model per day: {ITEMS_PER_REQUEST * (DAILY_REQUESTS // queue)}-"
        f"{ITEMS_PER_REQUEST * math.ceil(passes)} ({passes:.1f} passes)"
    )
    print(
        f"   {TARGET_ITEMS} items for every queued model (order right against a model 10 points away in 90 % of "
        f"cases): {target} requests, {math.ceil(target / DAILY_REQUESTS)} days at the default budget"
    )
    print(f"\n3. coverage of the free models on {dump.name} (the pools stage's document: non-code models excluded)")
    print(
        f"   free models {total}: ranked {len(ranked)} ({100 * len(ranked) / total:.0f} %), "
        f"no score {len(unranked)}: {', '.join(unranked)}"
    )
    fits = queue <= DAILY_REQUESTS
    after = len(ranked) + (len(unranked) if fits else 0)
    print(
        f"   probed once ({queue} requests {'<=' if fits else '>'} {DAILY_REQUESTS}): ranked "
        f"{after} of {total} ({100 * after / total:.0f} %)"
    )
    for items in (ITEMS_PER_REQUEST, ITEMS_PER_REQUEST * (DAILY_REQUESTS // queue), TARGET_ITEMS, 300):
        low, high = wilson_interval(items // 2, items)
        print(
            f"   after {items:3d} items at 50 % right: {CONFIDENCE:.0%} interval +-{50 * (high - low):.1f} points "
            f"of accuracy, evidence weight {evidence_weight(items):.2f}"
        )


def _grading_ms(items: list, reply: str, runs: int = 5) -> float:
    from modelpools.rules.probegrading import grade_reply

    times = []
    for _ in range(runs):
        start = time.perf_counter()
        grade_reply(items, reply)
        times.append((time.perf_counter() - start) * 1000)
    return statistics.median(times)


# The answer-line pattern before issue 22 (quadratic on "ANSWER 1" + spaces): timed up to 16,000 as the baseline.
_OLD_ANSWER_LINE = re.compile(r"^[\s>*_#-]*answer\s*(\d{1,4})\s*[*_]*\s*[:=]\s*(.*)$", re.IGNORECASE)


def grading() -> None:
    from modelpools.rules.probe import probe_items

    items = probe_items(0, 6)
    print('\n4. grading an adversarial reply ("ANSWER 1" + N spaces, no colon), median of 5, 6 items')
    print("        N | adversarial ms | plain reply of the same length ms | ratio | old pattern, one line ms")
    for n in (4_000, 8_000, 16_000, 32_000, 100_000, 199_000):
        reply = "ANSWER 1" + " " * n
        hostile, plain = _grading_ms(items, reply), _grading_ms(items, "x" * (n + 8))
        old = "-"
        if n <= 16_000:
            start = time.perf_counter()
            _OLD_ANSWER_LINE.match(reply)
            old = f"{(time.perf_counter() - start) * 1000:.0f}"
        print(f"  {n:>7,} | {hostile:>14.2f} | {plain:>33.2f} | {hostile / plain:>5.1f} | {old:>24}")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--trials", type=int, default=20000)
    parser.add_argument("--dump", default="models-2026-08-18.json")
    parser.add_argument("--grading-only", action="store_true", help="only section 4 (grading times)")
    args = parser.parse_args(argv)
    if args.grading_only:
        grading()
        return 0
    separation(args.trials)
    grading()
    dump = ROOT.parent / "shared" / "data" / "openrouter" / args.dump
    if not dump.is_file():
        print(f"\n(no {dump}: coverage skipped)")
        return 0
    coverage(dump)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
