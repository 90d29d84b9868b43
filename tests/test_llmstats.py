"""Reading LLM-Stats checkouts in both layouts: real excerpts, malformed files, symlinks, benchmark definitions."""

from __future__ import annotations

import json
import os
import shutil
from pathlib import Path

import pytest
from support import NEW_LAYOUT_EXCERPT as NEW
from support import OLD_LAYOUT_EXCERPT as OLD

from modelpools.errors import DataError
from modelpools.io.llmstats import Problems, code_benchmarks, hugging_face_id, parse_checkout


def test_malformed_files_are_skipped_with_a_few_warning_lines(tmp_path: Path, capsys):
    root = tmp_path / "checkout"
    for slug in ("deepseek-r1", "deepseek-v3", "deepseek-v2.5"):
        shutil.copytree(OLD / "models" / "deepseek" / slug, root / "models" / "deepseek" / slug)
    shutil.copytree(OLD / "models" / "qwen" / "qwen3-235b-a22b", root / "models" / "qwen" / "qwen3-235b-a22b")
    (root / "models" / "deepseek" / "deepseek-v3" / "model.json").write_text('{"name": "DeepSeek-V3", ')
    broken = json.loads((root / "models" / "deepseek" / "deepseek-v2.5" / "model.json").read_text())
    broken["qualitative_metrics"] = "HumanEval 0.89"
    (root / "models" / "deepseek" / "deepseek-v2.5" / "model.json").write_text(json.dumps(broken))
    _layout, models, problems = parse_checkout(root)
    assert [m.id for m in models] == ["deepseek/deepseek-r1", "qwen/qwen3-235b-a22b"]
    problems.report(shown=3)
    err = capsys.readouterr().err.splitlines()
    assert "models/deepseek/deepseek-v2.5/model.json: scores are not a list" in err[0]
    assert "models/deepseek/deepseek-v3/model.json: not valid JSON" in err[1]
    assert "MultiPL-E: score 65.94 is outside the 0-1 scale" in " ".join(
        err
    )  # a real off-scale row, rejected not guessed
    assert err[-1].endswith("skipped 1 more malformed files or rows")
    qwen3 = next(m for m in models if m.id == "qwen/qwen3-235b-a22b")
    assert {r.dataset for r in qwen3.results} == {"Aider", "LiveCodeBench"}


def test_symlinks_out_of_the_checkout_are_not_followed(tmp_path: Path, capsys):
    outside = tmp_path / "outside"
    shutil.copytree(OLD / "models" / "openai" / "o1-mini", outside / "o1-mini")
    root = tmp_path / "checkout"
    shutil.copytree(OLD / "models" / "deepseek" / "deepseek-r1", root / "models" / "deepseek" / "deepseek-r1")
    os.symlink(outside / "o1-mini", root / "models" / "deepseek" / "escaped-dir")
    (root / "models" / "deepseek" / "linked-file").mkdir()
    os.symlink(outside / "o1-mini" / "model.json", root / "models" / "deepseek" / "linked-file" / "model.json")
    os.symlink(outside, root / "models" / "evil-org")
    _layout, models, problems = parse_checkout(root)
    assert [m.id for m in models] == ["deepseek/deepseek-r1"]
    assert problems.symlinks == 3
    problems.report()
    assert "ignored 3 symlinks" in capsys.readouterr().err


def test_neither_layout_is_a_clear_error(tmp_path: Path):
    (tmp_path / "README.md").write_text("not llm-stats\n")
    with pytest.raises(DataError, match=r"neither LLM-Stats layout: expected data/organizations/.*models/<org>"):
        parse_checkout(tmp_path)


def test_hugging_face_ids_come_from_weights_then_repo_links():
    assert hugging_face_id("https://huggingface.co/deepseek-ai/DeepSeek-R1") == "deepseek-ai/DeepSeek-R1"
    assert (
        hugging_face_id("https://huggingface.co/mistralai/Devstral-Small-2507/blob/main/model.safetensors.index.json")
        == "mistralai/Devstral-Small-2507"
    )
    assert hugging_face_id("https://huggingface.co/MoonshotAI", None) is None  # an organization page
    assert (
        hugging_face_id(None, "https://huggingface.co/CohereForAI/c4ai-command-r-plus")
        == "CohereForAI/c4ai-command-r-plus"
    )
    assert hugging_face_id("https://github.com/deepseek-ai/DeepSeek-R1") is None


def test_symlinked_directories_inside_the_new_layout_are_not_followed(tmp_path: Path):
    root = tmp_path / "checkout"
    shutil.copytree(NEW / "data" / "organizations" / "zai-org", root / "data" / "organizations" / "zai-org")
    (root / "data" / "benchmarks").mkdir()
    (root / "data" / "organizations" / "evil").mkdir()
    os.symlink(
        NEW / "data" / "organizations" / "deepseek" / "models", root / "data" / "organizations" / "evil" / "models"
    )
    _layout, models, problems = parse_checkout(root)
    assert {m.org for m in models} == {"zai-org"}
    assert problems.symlinks == 1


def test_code_benchmark_definitions_are_read_from_the_new_layout(tmp_path: Path):
    problems = Problems(NEW)
    code = code_benchmarks(NEW, problems)
    assert len(code) == 22 and not problems.items  # 22 of the 342 real definitions have category "code"
    assert {"humaneval", "livecodebench", "swe-bench-verified", "cfeval", "multi-swe-bench"} <= {d.id for d in code}
    assert next(d for d in code if d.id == "cfeval").name == "CFEval"
    assert "mmlu" not in {d.id for d in code}
    root = tmp_path / "checkout"
    (root / "data" / "benchmarks").mkdir(parents=True)
    shutil.copy(NEW / "data" / "benchmarks" / "scicode.json", root / "data" / "benchmarks")
    (root / "data" / "benchmarks" / "broken.json").write_text('{"benchmark_id": ')
    (root / "data" / "benchmarks" / "no-id.json").write_text('{"categories": ["code"]}')
    os.symlink(NEW / "data" / "benchmarks" / "humaneval.json", root / "data" / "benchmarks" / "linked.json")
    problems = Problems(root)
    assert [d.id for d in code_benchmarks(root, problems)] == ["scicode"]
    skipped = [item.split(":")[0] for item in problems.items]
    assert skipped == ["data/benchmarks/broken.json", "data/benchmarks/no-id.json"]
    assert problems.symlinks == 1
    assert code_benchmarks(OLD, Problems(OLD)) == []  # the old layout has no definitions
