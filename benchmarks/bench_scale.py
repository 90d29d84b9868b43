"""Time and peak memory of catalog selection, matching, score fusion + ranking and validation at 1k, 10k and 50k models.

Usage: python benchmarks/bench_scale.py [SIZES ...] [--seed S] [--block-limit N] [--baseline REF ...]
       (default sizes: 1000 10000 50000)
       --block-limit 1000000000 scores every vendor's pool whole (the matcher before blocking), for comparison.
       --baseline REF also measures the code of git ref REF (extracted with git archive to a temporary directory) on
       the same inputs, alternating with the working tree size by size, and prints the ratios (this run / REF); given
       more than once, every REF is measured in the same alternation (to compare several variants in one run).

Each size runs in its own subprocess (so ru_maxrss belongs to that size alone) on a synthetic catalog of n entries
and a benchmark set of n models (benchmarks/synthetic.py, deterministic). A timed pass comes first (median of a few
repeats at the small sizes), then a pass under tracemalloc for each stage's peak allocation above its inputs.
The growth ratios at the end compare sizes measured in this same run.
"""

from __future__ import annotations

import argparse
import itertools
import json
import resource
import statistics
import subprocess
import sys
import tempfile
import time
import tracemalloc
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "benchmarks"))

STAGES = ("select", "match", "rank", "validate")
INPUTS = {
    "catalogSha256": "0" * 64,
    "benchmarkScoresSha256": "0" * 64,
    "benchmarkCommit": None,
    "overridesSha256": "0" * 64,
    "curatedScoresSha256": "0" * 64,
    "settings": {
        "large_cutoff": 0.15,
        "medium_cutoff": 0.5,
        "page_model_other_vendor": True,
        "small_tasks_tier": "MEDIUM",
    },
}


def pipeline(body, bench, overrides, curated, settings):
    """The pure stages in order; yields (stage name, thunk) so the caller can time or trace each one."""
    from modelpools.rules.freemodels import select_free_models
    from modelpools.rules.matching import BenchmarkModel, CatalogModel, match_models
    from modelpools.rules.validation import validate_pools

    try:
        from modelpools.stages.pools_document import build_document
    except ImportError:  # a --baseline ref from before stages/pools_document.py
        from modelpools.stages.pools import build_document

    try:  # the schema as a record, its check passed to validate_pools
        from modelpools.records import PoolsSchema

        def schema_check() -> dict:
            return {"schema": PoolsSchema.installed().check}

        schema_doc = PoolsSchema.installed().document
    except ImportError:  # a --baseline ref from before records.PoolsSchema: validate_pools loads the schema itself
        from modelpools.rules.validation import load_schema

        def schema_check() -> dict:
            return {}

        schema_doc = load_schema()

    # What the document records of its inputs follows the measured tree (newer trees record more digests and settings)
    inputs = dict(INPUTS)
    try:
        from modelpools.slices import RankingSettings

        ranking = RankingSettings.of(settings)
        inputs["settings"] = ranking.fingerprint()
    except ImportError:  # a --baseline ref from before the settings slices
        ranking = settings
    required = schema_doc["properties"]["inputs"]["required"]
    inputs.update({key: "0" * 64 for key in required if key.endswith("Sha256") and key not in inputs})
    try:  # a tree whose pools file records where the catalog came from
        try:
            from modelpools.stages.pools_document import pools_provenance
        except ImportError:  # a --baseline ref from before stages/pools_document.py
            from modelpools.stages.pools import pools_provenance

        extra = {"provenance": pools_provenance({"source": "live", "url": "synthetic"}, None)}
    except ImportError:
        extra = {}
    state = {}

    def select():
        state["models"] = select_free_models(body)

    def match():
        try:  # the match stage's own pure function
            from modelpools.records import BenchmarkScores, CatalogCache
            from modelpools.slices import MatchSettings
            from modelpools.stages.match import build_match_report
        except ImportError:  # a --baseline ref from before stages/match.py: the same steps, spelled out
            cats = [CatalogModel.from_dict(m) for m in state["models"]]
            benches = [BenchmarkModel.from_dict(m) for m in bench]
            state["matches"] = [m.to_dict() for m in match_models(cats, benches, overrides, settings.fuzzy_threshold)]
            return
        report = build_match_report(
            CatalogCache(tuple(state["models"])),
            BenchmarkScores("", None, None, tuple(bench)),
            overrides,
            MatchSettings.of(settings),
        )
        state["matches"] = report.matches

    try:  # a tree whose build_document reads one PoolsInputs record
        from modelpools.stages.pools_document import PoolsInputs
    except ImportError:
        PoolsInputs = None

    def rank():
        if PoolsInputs is None:  # a --baseline ref from before PoolsInputs: the inputs as arguments
            state["doc"] = build_document(state["models"], bench, state["matches"], curated, ranking, inputs, **extra)
            return
        records = PoolsInputs(
            state["models"],
            extra["provenance"],
            inputs,
            benchmark_models=bench,
            matches=state["matches"],
            curated=curated,
        )
        state["doc"] = build_document(records, ranking)

    def validate():
        validate_pools(state["doc"], {m["id"] for m in state["models"]}, **schema_check())

    return state, [("select", select), ("match", match), ("rank", rank), ("validate", validate)]


