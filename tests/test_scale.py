"""Bounded resources at scale: memory of the pure pipeline grows linearly with the catalog, and the matcher's blocking
of large candidate pools changes no match. Synthetic inputs come from benchmarks/synthetic.py (deterministic)."""

from __future__ import annotations

import gc
import importlib.util
import tracemalloc
from pathlib import Path

from modelpools.rules import matching
from modelpools.rules.freemodels import select_free_models
from modelpools.rules.matching import BenchmarkModel, CatalogModel, match_models
from modelpools.slices import RankingSettings
from modelpools.stages.pools_document import PoolsInputs, build_document, pools_provenance

_SPEC = importlib.util.spec_from_file_location(
    "synthetic", Path(__file__).resolve().parents[1] / "benchmarks" / "synthetic.py"
)
synthetic = importlib.util.module_from_spec(_SPEC)
_SPEC.loader.exec_module(synthetic)

INPUTS = {
    "catalogSha256": "0" * 64,
    "benchmarkScoresSha256": "0" * 64,
    "benchmarkCommit": None,
    "overridesSha256": "0" * 64,
    "curatedScoresSha256": "0" * 64,
    "settings": {},
}


def run_pipeline(body, bench) -> dict:
    """Catalog selection, matching, score fusion and ranking: what the catalog, match and pools tasks compute."""
    models = select_free_models(body)
    matches = match_models(
        [CatalogModel.from_dict(m) for m in models], [BenchmarkModel.from_dict(b) for b in bench], {}, 70
    )
    provenance = pools_provenance({"source": "live", "url": "https://openrouter.ai/api/v1/models"}, None)
    inputs = PoolsInputs(models, provenance, INPUTS, benchmark_models=bench, matches=list(matches))
    return build_document(inputs, RankingSettings())


def traced_peak(n: int) -> int:
    """Bytes allocated at the pipeline's peak for n catalog entries and n benchmark models (inputs excluded)."""
    body, bench = synthetic.synthetic_inputs(n)
    gc.collect()
    tracemalloc.start()
    try:
        base = tracemalloc.get_traced_memory()[0]
        doc = run_pipeline(body, bench)
        peak = tracemalloc.get_traced_memory()[1] - base
    finally:
        tracemalloc.stop()
    assert doc["summary"]["freeModels"] > 0.8 * n  # the run did the work being measured
    return peak


def test_pipeline_memory_grows_linearly_with_the_catalog():
    run_pipeline(*synthetic.synthetic_inputs(50))  # imports and caches first, so they do not count
    small, large = traced_peak(500), traced_peak(2000)
    # 4x the input: linear gives ~4x; a quadratic structure (all pairs, a dense score matrix) would give ~16x.
    assert 2.5 < large / small < 6, (small, large)
    assert large / 2000 < 64 * 1024  # and a sane constant: under 64 KiB per model


def test_blocking_large_candidate_pools_changes_no_match(monkeypatch):
    body, bench = synthetic.synthetic_inputs(2000)
    cats = [CatalogModel.from_dict(m) for m in select_free_models(body)]
    benches = [BenchmarkModel.from_dict(b) for b in bench]
    monkeypatch.setattr(matching, "BLOCK_LIMIT", 10**9)  # every vendor scored whole
    whole = [(m.id, m.benchmark_id, m.method) for m in match_models(cats, benches, {}, 70)]
    monkeypatch.setattr(matching, "BLOCK_LIMIT", 20)  # nearly every vendor split into (family, versions) blocks
    blocked = [(m.id, m.benchmark_id, m.method) for m in match_models(cats, benches, {}, 70)]
    assert blocked == whole
    assert sum(1 for _id, bid, method in whole if method == "fuzzy") >= 20  # the fuzzy path was exercised


def test_synthetic_inputs_are_deterministic_and_realistic():
    body, bench = synthetic.synthetic_inputs(1000)
    again_body, again_bench = synthetic.synthetic_inputs(1000)
    assert body == again_body and bench == again_bench
    ids = [e["id"] for e in body["data"]]
    assert len(ids) == len(set(ids)) == 1000 and len(bench) == 1000
    assert any(i.startswith("meta-llama/") for i in ids) and any(b["id"].startswith("meta/") for b in bench)
