"""Fault injection: a failing network, git remote, cache directory, cache file or process, under real doit.

After every fault: the previous good outputs are intact byte for byte, the message is one line (no traceback),
and the next normal run recovers by itself. Each test starts from a copy of one good site built once.
"""

from __future__ import annotations

import errno
import json
import os
import shutil
import signal
import subprocess
import sys
import textwrap
import time
import tracemalloc
from pathlib import Path

import pytest
from support import TEST_DATA, LoopbackServer, Reply, SilentServer, commit_all, git, new_layout_repo

from modelpools.slices import BenchmarkSettings, CatalogSettings, PoolsSettings

DUMPS = TEST_DATA / "openrouter"
GOOD = DUMPS / "models-2026-04-30.json"
NEWER = DUMPS / "models-2026-05-01.json"  # adds the free model openrouter/owl-alpha
OUTPUTS = (
    "openrouter-models.json",
    "benchmark-scores.json",
    "model-matches.json",
    "evidence-memory.json",
    "model-pools.json",
    "model-pools-changes.json",
)
STAGES = ("catalog", "benchmarks", "match", "memory", "pools")
USAGE = "usage"  # first run only: without a ledger the usage summary never changes

SITE_DODO = """
import os
import time

import modelpools.io.http
from modelpools.tasks import *

# Test speed only: the retry backoff (1 s, then 2 s) becomes 10 ms; attempts and timeouts stay as shipped.
modelpools.io.http.RetryPolicy.__init__.__defaults__ = (3, (0.01,), 60.0)

if os.environ.get("FAULTS_HANG_BEFORE_REPLACE"):
    # Stop inside files.atomic_write once the temp file of this output is written, so the test can SIGKILL us there.
    _replace = os.replace

    def _hanging_replace(src, dst, *args, **kwargs):
        if os.path.basename(dst) == os.environ["FAULTS_HANG_BEFORE_REPLACE"]:
            print("FAULTS: about to replace", dst, flush=True)
            time.sleep(60)
        return _replace(src, dst, *args, **kwargs)

    os.replace = _hanging_replace
"""


class Site:
    """A site directory in which `python -m doit` runs as a user would run it."""

    def __init__(self, root: Path, env: dict[str, str]) -> None:
        self.root, self.env = root, env
        self.cache_dir = root / ".cache"

    def command(self, *args: str) -> list[str]:
        return [sys.executable, "-m", "doit", *args]

    def doit(self, *args: str, **env: str) -> subprocess.CompletedProcess:
        return subprocess.run(
            self.command(*args),
            cwd=self.root,
            env={**self.env, **env},
            capture_output=True,
            text=True,
            timeout=60,
            check=False,
        )

    def popen(self, *args: str, **env: str) -> subprocess.Popen:
        return subprocess.Popen(
            self.command(*args),
            cwd=self.root,
            env={**self.env, **env},
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        )

    def cache(self, name: str) -> bytes:
        return (self.cache_dir / name).read_bytes()

    def meta(self, name: str) -> dict:
        return json.loads(self.cache(name))

    def outputs(self) -> dict[str, bytes]:
        return {name: self.cache(name) for name in OUTPUTS}

    def settings(self, **env: str):
        from modelpools.settings import load_settings

        return load_settings(self.root, {**self.env, **env})


def ran(result) -> set[str]:
    """Tasks doit executed (". name"), as opposed to skipped ("-- name")."""
    return {line[2:].strip() for line in result.stdout.splitlines() if line.startswith(". ")}


def warnings(text: str) -> list[str]:
    return [line for line in text.splitlines() if line.startswith("modelpools: warning:")]


def assert_no_traceback(*results) -> None:
    for result in results:
        assert "Traceback" not in result.stdout + result.stderr, result.stdout + result.stderr


def assert_one_warning(result, *fragments: str) -> str:
    """Exactly one warning line, holding every fragment; no traceback."""
    assert_no_traceback(result)
    lines = warnings(result.stderr)
    assert len(lines) == 1, result.stderr
    assert all(fragment in lines[0] for fragment in fragments), lines[0]
    return lines[0]


def assert_one_failure(result, task: str, *fragments: str) -> str:
    """doit failed with exactly one "modelpools <task>: ..." line holding every fragment; no traceback."""
    assert result.returncode == 1, result.stdout + result.stderr
    assert_no_traceback(result)
    lines = [line for line in (result.stdout + result.stderr).splitlines() if line.startswith(f"modelpools {task}:")]
    assert len(lines) == 1, result.stdout + result.stderr
    assert all(fragment in lines[0] for fragment in fragments), lines[0]
    return lines[0]


def leftovers(directory: Path) -> list[str]:
    return sorted(p.name for p in directory.iterdir() if p.name.endswith((".tmp", ".old")))


# ---------------------------------------------------------------- fixtures: one good site, copied per test


@pytest.fixture(scope="module")
def server():
    server = LoopbackServer().start()
    yield server
    server.stop()


@pytest.fixture(scope="module")
def remote(tmp_path_factory) -> Path:
    return new_layout_repo(tmp_path_factory.mktemp("llm-stats"), orgs=("deepseek", "google", "meta", "openai", "qwen"))


@pytest.fixture(scope="module")
def good_site(tmp_path_factory, server, remote) -> tuple[Site, dict[str, bytes]]:
    root = tmp_path_factory.mktemp("good-site")
    (root / "dodo.py").write_text(SITE_DODO)
    env = {key: value for key, value in os.environ.items() if not key.startswith(("MODELPOOLS_", "FAULTS_"))} | {
        "MODELPOOLS_OPENROUTER_URL": f"{server.url}/api/v1/models",
        "MODELPOOLS_BENCHMARKS_REPO": remote.as_uri(),
    }
    server.handler = lambda seen: Reply(body=GOOD.read_bytes())
    site = Site(root, env)
    first = site.doit("pools")
    assert first.returncode == 0, first.stdout + first.stderr
    assert ran(first) == {*STAGES, USAGE}
    return site, site.outputs()


