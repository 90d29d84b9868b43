"""The benchmark stage end to end: real LLM-Stats excerpts in file:// git repos, cloned shallow into a cache.

Worked scores use the formula of the README: c = top * clamp((score - low) / (high - low), 0, 1), weight w = the
benchmark's weight (x 0.75 when self-reported), codingScore = 100 * (sum w*c + 3.0 * 0.30) / (sum w + 3.0).
"""

from __future__ import annotations

import json
import shutil
from dataclasses import replace
from pathlib import Path

import pytest
from support import LLM_STATS_NEW as NEW
from support import commit_all, git, new_layout_repo, old_layout_repo

from modelpools.errors import DataError, FetchError, GitError
from modelpools.settings import Settings
from modelpools.slices import BenchmarkSettings
from modelpools.stages.benchmarks import benchmarks_are_fresh, build_scores, parse_checkout, refresh_benchmarks

NOW = 1_760_000_000.0


def settings_for(repo: Path, tmp_path: Path, **changes) -> Settings:
    return replace(
        Settings(project_dir=tmp_path, benchmarks_repo=repo.as_uri(), cache_dir=tmp_path / "cache"), **changes
    )


def scores(settings: Settings) -> dict:
    return json.loads(settings.files.benchmark_scores_file.read_text())


def by_id(document: dict) -> dict:
    return {m["id"]: m for m in document["models"]}


def test_first_clone_scores_real_models_as_worked_out_by_hand(tmp_path: Path):
    repo = old_layout_repo(tmp_path / "upstream")
    settings = settings_for(repo, tmp_path)
    summary = refresh_benchmarks(BenchmarkSettings.of(settings), now=NOW)
    assert git(settings.files.clone_dir, "rev-parse", "--is-shallow-repository") == "true"
    document = scores(settings)
    assert document["source"] == {
        "repo": repo.as_uri(),
        "commit": git(repo, "rev-parse", "HEAD"),
        "layout": "old",
        "commitDate": git(repo, "show", "-s", "--format=%cd", "--date=short", "HEAD"),
    }
    assert "32 models, 28 with a coding score" in summary
    models = by_id(document)
    r1 = models["deepseek/deepseek-r1"]
    # All three measured by others (not self-reported), so at full weight:
    # Aider-Polyglot 0.533/0.90 = 0.592222, LiveCodeBench 0.659/0.85 = 0.775294, SWE-bench Verified 0.492/0.80 = 0.615
    # (2.5*0.592222 + 2*0.775294 + 3*0.615 + 3*0.30) / (7.5 + 3) = (1.480556 + 1.550588 + 1.845 + 0.9) / 10.5
    #   = 5.776144 / 10.5 = 0.550109 -> 55.01
    assert r1["codingScore"] == 55.01
    assert r1["coverage"] == 0.375  # 7.5 of 20 weight units
    assert [(c["benchmark"], c["dataset"], c["score"]) for c in r1["components"]] == [
        ("aider-polyglot", "Aider-Polyglot", 0.533),
        ("livecodebench", "LiveCodeBench", 0.659),
        ("swe-bench-verified", "SWE-bench Verified", 0.492),
    ]
    assert (r1["huggingFaceId"], r1["paramCount"], r1["contextSize"], r1["releaseDate"]) == (
        "deepseek-ai/DeepSeek-R1",
        671000000000,
        131072,
        "2025-01-20",
    )
    # o1-mini has a self-reported HumanEval 0.924 only: c = 0.6 * (0.924-0.60)/0.40 = 0.486, w = 0.5*0.75 = 0.375;
    # (0.375*0.486 + 0.9) / (0.375 + 3) = 1.08225 / 3.375 = 0.320667 -> 32.07
    assert models["openai/o1-mini"]["codingScore"] == 32.07
    assert models["openai/o1-mini"]["codingScore"] < r1["codingScore"]
    assert models["deepseek/deepseek-vl2"]["codingScore"] is None  # no coding benchmark at all
    assert list(models) == sorted(models)
    meta = json.loads(settings.files.benchmarks_meta_file.read_text())
    assert meta == {
        "source": repo.as_uri(),
        "ref": "",
        "status": "ok",
        "refreshedAt": NOW,
        "attemptedAt": NOW,
        "commit": document["source"]["commit"],
        "layout": "old",
        "lastError": None,
        "unscoredCodeBenchmarks": [],
        "failures": 0,
        "failedAt": None,
        "cacheVersion": 2,
    }  # the old layout has no benchmark definitions


