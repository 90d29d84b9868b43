"""Shallow clone/update of a file:// repository with modelpools.io.gitcheckout."""

from __future__ import annotations

from pathlib import Path

import pytest
from support import git

from modelpools.errors import GitError, ResponseTooLarge, UnexpectedLayout
from modelpools.io.gitcheckout import is_commit_sha, sync_checkout
from modelpools.io.log import redact


def commit_file(repo: Path, name: str, text: str) -> str:
    (repo / name).write_text(text)
    git(repo, "add", "-A")
    git(repo, "commit", "-q", "-m", f"add {name}")
    return git(repo, "rev-parse", "HEAD")


@pytest.fixture
def upstream(tmp_path: Path) -> Path:
    repo = tmp_path / "upstream"
    repo.mkdir()
    git(repo, "init", "-q", "-b", "trunk")
    commit_file(repo, "a.txt", "one\n")
    git(repo, "tag", "v1")
    commit_file(repo, "b.txt", "two\n")
    return repo


def test_first_clone_is_shallow_and_reports_the_commit(upstream: Path, tmp_path: Path):
    dest = tmp_path / "cache" / "checkout"
    commit = sync_checkout(upstream.as_uri(), "", dest, 60, 1 << 20)
    assert commit == git(upstream, "rev-parse", "HEAD")
    assert git(dest, "rev-parse", "--is-shallow-repository") == "true"
    assert (dest / "b.txt").read_text() == "two\n"
    assert sorted(p.name for p in dest.parent.iterdir()) == ["checkout"]  # no temp dir left behind


def test_update_fetches_in_place_and_follows_new_commits(upstream: Path, tmp_path: Path):
    dest = tmp_path / "checkout"
    sync_checkout(upstream.as_uri(), "", dest, 60, 1 << 20)
    (dest / ".git" / "marker").write_text("same repository")
    new = commit_file(upstream, "c.txt", "three\n")
    assert sync_checkout(upstream.as_uri(), "", dest, 60, 1 << 20) == new
    assert (dest / ".git" / "marker").exists()  # updated in place, not re-cloned
    assert (dest / "c.txt").read_text() == "three\n"


def test_tag_branch_and_commit_refs(upstream: Path, tmp_path: Path):
    first = git(upstream, "rev-parse", "v1^{commit}")
    assert sync_checkout(upstream.as_uri(), "v1", tmp_path / "tag", 60, 1 << 20) == first
    assert not (tmp_path / "tag" / "b.txt").exists()
    head = git(upstream, "rev-parse", "trunk")
    assert sync_checkout(upstream.as_uri(), "trunk", tmp_path / "branch", 60, 1 << 20) == head
    git(upstream, "config", "uploadpack.allowAnySHA1InWant", "true")
    assert sync_checkout(upstream.as_uri(), first, tmp_path / "sha", 60, 1 << 20) == first
    assert git(tmp_path / "sha", "rev-parse", "--is-shallow-repository") == "true"
    assert is_commit_sha(first) and not is_commit_sha("v1")


def test_failed_clone_leaves_nothing(tmp_path: Path):
    with pytest.raises(GitError, match="git clone failed"):
        sync_checkout((tmp_path / "missing").as_uri(), "", tmp_path / "cache" / "checkout", 60, 1 << 20)
    assert list((tmp_path / "cache").iterdir()) == []


def test_checkout_bigger_than_the_bound_is_rejected(upstream: Path, tmp_path: Path):
    commit_file(upstream, "big.bin", "x" * 300_000)
    with pytest.raises(ResponseTooLarge, match="max_checkout_bytes"):
        sync_checkout(upstream.as_uri(), "", tmp_path / "checkout", 60, 100_000)
    assert not (tmp_path / "checkout").exists()


def test_git_missing_says_what_to_do(upstream: Path, tmp_path: Path, monkeypatch):
    monkeypatch.setenv("PATH", str(tmp_path / "empty-bin"))
    with pytest.raises(GitError, match=r"git is not installed .* set MODELPOOLS_OFFLINE=1"):
        sync_checkout(upstream.as_uri(), "", tmp_path / "checkout", 60, 1 << 20)


def test_repository_hooks_never_run(upstream: Path, tmp_path: Path):
    dest = tmp_path / "checkout"
    sync_checkout(upstream.as_uri(), "", dest, 60, 1 << 20)
    hook = dest / ".git" / "hooks" / "reference-transaction"
    hook.parent.mkdir(exist_ok=True)
    hook.write_text(f"#!/bin/sh\ntouch {tmp_path / 'pwned'}\n")
    hook.chmod(0o755)
    commit_file(upstream, "d.txt", "four\n")
    sync_checkout(upstream.as_uri(), "", dest, 60, 1 << 20)
    assert not (tmp_path / "pwned").exists()