@pytest.fixture
def site(tmp_path, good_site, server) -> Site:
    """A fresh copy of the good site (outputs, clone and doit's dependency file), with the server serving GOOD."""
    template, _ = good_site
    shutil.copytree(template.root, tmp_path / "site", symlinks=True)
    server.handler = lambda seen: Reply(body=GOOD.read_bytes())
    server.queue.clear()
    return Site(tmp_path / "site", template.env)


@pytest.fixture
def good(good_site) -> dict[str, bytes]:
    return good_site[1]


# ---------------------------------------------------------------- the catalog server misbehaves

HTML = b"<!DOCTYPE html><html><head><title>502 Bad Gateway</title></head><body>cloudflare</body></html>"
RATE_LIMITED = DUMPS / "errors" / "429-free-models-per-min.json"

HTTP_FAULTS = {
    "connection-reset": (lambda: Reply(reset=True), "connection failed"),
    "stall-past-timeout": (lambda: Reply(body=GOOD.read_bytes(), stall=5), "timed out (limit 1 s)"),
    "partial-body": (lambda: Reply(body=GOOD.read_bytes(), truncate_at=4096), "body cut off"),
    "http-500": (lambda: Reply(status=500, body=b'{"error": {"code": 500}}'), "HTTP 500"),
    "http-429": (lambda: Reply(status=429, body=RATE_LIMITED.read_bytes(), headers={"Retry-After": "0"}), "HTTP 429"),
    "html-page": (lambda: Reply(status=200, body=HTML, content_type="text/html"), "returned HTML"),
    "empty-list": (lambda: Reply(body=b'{"data": []}'), "lists no free models"),
}


@pytest.mark.parametrize("fault", list(HTTP_FAULTS))
def test_catalog_server_fault_keeps_the_cache_warns_once_and_the_next_run_recovers(site, good, server, fault):
    reply, reason = HTTP_FAULTS[fault]
    server.handler = lambda seen: reply()
    broken = site.doit("pools", MODELPOOLS_CATALOG_TTL="0s", MODELPOOLS_HTTP_TIMEOUT="1")
    assert broken.returncode == 0, broken.stdout + broken.stderr  # a build plugin never breaks the build
    assert ran(broken) == {"catalog"}  # the cache did not change, so match and pools stay up to date
    assert_one_warning(broken, "catalog refresh failed", reason, "keeping the cached catalog")
    assert site.outputs() == good
    assert site.meta("openrouter-models.meta.json")["status"] == "fallback"

    server.handler = lambda seen: Reply(body=GOOD.read_bytes())
    again = site.doit("pools")  # a normal run: no setting changed, default TTL
    assert again.returncode == 0 and warnings(again.stderr) == [], again.stderr
    assert ran(again) == {"catalog"}  # its settings differ from the failed run's, so it does not back off
    assert site.meta("openrouter-models.meta.json")["status"] == "ok"
    assert site.outputs() == good


# ---------------------------------------------------------------- bounded resources: response size, clone time


