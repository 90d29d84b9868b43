"""Coding-score fusion: sources, calibration onto the reference scale, provenance, unranked reasons."""

import json
from pathlib import Path

import pytest

from modelpools.fusion import (
    Calibration,
    CuratedEntry,
    base_id,
    choose_reference,
    collect_raw_scores,
    fit_calibration,
    fuse_scores,
    vendor_of,
)

DATA = Path(__file__).resolve().parents[2] / "shared" / "data"


def free_catalog(name):
    """The free entries of a real OpenRouter dump, in catalog-cache form (benchmarks kept when present)."""
    raw = json.loads((DATA / "openrouter" / name).read_text())["data"]
    keep = ("id", "name", "context_length", "expiration_date", "benchmarks", "hugging_face_id")
    return [{k: m[k] for k in keep if m.get(k) is not None} for m in raw if m["id"].endswith(":free")]


def by_id(fused):
    return {m.id: m for m in fused}


def test_ids_and_vendors():
    assert base_id("qwen/qwen3-coder:free") == "qwen/qwen3-coder"
    assert base_id("z-ai/glm-4.6:exacto") == "z-ai/glm-4.6"
    assert vendor_of("~anthropic/claude-sonnet-latest") == "anthropic"
    assert vendor_of("nvidia/nemotron-nano-9b-v2:free") == "nvidia"


def test_catalog_coding_index_alone_is_the_reference_scale():
    fused, calibrations = fuse_scores(free_catalog("models-2026-08-18.json"), [], [], [])
    models = by_id(fused)
    assert calibrations == {"artificial_analysis": Calibration("artificial_analysis", "reference", 10)}
    glm = models["z-ai/glm-5.2:free"]
    assert glm.coding_score == 68.8
    assert [(s.source, s.raw, s.calibrated) for s in glm.sources] == [("artificial_analysis", 68.8, 68.8)]
    assert glm.sources[0].ref == "openrouter:benchmarks.artificial_analysis.coding_index"
    laguna = models["poolside/laguna-s-2.1:free"]
    assert laguna.coding_score is None
    assert laguna.reason == "no coding score: no catalog coding_index, no benchmark match, no curated score"
    assert sum(m.coding_score is not None for m in fused) == 10
    assert [m.id for m in fused] == sorted(models)


def test_llm_stats_is_calibrated_onto_the_catalog_index_by_a_linear_fit():
    catalog = free_catalog("models-2026-08-18.json")
    # LLM-Stats-like scores exactly 30 points above the catalog index for three models -> slope 1, intercept -30.
    bench = [
        {"id": "openai/gpt-oss-20b", "codingScore": 50.7, "coverage": 1.0},
        {"id": "nvidia/nemotron-3-nano-30b-a3b", "codingScore": 44.4, "coverage": 1.0},
        {"id": "google/gemma-4-31b-it", "codingScore": 73.4, "coverage": 0.5},
        {"id": "liquid/lfm2-2.6b", "codingScore": 45.0, "coverage": 0.5},
    ]
    matches = [
        {"id": "openai/gpt-oss-20b:free", "benchmarkId": "openai/gpt-oss-20b", "method": "exact", "confidence": 1.0},
        {"id": "nvidia/nemotron-3-nano-30b-a3b:free", "benchmarkId": "nvidia/nemotron-3-nano-30b-a3b",
         "method": "huggingface", "confidence": 1.0},
        {"id": "google/gemma-4-31b-it:free", "benchmarkId": "google/gemma-4-31b-it", "method": "exact",
         "confidence": 1.0},
        {"id": "liquid/lfm-2.5-2.6b:free", "benchmarkId": "liquid/lfm2-2.6b", "method": "fuzzy", "confidence": 0.8},
    ]
    fused, calibrations = fuse_scores(catalog, bench, matches, [])
    cal = calibrations["llm-stats"]
    assert (cal.method, cal.points) == ("linear", 3)
    assert cal.slope == pytest.approx(1.0) and cal.intercept == pytest.approx(-30.0)
    models = by_id(fused)
    lfm = models["liquid/lfm-2.5-2.6b:free"]
    assert lfm.coding_score == 15.0  # 45.0 - 30 on the catalog scale, not 45.0
    (src,) = lfm.sources
    assert (src.source, src.raw, src.calibrated, src.ref, src.weight) == (
        "llm-stats", 45.0, 15.0, "llm-stats:liquid/lfm2-2.6b", 0.4)  # weight = confidence 0.8 x coverage 0.5
    assert lfm.match.method == "fuzzy"
    # Both sources agree after calibration, so the weighted mean keeps the catalog value.
    assert models["google/gemma-4-31b-it:free"].coding_score == 43.4
    assert len(models["google/gemma-4-31b-it:free"].sources) == 2