def test_new_layout_scores_and_context_from_providers(tmp_path: Path):
    settings = settings_for(new_layout_repo(tmp_path / "upstream"), tmp_path)
    refresh_benchmarks(BenchmarkSettings.of(settings), now=NOW)
    document = scores(settings)
    assert document["source"]["layout"] == "new"
    v32 = by_id(document)["deepseek/deepseek-v3.2-exp"]
    # All five self-reported, so each weighs 0.75 of its benchmark's weight:
    # aider-polyglot 0.745/0.9 = 0.827778 (x1.875 = 1.552083), livecodebench 0.741/0.85 = 0.871765 (x1.5 = 1.307647),
    # swe-bench-multilingual 0.579/0.7 = 0.827143 (x1.5 = 1.240714), swe-bench-verified 0.678/0.8 = 0.8475
    # (x2.25 = 1.906875), terminal-bench 0.377/0.6 = 0.628333 (x1.875 = 1.178125): sum 7.185444 over weight 9.0;
    # (7.185444 + 0.9) / (9.0 + 3) = 8.085444 / 12 = 0.673787 -> 67.38
    assert v32["codingScore"] == 67.38
    assert v32["coverage"] == 0.45  # 9.0 of 20
    assert v32["contextSize"] == 163840 and v32["huggingFaceId"] == "deepseek-ai/DeepSeek-V3.2-Exp"
    gpt5 = by_id(document)["openai/gpt-5-2025-08-07"]
    # self-reported: aider 0.88/0.9 = 0.977778 (x1.875 = 1.833333), swe 0.749/0.8 = 0.93625 (x2.25 = 2.106563),
    # HumanEval 0.6*(0.934-0.6)/0.4 = 0.501 (x0.375 = 0.187875); (4.127771 + 0.9) / (4.5 + 3) = 0.670369 -> 67.04
    assert gpt5["codingScore"] == 67.04


def test_output_is_byte_deterministic(tmp_path: Path):
    repo = new_layout_repo(tmp_path / "upstream")
    first = settings_for(repo, tmp_path / "a")
    second = settings_for(repo, tmp_path / "b")
    refresh_benchmarks(BenchmarkSettings.of(first), now=NOW)
    refresh_benchmarks(BenchmarkSettings.of(second), now=NOW + 5)
    assert first.files.benchmark_scores_file.read_bytes() == second.files.benchmark_scores_file.read_bytes()


def test_second_commit_is_picked_up_and_freshness_follows_the_ttl(tmp_path: Path):
    repo = old_layout_repo(tmp_path / "upstream")
    settings = settings_for(repo, tmp_path, benchmarks_ttl=3600)
    refresh_benchmarks(BenchmarkSettings.of(settings), now=NOW)
    assert benchmarks_are_fresh(BenchmarkSettings.of(settings), now=NOW + 3599)
    assert not benchmarks_are_fresh(BenchmarkSettings.of(settings), now=NOW + 3600)
    assert not benchmarks_are_fresh(
        BenchmarkSettings.of(replace(settings, benchmarks_repo="file:///elsewhere")), now=NOW + 1
    )
    shutil.rmtree(repo / "models" / "openai")
    second = commit_all(repo, "drop openai")
    refresh_benchmarks(BenchmarkSettings.of(settings), now=NOW + 7200)
    assert scores(settings)["source"]["commit"] == second
    assert "openai/o1-mini" not in by_id(scores(settings))
    assert json.loads(settings.files.benchmarks_meta_file.read_text())["commit"] == second
    assert benchmarks_are_fresh(BenchmarkSettings.of(settings), now=NOW + 7201)


def test_failed_update_keeps_checkout_and_scores_byte_for_byte(tmp_path: Path, capsys):
    repo = old_layout_repo(tmp_path / "upstream")
    settings = settings_for(repo, tmp_path)
    refresh_benchmarks(BenchmarkSettings.of(settings), now=NOW)
    before = settings.files.benchmark_scores_file.read_bytes()
    commit = git(settings.files.clone_dir, "rev-parse", "HEAD")
    capsys.readouterr()
    shutil.rmtree(repo)
    summary = refresh_benchmarks(BenchmarkSettings.of(settings), now=NOW + 10)
    assert "kept previous scores" in summary
    assert settings.files.benchmark_scores_file.read_bytes() == before
    assert git(settings.files.clone_dir, "rev-parse", "HEAD") == commit
    warnings = [ln for ln in capsys.readouterr().err.splitlines() if "warning" in ln]
    assert len(warnings) == 1 and "keeping the previous checkout" in warnings[0]
    meta = json.loads(settings.files.benchmarks_meta_file.read_text())
    assert (meta["status"], meta["refreshedAt"], meta["attemptedAt"], meta["commit"]) == (
        "fallback",
        NOW,
        NOW + 10,
        commit,
    )
    assert not benchmarks_are_fresh(BenchmarkSettings.of(settings), now=NOW + 11)
    with pytest.raises(GitError, match="git fetch failed"):
        refresh_benchmarks(BenchmarkSettings.of(replace(settings, strict=True)), now=NOW + 20)


