"""Coding-score fusion: sources, calibration onto the reference scale on every model two sources both score,
borrowed calibration, uncalibrated sources kept apart, provenance, unranked reasons."""

import json
import random
from pathlib import Path

import pytest
from support import TEST_DATA

from modelpools.rules.freemodels import select_reference_scores
from modelpools.rules.fusion import (
    Calibration,
    calibrate_sources,
    choose_reference,
    collect_raw_scores,
    common_points,
    fit_calibration,
    fuse_scores,
)
from modelpools.rules.scoring import CuratedScore

DATA = TEST_DATA


def free_catalog(name):
    """The free entries of a real OpenRouter dump, in catalog-cache form (benchmarks kept when present)."""
    raw = json.loads((DATA / "openrouter" / name).read_text())["data"]
    keep = ("id", "name", "context_length", "expiration_date", "benchmarks", "hugging_face_id")
    return [{k: m[k] for k in keep if m.get(k) is not None} for m in raw if m["id"].endswith(":free")]


def reference_scores(name):
    """The catalog's referenceScores for a real dump: every text model with an Artificial Analysis coding_index."""
    return select_reference_scores(json.loads((DATA / "openrouter" / name).read_text()))


def curated(ids, name, score, url=""):
    return CuratedScore(tuple(ids), name, score, "test", url, "2026-01-01")


def match(mid, bid, method="exact", confidence=1.0):
    return {"id": mid, "benchmarkId": bid, "method": method, "confidence": confidence}


def by_id(fused):
    return {m.id: m for m in fused}


# LLM-Stats codingScores at 24a9ccf of eight paid models that the 2026-08-18 catalog also scores with its own
# coding_index (claude-sonnet-4.5 52.1, gemini-2.5-pro 33.3, ...), and of one free model the catalog does not score.
BENCH_2026 = [
    {"id": "anthropic/claude-sonnet-4-5-20250929", "codingScore": 65.04, "coverage": 0.4},
    {"id": "google/gemini-2.5-pro", "codingScore": 64.99, "coverage": 0.4},
    {"id": "google/gemma-3-27b-it", "codingScore": 32.43, "coverage": 0.3},
    {"id": "meta/llama-3.3-70b-instruct", "codingScore": 33.94, "coverage": 0.2},
    {"id": "openai/gpt-4.1-mini-2025-04-14", "codingScore": 32.09, "coverage": 0.3},
    {"id": "openai/gpt-5-2025-08-07", "codingScore": 67.04, "coverage": 0.4},
    {"id": "qwen/qwen3-32b", "codingScore": 43.8, "coverage": 0.2},
    {"id": "zai-org/glm-4.6", "codingScore": 64.22, "coverage": 0.3},
    {"id": "nvidia/nvidia-nemotron-nano-9b-v2", "codingScore": 47.88, "coverage": 0.3},
]
REFERENCE_MATCHES_2026 = [  # as model-matches.json's "reference" list holds them (matched non-free models)
    match("anthropic/claude-sonnet-4.5", "anthropic/claude-sonnet-4-5-20250929"),
    match("anthropic/claude-sonnet-4.5:batch", "anthropic/claude-sonnet-4-5-20250929"),  # same model: one point
    match("google/gemini-2.5-pro", "google/gemini-2.5-pro"),
    match("google/gemma-3-27b-it", "google/gemma-3-27b-it"),
    match("meta-llama/llama-3.3-70b-instruct", "meta/llama-3.3-70b-instruct"),
    match("openai/gpt-4.1-mini", "openai/gpt-4.1-mini-2025-04-14"),
    match("openai/gpt-5", "openai/gpt-5-2025-08-07"),
    match("qwen/qwen3-32b", "qwen/qwen3-32b"),
    match("z-ai/glm-4.6", "zai-org/glm-4.6"),
]
NANO_MATCH = [match("nvidia/nemotron-nano-9b-v2:free", "nvidia/nvidia-nemotron-nano-9b-v2")]


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


