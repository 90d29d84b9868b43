"""Network waits are bounded and visible: stalled git remotes (git:// and smart HTTP) are cut short with a line that
says what to do, a slow clone that keeps receiving is left alone until clone_timeout, progress is printed while it
runs, and the catalog fetch ends within its deadline across retries."""

from __future__ import annotations

import itertools
import re
import sys
import textwrap
import time
from pathlib import Path

import pytest
from support import Reply, SilentServer, commit_all, git

from modelpools.errors import FetchError, GitError
from modelpools.io import gitprocess
from modelpools.io import http as httpio
from modelpools.io.gitcheckout import sync_checkout
from modelpools.io.gitprocess import progress_line, run_git_network
from modelpools.io.http import RetryPolicy, fetch_sync


@pytest.fixture
def silent():
    server = SilentServer().start()
    yield server
    server.stop()


@pytest.fixture
def quick_notes(monkeypatch):
    """Say "still waiting" after 0.5 s of quiet and allow a progress line every 0.3 s (shipped: 5 s and 5 s)."""
    monkeypatch.setattr(gitprocess, "QUIET_NOTE", 0.5)
    monkeypatch.setattr(gitprocess, "PROGRESS_EVERY", 0.3)


def fake_git(tmp_path: Path, body: str) -> str:
    """An executable standing in for git: ignores its arguments and runs body (Python) with sys and time imported."""
    script = tmp_path / "git"
    script.write_text(f"#!{sys.executable}\nimport sys, time\n" + textwrap.dedent(body))
    script.chmod(0o755)
    return str(script)


# ---------------------------------------------------------------- real git against stalled remotes


def test_a_stalled_git_remote_is_cut_short_and_says_what_to_do(tmp_path, silent, quick_notes, capsys):
    started = time.monotonic()
    with pytest.raises(GitError) as caught:
        sync_checkout(silent.url(), "", tmp_path / "cache" / "checkout", 60, 1 << 20, stall_timeout=1.5)
    elapsed = time.monotonic() - started

    assert silent.accepted >= 1  # git really connected, then heard nothing
    assert 1.5 <= elapsed < 6  # cut at the stall limit, far from the 60 s clone timeout
    assert str(caught.value) == (
        "git clone stalled: nothing received from 127.0.0.1 for 1.5 s; check the network or "
        "the proxy (HTTPS_PROXY), or set MODELPOOLS_OFFLINE=1 to build from what is cached"
    )
    waiting = [line for line in capsys.readouterr().err.splitlines() if "nothing received for" in line]
    assert waiting and waiting[0].startswith("modelpools: git clone 127.0.0.1: nothing received for ")
    assert list((tmp_path / "cache").iterdir()) == []  # the temp clone is gone


def test_git_over_https_to_a_firewall_that_accepts_and_never_answers_is_cut_short(tmp_path, silent):
    url = f"https://127.0.0.1:{silent.port}/llm-leaderboard.git"  # the TLS handshake never gets an answer
    started = time.monotonic()
    with pytest.raises(
        GitError,
        match=r"^git clone stalled: nothing received from 127\.0\.0\.1 for 1\.5 s; .*"
        r"MODELPOOLS_OFFLINE=1",
    ):
        sync_checkout(url, "", tmp_path / "checkout", 60, 1 << 20, stall_timeout=1.5)
    assert time.monotonic() - started < 6
    assert silent.accepted >= 1


def test_a_stalled_update_is_not_retried_as_a_fresh_clone(tmp_path, silent):
    upstream = tmp_path / "upstream"
    upstream.mkdir()
    git(upstream, "init", "-q", "-b", "main")
    (upstream / "a.txt").write_text("one\n")
    first = commit_all(upstream, "one")
    dest = tmp_path / "checkout"
    sync_checkout(upstream.as_uri(), "", dest, 60, 1 << 20)
    started = time.monotonic()
    with pytest.raises(GitError, match=r"^git fetch stalled"):
        sync_checkout(silent.url(), "", dest, 60, 1 << 20, stall_timeout=1)
    assert time.monotonic() - started < 4  # one stall, not two
    assert git(dest, "rev-parse", "HEAD") == first


# ---------------------------------------------------------------- the watchdog, with a stand-in git


def test_a_slow_clone_that_keeps_receiving_runs_past_the_stall_limit_and_reports_progress(tmp_path, quick_notes):
    git = fake_git(
        tmp_path,
        """
        for done in range(1, 11):
            time.sleep(0.25)
            sys.stderr.write(f"Receiving objects:  {done * 10}% ({done}/10), {done * 3}.00 KiB | 12.00 KiB/s\\r")
            sys.stderr.flush()
        sys.stderr.write("Receiving objects: 100% (10/10), 30.00 KiB | 12.00 KiB/s, done.\\n")
    """,
    )
    said: list[str] = []
    started = time.monotonic()
    run_git_network(
        git, ["clone"], None, 30, "clone", "https://git.example/x/y.git", stall_timeout=1, report=said.append
    )
    assert time.monotonic() - started >= 2.5  # 2.5 s in all, never 1 s without a byte
    assert said and all(line.startswith("git clone git.example: receiving objects ") for line in said)
    assert said[-1].endswith("% (" + said[-1].split("(")[1])  # our own words, numbers from git
    assert len(said) <= 9  # rate-limited: not one line per update