def test_no_clone_at_all_writes_an_empty_curated_only_result(tmp_path: Path, capsys):
    settings = settings_for(tmp_path / "nowhere", tmp_path)
    assert "curated scores only" in refresh_benchmarks(BenchmarkSettings.of(settings), now=NOW)
    assert scores(settings) == {
        "schemaVersion": 2,
        "models": [],
        "source": {"repo": (tmp_path / "nowhere").as_uri(), "commit": None, "commitDate": None, "layout": None},
    }
    assert json.loads(settings.files.benchmarks_meta_file.read_text())["status"] == "curated-only"
    (line,) = capsys.readouterr().err.splitlines()
    assert line.startswith("modelpools: warning: no LLM-Stats data (git clone failed: ")
    assert line.endswith("no LLM-Stats scores; ranking uses the catalog's own coding index and curated scores")
    offline = settings_for(tmp_path / "nowhere", tmp_path / "offline", offline=True)
    refresh_benchmarks(BenchmarkSettings.of(offline), now=NOW)
    assert json.loads(offline.files.benchmarks_meta_file.read_text())["lastError"].startswith("offline")
    with pytest.raises(GitError, match="git clone failed"):
        refresh_benchmarks(BenchmarkSettings.of(replace(settings, strict=True)), now=NOW)


def test_git_missing_is_a_clear_error_in_strict_mode(tmp_path: Path, monkeypatch):
    settings = settings_for(old_layout_repo(tmp_path / "upstream"), tmp_path, strict=True)
    monkeypatch.setenv("PATH", str(tmp_path / "no-bin"))
    with pytest.raises(GitError, match=r"^git is not installed \(needed to fetch benchmark data from file://"):
        refresh_benchmarks(BenchmarkSettings.of(settings), now=NOW)


@pytest.mark.full_data
def test_one_self_reported_benchmark_cannot_outrank_models_with_broad_evidence():
    # Reviewer's case, whole 24a9ccf snapshot: nvidia/nemotron-nano-9b-v2 has one self-reported LiveCodeBench 0.711.
    # c = 0.711/0.85 = 0.836471, w = 2*0.75 = 1.5: (1.5*0.836471 + 0.9) / (1.5 + 3) = 2.154706 / 4.5 = 0.478824 -> 47.88
    # (the old formula, K = 1.5 and no discount, gave (2*0.836471 + 0.45) / 3.5 = 60.66).
    layout, models, _problems = parse_checkout(NEW)
    scored = by_id(build_scores("file:///llm-stats", None, layout, models).to_json())
    nano = scored["nvidia/nemotron-nano-9b-v2"]
    assert (nano["codingScore"], nano["coverage"]) == (47.88, 0.075)
    assert [c["weight"] for c in nano["components"]] == [1.5]
    # kimi-k2-instruct: seven self-reported coding results (Aider-Polyglot 0.60, SWE-bench Verified 0.658, ...).
    assert scored["moonshotai/kimi-k2-instruct"]["codingScore"] == 56.98
    # deepseek-r1-0528: five, among them LiveCodeBench 0.733 and Aider-Polyglot 0.716, but Terminal-Bench 0.057.
    assert scored["deepseek/deepseek-r1-0528"]["codingScore"] == 48.09
    assert nano["codingScore"] < scored["deepseek/deepseek-r1-0528"]["codingScore"]
    assert nano["codingScore"] < scored["moonshotai/kimi-k2-instruct"]["codingScore"]