def test_a_commit_in_neither_layout_is_refused_before_the_checkout_changes(upstream: Path, tmp_path: Path):
    layouts = {"new": ("data/organizations", "data/benchmarks"), "old": ("models",)}
    (upstream / "models" / "deepseek").mkdir(parents=True)
    good = commit_file(upstream, "models/deepseek/model.json", "{}\n")
    dest = tmp_path / "checkout"
    assert sync_checkout(upstream.as_uri(), "", dest, 60, 1 << 20, layouts) == good
    git(upstream, "rm", "-q", "-r", "models")
    (upstream / "models").write_text("a file, not a directory\n")  # -d: only a tree counts
    bad = commit_file(upstream, "README.md", "moved elsewhere\n")
    with pytest.raises(
        UnexpectedLayout,
        match=rf"at {bad[:12]} has none of the expected layouts "
        r"\(data/organizations/ \+ data/benchmarks/, or models/\); check benchmarks_repo",
    ):
        sync_checkout(upstream.as_uri(), "", dest, 60, 1 << 20, layouts)
    assert git(dest, "rev-parse", "HEAD") == good  # checked on the fetched commit, before `reset --hard`
    assert (dest / "models" / "deepseek" / "model.json").is_file() and git(dest, "status", "--porcelain") == ""
    with pytest.raises(UnexpectedLayout):  # a first clone of it is refused too, leaving nothing behind
        sync_checkout(upstream.as_uri(), "", tmp_path / "cache" / "fresh", 60, 1 << 20, layouts)
    assert list((tmp_path / "cache").iterdir()) == []


@pytest.mark.parametrize("filter_key", ["smudge", "process"])
def test_a_global_git_lfs_filter_never_runs(upstream: Path, tmp_path: Path, monkeypatch, filter_key: str):
    marker = tmp_path / "lfs-ran"
    config = tmp_path / "gitconfig"
    config.write_text(f'[filter "lfs"]\n\t{filter_key} = "touch {marker}; cat"\n\trequired = true\n')
    (upstream / ".gitattributes").write_text("*.json filter=lfs\n")
    commit_file(upstream, "scores.json", '{"a": 1}\n')
    dest = tmp_path / "checkout"
    with monkeypatch.context() as env:
        env.setenv("GIT_CONFIG_GLOBAL", str(config))  # what `git lfs install` puts in ~/.gitconfig
        sync_checkout(upstream.as_uri(), "", dest, 60, 1 << 20)
    commit_file(upstream, "more.json", '{"b": 2}\n')
    monkeypatch.setenv("GIT_CONFIG_GLOBAL", str(config))
    sync_checkout(upstream.as_uri(), "", dest, 60, 1 << 20)  # the update path (reset --hard) too
    assert not marker.exists()
    assert (dest / "scores.json").read_text() == '{"a": 1}\n' and (dest / "more.json").is_file()


def test_a_password_in_the_url_is_never_written_to_the_checkout(upstream: Path, tmp_path: Path, monkeypatch):
    url = "https://reader:SECRET@example.invalid/llm-stats.git"
    config = tmp_path / "gitconfig"  # no network in tests: git rewrites the https URL to the local repository
    config.write_text(f'[url "{upstream.as_uri()}"]\n\tinsteadOf = {url}\n')
    monkeypatch.setenv("GIT_CONFIG_GLOBAL", str(config))
    dest = tmp_path / "checkout"
    sync_checkout(url, "", dest, 60, 1 << 20)
    new = commit_file(upstream, "c.txt", "three\n")
    assert sync_checkout(url, "", dest, 60, 1 << 20) == new
    assert git(dest, "config", "--get", "remote.origin.url") == "https://***@example.invalid/llm-stats.git"
    stored = [p for p in (dest / ".git").rglob("*") if p.is_file() and b"SECRET" in p.read_bytes()]
    assert stored == []


def test_git_messages_never_show_a_password():
    assert redact("fatal: unable to access 'https://reader:SECRET@host/r.git/': 403") == (
        "fatal: unable to access 'https://***@host/r.git/': 403"
    )
    assert redact("ssh://git@host/r.git and git@host:r.git") == "ssh://***@host/r.git and git@host:r.git"
    with pytest.raises(GitError) as caught:  # port 1 on loopback: refused at once
        sync_checkout("https://reader:SECRET@127.0.0.1:1/llm-stats.git", "", Path("/nonexistent/cache/x"), 60, 1 << 20)
    assert "SECRET" not in str(caught.value) and "git " in str(caught.value)
