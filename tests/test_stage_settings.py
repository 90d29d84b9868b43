"""Each stage reads only its settings slice, and every setting in a slice is in that stage's doit fingerprint.

The table below is written by hand, as the docs state it: which doit task each setting affects. The tests check
it against the tasks that modelpools.tasks builds (doit's own config_changed digests), and under a real doit run.
"""

from __future__ import annotations

import dataclasses
import inspect
import os
import subprocess
import sys
from pathlib import Path

import pytest
from doit.tools import config_changed
from support import TEST_DATA, Reply, new_layout_repo

from modelpools import tasks
from modelpools.rules.roles import CODING, RoleRule
from modelpools.settings import SETTING_KEYS, Settings
from modelpools.slices import StageSettings

AFFECTS = {
    "openrouter_url": {"catalog"},
    "include_non_text": {"catalog"},
    "max_response_bytes": {"catalog"},
    "http_timeout": {"catalog"},
    "catalog_ttl": {"catalog"},
    "benchmarks_repo": {"benchmarks"},
    "benchmarks_ref": {"benchmarks"},
    "max_checkout_bytes": {"benchmarks"},
    "clone_timeout": {"benchmarks"},
    "benchmarks_ttl": {"benchmarks"},
    "retry_after": {"catalog", "benchmarks"},
    "offline": {"catalog", "benchmarks"},
    "strict": {"catalog", "benchmarks", "pools"},
    "fuzzy_threshold": {"match"},
    "overrides_file": {"match", "pools"},
    "architectures_file": {"pools"},
    "large_cutoff": {"pools"},
    "medium_cutoff": {"pools"},
    "page_model_other_vendor": {"pools"},
    "small_tasks_tier": {"pools"},
    "expiry_warning_days": {"pools", "validate"},
    "roles": {"pools"},
    "usage_window_days": {"usage"},
    "probe": {"pools"},
    "probe_daily_requests": {"probe"},
    "probe_items_per_request": {"probe"},
    "probe_ttl": {"probe"},
    "probe_anchors": {"probe"},
    # the chat client's settings: the probe task sends its requests through the client
    "openrouter_api_base": {"probe"},
    "daily_request_cap": {"probe"},
    "requests_per_minute": {"probe"},
    "client_concurrency": {"probe"},
    "client_timeout": {"probe"},
    "max_reply_bytes": {"probe"},
    "usage_retention_days": {"probe"},
    "ab_share": set(),  # read by the chat client only (A/B experiments): no stage's fingerprint holds it
}
# Where files are and what tasks are called: doit keys on targets and names itself.
LOCATION = {"cache_dir", "task_prefix"}
OTHER_VALUE = {
    "openrouter_url": "https://mirror.example/api/v1/models",
    "include_non_text": True,
    "max_response_bytes": 4096,
    "http_timeout": 3,
    "catalog_ttl": 60,
    "benchmarks_repo": "https://git.example/llm-stats.git",
    "benchmarks_ref": "main",
    "max_checkout_bytes": 1 << 21,
    "clone_timeout": 5,
    "benchmarks_ttl": 120,
    "retry_after": 600,
    "offline": True,
    "strict": True,
    "fuzzy_threshold": 90,
    "overrides_file": "my-overrides.json",
    "architectures_file": "my-architectures.json",
    "large_cutoff": 0.2,
    "medium_cutoff": 0.6,
    "page_model_other_vendor": False,
    "small_tasks_tier": "SMALL",
    "expiry_warning_days": 3,
    "usage_window_days": 3,
    "roles": Settings.roles + (RoleRule("agentModel", CODING, ("tools",), 100000),),
    "probe": False,
    "probe_daily_requests": 5,
    "probe_items_per_request": 4,
    "probe_ttl": 7 * 86400,
    "probe_anchors": 5,
    "openrouter_api_base": "https://proxy.example/api/v1",
    "daily_request_cap": 1000,
    "requests_per_minute": 5,
    "client_concurrency": 2,
    "client_timeout": 30,
    "max_reply_bytes": 1 << 20,
    "usage_retention_days": 90,
    "ab_share": 0.1,
}