def test_llm_stats_is_calibrated_on_the_paid_models_both_sources_score():
    """The review's defect: LLM-Stats values (~30-70) ranked raw against the catalog index (~14-70)."""
    catalog = free_catalog("models-2026-08-18.json")
    reference = reference_scores("models-2026-08-18.json")
    # Without the paid models no free model is scored by both: too few points, so LLM-Stats is kept apart.
    fused, calibrations = fuse_scores(catalog, BENCH_2026, NANO_MATCH, [])
    assert calibrations["llm-stats"] == Calibration("llm-stats", "uncalibrated", 0)
    nano = by_id(fused)["nvidia/nemotron-nano-9b-v2:free"]
    assert nano.coding_score is None and nano.sources == ()
    assert nano.reason == ("score only on an uncalibrated scale "
                           "(llm-stats: 0 common models with artificial_analysis, need 3)")

    fused, calibrations = fuse_scores(catalog, BENCH_2026, NANO_MATCH, [], reference, REFERENCE_MATCHES_2026)
    cal = calibrations["llm-stats"]
    assert (cal.method, cal.points) == ("linear", 8)  # the :batch twin adds no point
    # The reference counts the distinct models (base ids) it scores among the 166 referenceScores entries.
    assert calibrations["artificial_analysis"] == Calibration("artificial_analysis", "reference", 122)
    assert (round(cal.slope, 4), round(cal.intercept, 2)) == (0.8847, -16.32)
    nano = by_id(fused)["nvidia/nemotron-nano-9b-v2:free"]
    (src,) = nano.sources
    assert (src.source, src.raw, src.calibrated, src.ref) == (
        "llm-stats", 47.88, 26.04, "llm-stats:nvidia/nvidia-nemotron-nano-9b-v2")
    ranked = sorted((m for m in fused if m.coding_score is not None), key=lambda m: -m.coding_score)
    assert [m.id for m in ranked[:3]] == ["z-ai/glm-5.2:free", "nvidia/nemotron-3-ultra-550b-a55b:free",
                                          "google/gemma-4-31b-it:free"]  # no longer #2 on a raw 47.88


def test_points_are_deterministic_whatever_the_order_of_the_inputs():
    catalog = free_catalog("models-2026-08-18.json")
    reference = reference_scores("models-2026-08-18.json")
    expected = fuse_scores(catalog, BENCH_2026, NANO_MATCH, [], reference, REFERENCE_MATCHES_2026)
    rng = random.Random(5)
    for _ in range(3):
        shuffled = [rng.sample(x, len(x)) for x in (catalog, BENCH_2026, reference, REFERENCE_MATCHES_2026)]
        assert fuse_scores(shuffled[0], shuffled[1], NANO_MATCH, [], shuffled[2], shuffled[3]) == expected


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
        match("openai/gpt-oss-20b:free", "openai/gpt-oss-20b"),
        match("nvidia/nemotron-3-nano-30b-a3b:free", "nvidia/nemotron-3-nano-30b-a3b", "huggingface"),
        match("google/gemma-4-31b-it:free", "google/gemma-4-31b-it"),
        match("liquid/lfm-2.5-2.6b:free", "liquid/lfm2-2.6b", "fuzzy", 0.8),
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
    entries = [
        curated(["z-ai/glm-5.2"], "GLM 5.2", 88.8),
        curated(["nvidia/nemotron-3-ultra-550b-a55b"], "Nemotron 3 Ultra", 69.3),
        curated(["google/gemma-4-26b-a4b-it"], "Gemma 4 26B", 59.3, "https://example.org/gemma"),
        curated(["poolside/laguna-s-2.1"], "Laguna S 2.1", 65.0),
    ]
    fused, calibrations = fuse_scores(catalog, [], [], entries)
    assert calibrations["curated"].method == "linear"
    laguna = by_id(fused)["poolside/laguna-s-2.1:free"]
    assert laguna.coding_score == 45.0
    assert laguna.sources[0].ref == "curated:test"
    gemma = by_id(fused)["google/gemma-4-26b-a4b-it:free"]
    assert [s.ref for s in gemma.sources][1] == "curated:https://example.org/gemma"
    assert [s.weight for s in gemma.sources] == [1.0, 0.5]


def test_curated_points_come_from_paid_models_with_a_coding_index():
    catalog = free_catalog("models-2026-08-18.json")
    reference = reference_scores("models-2026-08-18.json")
    # Aider-derived scores of paid models the catalog scores (gpt-5 37.8, o1 39.7, qwen3-32b 15.3, gpt-4.1-mini 20.2)
    entries = [curated(["openai/gpt-5"], "gpt-5", 60.15), curated(["openai/o1"], "o1", 47.53),
               curated(["qwen/qwen3-32b"], "Qwen3 32B", 36.57), curated(["openai/gpt-4.1-mini"], "4.1 mini", 32.73),
               curated(["poolside/laguna-s-2.1"], "Laguna S 2.1", 50.0)]
    fused, calibrations = fuse_scores(catalog, [], [], entries, reference)
    assert (calibrations["curated"].method, calibrations["curated"].points) == ("linear", 4)
    laguna = by_id(fused)["poolside/laguna-s-2.1:free"]
    assert laguna.coding_score == calibrations["curated"].apply(50.0) == 33.07


def test_curated_borrows_the_llm_stats_calibration_when_it_has_no_fit_of_its_own():
    catalog = free_catalog("models-2026-08-18.json")
    reference = reference_scores("models-2026-08-18.json")
    entries = [curated(["poolside/laguna-s-2.1"], "Laguna S 2.1", 50.0), curated(["z-ai/glm-5.2"], "GLM", 90.0)]
    fused, calibrations = fuse_scores(catalog, BENCH_2026, NANO_MATCH, entries, reference, REFERENCE_MATCHES_2026)
    llm_stats, borrowed = calibrations["llm-stats"], calibrations["curated"]
    # One common point with the catalog index: curated uses llm-stats' line, as both come from the same formula.
    assert (borrowed.method, borrowed.points) == ("via-llm-stats", 8)
    assert (borrowed.slope, borrowed.intercept) == (llm_stats.slope, llm_stats.intercept)
    laguna = by_id(fused)["poolside/laguna-s-2.1:free"]
    assert laguna.coding_score == llm_stats.apply(50.0) and laguna.sources[0].source == "curated"
    assert borrowed.to_json()["method"] == "via-llm-stats"


