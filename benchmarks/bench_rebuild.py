"""Warm rebuild of the match and pools stages on the newest real OpenRouter dump and LLM-Stats snapshot.

Usage: python benchmarks/bench_rebuild.py [REPEATS]      (default 20)

The cache is prepared once in a temporary directory by the real catalog and benchmarks stages: refresh_catalog
fetches models-2026-08-18.json from a loopback HTTP server, refresh_benchmarks clones a file:// git repository of
the LLM-Stats snapshot 24a9ccf (both helpers come from bench_noop.py). Then build_matches(settings) and
build_pools(settings) run REPEATS times each, after one untimed run that writes their outputs, so every timed run
is warm: same inputs, byte-identical outputs, nothing rewritten. Prints the preparation times, then median and min
per stage, and the pools stage's pure parts (fusion + ranking, validation) timed alone.
"""

from __future__ import annotations

import statistics
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "benchmarks"))

from bench_noop import DUMP, SNAPSHOT, make_repo, serve  # noqa: E402

from modelpools.records import (  # noqa: E402
    BenchmarkScores,
    CatalogCache,
    CuratedScores,
    MatchReport,
    PoolsDocument,
    PoolsSchema,
)
from modelpools.rules.validation import validate_pools  # noqa: E402
from modelpools.settings import Settings  # noqa: E402
from modelpools.slices import (  # noqa: E402
    BenchmarkSettings,
    CatalogSettings,
    MatchSettings,
    PoolsSettings,
    RankingSettings,
)
from modelpools.stages.benchmarks import refresh_benchmarks  # noqa: E402
from modelpools.stages.catalog import refresh_catalog  # noqa: E402
from modelpools.stages.match import build_matches  # noqa: E402
from modelpools.stages.pools import build_pools  # noqa: E402
from modelpools.stages.pools_document import PoolsInputs, build_document  # noqa: E402


def timed(run, repeats: int) -> list[float]:
    """Seconds of each of repeats calls of run()."""
    out = []
    for _ in range(repeats):
        start = time.perf_counter()
        run()
        out.append(time.perf_counter() - start)
    return out


def prepare(root: Path) -> tuple[Settings, dict[str, float]]:
    """Settings for a cache under root, filled by the catalog and benchmarks stages; their wall times."""
    server = serve(DUMP.parent)
    try:
        settings = Settings(
            project_dir=root,
            cache_dir=root / "cache",
            openrouter_url=f"http://127.0.0.1:{server.server_port}/{DUMP.name}",
            benchmarks_repo=make_repo(root).as_uri(),
        )
        times = {}
        for name, stage, kw in (
            ("catalog (loopback fetch)", refresh_catalog, CatalogSettings),
            ("benchmarks (file:// clone)", refresh_benchmarks, BenchmarkSettings),
        ):
            start = time.perf_counter()
            print(f"  {stage(kw.of(settings))}")
            times[name] = time.perf_counter() - start
    finally:
        server.shutdown()
    return settings, times


def main(repeats: int = 20) -> int:
    with tempfile.TemporaryDirectory() as tmp:
        print(f"inputs: {DUMP.name} x {SNAPSHOT.name}")
        settings, prep = prepare(Path(tmp))
        for name, seconds in prep.items():
            print(f"  prepare {name}: {seconds * 1000:.0f} ms")
        match_kw, pools_kw = MatchSettings.of(settings), PoolsSettings.of(settings)
        print("  " + build_matches(match_kw))  # the cold run: writes model-matches.json
        build_pools(pools_kw)  # writes model-pools.json
        stages = {
            "match (build_matches)": timed(lambda: build_matches(match_kw), repeats),
            "pools (build_pools)": timed(lambda: build_pools(pools_kw), repeats),
        }
        catalog = CatalogCache.load(settings.files.catalog_file)
        scores = BenchmarkScores.load(settings.files.benchmark_scores_file).models
        matches = MatchReport.load(settings.files.matches_file)
        written = PoolsDocument.load(settings.files.pools_file).doc
        curated, inputs, provenance = CuratedScores.load().scores, written["inputs"], written["provenance"]
        records = PoolsInputs(
            catalog.models,
            provenance,
            inputs,
            scores,
            matches.matches,
            curated,
            catalog.reference_scores,
            matches.reference,
        )
        ranking = RankingSettings.of(settings)
        doc = build_document(records, ranking)
        ids = catalog.ids
        parts = {
            "  fusion + ranking (build_document)": timed(lambda: build_document(records, ranking), repeats),
            "  validation (validate_pools)": timed(
                lambda: validate_pools(doc, ids, schema=PoolsSchema.installed().check), repeats
            ),
        }
    print(f"warm rebuild, {repeats} runs each:")
    for name, times in {**stages, **parts}.items():
        print(f"  {name:<38} median {statistics.median(times) * 1000:7.1f} ms   min {min(times) * 1000:7.1f} ms")
    total = [a + b for a, b in zip(*stages.values())]
    print(f"  {'match + pools':<38} median {statistics.median(total) * 1000:7.1f} ms   min {min(total) * 1000:7.1f} ms")
    return 0


if __name__ == "__main__":
    sys.exit(main(int(sys.argv[1]) if len(sys.argv) > 1 else 20))