def test_a_clone_that_keeps_receiving_still_ends_at_its_timeout(tmp_path):
    git = fake_git(
        tmp_path,
        """
        for done in range(1000):
            time.sleep(0.1)
            sys.stderr.write(f"Receiving objects:  1% ({done}/100000)\\r")
            sys.stderr.flush()
    """,
    )
    started = time.monotonic()
    with pytest.raises(GitError, match=r"^git clone timed out after 1\.5s; raise clone_timeout or check the network"):
        run_git_network(git, ["clone"], None, 1.5, "clone", "https://git.example/x/y.git", stall_timeout=1)
    assert 1.5 <= time.monotonic() - started < 3


def test_a_failing_git_reports_its_fatal_line_not_its_progress(tmp_path):
    git = fake_git(
        tmp_path,
        """
        sys.stderr.write("Receiving objects:  50% (5/10)\\rfatal: early EOF\\n")
        sys.exit(128)
    """,
    )
    with pytest.raises(GitError, match=r"^git fetch failed: fatal: early EOF$"):
        run_git_network(git, ["fetch"], None, 10, "fetch", "https://example.invalid/r.git", stall_timeout=5)


def test_progress_lines_carry_only_numbers_from_git():
    assert progress_line("Receiving objects:  45% (1234/2700), 1.20 MiB | 300.00 KiB/s\r") == (
        "receiving objects 45% (1234/2700), 1.20 MiB"
    )
    assert progress_line("remote: Counting objects: 10\rResolving deltas:  7% (3/40)\r") == "resolving deltas 7% (3/40)"
    assert progress_line("remote: \x1b[31mReceiving objects: pwned\n") is None


# ---------------------------------------------------------------- the catalog fetch


def test_the_catalog_fetch_ends_within_its_deadline_across_retries(http_server):
    http_server.default = Reply(stall=30)
    policy = RetryPolicy(attempts=3, delays=(0.2,), deadline=2.5)
    started = time.monotonic()
    with pytest.raises(FetchError) as caught:
        fetch_sync(f"{http_server.url}/api/v1/models", timeout=1, max_bytes=1 << 20, policy=policy)
    assert time.monotonic() - started < 3.5
    assert http_server.hits == 2  # a third try would have started with under a second left
    message = str(caught.value)
    assert message.startswith("timed out (limit 1 s) after 2 attempts from http://127.0.0.1:")
    assert "(the 2.5 s deadline for all tries was reached)" in message
    assert message.endswith(
        "; check the network or the proxy (HTTPS_PROXY), or set MODELPOOLS_OFFLINE=1 to build from what is cached"
    )


def test_a_server_that_accepts_and_never_answers_is_announced_while_each_try_hangs(silent, monkeypatch):
    monkeypatch.setattr(httpio, "NOTE_AFTER", 1.0)  # shipped: 5 s; margins wide enough for a loaded machine
    said: list[tuple[float, str]] = []
    started = time.monotonic()
    with pytest.raises(FetchError, match=r"^timed out \(limit 1\.5 s\) after 3 attempts .*MODELPOOLS_OFFLINE=1"):
        fetch_sync(
            f"http://127.0.0.1:{silent.port}/api/v1/models",
            timeout=1.5,
            max_bytes=1 << 20,
            policy=RetryPolicy(delays=(0.1,)),
            report=lambda line: said.append((time.monotonic(), line)),
        )
    ended = time.monotonic()
    assert silent.accepted == 3
    lines = [line for _, line in said]
    assert [line for line in lines if line.startswith("GET ")] == [
        f"GET 127.0.0.1:{silent.port}: timed out (limit 1.5 s); trying again in 0.1 s (try {n} of 3)" for n in (2, 3)
    ]
    waiting = [line for line in lines if not line.startswith("GET ")]
    assert len(waiting) == 3 and lines[0] == waiting[0]  # once in each hanging try, the first before any retry
    assert all(re.fullmatch(rf"still waiting for 127\.0\.0\.1:{silent.port} \(\d+ s\)", line) for line in waiting)
    times = [started] + [when for when, _ in said] + [ended]
    # never quiet much longer than NOTE_AFTER (the longest expected gap: a retry's 0.1 s pause, then NOTE_AFTER)
    assert max(b - a for a, b in itertools.pairwise(times)) < 1.0 + 0.1 + 0.6