def test_uncalibrated_source_does_not_mix_into_a_calibrated_score():
    catalog = free_catalog("models-2026-08-18.json")
    # One curated point in common with the catalog index and nothing to borrow from: uncalibrated, left out.
    entries = [curated(["z-ai/glm-5.2"], "GLM", 95.0), curated(["poolside/laguna-s-2.1"], "Laguna", 80)]
    fused, calibrations = fuse_scores(catalog, [], [], entries)
    assert calibrations["curated"] == Calibration("curated", "uncalibrated", 1)
    models = by_id(fused)
    glm = models["z-ai/glm-5.2:free"]
    assert glm.coding_score == 68.8 and [s.source for s in glm.sources] == ["artificial_analysis"]
    laguna = models["poolside/laguna-s-2.1:free"]
    assert laguna.coding_score is None  # never ranked on a raw 80 beside the index
    assert laguna.reason == ("score only on an uncalibrated scale "
                             "(curated: 1 common model with artificial_analysis, need 3)")


def test_older_dump_without_catalog_index_uses_llm_stats_as_reference():
    catalog = free_catalog("models-2025-12-04.json")
    bench = [
        {"id": "qwen/qwen3-235b-a22b", "codingScore": 61.0, "coverage": 0.8},
        {"id": "openai/gpt-oss-20b", "codingScore": 48.0, "coverage": 1.0},
        {"id": "z-ai/glm-4.5-air", "codingScore": None, "coverage": 0.0},
    ]
    matches = [
        match("qwen/qwen3-235b-a22b:free", "qwen/qwen3-235b-a22b"),
        match("openai/gpt-oss-20b:free", "openai/gpt-oss-20b"),
        match("z-ai/glm-4.5-air:free", "z-ai/glm-4.5-air"),
        match("qwen/qwen3-4b:free", "qwen/qwen3-4b", "fuzzy", 0.7),
    ]
    entries = [curated(["qwen/qwen3-coder"], "Qwen3 Coder", 89.0)]
    raw = collect_raw_scores(catalog, bench, {}, entries)
    assert list(raw["curated"]) == ["qwen/qwen3-coder:free"]
    fused, calibrations = fuse_scores(catalog, bench, matches, entries)
    assert choose_reference({"llm-stats": {"a": 1, "b": 2}, "curated": {"c": 3}}) == "llm-stats"
    assert calibrations["llm-stats"] == Calibration("llm-stats", "reference", 2)
    # No common point; curated is on the LLM-Stats scale by construction, so it borrows the reference's identity.
    assert calibrations["curated"] == Calibration("curated", "via-llm-stats", 2)
    models = by_id(fused)
    assert models["qwen/qwen3-coder:free"].coding_score == 89.0
    assert models["qwen/qwen3-235b-a22b:free"].coding_score == 61.0
    glm_reason = models["z-ai/glm-4.5-air:free"].reason
    assert glm_reason.endswith("matched z-ai/glm-4.5-air has no coding benchmarks, no curated score")
    assert "matched qwen/qwen3-4b is not in benchmark-scores.json" in models["qwen/qwen3-4b:free"].reason


def test_common_points_count_each_measurement_once():
    rows = {
        "a/x": {"artificial_analysis": (20.0, "a/x"), "llm-stats": (40.0, "llm-stats:a/x")},
        "a/x-2024": {"artificial_analysis": (22.0, "a/x-2024"), "llm-stats": (40.0, "llm-stats:a/x")},
        "a/y": {"artificial_analysis": (30.0, "a/y")},
        "a/z": {"llm-stats": (50.0, "llm-stats:a/z")},
    }
    # Two catalog models with their own index values on one benchmark model: two points; a/y and a/z: none.
    assert common_points(rows, "llm-stats", "artificial_analysis") == [(40.0, 20.0), (40.0, 22.0)]
    assert calibrate_sources(rows)["llm-stats"] == Calibration("llm-stats", "uncalibrated", 2)


def test_fit_calibration_fallbacks():
    assert fit_calibration("x", [(1, 2), (3, 4)]).method == "uncalibrated"
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
    junk_reference = [None, {"id": 3}, {"id": "a/z", "coding_index": "40"}]
    fused, calibrations = fuse_scores(catalog, [], [], [], junk_reference, [None, {"id": "a/z"}])
    assert [m.coding_score for m in fused] == [None, None]
    assert calibrations == {}
    assert fused[1].context_length == 0