def test_an_upstream_layout_change_keeps_the_checkout_and_scores(tmp_path: Path, capsys):
    repo = old_layout_repo(tmp_path / "upstream")
    settings = settings_for(repo, tmp_path)
    refresh_benchmarks(BenchmarkSettings.of(settings), now=NOW)
    good = git(settings.files.clone_dir, "rev-parse", "HEAD")
    before = settings.files.benchmark_scores_file.read_bytes()
    capsys.readouterr()
    git(repo, "mv", "models", "catalogue")  # upstream reorganizes into a layout nobody reads yet
    moved = commit_all(repo, "move models/")
    summary = refresh_benchmarks(BenchmarkSettings.of(settings), now=NOW + 10)
    (line,) = capsys.readouterr().err.splitlines()
    assert line.startswith(f"modelpools: warning: could not update {repo.as_uri()} (benchmark repository ")
    assert f"at {moved[:12]} has none of the expected layouts" in line and "keeping the previous checkout" in line
    assert summary == f"benchmarks: kept previous scores (commit {good[:12]})"
    assert git(settings.files.clone_dir, "rev-parse", "HEAD") == good  # checked before `reset --hard`
    assert (settings.files.clone_dir / "models" / "deepseek" / "deepseek-r1" / "model.json").is_file()
    assert settings.files.benchmark_scores_file.read_bytes() == before
    meta = json.loads(settings.files.benchmarks_meta_file.read_text())
    assert (meta["status"], meta["commit"], meta["refreshedAt"]) == ("fallback", good, NOW)
    with pytest.raises(DataError, match=r"^benchmark repository .* has none of the expected layouts \(data/organ"):
        refresh_benchmarks(BenchmarkSettings.of(replace(settings, strict=True)), now=NOW + 20)
    assert git(settings.files.clone_dir, "rev-parse", "HEAD") == good


def test_a_first_clone_in_neither_layout_goes_curated_only_unless_strict(tmp_path: Path, capsys):
    repo = tmp_path / "upstream"
    (repo / "docs").mkdir(parents=True)
    (repo / "docs" / "README.md").write_text("not llm-stats\n")
    git(repo, "init", "-q", "-b", "main")
    commit_all(repo, "something else")
    settings = settings_for(repo, tmp_path)
    with pytest.raises(DataError, match="has none of the expected layouts"):
        refresh_benchmarks(BenchmarkSettings.of(replace(settings, strict=True)), now=NOW)
    assert (
        refresh_benchmarks(BenchmarkSettings.of(settings), now=NOW)
        == "benchmarks: no LLM-Stats data, curated scores only"
    )
    (line,) = [ln for ln in capsys.readouterr().err.splitlines() if "warning" in ln]
    assert "has none of the expected layouts" in line and "ranking uses the catalog's own coding index" in line
    assert scores(settings)["models"] == [] and not settings.files.clone_dir.exists()
    assert json.loads(settings.files.benchmarks_meta_file.read_text())["status"] == "curated-only"


def test_a_commit_that_changes_no_score_leaves_the_scores_file_untouched(tmp_path: Path):
    repo = old_layout_repo(tmp_path / "upstream")
    first = git(repo, "rev-parse", "HEAD")
    settings = settings_for(repo, tmp_path, benchmarks_ttl=3600)
    refresh_benchmarks(BenchmarkSettings.of(settings), now=NOW)
    before = settings.files.benchmark_scores_file.read_bytes()
    mtime = settings.files.benchmark_scores_file.stat().st_mtime_ns
    (repo / "README.md").write_text("Unrelated upstream change\n")
    second = commit_all(repo, "docs only")
    summary = refresh_benchmarks(BenchmarkSettings.of(settings), now=NOW + 7200)
    assert git(settings.files.clone_dir, "rev-parse", "HEAD") == second and second[:12] in summary
    assert settings.files.benchmark_scores_file.read_bytes() == before  # so match and pools stay up to date
    assert settings.files.benchmark_scores_file.stat().st_mtime_ns == mtime
    assert scores(settings)["source"]["commit"] == first  # the commit of the last content change
    meta = json.loads(settings.files.benchmarks_meta_file.read_text())
    assert (meta["status"], meta["commit"], meta["refreshedAt"]) == ("ok", second, NOW + 7200)


