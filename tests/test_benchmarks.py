"""The benchmark stage end to end: real LLM-Stats excerpts in file:// git repos, cloned shallow into a cache."""

from __future__ import annotations

import json
import os
import shutil
from dataclasses import replace
from pathlib import Path

import pytest

from modelpools.benchmarks import benchmarks_are_fresh, hugging_face_id, parse_checkout, refresh_benchmarks
from modelpools.errors import DataError, GitError
from modelpools.settings import Settings
from support import LLM_STATS_NEW as NEW
from support import LLM_STATS_OLD as OLD
from support import commit_all, git, new_layout_repo, old_layout_repo

NOW = 1_760_000_000.0


def settings_for(repo: Path, tmp_path: Path, **changes) -> Settings:
    return replace(Settings(project_dir=tmp_path, benchmarks_repo=repo.as_uri(), cache_dir=tmp_path / "cache"), **changes)


def scores(settings: Settings) -> dict:
    return json.loads(settings.benchmark_scores_file.read_text())


def by_id(document: dict) -> dict:
    return {m["id"]: m for m in document["models"]}


def test_first_clone_scores_real_models_as_worked_out_by_hand(tmp_path: Path):
    repo = old_layout_repo(tmp_path / "upstream")
    settings = settings_for(repo, tmp_path)
    summary = refresh_benchmarks(settings, now=NOW)
    assert git(settings.clone_dir, "rev-parse", "--is-shallow-repository") == "true"
    document = scores(settings)
    assert document["source"] == {"repo": repo.as_uri(), "commit": git(repo, "rev-parse", "HEAD"), "layout": "old"}
    assert "32 models, 28 with a coding score" in summary
    models = by_id(document)
    r1 = models["deepseek/deepseek-r1"]
    # Aider-Polyglot 0.533/0.90 = 0.592222, LiveCodeBench 0.659/0.85 = 0.775294, SWE-bench Verified 0.492/0.80 = 0.615
    # (2.5*0.592222 + 2*0.775294 + 3*0.615 + 1.5*0.30) / (7.5 + 1.5) = 5.326144 / 9 = 0.591794 -> 59.18
    assert r1["codingScore"] == 59.18
    assert r1["coverage"] == 0.375  # 7.5 of 20 weight units
    assert [(c["benchmark"], c["dataset"], c["score"]) for c in r1["components"]] == [
        ("aider-polyglot", "Aider-Polyglot", 0.533), ("livecodebench", "LiveCodeBench", 0.659),
        ("swe-bench-verified", "SWE-bench Verified", 0.492)]
    assert (r1["huggingFaceId"], r1["paramCount"], r1["contextSize"], r1["releaseDate"]) == (
        "deepseek-ai/DeepSeek-R1", 671000000000, 131072, "2025-01-20")
    # o1-mini has HumanEval 0.924 only: 0.6 * (0.924-0.60)/0.40 = 0.486; (0.5*0.486 + 0.45) / 2.0 = 0.3465
    assert models["openai/o1-mini"]["codingScore"] == 34.65
    assert models["openai/o1-mini"]["codingScore"] < r1["codingScore"]
    assert models["deepseek/deepseek-vl2"]["codingScore"] is None  # no coding benchmark at all
    assert list(models) == sorted(models)
    meta = json.loads(settings.benchmarks_meta_file.read_text())
    assert meta == {"source": repo.as_uri(), "ref": "", "status": "ok", "refreshedAt": NOW, "attemptedAt": NOW,
                    "commit": document["source"]["commit"], "layout": "old", "lastError": None}


def test_new_layout_scores_and_context_from_providers(tmp_path: Path):
    settings = settings_for(new_layout_repo(tmp_path / "upstream"), tmp_path)
    refresh_benchmarks(settings, now=NOW)
    document = scores(settings)
    assert document["source"]["layout"] == "new"
    v32 = by_id(document)["deepseek/deepseek-v3.2-exp"]
    # aider-polyglot 0.745/0.9 = 0.827778 (x2.5), livecodebench 0.741/0.85 = 0.871765 (x2),
    # swe-bench-multilingual 0.579/0.7 = 0.827143 (x2), swe-bench-verified 0.678/0.8 = 0.8475 (x3),
    # terminal-bench 0.377/0.6 = 0.628333 (x2.5): sum 9.580592; (9.580592 + 0.45) / 13.5 = 0.743007 -> 74.30
    assert v32["codingScore"] == 74.3
    assert v32["coverage"] == 0.6
    assert v32["contextSize"] == 163840 and v32["huggingFaceId"] == "deepseek-ai/DeepSeek-V3.2-Exp"
    gpt5 = by_id(document)["openai/gpt-5-2025-08-07"]
    # aider 0.88/0.9 = 0.977778 (x2.5), swe 0.749/0.8 = 0.93625 (x3), HumanEval 0.6*(0.934-0.6)/0.4 = 0.501 (x0.5)
    # (2.444444 + 2.80875 + 0.2505 + 0.45) / 7.5 = 0.793826 -> 79.38
    assert gpt5["codingScore"] == 79.38


def test_output_is_byte_deterministic(tmp_path: Path):
    repo = new_layout_repo(tmp_path / "upstream")
    first = settings_for(repo, tmp_path / "a")
    second = settings_for(repo, tmp_path / "b")
    refresh_benchmarks(first, now=NOW)
    refresh_benchmarks(second, now=NOW + 5)
    assert first.benchmark_scores_file.read_bytes() == second.benchmark_scores_file.read_bytes()