def digests(settings: Settings) -> dict[str, str | None]:
    """Task name -> the digest doit's config_changed stores for it (None: the task has no config check)."""
    out = {}
    for task in tasks.make_tasks(settings):
        checks = [c for c in task["uptodate"] if isinstance(c, config_changed)]
        out[task["basename"]] = checks[0]._calc_digest() if checks else None
    return out


def slice_fields(settings: Settings) -> dict[str, set[str]]:
    """Task name -> the Settings fields its action receives (through its slice, nested slices included)."""
    out = {}
    for task in tasks.make_tasks(settings):
        ((_run, (_stage, kw, _name), _opts),) = task["actions"]
        names, todo = set(), [kw]
        while todo:
            part = todo.pop()
            for name in part._fields:
                value = getattr(part, name)
                if isinstance(value, StageSettings):
                    todo.append(value)
                elif name != "files":
                    names.add(name)
        out[task["basename"]] = names
    return out


def test_the_table_covers_every_setting():
    assert set(AFFECTS) | LOCATION == set(SETTING_KEYS)
    assert set(OTHER_VALUE) == set(AFFECTS)


@pytest.mark.parametrize("key", sorted(AFFECTS))
def test_changing_a_setting_changes_exactly_the_fingerprints_of_the_stages_that_read_it(tmp_path, key):
    (tmp_path / "my-overrides.json").write_text('{"overrides": {}}')
    (tmp_path / "my-architectures.json").write_text('{"models": {}}')
    base = Settings(project_dir=tmp_path, probe=True)  # every task, the probe's too
    changed = dataclasses.replace(base, **{key: OTHER_VALUE[key]})
    before, after = digests(base), digests(changed)
    assert {name for name in before if name in after and before[name] != after[name]} == AFFECTS[key] - {"validate"}
    assert set(before) - set(after) == ({"probe"} if key == "probe" else set())  # probe = false: no probe task
    readers = {name for name, keys in slice_fields(base).items() if key in keys}
    assert readers == AFFECTS[key]  # the stages given the setting are the stages whose fingerprint holds it


def test_every_stage_takes_its_slice_not_the_whole_settings():
    for task in tasks.make_tasks(Settings(probe=True)):
        ((_run, (stage, kw, _name), _opts),) = task["actions"]
        slice_parameter, *others = inspect.signature(stage.target()).parameters.values()
        assert slice_parameter.annotation == type(kw).__name__, task["basename"]
        assert all(p.default is not p.empty for p in others), task["basename"]  # the action passes the slice only


def test_a_changed_match_setting_reruns_match_and_only_what_its_output_changes(tmp_path, http_server):
    http_server.handler = lambda seen: Reply(body=(TEST_DATA / "openrouter" / "models-2026-04-30.json").read_bytes())
    repo = new_layout_repo(
        tmp_path / "upstream", orgs=("deepseek", "google", "meta", "mistral", "nvidia", "openai", "qwen", "zai-org")
    )
    site = tmp_path / "site"
    site.mkdir()
    (site / "dodo.py").write_text("from modelpools.tasks import *\n")
    env = {k: v for k, v in os.environ.items() if not k.startswith("MODELPOOLS_")} | {
        "MODELPOOLS_OPENROUTER_URL": f"{http_server.url}/api/v1/models",
        "MODELPOOLS_BENCHMARKS_REPO": repo.as_uri(),
    }

    def doit(**extra: str) -> set[str]:
        result = subprocess.run(
            [sys.executable, "-m", "doit", "pools"],
            cwd=site,
            env=env | extra,
            capture_output=True,
            text=True,
            timeout=120,
        )
        assert result.returncode == 0, result.stdout + result.stderr
        return {line[2:].strip() for line in result.stdout.splitlines() if line.startswith(". ")}

    matches = Path(site / ".cache" / "model-matches.json")
    assert doit() == {"catalog", "benchmarks", "match", "memory", "usage", "pools"}
    before = matches.read_bytes()
    ran = doit(MODELPOOLS_FUZZY_THRESHOLD="100")
    assert "match" in ran and not ran & {"catalog", "benchmarks"}
    assert ("pools" in ran) == (matches.read_bytes() != before)  # pools depends on the report, not the setting
    assert doit(MODELPOOLS_FUZZY_THRESHOLD="100") == set()
