"""Canonical coding benchmarks, the codingScore formula and the curated-scores loader."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from modelpools.errors import DataError
from modelpools.records import CuratedScores
from modelpools.resources import PACKAGE_CURATED as CURATED_FILE
from modelpools.rules.scoring import (
    BENCHMARKS,
    LEFT_OUT,
    PRIOR,
    PRIOR_WEIGHT,
    SELF_REPORTED_FACTOR,
    TOTAL_WEIGHT,
    Component,
    Result,
    calibrate,
    canonical_benchmark,
    coding_score,
    component_weight,
    select_components,
)


@pytest.mark.parametrize(
    "name, canonical",
    [
        ("HumanEval", "humaneval"),
        ("Humaneval", "humaneval"),
        ("humaneval", "humaneval"),
        ("HumanEval+", "humaneval-plus"),
        ("HumanEval Plus", "humaneval-plus"),
        ("humaneval-plus", "humaneval-plus"),
        ("MBPP", "mbpp"),
        ("MBPP pass@1", "mbpp"),
        ("MBPP EvalPlus (base)", "mbpp"),
        ("mbpp-++-base-version", "mbpp"),
        ("MBPP+", "mbpp-plus"),
        ("MBPP EvalPlus", "mbpp-plus"),
        ("SWE-bench Verified", "swe-bench-verified"),
        ("SWE-Bench Verified", "swe-bench-verified"),
        ("Swe Bench Verified", "swe-bench-verified"),
        ("swe-bench-verified", "swe-bench-verified"),
        ("SWE-bench Verified (Agentic Coding)", "swe-bench-verified"),
        ("LiveCodeBench", "livecodebench"),
        ("LiveCodeBench v5", "livecodebench"),
        ("LiveCodeBench v6", "livecodebench"),
        ("LiveCodeBench(01-09)", "livecodebench"),
        ("LiveCodeBench v5 24.12-25.2", "livecodebench"),
        ("livecodebench(01-09)", "livecodebench"),
        ("Livecodebench", "livecodebench"),
        ("Aider-Polyglot", "aider-polyglot"),
        ("Aider Polyglot", "aider-polyglot"),
        ("aider-polyglot", "aider-polyglot"),
        ("Terminal-bench", "terminal-bench"),
        ("TerminalBench", "terminal-bench"),
        ("Terminal Bench", "terminal-bench"),
        ("terminal-bench", "terminal-bench"),
        ("SWE-bench Multilingual", "swe-bench-multilingual"),
        ("MultiPL-E", "multipl-e"),
        ("HumanEval-Mul", "multipl-e"),
        ("Aider", "aider-edit"),
        ("terminus", "terminal-bench"),
        ("Terminus", "terminal-bench"),  # Terminal-Bench with its reference agent
    ],
)
def test_real_dataset_names_map_to_canonical_benchmarks(name, canonical):
    assert canonical_benchmark(name).id == canonical


@pytest.mark.parametrize(
    "name",
    [
        "MMLU",
        "GSM8K",
        "IFEval",
        "Aider-Polyglot Edit",
        "CodeForces",
        "SWE-bench Verified (Multiple Attempts)",
        "BigCodeBench-Hard",
        "LiveBench",
        *LEFT_OUT,
    ],
)
def test_non_coding_or_ambiguous_names_are_ignored(name):
    assert canonical_benchmark(name) is None


def test_modern_benchmarks_weigh_more_than_saturated_ones():
    modern = [b for b in BENCHMARKS.values() if not b.saturated]
    saturated = [b for b in BENCHMARKS.values() if b.saturated]
    assert min(b.weight for b in modern) > max(b.weight for b in saturated)
    assert {"humaneval", "mbpp", "humaneval-plus", "mbpp-plus"} <= {b.id for b in saturated}
    assert TOTAL_WEIGHT == 20.0


def test_calibration_puts_saturated_scores_below_modern_ones():
    # HumanEval 0.90: 0.6 * (0.90 - 0.60) / 0.40 = 0.45; SWE-bench Verified 0.60: 0.60 / 0.80 = 0.75
    assert calibrate(BENCHMARKS["humaneval"], 0.90) == pytest.approx(0.45)
    assert calibrate(BENCHMARKS["swe-bench-verified"], 0.60) == pytest.approx(0.75)
    assert calibrate(BENCHMARKS["humaneval"], 0.40) == 0.0  # below the floor
    assert calibrate(BENCHMARKS["swe-bench-verified"], 0.95) == 1.0  # above the frontier anchor


def test_best_independent_result_wins_over_a_higher_self_reported_one():
    chosen = select_components(
        [
            Result("LiveCodeBench v5", 0.70, True),
            Result("LiveCodeBench", 0.60, False),
            Result("MMLU", 0.9, False),
            Result("HumanEval", 0.80, True),
            Result("Humaneval", 0.85, True),
        ]
    )
    # a self-reported result weighs 0.75 of its benchmark's weight: HumanEval 0.5 * 0.75 = 0.375
    assert chosen == [
        Component("humaneval", "Humaneval", 0.85, 0.375, True),
        Component("livecodebench", "LiveCodeBench", 0.60, 2.0, False),
    ]


def test_a_single_result_moves_the_score_at_most_halfway_from_the_prior():
    # The prior is worth one SWE-bench Verified (K = 3.0 = its weight), so one perfect result of the heaviest
    # benchmark gives (3 * 1.0 + 3 * 0.30) / (3 + 3) = 65.0, and self-reported (2.25 + 0.9) / (2.25 + 3) = 60.0.
    assert (PRIOR, PRIOR_WEIGHT, SELF_REPORTED_FACTOR) == (0.30, 3.0, 0.75)
    assert max(b.weight for b in BENCHMARKS.values()) <= PRIOR_WEIGHT
    best_single = {
        sr: max(coding_score([Component(b.id, b.id, 1.0, component_weight(b, sr), sr)])[0] for b in BENCHMARKS.values())
        for sr in (False, True)
    }
    assert best_single == {False: 65.0, True: 60.0}
    # LiveCodeBench 0.711 alone, self-reported: c = 0.711/0.85 = 0.836471, w = 2 * 0.75 = 1.5;
    # (1.5 * 0.836471 + 0.9) / (1.5 + 3) = 2.154706 / 4.5 = 0.478824 -> 47.88 (nemotron-nano-9b-v2's only row)
    assert coding_score(select_components([Result("livecodebench", 0.711, True)])) == (47.88, 0.075)
    # The same row measured independently: (2 * 0.836471 + 0.9) / (2 + 3) = 2.572941 / 5 -> 51.46
    assert coding_score(select_components([Result("livecodebench", 0.711, False)])) == (51.46, 0.1)


def test_perfect_saturated_scores_cannot_outrank_strong_modern_results():
    # Only a self-reported HumanEval 1.0: c = 0.6, w = 0.375; (0.375 * 0.6 + 3 * 0.30) / (0.375 + 3) = 1.125 / 3.375
    # = 33.33; measured independently: (0.5 * 0.6 + 0.9) / 3.5 = 1.2 / 3.5 = 34.29
    assert coding_score(select_components([Result("HumanEval", 1.0, True)])) == (33.33, 0.0187)
    assert coding_score(select_components([Result("HumanEval", 1.0, False)])) == (34.29, 0.025)
    # All four saturated suites perfect, independent: (4 * 0.5 * 0.6 + 0.9) / (2.0 + 3) = 2.1 / 5 = 42.0
    perfect = select_components([Result(b, 1.0, False) for b in ("HumanEval", "HumanEval+", "MBPP", "MBPP+")])
    assert coding_score(perfect) == (42.0, 0.1)
    # SWE-bench Verified 0.60 + LiveCodeBench 0.60, independent: c = 0.75 and 0.6/0.85 = 0.705882;
    # (3 * 0.75 + 2 * 0.705882 + 0.9) / (5 + 3) = 4.561765 / 8 = 0.570221 -> 57.02
    modern = select_components([Result("SWE-bench Verified", 0.6, False), Result("LiveCodeBench", 0.6, False)])
    assert coding_score(modern) == (57.02, 0.25)
    # ... and even self-reported: (2.25 * 0.75 + 1.5 * 0.705882 + 0.9) / (3.75 + 3) = 3.646324 / 6.75 -> 54.02
    modern = select_components([Result("SWE-bench Verified", 0.6, True), Result("LiveCodeBench", 0.6, True)])
    assert coding_score(modern) == (54.02, 0.1875) and 54.02 > 42.0
    assert coding_score([]) == (None, 0.0)


def test_the_real_saturated_only_model_ranks_below_a_real_modern_one():
    # openai/o1-mini (LLM-Stats df1d14e): only HumanEval 0.924, self-reported -> 32.07 (see test_benchmarks);
    # deepseek/deepseek-r1: Aider-Polyglot 0.533, LiveCodeBench 0.659, SWE-bench Verified 0.492, independent -> 55.01
    o1_mini = coding_score(select_components([Result("HumanEval", 0.924, True)]))[0]
    r1 = coding_score(
        select_components(
            [
                Result("Aider-Polyglot", 0.533, False),
                Result("LiveCodeBench", 0.659, False),
                Result("SWE-bench Verified", 0.492, False),
            ]
        )
    )[0]
    assert (o1_mini, r1) == (32.07, 55.01)


def test_bundled_curated_scores_load_and_cover_free_model_families():
    curated = CuratedScores.load().scores
    ids = {i for entry in curated for i in entry.openrouter_ids}
    assert {"moonshotai/kimi-k2", "openai/gpt-oss-120b", "qwen/qwen3-32b", "deepseek/deepseek-r1-0528"} <= ids
    kimi = next(c for c in curated if "moonshotai/kimi-k2" in c.openrouter_ids)
    # Aider polyglot 59.1% (run by Aider: independent): 0.591 / 0.90 = 0.656667;
    # (2.5 * 0.656667 + 3 * 0.30) / (2.5 + 3) = 2.541667 / 5.5 = 0.462121 -> 46.21
    assert (kimi.coding_score, kimi.date) == (46.21, "2025-07-17")
    assert "cb6a152e" in kimi.source and "59.1%" in kimi.source


def test_curated_file_violating_the_schema_is_a_data_error(tmp_path):
    bad = json.loads(CURATED_FILE.read_text())
    bad["models"][1]["codingScore"] = 140
    path = tmp_path / "curated.json"
    path.write_text(json.dumps(bad))
    with pytest.raises(DataError, match=r"\$\.models\[1\]\.codingScore: 140 is greater than the maximum of 100"):
        CuratedScores.load(path)
    bad["models"][1]["codingScore"] = 40
    bad["models"][1]["openrouterIds"] = bad["models"][0]["openrouterIds"]
    path.write_text(json.dumps(bad))
    with pytest.raises(DataError, match="listed twice"):
        CuratedScores.load(path)


def test_the_readme_lists_every_left_out_code_benchmark_with_its_reason():
    readme = (Path(__file__).resolve().parents[1] / "docs" / "scoring-and-matching.md").read_text()
    for benchmark_id, reason in LEFT_OUT.items():
        assert f"| {benchmark_id} | {reason} |" in readme
        assert canonical_benchmark(benchmark_id) is None
