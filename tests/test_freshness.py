"""When doit runs the network stages: TTLs, backing off after a failed refresh, and quiet offline builds.

The rule itself is checked with a steered ``now`` (test_catalog, test_benchmarks); here it runs under real doit, in a
site whose dodo.py moves modelpools' clock (``modelpools.tasks.time_module``, which both the up-to-date checks and the
network stages read) ahead by CLOCK_AHEAD seconds.
"""

from __future__ import annotations

import json
import os
import re
import socket
import subprocess
import sys
from pathlib import Path

import pytest
from support import TEST_DATA, Reply, new_layout_repo

GOOD = TEST_DATA / "openrouter" / "models-2026-04-30.json"
STAGES = {"catalog", "benchmarks", "match", "pools"}
HOUR = 3600

SITE_DODO = """
import os
import time
import types

import modelpools.io.http
import modelpools.tasks
from modelpools.tasks import *

# Test speed only: the retry backoff between tries (1 s, then 2 s) becomes 10 ms; attempts stay as shipped.
modelpools.io.http.RetryPolicy.__init__.__defaults__ = (3, (0.01,), 60.0)
_ahead = float(os.environ.get("CLOCK_AHEAD", "0"))
modelpools.tasks.time_module = types.SimpleNamespace(time=lambda: time.time() + _ahead)
"""


class Site:
    def __init__(self, root: Path, env: dict[str, str]) -> None:
        self.root, self.env = root, env
        (root / "dodo.py").write_text(SITE_DODO)

    def doit(self, *args: str, ahead: float = 0, **env: str) -> subprocess.CompletedProcess:
        result = subprocess.run(
            [sys.executable, "-m", "doit", *args],
            cwd=self.root,
            capture_output=True,
            text=True,
            env={**self.env, **env, "CLOCK_AHEAD": str(ahead)},
            timeout=120,
        )
        assert result.returncode == 0, result.stdout + result.stderr
        assert "Traceback" not in result.stderr, result.stderr
        return result

    def hinted_retry(self) -> list[str]:
        check = subprocess.run(
            [sys.executable, "-m", "modelpools", "check"],
            cwd=self.root,
            capture_output=True,
            text=True,
            env=self.env,
            timeout=60,
        )
        line = next(line for line in check.stdout.splitlines() if "catalog cache: fallback in use" in line)
        return re.search(r"\(or `([^`]+)`\)", line).group(1).split()

    def meta(self, name: str) -> dict:
        return json.loads((self.root / ".cache" / name).read_text())


def ran(result) -> set[str]:
    return {line[2:].strip() for line in result.stdout.splitlines() if line.startswith(". ")}


def warnings(result) -> list[str]:
    return [line for line in result.stderr.splitlines() if line.startswith("modelpools: warning:")]


@pytest.fixture
def site(tmp_path, http_server) -> Site:
    repo = new_layout_repo(tmp_path / "upstream", orgs=("deepseek", "google", "meta", "openai", "qwen"))
    env = {k: v for k, v in os.environ.items() if not k.startswith("MODELPOOLS_")} | {
        "MODELPOOLS_OPENROUTER_URL": f"{http_server.url}/api/v1/models",
        "MODELPOOLS_BENCHMARKS_REPO": repo.as_uri(),
    }
    (tmp_path / "site").mkdir()
    return Site(tmp_path / "site", env)


def _closed_port_url() -> str:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    return f"http://127.0.0.1:{port}/api/v1/models"  # nothing listens there any more: connection refused


def test_a_failed_refresh_is_retried_after_the_interval_not_on_every_build(site, http_server):
    http_server.handler = lambda seen: Reply(body=GOOD.read_bytes())
    assert ran(site.doit("pools")) >= STAGES

    http_server.handler = lambda seen: Reply(status=503, body=b'{"error": {"code": 503}}')
    failed = site.doit("pools", ahead=25 * HOUR)  # the 24 h TTL has passed: the catalog refreshes, and fails
    assert ran(failed) == {"catalog"} and len(warnings(failed)) == 1
    assert "catalog refresh failed" in warnings(failed)[0]
    assert site.meta("openrouter-models.meta.json")["failures"] == 1
    hits = http_server.hits

    quiet = site.doit("pools", ahead=25.9 * HOUR)  # within the first retry interval (1 h): nothing to do, nothing said
    assert ran(quiet) == set() and quiet.stderr == "" and http_server.hits == hits

    again = site.doit("pools", ahead=26.1 * HOUR)  # the interval is over: one more try, one more warning
    assert ran(again) == {"catalog"} and len(warnings(again)) == 1 and http_server.hits > hits
    assert site.meta("openrouter-models.meta.json")["failures"] == 2

    assert ran(site.doit("pools", ahead=28 * HOUR)) == set()  # the second interval is 2 h

    http_server.handler = lambda seen: Reply(body=GOOD.read_bytes())
    hinted = site.hinted_retry()  # the command `modelpools check` offers for retrying at once, run as written
    assert hinted == ["doit", "forget", "catalog", "benchmarks"]
    assert site.doit(*hinted[1:]).returncode == 0
    recovered = site.doit("pools", ahead=28 * HOUR)
    assert ran(recovered) == {"catalog", "benchmarks"} and warnings(recovered) == []
    meta = site.meta("openrouter-models.meta.json")
    assert (meta["status"], meta["failures"], meta["failedAt"]) == ("ok", 0, None)


@pytest.mark.parametrize("no_network", ["offline", "unreachable"])
def test_without_network_the_second_build_does_nothing_and_says_nothing(site, tmp_path, no_network):
    env = (
        {"MODELPOOLS_OFFLINE": "1"}
        if no_network == "offline"
        else {
            "MODELPOOLS_OPENROUTER_URL": _closed_port_url(),
            "MODELPOOLS_BENCHMARKS_REPO": (tmp_path / "no-such-repo").as_uri(),
        }
    )
    first = site.doit("pools", **env)
    assert ran(first) >= STAGES  # (and the usage task, when the site has one)
    assert len(warnings(first)) == 2  # the bundled snapshot and curated scores only, each said once
    assert "BUNDLED SNAPSHOT" in first.stderr and "curated scores" in first.stderr
    failures = 0 if no_network == "offline" else 1  # offline mode is no failure: going online retries at once
    assert site.meta("openrouter-models.meta.json")["failures"] == failures
    assert site.meta("llm-stats.meta.json")["failures"] == failures

    second = site.doit("pools", **env)
    assert ran(second) == set()
    assert second.stderr == ""