def test_curated_matches_base_id_and_is_weighted_against_the_reference():
    catalog = free_catalog("models-2026-08-18.json")
    curated = [
        CuratedEntry(("z-ai/glm-5.2",), "GLM 5.2", 88.8, "test"),
        CuratedEntry(("nvidia/nemotron-3-ultra-550b-a55b",), "Nemotron 3 Ultra", 69.3, "test"),
        CuratedEntry(("google/gemma-4-26b-a4b-it",), "Gemma 4 26B", 59.3, "test", "https://example.org/gemma"),
        CuratedEntry(("poolside/laguna-s-2.1",), "Laguna S 2.1", 65.0, "test"),
    ]
    fused, calibrations = fuse_scores(catalog, [], [], curated)
    assert calibrations["curated"].method == "linear"
    laguna = by_id(fused)["poolside/laguna-s-2.1:free"]
    assert laguna.coding_score == 45.0
    assert laguna.sources[0].ref == "curated:test"
    gemma = by_id(fused)["google/gemma-4-26b-a4b-it:free"]
    assert [s.ref for s in gemma.sources][1] == "curated:https://example.org/gemma"
    assert [s.weight for s in gemma.sources] == [1.0, 0.5]


def test_uncalibrated_source_does_not_mix_into_a_calibrated_score():
    catalog = free_catalog("models-2026-08-18.json")
    # One curated point in common with the catalog index: too few to calibrate (identity).
    curated = [CuratedEntry(("z-ai/glm-5.2",), "GLM", 95.0, "test"),
               CuratedEntry(("poolside/laguna-s-2.1",), "Laguna", 80, "test")]
    fused, calibrations = fuse_scores(catalog, [], [], curated)
    assert calibrations["curated"] == Calibration("curated", "identity", 1)
    models = by_id(fused)
    assert models["z-ai/glm-5.2:free"].coding_score == 68.8  # the catalog index alone
    assert models["poolside/laguna-s-2.1:free"].coding_score == 80.0  # only source: used as is


def test_older_dump_without_catalog_index_uses_llm_stats_as_reference():
    catalog = free_catalog("models-2025-12-04.json")
    bench = [
        {"id": "qwen/qwen3-235b-a22b", "codingScore": 61.0, "coverage": 0.8},
        {"id": "openai/gpt-oss-20b", "codingScore": 48.0, "coverage": 1.0},
        {"id": "z-ai/glm-4.5-air", "codingScore": None, "coverage": 0.0},
    ]
    matches = [
        {"id": "qwen/qwen3-235b-a22b:free", "benchmarkId": "qwen/qwen3-235b-a22b", "method": "exact", "confidence": 1},
        {"id": "openai/gpt-oss-20b:free", "benchmarkId": "openai/gpt-oss-20b", "method": "exact", "confidence": 1},
        {"id": "z-ai/glm-4.5-air:free", "benchmarkId": "z-ai/glm-4.5-air", "method": "exact", "confidence": 1},
        {"id": "qwen/qwen3-4b:free", "benchmarkId": "qwen/qwen3-4b", "method": "fuzzy", "confidence": 0.7},
    ]
    curated = [CuratedEntry(("qwen/qwen3-coder",), "Qwen3 Coder", 89.0, "reference system")]
    raw = collect_raw_scores(catalog, bench, {}, curated)
    assert list(raw["curated"]) == ["qwen/qwen3-coder:free"]
    fused, calibrations = fuse_scores(catalog, bench, matches, curated)
    assert choose_reference({"llm-stats": {"a": 1, "b": 2}, "curated": {"c": 3}}) == "llm-stats"
    assert calibrations["llm-stats"].method == "reference"
    assert calibrations["curated"] == Calibration("curated", "identity", 0)
    models = by_id(fused)
    assert models["qwen/qwen3-coder:free"].coding_score == 89.0
    assert models["qwen/qwen3-235b-a22b:free"].coding_score == 61.0
    glm_reason = models["z-ai/glm-4.5-air:free"].reason
    assert glm_reason.endswith("matched z-ai/glm-4.5-air has no coding benchmarks, no curated score")
    assert "matched qwen/qwen3-4b is not in benchmark-scores.json" in models["qwen/qwen3-4b:free"].reason


def test_fit_calibration_fallbacks():
    assert fit_calibration("x", [(1, 2), (3, 4)]).method == "identity"
    flat = fit_calibration("x", [(10, 20), (10, 30), (10, 40)])  # no spread in raw values: median offset
    assert (flat.method, flat.intercept) == ("offset", 20)
    negative = fit_calibration("x", [(10, 40), (20, 30), (30, 20)])  # anti-correlated: never a negative slope
    assert (negative.method, negative.slope, negative.intercept) == ("offset", 1.0, 10)
    line = fit_calibration("x", [(0, 10), (50, 35), (100, 60)])
    assert line.apply(100) == 60.0 and line.apply(1000) == 100.0 and line.apply(-100) == 0.0


def test_bad_values_are_ignored_not_guessed():
    catalog = [
        {"id": "a/x:free", "name": "X", "context_length": 1000,
         "benchmarks": {"artificial_analysis": {"coding_index": None}}},
        {"id": "a/y:free", "name": "Y", "context_length": None,
         "benchmarks": {"artificial_analysis": {"coding_index": True}}},
    ]
    fused, calibrations = fuse_scores(catalog, [], [], [])
    assert [m.coding_score for m in fused] == [None, None]
    assert calibrations == {}
    assert fused[1].context_length == 0