def _benchmark_id(match) -> str | None:
    """A match's benchmark id: a rules.matching.Match, or a dict in a --baseline ref from before typed matches."""
    return match["benchmarkId"] if isinstance(match, dict) else match.benchmark_id


def measure(n: int, seed: int, block_limit: int | None = None) -> dict:
    """Run every stage for one size: seconds (median and min over repeats), tracemalloc peaks, ru_maxrss."""
    import gc

    from synthetic import synthetic_inputs

    from modelpools.rules import matching
    from modelpools.settings import Settings

    try:
        from modelpools.records import CuratedScores

        def load_curated_scores() -> tuple:
            return CuratedScores.load().scores
    except ImportError:  # a --baseline ref from before records.CuratedScores
        from modelpools.rules.scoring import load_curated_scores

    try:
        from modelpools.resources import PACKAGE_OVERRIDES
        from modelpools.stages.match import load_overrides
    except ImportError:  # a --baseline ref from before stages/match.py
        from modelpools.rules.matching import PACKAGE_OVERRIDES, load_overrides

    if block_limit is not None:
        matching.BLOCK_LIMIT = block_limit
    body, bench = synthetic_inputs(n, seed)
    overrides, curated, settings = load_overrides(PACKAGE_OVERRIDES), load_curated_scores(), Settings()
    repeats = max(1, min(5, 20_000 // n))
    times: dict[str, list[float]] = {s: [] for s in STAGES}
    cpu: dict[str, list[float]] = {s: [] for s in STAGES}
    for _ in range(repeats):
        state, stages = pipeline(body, bench, overrides, curated, settings)
        for name, run in stages:
            gc.collect()
            start, start_cpu = time.perf_counter(), time.process_time()
            run()
            times[name].append(time.perf_counter() - start)
            cpu[name].append(time.process_time() - start_cpu)
    maxrss_kib = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    peaks = {}
    state, stages = pipeline(body, bench, overrides, curated, settings)
    tracemalloc.start()
    for name, run in stages:
        gc.collect()
        tracemalloc.reset_peak()
        before = tracemalloc.get_traced_memory()[0]
        run()
        peaks[name] = tracemalloc.get_traced_memory()[1] - before
    tracemalloc.stop()
    summary = state["doc"]["summary"]
    return {
        "n": n,
        "free": len(state["models"]),
        "ranked": summary["ranked"],
        "repeats": repeats,
        "median": {s: statistics.median(t) for s, t in times.items()},
        "min": {s: min(t) for s, t in times.items()},
        "cpu": {s: statistics.median(t) for s, t in cpu.items()},
        "peak": peaks,
        "maxrss_mib": maxrss_kib / 1024,
        "matched": sum(1 for m in state["matches"] if _benchmark_id(m) is not None),
    }


def compare(rows: list[dict], base: list[dict], ref: str) -> None:
    """Per size: this tree's total time and peak memory against the baseline's, measured in the same run."""
    for r, b in zip(rows, base):
        total, base_total = sum(r["median"].values()), sum(b["median"].values())
        cpu, base_cpu = sum(r["cpu"].values()), sum(b["cpu"].values())
        stages = ", ".join(f"{s} {b['cpu'][s]:.2f} -> {r['cpu'][s]:.2f} s" for s in STAGES)
        print(
            f"{r['n']} models: total {base_total:.2f} s ({ref}) -> {total:.2f} s (this tree), x{total / base_total:.2f}; "
            f"CPU {base_cpu:.2f} -> {cpu:.2f} s, x{cpu / base_cpu:.2f}; "
            f"maxrss {b['maxrss_mib']:.0f} -> {r['maxrss_mib']:.0f} MiB; CPU per stage {stages}"
        )


def report(rows: list[dict]) -> None:
    print(
        f"{'models':>7} {'free':>6} {'matched':>7} | "
        + " ".join(f"{s + ' s':>10}" for s in STAGES)
        + f" | {'total s':>8} {'CPU s':>7} {'us/model':>9} | "
        + " ".join(f"{s + ' MiB':>12}" for s in STAGES)
        + f" | {'maxrss MiB':>10}"
    )
    for r in rows:
        total = sum(r["median"].values())
        print(
            f"{r['n']:>7} {r['free']:>6} {r['matched']:>7} | "
            + " ".join(f"{r['median'][s]:>10.3f}" for s in STAGES)
            + f" | {total:>8.2f} {sum(r['cpu'].values()):>7.2f} {total / r['n'] * 1e6:>9.0f} | "
            + " ".join(f"{r['peak'][s] / 2**20:>12.1f}" for s in STAGES)
            + f" | {r['maxrss_mib']:>10.0f}"
        )
    print(
        "(seconds: median of",
        ", ".join(f"{r['repeats']} at {r['n']}" for r in rows) + " runs; MiB: tracemalloc "
        "peak above the stage's inputs; CPU s: the process's CPU time in the stages; "
        "maxrss: whole subprocess incl. the generated inputs)",
    )
    for a, b in itertools.pairwise(rows):
        size = b["n"] / a["n"]
        t = {s: b["median"][s] / a["median"][s] for s in STAGES}
        m = {s: b["peak"][s] / a["peak"][s] if a["peak"][s] else float("nan") for s in STAGES}
        total = sum(b["median"].values()) / sum(a["median"].values())
        print(
            f"{a['n']} -> {b['n']} (x{size:g} input): time x{total:.1f} ("
            + ", ".join(f"{s} x{t[s]:.1f}" for s in STAGES)
            + "); time per model x"
            + f"{total / size:.2f}; peak memory "
            + ", ".join(f"{s} x{m[s]:.1f}" for s in STAGES)
        )


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("sizes", type=int, nargs="*", default=[1000, 10_000, 50_000])
    parser.add_argument("--seed", type=int, default=20260818)
    parser.add_argument("--block-limit", type=int, help="override modelpools.rules.matching.BLOCK_LIMIT")
    parser.add_argument(
        "--baseline", metavar="REF", action="append", default=[], help="also measure git ref REF and print the ratios"
    )
    parser.add_argument("--one", type=int, help=argparse.SUPPRESS)  # child mode: measure one size, print JSON
    parser.add_argument("--src", help=argparse.SUPPRESS)  # child mode: import modelpools from this directory
    args = parser.parse_args(argv)
    if args.one:
        if args.src:
            sys.path.insert(0, args.src)
        print(json.dumps(measure(args.one, args.seed, args.block_limit)))
        return 0
    extra = ["--block-limit", str(args.block_limit)] if args.block_limit is not None else []

    def child(n: int, src: Path) -> dict:
        start = time.perf_counter()
        out = subprocess.run(
            [sys.executable, __file__, "--one", str(n), "--seed", str(args.seed), "--src", str(src)] + extra,
            check=True,
            capture_output=True,
            text=True,
        )
        print(f"measured {n} models ({src}) in {time.perf_counter() - start:.0f} s", file=sys.stderr)
        return json.loads(out.stdout.strip().splitlines()[-1])

    with tempfile.TemporaryDirectory() as tmp:
        trees: dict[str, Path] = {}
        for ref in args.baseline:
            trees[ref] = Path(tmp) / str(len(trees))
            trees[ref].mkdir()
            archive = subprocess.run(["git", "-C", str(ROOT), "archive", ref], check=True, capture_output=True).stdout
            subprocess.run(["tar", "-x", "-C", str(trees[ref])], input=archive, check=True)
        rows: list[dict] = []
        base: dict[str, list[dict]] = {ref: [] for ref in trees}
        for n in args.sizes:
            for ref, tree in trees.items():
                base[ref].append(child(n, tree))
            rows.append(child(n, ROOT))
    for ref in trees:
        print(f"baseline {ref}:")
        report(base[ref])
    if trees:
        print("this tree:")
    report(rows)
    for ref in trees:
        compare(rows, base[ref], ref)
    return 0


if __name__ == "__main__":
    sys.exit(main())