def test_unscored_code_benchmarks_are_reported_once(tmp_path: Path, capsys):
    repo = new_layout_repo(tmp_path / "upstream")
    settings = settings_for(repo, tmp_path, benchmarks_ttl=0)
    refresh_benchmarks(BenchmarkSettings.of(settings), now=NOW)
    (line,) = capsys.readouterr().err.splitlines()  # all ten reviewed (scoring.LEFT_OUT): a notice, no warning
    assert line == (
        "modelpools: LLM-Stats code benchmarks left out of the coding score (reasons in scoring.LEFT_OUT): "
        "aider-polyglot-edit, cfeval, codegolf-v2.2, evalplus, gorilla-benchmark-api-bench, "
        "multi-swe-bench, repobench, repoqa, swe-lancer, swe-lancer-(ic-diamond-subset)"
    )
    refresh_benchmarks(BenchmarkSettings.of(settings), now=NOW + 1)
    assert capsys.readouterr().err == ""  # same list: said once
    (repo / "data" / "benchmarks" / "quantum-code.json").write_text(
        json.dumps({"benchmark_id": "quantum-code", "name": "QuantumCode", "categories": ["code"]})
    )
    commit_all(repo, "a new code benchmark")
    refresh_benchmarks(BenchmarkSettings.of(settings), now=NOW + 2)
    (line,) = capsys.readouterr().err.splitlines()
    assert line.startswith(
        "modelpools: warning: LLM-Stats code benchmarks not in the coding score and not reviewed "
        "yet: quantum-code; they are ignored"
    )
    meta = json.loads(settings.files.benchmarks_meta_file.read_text())
    assert len(meta["unscoredCodeBenchmarks"]) == 11 and "quantum-code" in meta["unscoredCodeBenchmarks"]


def test_a_password_in_benchmarks_repo_is_never_stored_or_shown(tmp_path: Path, capsys, monkeypatch):
    url = "https://reader:SECRET@example.invalid/llm-stats.git"
    shown = "https://***@example.invalid/llm-stats.git"
    failing = settings_for(tmp_path, tmp_path / "failing", benchmarks_repo="https://reader:SECRET@127.0.0.1:1/x.git")
    refresh_benchmarks(BenchmarkSettings.of(failing), now=NOW)  # port 1 on loopback: the clone is refused at once
    with pytest.raises(GitError) as caught:
        refresh_benchmarks(BenchmarkSettings.of(replace(failing, strict=True)), now=NOW)
    offline = settings_for(tmp_path, tmp_path / "offline", benchmarks_repo=url, offline=True)
    refresh_benchmarks(BenchmarkSettings.of(offline), now=NOW)
    repo = old_layout_repo(tmp_path / "upstream")  # no network: git rewrites the https URL to the local repository
    (tmp_path / "gitconfig").write_text(f'[url "{repo.as_uri()}"]\n\tinsteadOf = {url}\n')
    monkeypatch.setenv("GIT_CONFIG_GLOBAL", str(tmp_path / "gitconfig"))
    settings = settings_for(repo, tmp_path / "ok", benchmarks_repo=url)
    refresh_benchmarks(BenchmarkSettings.of(settings), now=NOW)
    assert scores(settings)["source"]["repo"] == shown
    meta = json.loads(settings.files.benchmarks_meta_file.read_text())
    assert (meta["source"], meta["status"]) == (shown, "ok")
    assert benchmarks_are_fresh(
        BenchmarkSettings.of(settings), now=NOW + 1
    )  # the stored display form matches the setting
    texts = [capsys.readouterr().err, str(caught.value)]
    for cache in (failing.cache_path, offline.cache_path, settings.cache_path):
        texts += [p.read_text(errors="replace") for p in cache.rglob("*") if p.is_file() and ".git" not in p.parts]
        gitdir = cache / "llm-stats-data" / ".git"
        texts += [p.read_bytes().decode("latin-1") for p in gitdir.rglob("*") if p.is_file()]
    assert len(texts) > 8 and not any("SECRET" in text for text in texts)
    assert "https://***@127.0.0.1:1/x.git" in json.loads(failing.files.benchmarks_meta_file.read_text())["source"]


def test_offline_and_strict_without_a_checkout_is_one_line_error(tmp_path: Path):
    settings = settings_for(old_layout_repo(tmp_path / "upstream"), tmp_path, offline=True, strict=True)
    with pytest.raises(
        FetchError,
        match=r"^offline and no LLM-Stats checkout at .*llm-stats-data; run once without "
        r"MODELPOOLS_OFFLINE \(or unset strict",
    ):
        refresh_benchmarks(BenchmarkSettings.of(settings), now=NOW)
    assert not settings.files.benchmark_scores_file.exists()
    refresh_benchmarks(
        BenchmarkSettings.of(replace(settings, offline=False)), now=NOW
    )  # once there is a checkout, offline+strict uses it
    assert refresh_benchmarks(BenchmarkSettings.of(settings), now=NOW + 1).startswith(
        "benchmarks: kept previous scores"
    )
