"""The whole chain under real doit: a site-like dodo.py, a loopback catalog server and a file:// benchmark repo."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
from support import TEST_DATA, Reply, new_layout_repo

DUMPS = TEST_DATA / "openrouter"
TASKS = ("catalog", "benchmarks", "match", "memory", "usage", "pools")

SITE_DODO = """
import json
from modelpools.tasks import *

def write_site(targets):
    pools = json.load(open(".cache/model-pools.json"))
    with open(targets[0], "w") as out:
        out.write(pools["chosenDefaults"]["bulkModel"] or "none")

def task_site():
    return {"actions": [write_site], "file_dep": [".cache/model-pools.json"], "targets": ["site.txt"]}
"""


@pytest.fixture(scope="module")
def benchmark_repo(tmp_path_factory) -> Path:
    root = tmp_path_factory.mktemp("llm-stats")
    return new_layout_repo(root, orgs=("deepseek", "google", "meta", "mistral", "nvidia", "openai", "qwen", "zai-org"))


class Site:
    """A site project directory in which doit runs as a user would run it."""

    def __init__(self, root: Path, env: dict[str, str]) -> None:
        self.root, self.env = root, env
        (root / "dodo.py").write_text(SITE_DODO)

    def doit(self, *args: str, **env: str) -> subprocess.CompletedProcess:
        return subprocess.run(
            [sys.executable, "-m", "doit", *args],
            cwd=self.root,
            env={**self.env, **env},
            capture_output=True,
            text=True,
            timeout=120,
        )

    def ran(self, result: subprocess.CompletedProcess) -> set[str]:
        """Names of the tasks doit executed (". name"), as opposed to skipped ("-- name")."""
        return {line[2:].strip() for line in result.stdout.splitlines() if line.startswith(". ")}

    def skipped(self, result: subprocess.CompletedProcess) -> set[str]:
        return {line[3:].strip() for line in result.stdout.splitlines() if line.startswith("-- ")}

    def cache(self, name: str) -> bytes:
        return (self.root / ".cache" / name).read_bytes()


@pytest.fixture
def site(tmp_path, http_server, benchmark_repo) -> Site:
    http_server.handler = lambda seen: Reply(body=(DUMPS / "models-2026-04-30.json").read_bytes())
    env = {key: value for key, value in os.environ.items() if not key.startswith("MODELPOOLS_")} | {
        "MODELPOOLS_OPENROUTER_URL": f"{http_server.url}/api/v1/models",
        "MODELPOOLS_BENCHMARKS_REPO": benchmark_repo.as_uri(),
    }
    return Site(tmp_path, env)


def test_first_run_builds_the_chain_and_the_second_run_rebuilds_nothing(site, http_server):
    first = site.doit("site")
    assert first.returncode == 0, first.stderr
    assert site.ran(first) == {*TASKS, "site"}
    assert http_server.hits == 1
    pools = json.loads(site.cache("model-pools.json"))
    assert pools["chosenDefaults"]["bulkModel"] == (site.root / "site.txt").read_text()
    assert [tier["name"] for tier in pools["tiers"]] == ["LARGE", "MEDIUM", "SMALL"]
    assert "Traceback" not in first.stderr

    second = site.doit("site")
    assert second.returncode == 0, second.stderr
    assert site.ran(second) == set()
    assert site.skipped(second) == {*TASKS, "site"}
    assert http_server.hits == 1  # within the TTL no request at all


def test_stages_run_in_the_same_order_whatever_the_hash_seed(tmp_path):
    orders = set()
    for seed in ("1", "2", "3", "4"):  # doit keeps file_dep as a set, whose order follows the hash seed
        (tmp_path / seed).mkdir()
        env = {k: v for k, v in os.environ.items() if not k.startswith("MODELPOOLS_")}
        site = Site(tmp_path / seed, {**env, "MODELPOOLS_OFFLINE": "1", "PYTHONHASHSEED": seed})
        result = site.doit("pools")
        assert result.returncode == 0, result.stderr
        orders.add(tuple(line[2:].strip() for line in result.stdout.splitlines() if line.startswith(". ")))
    assert orders == {("catalog", "benchmarks", "match", "memory", "usage", "pools")}


def test_ttl_refresh_with_identical_content_rebuilds_nothing_downstream(site, http_server):
    assert site.doit("site").returncode == 0
    before = {name: site.cache(name) for name in ("openrouter-models.json", "model-pools.json")}
    refresh = site.doit("site", MODELPOOLS_CATALOG_TTL="0s")
    assert refresh.returncode == 0, refresh.stderr
    assert http_server.hits == 2
    assert site.ran(refresh) == {"catalog"}
    assert {"match", "pools", "site"} <= site.skipped(refresh)
    assert before == {name: site.cache(name) for name in before}


def test_a_real_catalog_change_rebuilds_downstream(site, http_server):
    assert site.doit("site").returncode == 0
    http_server.handler = lambda seen: Reply(body=(DUMPS / "models-2026-05-01.json").read_bytes())
    changed = site.doit("site", MODELPOOLS_CATALOG_TTL="0s")
    assert changed.returncode == 0, changed.stderr
    assert {"catalog", "match", "pools"} <= site.ran(changed)
    catalog_ids = {m["id"] for m in json.loads(site.cache("openrouter-models.json"))["models"]}
    assert "openrouter/owl-alpha" in catalog_ids  # the one free model 2026-05-01 adds


def test_changed_ranking_setting_rebuilds_pools_only(site):
    assert site.doit("pools").returncode == 0
    result = site.doit("pools", MODELPOOLS_LARGE_CUTOFF="0.3")
    assert result.returncode == 0, result.stderr
    assert site.ran(result) == {"pools"}


def test_forget_makes_the_next_run_refresh(site, http_server):
    assert site.doit("catalog").returncode == 0
    assert site.doit("forget", "catalog").returncode == 0
    again = site.doit("catalog")
    assert site.ran(again) == {"catalog"} and http_server.hits == 2


def test_invalid_setting_stops_before_any_work_with_one_line(site, http_server):
    result = site.doit("pools", MODELPOOLS_BENCHMARKS_TTL="a week")
    assert result.returncode != 0
    lines = result.stderr.strip().splitlines()
    assert lines == [
        "ERROR: modelpools: MODELPOOLS_BENCHMARKS_TTL: invalid value 'a week'; expected a duration: "
        "seconds, or a number followed by s, m, h or d (e.g. 90s, 30m, 24h, 7d)"
    ]
    assert http_server.hits == 0 and not (site.root / ".cache").exists()


@pytest.mark.parametrize("value", ["9" * 400, "1" + "0" * 20 + "d"])
def test_a_huge_duration_setting_stops_the_run_with_one_line(site, http_server, value):
    result = site.doit("pools", MODELPOOLS_CATALOG_TTL=value)
    assert result.returncode != 0 and "Traceback" not in result.stderr
    [line] = result.stderr.strip().splitlines()
    assert line.startswith("ERROR: modelpools: MODELPOOLS_CATALOG_TTL: invalid value ")
    assert line.endswith("expected a duration of at most 3650 days")
    assert http_server.hits == 0


@pytest.mark.parametrize(
    ("pyproject", "env", "line"),
    [
        (
            "",
            {"MODELPOOLS_CATLOG_TTL": "1h"},
            "unknown environment variable MODELPOOLS_CATLOG_TTL (did you mean MODELPOOLS_CATALOG_TTL?); "
            "fix its name or unset it",
        ),
        (
            '[tool.modelpool]\ncatalog_ttl = "12h"\n',
            {},
            "{pyproject}: unknown table [tool.modelpool] (did you mean [tool.modelpools]?); rename it",
        ),
        (
            "",
            {"MODELPOOLS_OFFLINE": ""},
            "MODELPOOLS_OFFLINE is set but empty; set it to a boolean: 1/0, true/false, yes/no, on/off or unset it",
        ),
    ],
    ids=["misspelt variable", "misspelt table", "empty variable"],
)
def test_a_settings_mistake_stops_the_run_instead_of_being_ignored(site, http_server, pyproject, env, line):
    (site.root / "pyproject.toml").write_text(pyproject)
    result = site.doit("pools", **env)
    assert result.returncode != 0
    expected = "ERROR: modelpools: " + line.format(pyproject=site.root / "pyproject.toml")
    assert result.stderr.strip().splitlines() == [expected]
    assert http_server.hits == 0 and not (site.root / ".cache").exists()


def test_strict_mode_failure_is_one_line_task_failure_without_traceback(site, http_server):
    http_server.handler = lambda seen: Reply(status=404, body=b'{"error": {"code": 404, "message": "gone"}}')
    result = site.doit("catalog", MODELPOOLS_STRICT="1")
    assert result.returncode == 1
    output = result.stdout + result.stderr
    assert "Traceback" not in output
    failure = [line for line in output.splitlines() if line.startswith("modelpools catalog:")]
    assert len(failure) == 1 and "404" in failure[0]


def test_prefix_renames_every_task(site):
    result = site.doit("list", MODELPOOLS_TASK_PREFIX="models-")
    names = {line.split()[0] for line in result.stdout.splitlines()}
    assert names == {
        "models-catalog",
        "models-benchmarks",
        "models-match",
        "models-memory",
        "models-usage",
        "models-pools",
        "models-validate",
        "site",
    }


def test_a_site_task_with_a_modelpools_name_is_one_line_saying_to_set_the_prefix(site):
    (site.root / "dodo.py").write_text(SITE_DODO + "\n\ndef task_pools():\n    return {'actions': ['echo mine']}\n")
    hint = (
        "ERROR: modelpools: your dodo.py defines task_pools, and modelpools has a task named 'pools'; set task_prefix "
        '(e.g. task_prefix = "models-" in [tool.modelpools]) to rename modelpools\' tasks'
    )
    for command in ("list", "pools"):
        result = site.doit(command)
        assert result.returncode != 0 and "Task names must be unique" not in result.stderr
        assert result.stderr.strip().splitlines() == [hint]
    renamed = site.doit("list", MODELPOOLS_TASK_PREFIX="models-")  # the fix the line names
    assert renamed.returncode == 0, renamed.stderr
    names = [line.split()[0] for line in renamed.stdout.splitlines()]
    assert names.count("pools") == 1 and "models-pools" in names


def test_clean_removes_only_modelpools_outputs(site):
    assert site.doit("pools").returncode == 0
    mine = site.root / ".cache" / "notes.txt"
    mine.write_text("the site's own file")
    assert (site.root / ".cache" / "llm-stats-data" / ".git").is_dir()
    result = site.doit("clean", *TASKS)
    assert result.returncode == 0, result.stderr
    assert sorted(p.name for p in (site.root / ".cache").iterdir()) == ["notes.txt"]


def test_validate_checks_the_file_on_disk(site):
    assert site.doit("pools").returncode == 0
    ok = site.doit("validate")
    assert ok.returncode == 0, ok.stdout + ok.stderr
    pools_file = site.root / ".cache" / "model-pools.json"
    pools = json.loads(pools_file.read_text())
    pools["summary"]["ranked"] += 1
    pools_file.write_text(json.dumps(pools))
    bad = site.doit("validate")
    assert bad.returncode == 1
    assert "$.summary" in bad.stdout + bad.stderr


def _with_off_scale_twin(index: float) -> bytes:
    """The 2026-04-30 dump plus a free twin of openai/gpt-oss-20b:free (same canonical_slug) whose coding_index is
    off the 0-100 scale; the original has no index, so a remembered one would be used for it."""
    body = json.loads((DUMPS / "models-2026-04-30.json").read_bytes())
    original = next(m for m in body["data"] if m["id"] == "openai/gpt-oss-20b:free")
    twin = json.loads(json.dumps(original))
    twin["id"] = "openai/gpt-oss-20b-twin:free"
    twin["benchmarks"] = {"artificial_analysis": {"coding_index": index}}
    body["data"].append(twin)
    return json.dumps(body).encode()


@pytest.mark.parametrize("index", [-50, -5, -0.5, 100.5, 150])
def test_an_off_scale_coding_index_is_dropped_by_the_memory_and_every_build_succeeds(site, http_server, index):
    http_server.handler = lambda seen: Reply(body=_with_off_scale_twin(index))
    first = site.doit("pools")
    assert first.returncode == 0, first.stdout + first.stderr
    memory = json.loads(site.cache("evidence-memory.json"))
    assert str(index) not in json.dumps(memory)  # never remembered
    # A memory file written by an older version that kept the value: the next build ignores it.
    entry = {
        "id": "openai/gpt-oss-20b",
        "keys": ["id:openai/gpt-oss-20b"],
        "lastSeen": memory["asOf"],
        "evidence": {"artificial_analysis": {"coding_index": index}},
    }
    memory["models"] = sorted([*memory["models"], entry], key=lambda e: e["id"])
    (site.root / ".cache" / "evidence-memory.json").write_text(json.dumps(memory))
    http_server.handler = lambda seen: Reply(body=(DUMPS / "models-2026-04-30.json").read_bytes())
    second = site.doit("pools", MODELPOOLS_CATALOG_TTL="0s")
    assert second.returncode == 0, second.stderr
    pools = json.loads(site.cache("model-pools.json"))
    assert str(float(index)) not in site.cache("model-pools.json").decode()
    assert pools["tiers"]