def test_second_commit_is_picked_up_and_freshness_follows_the_ttl(tmp_path: Path):
    repo = old_layout_repo(tmp_path / "upstream")
    settings = settings_for(repo, tmp_path, benchmarks_ttl=3600)
    refresh_benchmarks(settings, now=NOW)
    assert benchmarks_are_fresh(settings, now=NOW + 3599)
    assert not benchmarks_are_fresh(settings, now=NOW + 3600)
    assert not benchmarks_are_fresh(replace(settings, benchmarks_repo="file:///elsewhere"), now=NOW + 1)
    shutil.rmtree(repo / "models" / "openai")
    second = commit_all(repo, "drop openai")
    refresh_benchmarks(settings, now=NOW + 7200)
    assert scores(settings)["source"]["commit"] == second
    assert "openai/o1-mini" not in by_id(scores(settings))
    assert json.loads(settings.benchmarks_meta_file.read_text())["commit"] == second
    assert benchmarks_are_fresh(settings, now=NOW + 7201)


def test_failed_update_keeps_checkout_and_scores_byte_for_byte(tmp_path: Path, capsys):
    repo = old_layout_repo(tmp_path / "upstream")
    settings = settings_for(repo, tmp_path)
    refresh_benchmarks(settings, now=NOW)
    before = settings.benchmark_scores_file.read_bytes()
    commit = git(settings.clone_dir, "rev-parse", "HEAD")
    capsys.readouterr()
    shutil.rmtree(repo)
    summary = refresh_benchmarks(settings, now=NOW + 10)
    assert "kept previous scores" in summary
    assert settings.benchmark_scores_file.read_bytes() == before
    assert git(settings.clone_dir, "rev-parse", "HEAD") == commit
    warnings = [ln for ln in capsys.readouterr().err.splitlines() if "warning" in ln]
    assert len(warnings) == 1 and "keeping the previous checkout" in warnings[0]
    meta = json.loads(settings.benchmarks_meta_file.read_text())
    assert (meta["status"], meta["refreshedAt"], meta["attemptedAt"], meta["commit"]) == ("fallback", NOW, NOW + 10, commit)
    assert not benchmarks_are_fresh(settings, now=NOW + 11)
    with pytest.raises(GitError, match="git fetch failed"):
        refresh_benchmarks(replace(settings, strict=True), now=NOW + 20)


def test_no_clone_at_all_writes_an_empty_curated_only_result(tmp_path: Path, capsys):
    settings = settings_for(tmp_path / "nowhere", tmp_path)
    assert "curated scores only" in refresh_benchmarks(settings, now=NOW)
    assert scores(settings) == {"schemaVersion": 1, "models": [],
                                "source": {"repo": (tmp_path / "nowhere").as_uri(), "commit": None, "layout": None}}
    assert json.loads(settings.benchmarks_meta_file.read_text())["status"] == "curated-only"
    assert "only curated coding scores will be used" in capsys.readouterr().err
    offline = settings_for(tmp_path / "nowhere", tmp_path / "offline", offline=True)
    refresh_benchmarks(offline, now=NOW)
    assert json.loads(offline.benchmarks_meta_file.read_text())["lastError"].startswith("offline")
    with pytest.raises(GitError, match="git clone failed"):
        refresh_benchmarks(replace(settings, strict=True), now=NOW)


def test_git_missing_is_a_clear_error_in_strict_mode(tmp_path: Path, monkeypatch):
    settings = settings_for(old_layout_repo(tmp_path / "upstream"), tmp_path, strict=True)
    monkeypatch.setenv("PATH", str(tmp_path / "no-bin"))
    with pytest.raises(GitError, match=r"^git is not installed \(needed to fetch benchmark data from file://"):
        refresh_benchmarks(settings, now=NOW)


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
    assert "MultiPL-E: score 65.94 is outside the 0-1 scale" in " ".join(err)  # a real off-scale row, rejected not guessed
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
    assert hugging_face_id(
        "https://huggingface.co/mistralai/Devstral-Small-2507/blob/main/model.safetensors.index.json"
    ) == "mistralai/Devstral-Small-2507"
    assert hugging_face_id("https://huggingface.co/MoonshotAI", None) is None  # an organization page
    assert hugging_face_id(None, "https://huggingface.co/CohereForAI/c4ai-command-r-plus") == "CohereForAI/c4ai-command-r-plus"
    assert hugging_face_id("https://github.com/deepseek-ai/DeepSeek-R1") is None


def test_symlinked_directories_inside_the_new_layout_are_not_followed(tmp_path: Path):
    root = tmp_path / "checkout"
    shutil.copytree(NEW / "data" / "organizations" / "zai-org", root / "data" / "organizations" / "zai-org")
    (root / "data" / "benchmarks").mkdir()
    (root / "data" / "organizations" / "evil").mkdir()
    os.symlink(NEW / "data" / "organizations" / "deepseek" / "models", root / "data" / "organizations" / "evil" / "models")
    _layout, models, problems = parse_checkout(root)
    assert {m.org for m in models} == {"zai-org"}
    assert problems.symlinks == 1
