"""Canonical coding benchmarks, the codingScore formula and the curated fallback scores."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
import yaml

from modelpools.errors import DataError
from modelpools.scoring import (
    BENCHMARKS,
    CURATED_FILE,
    TOTAL_WEIGHT,
    Component,
    Result,
    calibrate,
    canonical_benchmark,
    coding_score,
    curate_from_aider,
    load_curated_scores,
    main,
    select_components,
)

AIDER = Path(__file__).resolve().parents[2] / "shared" / "data" / "aider" / "polyglot_leaderboard.yml"


@pytest.mark.parametrize("name, canonical", [
    ("HumanEval", "humaneval"), ("Humaneval", "humaneval"), ("humaneval", "humaneval"),
    ("HumanEval+", "humaneval-plus"), ("HumanEval Plus", "humaneval-plus"), ("humaneval-plus", "humaneval-plus"),
    ("MBPP", "mbpp"), ("MBPP pass@1", "mbpp"), ("MBPP EvalPlus (base)", "mbpp"), ("mbpp-++-base-version", "mbpp"),
    ("MBPP+", "mbpp-plus"), ("MBPP EvalPlus", "mbpp-plus"),
    ("SWE-bench Verified", "swe-bench-verified"), ("SWE-Bench Verified", "swe-bench-verified"),
    ("Swe Bench Verified", "swe-bench-verified"), ("swe-bench-verified", "swe-bench-verified"),
    ("SWE-bench Verified (Agentic Coding)", "swe-bench-verified"),
    ("LiveCodeBench", "livecodebench"), ("LiveCodeBench v5", "livecodebench"), ("LiveCodeBench v6", "livecodebench"),
    ("LiveCodeBench(01-09)", "livecodebench"), ("LiveCodeBench v5 24.12-25.2", "livecodebench"),
    ("livecodebench(01-09)", "livecodebench"), ("Livecodebench", "livecodebench"),
    ("Aider-Polyglot", "aider-polyglot"), ("Aider Polyglot", "aider-polyglot"), ("aider-polyglot", "aider-polyglot"),
    ("Terminal-bench", "terminal-bench"), ("TerminalBench", "terminal-bench"), ("Terminal Bench", "terminal-bench"),
    ("terminal-bench", "terminal-bench"), ("SWE-bench Multilingual", "swe-bench-multilingual"),
    ("MultiPL-E", "multipl-e"), ("HumanEval-Mul", "multipl-e"), ("Aider", "aider-edit"),
])
def test_real_dataset_names_map_to_canonical_benchmarks(name, canonical):
    assert canonical_benchmark(name).id == canonical


@pytest.mark.parametrize("name", ["MMLU", "GSM8K", "IFEval", "Aider-Polyglot Edit", "CodeForces",
                                  "SWE-bench Verified (Multiple Attempts)", "BigCodeBench-Hard", "LiveBench"])
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
    chosen = select_components([
        Result("LiveCodeBench v5", 0.70, True), Result("LiveCodeBench", 0.60, False),
        Result("MMLU", 0.9, False), Result("HumanEval", 0.80, True), Result("Humaneval", 0.85, True),
    ])
    assert chosen == [Component("humaneval", "Humaneval", 0.85, 0.5, True),
                      Component("livecodebench", "LiveCodeBench", 0.60, 2.0, False)]


def test_perfect_saturated_scores_cannot_outrank_strong_modern_results():
    # Only HumanEval 1.0: (0.5 * 0.6 + 1.5 * 0.30) / (0.5 + 1.5) = 0.75 / 2 = 37.5
    assert coding_score([Component("humaneval", "HumanEval", 1.0, 0.5, True)]) == (37.5, 0.025)
    # All four saturated suites perfect: (2.0 * 0.6 + 0.45) / 3.5 = 1.65 / 3.5 = 47.14
    perfect = [Component(b, b, 1.0, 0.5, True) for b in ("humaneval", "humaneval-plus", "mbpp", "mbpp-plus")]
    assert coding_score(perfect)[0] == 47.14
    # SWE-bench Verified 0.60 + LiveCodeBench 0.60: (3 * 0.75 + 2 * 0.705882 + 0.45) / 6.5 = 4.111765 / 6.5 = 63.26
    modern = [Component("swe-bench-verified", "SWE-bench Verified", 0.6, 3.0, False),
              Component("livecodebench", "LiveCodeBench", 0.6, 2.0, False)]
    assert coding_score(modern) == (63.26, 0.25)
    assert coding_score([]) == (None, 0.0)


def test_bundled_curated_scores_load_and_cover_free_model_families():
    curated = load_curated_scores()
    ids = {i for entry in curated for i in entry.openrouter_ids}
    assert {"moonshotai/kimi-k2", "openai/gpt-oss-120b", "qwen/qwen3-32b", "deepseek/deepseek-r1-0528"} <= ids
    kimi = next(c for c in curated if "moonshotai/kimi-k2" in c.openrouter_ids)
    # Aider polyglot 59.1%: 0.591 / 0.90 = 0.656667; (2.5 * 0.656667 + 0.45) / 4.0 = 0.522917 -> 52.29
    assert (kimi.coding_score, kimi.date) == (52.29, "2025-07-17")
    assert "cb6a152e" in kimi.source and "59.1%" in kimi.source


def test_curated_file_is_reproducible_from_the_aider_leaderboard(tmp_path):
    out = tmp_path / "curated.json"
    assert main(["curate", "--aider", str(AIDER), "--out", str(out)]) == 0
    assert out.read_bytes() == CURATED_FILE.read_bytes()
    document = curate_from_aider(yaml.safe_load(AIDER.read_text()))
    names = {m["name"] for m in document["models"]}
    assert "DeepSeek R1 + claude-3-5-sonnet-20241022" not in names  # architect pairs are left out
    assert not any(i.startswith("openrouter/") for m in document["models"] for i in m["openrouterIds"])
    qwen_coder = next(m for m in document["models"] if m["openrouterIds"] == ["qwen/qwen-2.5-coder-32b-instruct"])
    assert "16.4%" in qwen_coder["source"]  # the better of the two runs (8.0% and 16.4%)


def test_curated_file_violating_the_schema_is_a_data_error(tmp_path):
    bad = json.loads(CURATED_FILE.read_text())
    bad["models"][1]["codingScore"] = 140
    path = tmp_path / "curated.json"
    path.write_text(json.dumps(bad))
    with pytest.raises(DataError, match=r"\$\.models\[1\]\.codingScore: 140 is greater than the maximum of 100"):
        load_curated_scores(path)
    bad["models"][1]["codingScore"] = 40
    bad["models"][1]["openrouterIds"] = bad["models"][0]["openrouterIds"]
    path.write_text(json.dumps(bad))
    with pytest.raises(DataError, match="listed twice"):
        load_curated_scores(path)