@pytest.mark.parametrize("announced", [True, False], ids=["content-length", "no-content-length"])
def test_a_response_over_the_cap_is_not_read_past_the_cap(server, announced):
    from modelpools.errors import ResponseTooLarge
    from modelpools.io.http import RetryPolicy, fetch_sync

    cap, total = 1 << 20, 64 << 20
    server.add(Reply(body=b"{}"), Reply(body=b"x" * (64 << 10), repeat=total // (64 << 10), content_length=announced))
    fetch_sync(f"{server.url}/warm-up", timeout=10, max_bytes=cap)  # aiohttp's lazy imports are not the body
    tracemalloc.start()
    try:
        with pytest.raises(ResponseTooLarge) as caught:
            fetch_sync(f"{server.url}/big", timeout=10, max_bytes=cap, policy=RetryPolicy(attempts=1))
        peak = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
    assert "\n" not in str(caught.value) and "max_response_bytes" in str(caught.value)
    assert peak < 3 * cap  # 64 MB offered, at most the cap (plus a chunk) held
    time.sleep(0.1)  # let the server thread notice the closed connection
    assert server.requests[-1].sent < total // 2  # the client stopped reading; the rest was never sent


def test_catalog_over_max_response_bytes_keeps_the_cache(site, good):
    broken = site.doit("pools", MODELPOOLS_MAX_RESPONSE_BYTES="4096")
    assert broken.returncode == 0, broken.stdout + broken.stderr
    assert_one_warning(broken, "over the 4096-byte limit", "keeping the cached catalog")
    assert site.outputs() == good

    again = site.doit("pools")
    assert again.returncode == 0 and warnings(again.stderr) == [], again.stderr
    assert site.meta("openrouter-models.meta.json")["status"] == "ok" and site.outputs() == good


@pytest.fixture
def silent_remote():
    server = SilentServer().start()
    yield server
    server.stop()


def test_a_stalled_git_remote_is_given_up_after_clone_timeout(site, good, silent_remote):
    head = git(site.cache_dir / "llm-stats-data", "rev-parse", "HEAD")
    started = time.monotonic()
    stalled = site.doit("pools", MODELPOOLS_BENCHMARKS_REPO=silent_remote.url(), MODELPOOLS_CLONE_TIMEOUT="2")
    elapsed = time.monotonic() - started
    assert stalled.returncode == 0, stalled.stdout + stalled.stderr
    assert silent_remote.accepted >= 1  # git really connected and waited
    assert 2 <= elapsed < 10
    assert_one_warning(stalled, "timed out after 2s", "keeping the previous checkout")
    assert site.outputs() == good
    assert git(site.cache_dir / "llm-stats-data", "rev-parse", "HEAD") == head

    again = site.doit("pools")  # back to the configured remote
    assert again.returncode == 0 and warnings(again.stderr) == [], again.stderr
    assert site.meta("llm-stats.meta.json")["status"] == "ok" and site.outputs() == good


def test_a_stalled_first_clone_leaves_no_temp_dirs(tmp_path, silent_remote, capsys):
    from modelpools.settings import Settings
    from modelpools.stages.benchmarks import refresh_benchmarks

    settings = Settings(project_dir=tmp_path, benchmarks_repo=silent_remote.url(), clone_timeout=1)
    started = time.monotonic()
    summary = refresh_benchmarks(BenchmarkSettings.of(settings))
    assert time.monotonic() - started < 5
    assert summary == "benchmarks: no LLM-Stats data, curated scores only"
    assert len(warnings(capsys.readouterr().err)) == 1
    assert leftovers(settings.cache_path) == [] and not settings.files.clone_dir.exists()


# ---------------------------------------------------------------- the git remote is missing or corrupt


def _corrupt_remote(tmp_path: Path, remote: Path, how: str) -> Path:
    """A copy of remote with one more commit whose new blob is damaged on disk."""
    broken = tmp_path / "broken-remote"
    shutil.copytree(remote, broken)
    (broken / "data" / "NOTES.md").write_text("a new file whose object gets damaged\n" * 50)
    commit_all(broken, "one more commit")
    blob = git(broken, "rev-parse", "HEAD:data/NOTES.md")
    path = broken / ".git" / "objects" / blob[:2] / blob[2:]
    data = path.read_bytes()
    path.chmod(0o644)
    path.write_bytes(data[: len(data) // 2] if how == "truncated-object" else os.urandom(len(data)))
    return broken


@pytest.mark.parametrize("how", ["missing", "not-a-repo", "truncated-object", "garbage-object"])
def test_a_missing_or_corrupt_git_remote_keeps_the_checkout(site, good, remote, tmp_path, capsys, how):
    from dataclasses import replace

    from modelpools.stages.benchmarks import refresh_benchmarks

    if how == "missing":
        url = (tmp_path / "no-such-repo").as_uri()
    elif how == "not-a-repo":
        (tmp_path / "plain-dir" / "data").mkdir(parents=True)
        url = (tmp_path / "plain-dir").as_uri()
    else:
        url = _corrupt_remote(tmp_path, remote, how).as_uri()
    checkout = site.cache_dir / "llm-stats-data"
    head = git(checkout, "rev-parse", "HEAD")
    settings = replace(site.settings(), benchmarks_repo=url)

    summary = refresh_benchmarks(BenchmarkSettings.of(settings))
    assert summary.startswith("benchmarks: kept previous scores")
    (line,) = warnings(capsys.readouterr().err)
    assert f"could not update {url} (git fetch failed: " in line and "keeping the previous checkout" in line
    assert site.outputs() == good and git(checkout, "rev-parse", "HEAD") == head
    assert git(checkout, "status", "--porcelain") == ""  # the work tree was not touched

    assert refresh_benchmarks(BenchmarkSettings.of(site.settings())).startswith(
        "benchmarks: "
    )  # the configured remote again
    assert site.meta("llm-stats.meta.json")["status"] == "ok" and site.outputs() == good
    assert leftovers(site.cache_dir) == []


def test_a_first_clone_from_a_corrupt_remote_falls_back_to_curated_scores(tmp_path, remote, capsys):
    from modelpools.settings import Settings
    from modelpools.stages.benchmarks import refresh_benchmarks

    url = _corrupt_remote(tmp_path, remote, "garbage-object").as_uri()
    settings = Settings(project_dir=tmp_path / "site", benchmarks_repo=url)
    assert refresh_benchmarks(BenchmarkSettings.of(settings)) == "benchmarks: no LLM-Stats data, curated scores only"
    (line,) = warnings(capsys.readouterr().err)
    assert "git clone failed" in line
    assert leftovers(settings.cache_path) == [] and not settings.files.clone_dir.exists()


def test_stale_git_lock_files_from_a_killed_git_do_not_block_updates(site, good):
    from modelpools.stages.benchmarks import refresh_benchmarks

    gitdir = site.cache_dir / "llm-stats-data" / ".git"
    for name in ("shallow.lock", "index.lock", "HEAD.lock"):
        (gitdir / name).write_text("")  # what a git killed at clone_timeout leaves
    assert refresh_benchmarks(BenchmarkSettings.of(site.settings())).startswith("benchmarks: ")
    assert site.meta("llm-stats.meta.json")["status"] == "ok" and site.outputs() == good
    assert not list(gitdir.glob("*.lock"))


@pytest.mark.parametrize("damaged", ["HEAD", "config", "index", "shallow"])
def test_a_damaged_checkout_is_replaced_by_a_fresh_clone(site, good, capsys, damaged):
    from modelpools.stages.benchmarks import refresh_benchmarks

    (site.cache_dir / "llm-stats-data" / ".git" / damaged).write_bytes(b"\x00garbage\xff")
    assert refresh_benchmarks(BenchmarkSettings.of(site.settings())).startswith("benchmarks: ")
    assert warnings(capsys.readouterr().err) == []
    assert site.meta("llm-stats.meta.json")["status"] == "ok" and site.outputs() == good
    assert leftovers(site.cache_dir) == []


# ---------------------------------------------------------------- a read-only cache directory


def _make_read_only(directory: Path) -> str | None:
    """Make directory unwritable; return how ("chmod", "chattr"), or None when this system cannot."""
    directory.chmod(0o555)
    probe = directory / ".probe"
    try:
        probe.write_text("")
    except PermissionError:
        return "chmod"
    probe.unlink()  # root ignores modes; an immutable directory stops root too
    directory.chmod(0o755)
    chattr = shutil.which("chattr")
    if chattr and subprocess.run([chattr, "+i", str(directory)], capture_output=True, check=False).returncode == 0:
        return "chattr"
    return None


def _make_writable(directory: Path, how: str) -> None:
    if how == "chattr":
        subprocess.run(["chattr", "-i", str(directory)], check=True)
    directory.chmod(0o755)


def test_a_read_only_cache_directory_fails_in_one_line_and_recovers(site, good, server):
    server.handler = lambda seen: Reply(body=NEWER.read_bytes())  # something new to write
    how = _make_read_only(site.cache_dir)
    if how is None:
        pytest.skip("running as root: chmod does not stop root and chattr +i is unavailable here")
    try:
        broken = site.doit("pools", MODELPOOLS_CATALOG_TTL="0s")
        snapshot = site.outputs()
    finally:
        _make_writable(site.cache_dir, how)
    assert_one_failure(broken, "catalog", "cannot write", "openrouter-models.json", "is writable")
    assert snapshot == good

    again = site.doit("pools")
    assert again.returncode == 0, again.stdout + again.stderr
    assert ran(again) == set(STAGES) - {"benchmarks"}
    assert "openrouter/owl-alpha" in site.cache("model-pools.json").decode()


def test_an_unwritable_cache_is_one_line_task_failure_on_any_system(site, good, monkeypatch):
    from modelpools import tasks
    from modelpools.actions import run_stage
    from modelpools.io import files

    def refuse(path, data):
        raise PermissionError(errno.EROFS, "Read-only file system", str(path))

    monkeypatch.setattr(files, "atomic_write", refuse)
    failure = run_stage(tasks.pools_stage, PoolsSettings.of(site.settings(MODELPOOLS_LARGE_CUTOFF="0.3")), "pools")
    monkeypatch.undo()
    message = failure.message
    assert "\n" not in message and message.startswith("modelpools pools: Read-only file system: ")
    assert "check that the cache directory" in message
    assert site.outputs() == good


# ---------------------------------------------------------------- corrupt cache files

DATA_FILES = (
    "openrouter-models.json",
    "benchmark-scores.json",
    "model-matches.json",
    "evidence-memory.json",
    "model-pools.json",
)
META_FILES = ("openrouter-models.meta.json", "llm-stats.meta.json")
DAMAGE = {
    "truncated": lambda data: data[: len(data) // 2],
    "invalid-utf8": lambda data: data[:40] + b"\xff\xfe\xc3" + data[40:],
    "wrong-shape": lambda data: b'{"schemaVersion": 1, "models": {"id": 7}, "matches": [3], "status": ["ok"]}\n',
}


@pytest.mark.parametrize("name", DATA_FILES + ("both meta files",))
def test_a_truncated_cache_file_is_rebuilt_by_the_next_run(site, good, name):
    damaged = META_FILES if name == "both meta files" else (name,)
    for each in damaged:
        (site.cache_dir / each).write_bytes(DAMAGE["truncated"](site.cache(each)))
    result = site.doit("pools")
    assert result.returncode == 0, result.stdout + result.stderr
    assert_no_traceback(result)
    assert len(warnings(result.stderr)) <= 1
    assert site.outputs() == good
    assert site.meta("openrouter-models.meta.json")["status"] == "ok"
    assert site.meta("llm-stats.meta.json")["status"] == "ok"
    assert ran(site.doit("pools")) == set()  # and it stays rebuilt


@pytest.mark.parametrize("damage", ["invalid-utf8", "wrong-shape"])
def test_every_cache_file_damaged_at_once_is_rebuilt_by_the_next_run(site, good, damage):
    for name in DATA_FILES + META_FILES + ("model-pools-changes.json",):
        (site.cache_dir / name).write_bytes(DAMAGE[damage](site.cache(name)))
    result = site.doit("pools")
    assert result.returncode == 0, result.stdout + result.stderr
    assert_no_traceback(result)
    lines = warnings(result.stderr)  # the remembered evidence is lost (and rebuilt from this catalog): say so
    assert len(lines) == 2 and "evidence-memory.json" in lines[0] and "afresh" in lines[0]
    assert "model-pools.json is unreadable or malformed" in lines[1]
    assert ran(result) == set(STAGES)
    for name in DATA_FILES:
        assert site.cache(name) == good[name], name
    assert json.loads(site.cache("model-pools-changes.json"))["firstBuild"] is True


@pytest.mark.parametrize(
    "previous",
    [
        b"[]",
        b'{"models": [1, 2]}',
        b'{"models": [{"name": "no id"}]}',
        b'{"chosenDefaults": "x"}',
        b'{"unranked": {"id": "a/b"}}',
        b'{"models": [{"id": "a/b", "tier": NaN}]}',
        b"[" * 100000,
    ],
)
def test_a_malformed_previous_pools_file_does_not_stop_the_rebuild(site, good, capsys, previous):
    from modelpools.stages.pools import build_pools

    (site.cache_dir / "model-pools.json").write_bytes(previous)
    summary = build_pools(PoolsSettings.of(site.settings()))
    assert summary.splitlines()[0].endswith("model-pools.json: written")
    assert site.cache("model-pools.json") == good["model-pools.json"]
    (line,) = warnings(capsys.readouterr().err)
    assert "unreadable or malformed" in line


# ---------------------------------------------------------------- SIGKILL in the middle of a write

WRITER = textwrap.dedent("""
    import os, sys, time
    from modelpools.io.files import atomic_write
    from modelpools.jsonbytes import dump_json
    target, mode = sys.argv[1], sys.argv[2]
    docs = [dump_json({"v": "a" * (1 << 20)}), dump_json({"v": "b" * (2 << 20)})]
    if mode == "hang":  # stop between writing the temp file and renaming it
        os.fsync = lambda fd: (print("writing", flush=True), time.sleep(60))
    for i in range(1, 10 ** 6):
        atomic_write(target, docs[i % 2])
        print(i, flush=True)
""")


def _kill_writer(tmp_path: Path, mode: str, after_line: str, delay: float = 0.0) -> Path:
    target = tmp_path / "data.json"
    proc = subprocess.Popen([sys.executable, "-c", WRITER, str(target), mode], stdout=subprocess.PIPE, text=True)
    while proc.stdout.readline().strip() != after_line:
        pass
    time.sleep(delay)
    proc.send_signal(signal.SIGKILL)
    proc.wait()
    proc.stdout.close()
    return target


@pytest.mark.parametrize("delay", [0.0, 0.002, 0.005])
def test_sigkill_during_atomic_writes_leaves_old_or_new_content(tmp_path, delay):
    from modelpools.io.files import read_json
    from modelpools.io.lock import sweep_leftovers

    (tmp_path / "site-notes.tmp").write_text("not ours")
    target = _kill_writer(tmp_path, "loop", "2", delay)
    doc = read_json(target, "test file")
    assert doc["v"] in ("a" * (1 << 20), "b" * (2 << 20))  # complete: one of the two versions
    sweep_leftovers(tmp_path, ["data.json"])
    assert sorted(p.name for p in tmp_path.iterdir()) == ["data.json", "site-notes.tmp"]


def test_sigkill_between_temp_write_and_rename_keeps_the_old_file(tmp_path):
    from modelpools.io.files import read_json

    target = _kill_writer(tmp_path, "hang", "writing")  # killed while writing version 1 over nothing
    assert not target.exists()
    (temp,) = leftovers(tmp_path)
    assert temp.startswith(".data.json.") and temp.endswith(".tmp")  # never read: readers open data.json only
    target.write_text('{"v": "old"}')
    assert read_json(target, "test file") == {"v": "old"}


def test_sigkill_of_doit_while_writing_pools_keeps_the_old_pools_and_the_next_run_recovers(site, good, server):
    from modelpools.records import PoolsSchema
    from modelpools.rules.validation import validate_pools

    server.handler = lambda seen: Reply(body=NEWER.read_bytes())
    proc = site.popen("pools", MODELPOOLS_CATALOG_TTL="0s", FAULTS_HANG_BEFORE_REPLACE="model-pools.json")
    try:
        while "FAULTS: about to replace" not in (proc.stdout.readline() or "FAULTS: about to replace (eof)"):
            pass
        assert proc.poll() is None, proc.stderr.read()
    finally:
        proc.send_signal(signal.SIGKILL)
        proc.communicate()
    assert site.cache("model-pools.json") == good["model-pools.json"]
    assert len([n for n in leftovers(site.cache_dir) if n.startswith(".model-pools.json.")]) == 1

    again = site.doit("pools")  # a normal run: doit never recorded the killed run, so it redoes it
    assert again.returncode == 0 and warnings(again.stderr) == [], again.stdout + again.stderr
    assert leftovers(site.cache_dir) == []
    pools = json.loads(site.cache("model-pools.json"))
    catalog_ids = {m["id"] for m in json.loads(site.cache("openrouter-models.json"))["models"]}
    validate_pools(pools, catalog_ids, schema=PoolsSchema.installed().check)
    assert "openrouter/owl-alpha" in catalog_ids
    assert ran(site.doit("pools")) == set()


# ---------------------------------------------------------------- two doit runs at once


def _make_stale(site: Site, *metas: str) -> None:
    """Move the last successful refresh eight days back (older than both TTLs)."""
    for name in metas:
        meta = site.meta(name)
        meta["refreshedAt"] -= 8 * 86400
        (site.cache_dir / name).write_text(json.dumps(meta))


def test_a_run_that_finds_the_cache_locked_waits_and_skips_a_refresh_done_meanwhile(site, good, server):
    from modelpools.io.lock import cache_lock
    from modelpools.stages.catalog import refresh_catalog

    _make_stale(site, "openrouter-models.meta.json")
    hits = server.hits
    with cache_lock(site.cache_dir, "test"):  # another run is busy in this cache directory
        proc = site.popen("pools")
        try:
            notice = proc.stderr.readline()
            assert notice.startswith("modelpools: catalog: waiting for another run that is using "), notice
            assert site.outputs() == good  # nothing written while the lock is held
            refresh_catalog(CatalogSettings.of(site.settings()))  # what the other run did meanwhile
        except BaseException:
            proc.kill()
            raise
    out, err = proc.communicate(timeout=60)
    assert proc.returncode == 0, out + err
    assert "catalog: refreshed by a concurrent run; up to date" in out.splitlines()
    assert server.hits == hits + 1  # the waiting run did not fetch again
    assert site.outputs() == good and site.meta("openrouter-models.meta.json")["status"] == "ok"


def _run_together(site: Site) -> list[subprocess.CompletedProcess]:
    procs = [site.popen("pools") for _ in range(2)]
    results = []
    for proc in procs:
        out, err = proc.communicate(timeout=60)
        results.append(subprocess.CompletedProcess(proc.args, proc.returncode, out, err))
    return results


def test_two_doit_runs_started_together_both_succeed_and_leave_valid_outputs(tmp_path, good_site, server):
    from modelpools.records import PoolsSchema
    from modelpools.rules.validation import validate_pools

    template, good = good_site
    site = Site(tmp_path / "site", template.env)
    site.root.mkdir()
    # Runs started together on purpose: doit's own records need its sqlite3 backend; with Python's dbm.dumb
    # (no gdbm here) two doit processes can even crash each other (docs/failure-guarantees.md)
    (site.root / "dodo.py").write_text(SITE_DODO + 'DOIT_CONFIG = {"backend": "sqlite3"}\n')
    server.handler = lambda seen: Reply(body=GOOD.read_bytes(), stall=0.5)  # both runs need it at once

    for state in ("empty cache", "stale cache"):
        if state == "stale cache":
            _make_stale(site, "openrouter-models.meta.json", "llm-stats.meta.json")
        hits = server.hits
        results = _run_together(site)
        for result in results:
            assert result.returncode == 0, result.stdout + result.stderr
            assert_no_traceback(result)
            assert warnings(result.stderr) == []
        assert hits + 1 <= server.hits <= hits + 2  # usually 1: the run that waited skips its own fetch
        catalog_ids = {m["id"] for m in json.loads(site.cache("openrouter-models.json"))["models"]}
        validate_pools(json.loads(site.cache("model-pools.json")), catalog_ids, schema=PoolsSchema.installed().check)
        assert {name: site.cache(name) for name in DATA_FILES} == {name: good[name] for name in DATA_FILES}
        assert leftovers(site.cache_dir) == []
        assert ran(site.doit("pools")) == set()  # doit's own records survived both runs


# ---------------------------------------------------------------- attacks (issue 11): each failed before its fix

SECRET = "S3cr3t-pw"


def _body_with(*extra: dict, drop: str | None = None) -> bytes:
    """GOOD with extra catalog entries (and without the entry ``drop``)."""
    body = json.loads(GOOD.read_bytes())
    body["data"] = [e for e in body["data"] if e["id"] != drop] + list(extra)
    return json.dumps(body).encode()


def _free_entry(model_id: str, **fields) -> dict:
    return {
        "id": model_id,
        "name": model_id,
        "created": 1770000000,
        "context_length": 131072,
        "architecture": {"modality": "text->text", "input_modalities": ["text"], "output_modalities": ["text"]},
        "pricing": {"prompt": "0", "completion": "0"},
        **fields,
    }


def _everything(site: Site, result=None) -> str:
    """Every byte modelpools and doit left in the site (cache files, metas, .doit.db) and printed, as text."""
    paths = [p for p in site.cache_dir.iterdir() if p.is_file()] + list(site.root.glob(".doit.db*"))
    text = "".join(p.read_bytes().decode("utf-8", "replace") for p in paths)
    return text + (result.stdout + result.stderr if result is not None else "")


def test_a_file_size_limit_fails_in_one_line_naming_the_file_and_keeps_the_cache(site, good, server):
    import resource

    server.handler = lambda seen: Reply(body=NEWER.read_bytes())  # something new to write
    limit = len(good["openrouter-models.json"]) // 2  # `ulimit -f`: the new catalog cannot be written whole

    def limited() -> None:
        resource.setrlimit(resource.RLIMIT_FSIZE, (limit, limit))

    broken = subprocess.run(
        site.command("pools"),
        cwd=site.root,
        env={**site.env, "MODELPOOLS_CATALOG_TTL": "0s"},
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
        preexec_fn=limited,
    )
    assert_one_failure(broken, "catalog", "cannot write", "openrouter-models.json", "File too large", "has space")
    assert site.outputs() == good and leftovers(site.cache_dir) == []

    again = site.doit("pools")  # the limit lifted: the next run carries on
    assert again.returncode == 0, again.stdout + again.stderr
    assert "openrouter/owl-alpha" in site.cache("model-pools.json").decode()


@pytest.fixture
def small_disk(site):
    """The site's cache directory on a tmpfs of its own with little room left (a real full disk); skipped where
    mounting is not allowed (it needs root and the mount capability)."""
    if os.geteuid() != 0 or shutil.which("mount") is None:
        pytest.skip("a real full disk needs root to mount a small tmpfs (CI runs as root)")
    files = [p for p in site.cache_dir.rglob("*") if p.is_file() and not p.is_symlink()]
    used = sum(p.stat().st_size for p in files)
    kept = site.root / ".cache-kept"
    site.cache_dir.rename(kept)
    site.cache_dir.mkdir()
    size = used + 4096 * len(files) + 4 * 1024 * 1024  # the cache, each file's last page, 4 MiB for what runs write
    mounted = subprocess.run(
        ["mount", "-t", "tmpfs", "-o", f"size={size}", "tmpfs", str(site.cache_dir)],
        capture_output=True,
        text=True,
        timeout=30,
    )
    if mounted.returncode != 0:
        site.cache_dir.rmdir()
        kept.rename(site.cache_dir)
        pytest.skip(f"cannot mount a small tmpfs here ({mounted.stderr.strip()}): a real full disk needs it")
    try:
        shutil.copytree(kept, site.cache_dir, symlinks=True, dirs_exist_ok=True)
        yield site.cache_dir
    finally:
        subprocess.run(["umount", "-l", str(site.cache_dir)], check=True, timeout=30)


def test_a_full_disk_fails_in_one_line_naming_the_file_and_keeps_the_cache(site, good, server, small_disk):
    server.handler = lambda seen: Reply(body=NEWER.read_bytes())  # something new to write
    free = os.statvfs(small_disk).f_bavail * os.statvfs(small_disk).f_frsize
    filler = small_disk / "filler"  # the disk fills up: less room left than half the new catalog
    filler.write_bytes(b"\0" * (free - len(good["openrouter-models.json"]) // 2))
    broken = site.doit("pools", MODELPOOLS_CATALOG_TTL="0s")
    assert_one_failure(broken, "catalog", "cannot write", "openrouter-models.json", "No space left on device")
    assert site.outputs() == good and leftovers(small_disk) == []

    filler.unlink()  # room again: the next run carries on
    again = site.doit("pools")
    assert again.returncode == 0, again.stdout + again.stderr
    assert "openrouter/owl-alpha" in site.cache("model-pools.json").decode()


@pytest.mark.parametrize(
    "url",
    [
        "http://reader:{secret}@127.0.0.1:99999/api/v1/models",  # port out of range
        "http://reader:{secret}@[::1/api/v1/models",  # unclosed IPv6 bracket
        "{base}/api/v1/models\nX-Injected: 1",  # a newline
    ],
    ids=["port-99999", "broken-ipv6", "newline"],
)
def test_a_malformed_openrouter_url_is_refused_by_the_settings_check_without_showing_its_password(
    site, good, server, url
):
    metas = {name: site.cache(name) for name in META_FILES}
    result = site.doit("catalog", MODELPOOLS_OPENROUTER_URL=url.format(secret=SECRET, base=server.url))
    assert result.returncode != 0
    assert_no_traceback(result)
    assert "MODELPOOLS_OPENROUTER_URL" in result.stdout + result.stderr
    assert SECRET not in _everything(site, result)
    assert site.outputs() == good and {name: site.cache(name) for name in META_FILES} == metas


def test_a_percent_encoded_password_aiohttp_refuses_is_one_warning_and_never_stored(site, good, server):
    url = f"http://reader%3A{SECRET}@{server.url.split('://')[1]}/api/v1/models"  # `user%3Asecret@host`
    result = site.doit("pools", MODELPOOLS_OPENROUTER_URL=url)
    assert result.returncode == 0, result.stdout + result.stderr
    assert_one_warning(result, "cannot request http://***@", "check the URL", "keeping the cached catalog")
    assert SECRET not in _everything(site, result)
    assert site.outputs() == good


def test_passwords_and_query_tokens_never_reach_a_file_or_the_terminal(site, good, server):
    host = server.url.split("://")[1]
    url = f"http://reader:{SECRET}@{host}/api/v1/models?token={SECRET}&format=json"
    result = site.doit(
        "pools", MODELPOOLS_OPENROUTER_URL=url, MODELPOOLS_BENCHMARKS_REPO=f"git://reader:{SECRET}@127.0.0.1/x"
    )
    assert result.returncode == 0, result.stdout + result.stderr
    assert_one_warning(result, "could not update", "git", "keeping the previous checkout")  # git says "unable to
    assert SECRET not in _everything(site, result)  # look up <user:password@host>": redacted in the warning and meta
    shown = f"http://***@{host}/api/v1/models?token=***&format=***"
    assert (
        site.meta("openrouter-models.meta.json")["source"] == shown and shown in site.cache("model-pools.json").decode()
    )
    assert site.meta("openrouter-models.meta.json")["status"] == "ok"
    assert site.cache("openrouter-models.json") != good["openrouter-models.json"]  # the provenance names the new URL
    assert json.loads(site.cache("model-pools.json"))["models"] == json.loads(good["model-pools.json"])["models"]


def test_a_hand_edited_catalog_is_fetched_in_full_not_confirmed_by_a_304(site, good, server):
    etag = '"catalog-v1"'

    def conditional(seen):
        sent = {k.lower(): v for k, v in seen.headers.items()}.get("if-none-match")
        return Reply(status=304) if sent == etag else Reply(body=GOOD.read_bytes(), headers={"ETag": etag})

    server.handler = conditional
    assert site.doit("pools", MODELPOOLS_CATALOG_TTL="0s").returncode == 0  # the ETag is recorded
    assert site.meta("openrouter-models.meta.json")["etag"] == etag and site.outputs() == good
    catalog = json.loads(site.cache("openrouter-models.json"))
    backdoor = dict(
        catalog["models"][0],
        id="attacker/backdoor-model:free",
        name="Backdoor",
        benchmarks={"artificial_analysis": {"coding_index": 99}},
    )
    catalog["models"].append(backdoor)
    (site.cache_dir / "openrouter-models.json").write_text(json.dumps(catalog, indent=2))

    again = site.doit("pools")  # the catalog task runs again (its target changed) and sends no If-None-Match
    assert again.returncode == 0, again.stdout + again.stderr
    assert "if-none-match" not in {k.lower() for k in server.requests[-1].headers}
    assert site.outputs() == good  # the edit is gone, and the backdoor model never entered the pools file
    assert site.doit("validate").returncode == 0
    assert site.doit("pools", MODELPOOLS_CATALOG_TTL="0s").returncode == 0  # an intact cache: conditional again
    assert {k.lower(): v for k, v in server.requests[-1].headers.items()}.get("if-none-match") == etag


def test_a_catalog_past_the_later_stages_limits_is_refused_and_the_cache_kept(site, good, server):
    # The attack served 160,000 (8 MB, under the response cap; a 75 MB cache then broke `match` on every run);
    # 12,000 is past the limit too and keeps this test quick (benchmarks/bench_faults.py runs the 160,000).
    count = 12_000
    entries = [{"id": f"v{i % 97}/m-{i}:free", "pricing": {"prompt": "0"}} for i in range(count)]
    body = json.dumps({"data": entries}).encode()
    server.handler = lambda seen: Reply(body=body)
    broken = site.doit("pools", MODELPOOLS_CATALOG_TTL="0s")
    assert broken.returncode == 0, broken.stdout + broken.stderr
    assert_one_warning(broken, f"lists {count} free models, more than the 10000 modelpools takes", "keeping the cached")
    assert site.outputs() == good and ran(broken) == {"catalog"}

    (site.cache_dir / "openrouter-models.json").unlink()  # even with no cache, the next build completes
    again = site.doit("pools")
    assert again.returncode == 0, again.stdout + again.stderr
    assert_one_warning(again, "BUNDLED SNAPSHOT")


def test_a_hostile_reason_phrase_and_catalog_text_never_reach_the_terminal_raw(site, good, server):
    server.handler = lambda seen: Reply(status=403, reason="Forbidden\x1b[2J\x1b]0;pwned\x07", body=b"{}")
    refused = site.doit("pools", MODELPOOLS_CATALOG_TTL="0s")
    line = assert_one_warning(refused, "HTTP 403 Forbidden")
    assert "\x1b" not in refused.stdout + refused.stderr and "\\x1b[2J" in line

    soon = time.strftime("%Y-%m-%dT00:00:00", time.gmtime(time.time() + 2 * 86400))
    hostile = _free_entry(
        "z-ai/glm-4.5-air:free",
        name="GLM\x1b[2J\nINJECTED line",
        expiration_date=soon + "\x1b[31m",
        benchmarks={"artificial_analysis": {"coding_index": 40}},
    )
    server.handler = lambda seen: Reply(body=_body_with(hostile, drop="z-ai/glm-4.5-air:free"))
    built = site.doit("pools", MODELPOOLS_CATALOG_TTL="0s")
    assert built.returncode == 0, built.stdout + built.stderr
    assert "expires in" in built.stdout  # the change report names the model and its (escaped) date
    for result in (built, site.doit("validate")):
        output = result.stdout + result.stderr
        assert "\x1b" not in output and not any(ln.startswith("INJECTED") for ln in output.splitlines()), output


def test_a_redirect_loop_is_named_in_the_warning(site, good, server):
    server.handler = lambda seen: Reply(status=302, headers={"Location": "/api/v1/models"})
    result = site.doit("pools", MODELPOOLS_CATALOG_TTL="0s")
    assert result.returncode == 0, result.stdout + result.stderr
    line = assert_one_warning(result, "redirected", "redirect loop", "keeping the cached catalog")
    assert "message=''" not in line
    assert site.outputs() == good


def test_an_out_of_range_coding_index_is_no_evidence(site, good, server):
    scored = DUMPS / "models-2026-08-18.json"  # its paid models' coding_index make that index the reference scale
    server.handler = lambda seen: Reply(body=scored.read_bytes())
    assert site.doit("pools", MODELPOOLS_CATALOG_TTL="0s").returncode == 0
    honest = json.loads(site.cache("model-pools.json"))

    body = json.loads(scored.read_bytes())
    body["data"] += [
        _free_entry("attacker/huge-index:free", benchmarks={"artificial_analysis": {"coding_index": 1e308}}),
        _free_entry("attacker/negative-index:free", benchmarks={"artificial_analysis": {"coding_index": -5}}),
    ]
    server.handler = lambda seen: Reply(body=json.dumps(body).encode())
    result = site.doit("pools", MODELPOOLS_CATALOG_TTL="0s")
    assert result.returncode == 0, result.stdout + result.stderr
    pools = json.loads(site.cache("model-pools.json"))
    assert pools["chosenDefaults"] == honest["chosenDefaults"]  # 1e308 was clamped to 100 and became bulkModel

    def measured(doc):
        return [m["id"] for m in doc["models"] if not m.get("provisional")]

    assert measured(pools) == measured(honest)  # neither off-scale index measures anything: both are provisional
    attackers = {m["id"]: m for m in pools["models"] if m["id"].startswith("attacker/")}
    assert set(attackers) == {"attacker/huge-index:free", "attacker/negative-index:free"}
    assert all(m["provisional"] and m["scoreSources"] == [] for m in attackers.values())


def test_a_commit_sha_ref_still_resets_a_hand_edited_checkout(site, good, remote):
    sha = git(remote, "rev-parse", "HEAD")
    pinned = site.doit("pools", MODELPOOLS_BENCHMARKS_REF=sha)
    assert pinned.returncode == 0, pinned.stdout + pinned.stderr
    assert site.outputs() == good
    models = site.cache_dir / "llm-stats-data" / "data" / "organizations" / "deepseek" / "models"
    first = sorted(p for p in models.iterdir() if (p / "benchmarks.json").is_file())[0]
    (first / "benchmarks.json").write_text("[]")  # edited by hand
    shutil.copytree(first, models / "planted-model")  # and a model added by hand
    again = site.doit("pools", MODELPOOLS_BENCHMARKS_REF=sha, MODELPOOLS_BENCHMARKS_TTL="0")
    assert again.returncode == 0, again.stdout + again.stderr
    assert "benchmarks" in ran(again) and warnings(again.stderr) == []
    assert site.outputs() == good
    assert not (models / "planted-model").exists()


def test_validate_between_the_catalog_and_pools_stages_sees_no_torn_pair(site, good, server):
    ranked = json.loads(good["model-pools.json"])["models"][-1]["id"]  # a ranked model the new catalog drops
    server.handler = lambda seen: Reply(body=_body_with(drop=ranked))
    assert site.doit("catalog", MODELPOOLS_CATALOG_TTL="0s").returncode == 0  # the moment before `pools` runs
    result = site.doit("validate")
    assert result.returncode == 0, result.stdout + result.stderr
    assert_one_warning(result, "openrouter-models.json changed after model-pools.json was built")
    assert ranked in site.cache("model-pools.json").decode()  # nothing was rewritten
