"""doit tasks: ``from modelpools.tasks import *`` in a dodo.py adds catalog, benchmarks, match, memory, usage, pools,
validate (and probe, with ``probe = true``).

Each task gets its stage's settings slice (slices.CatalogSettings, ...), built once: the same object goes to
doit's ``config_changed`` and to the action, so a setting cannot change a stage's work without rebuilding it.
Loading stays cheap: this module reads settings and stats a few files; each stage module (and aiohttp,
jsonschema, rapidfuzz with it) is imported only when its action runs (``_Stage`` below). Every stage
action runs in ``modelpools.actions.run_stage``, under the cache-directory lock (modelpools.io.lock), so concurrent
doit runs in one site take turns.
"""

from __future__ import annotations

import time as time_module
from collections.abc import Callable, Iterator
from importlib import import_module
from typing import Any, Literal, NamedTuple

from doit.exceptions import InvalidTask
from doit.tools import config_changed

from modelpools.actions import remove_outputs, run_stage
from modelpools.errors import SettingsError
from modelpools.resources import PACKAGE_ARCHITECTURES, PACKAGE_CURATED, PACKAGE_OVERRIDES, pools_schema_path
from modelpools.settings import Settings, load_settings
from modelpools.slices import (
    BenchmarkSettings,
    CatalogSettings,
    MatchSettings,
    MemorySettings,
    PoolsSettings,
    ProbeSettings,
    StageFiles,
    UsageSettings,
    ValidateSettings,
)
from modelpools.uptodate import (
    benchmarks_up_to_date,
    catalog_up_to_date,
    ledger_unchanged,
    probed_today,
    stage_fresh,
    targets_intact,
)

__all__ = ["task_modelpools"]


# ---------------------------------------------------------------- the stages, imported when they run


def _now() -> float:
    """The clock of the network stages and their up-to-date checks: a dodo.py may replace ``time_module``."""
    return time_module.time()


class _Stage(NamedTuple):
    """A stage's entry point, ``modelpools.stages.<module>.<function>(slice)``, imported only when its action runs.

    ``clock`` is how a network stage takes this module's clock: as the function (``"clock"``: ``clock=_now``) or
    as the time it starts (``"now"``: ``now=_now()``); the other stages read none.
    """

    module: str
    function: str
    clock: Literal["clock", "now"] | None = None

    def target(self) -> Callable[..., str]:
        stage: Callable[..., str] = getattr(import_module(f"modelpools.stages.{self.module}"), self.function)
        return stage

    def __call__(self, settings: Any) -> str:
        if self.clock == "clock":
            return self.target()(settings, clock=_now)
        if self.clock == "now":
            return self.target()(settings, now=_now())
        return self.target()(settings)


catalog_stage = _Stage("catalog", "refresh_catalog", clock="clock")
benchmarks_stage = _Stage("benchmarks", "refresh_benchmarks", clock="now")
match_stage = _Stage("match", "build_matches")
memory_stage = _Stage("memory", "build_memory")
probe_stage = _Stage("probe", "run_probe")
usage_stage = _Stage("usage", "refresh_usage_summary")
pools_stage = _Stage("pools", "build_pools")
validate_stage = _Stage("validate", "validate_pools_file")


def ttl_text(seconds: int) -> str:
    """A TTL as the settings write it: ``24h``, ``7d``, ``90m``, ``45s`` (the largest unit that divides it)."""
    for unit, size in (("d", 86400), ("h", 3600), ("m", 60)):
        if seconds and seconds % size == 0:
            return f"{seconds // size}{unit}"
    return f"{seconds}s"


def _action(
    stage: _Stage, settings: StageFiles, name: str, fresh: stage_fresh | None = None, lock: bool = True
) -> tuple:
    return (run_stage, (stage, settings, settings.files.task_prefix + name), {"fresh": fresh, "lock": lock})


def _intact(names: list[str], settings: Settings) -> targets_intact:
    return targets_intact({name: settings.project_dir / name for name in names})


def make_tasks(settings: Settings) -> Iterator[dict]:
    """Yield the modelpools task dicts for these settings (cache paths relative, as a site's file_dep names them):
    six, and ``probe`` when the probe is enabled."""
    prefix = settings.task_prefix
    files, local = settings.files, settings.files.relative()
    catalog, catalog_meta = str(local.catalog_file), str(local.catalog_meta_file)
    scores, scores_meta = str(local.benchmark_scores_file), str(local.benchmarks_meta_file)
    matches, pools = str(local.matches_file), str(local.pools_file)
    memory, changes = str(local.memory_file), str(local.changes_file)
    user_overrides = settings.overrides_path
    overrides = [PACKAGE_OVERRIDES] + ([user_overrides] if user_overrides else [])
    if user_overrides is not None and not user_overrides.is_file():
        raise InvalidTask(f"modelpools: overrides_file {user_overrides} does not exist; create it or unset the setting")
    site_architectures = settings.architectures_path
    architectures = [PACKAGE_ARCHITECTURES] + ([site_architectures] if site_architectures else [])
    if site_architectures is not None and not site_architectures.is_file():
        raise InvalidTask(
            f"modelpools: architectures_file {site_architectures} does not exist; create it or unset the setting"
        )
    catalog_kw = CatalogSettings.of(settings)
    catalog_fresh = stage_fresh(catalog_up_to_date, catalog_kw, files.catalog_meta_file, _now)
    yield {
        "basename": prefix + "catalog",
        "doc": f"Fetch OpenRouter's catalog and cache its free models (refresh after {ttl_text(settings.catalog_ttl)})",
        "actions": [_action(catalog_stage, catalog_kw, "catalog", catalog_fresh)],
        "targets": [catalog, catalog_meta],
        "uptodate": [
            catalog_fresh,
            config_changed(catalog_kw.fingerprint()),
            _intact([catalog, catalog_meta], settings),
        ],
        "clean": True,
        "verbosity": 2,
    }
    benchmarks_kw = BenchmarkSettings.of(settings)
    benchmarks_fresh = stage_fresh(benchmarks_up_to_date, benchmarks_kw, files.benchmarks_meta_file, _now)
    yield {
        "basename": prefix + "benchmarks",
        "doc": f"Clone LLM-Stats and compute coding scores (refresh after {ttl_text(settings.benchmarks_ttl)})",
        "actions": [_action(benchmarks_stage, benchmarks_kw, "benchmarks", benchmarks_fresh)],
        "targets": [scores, scores_meta],
        "uptodate": [
            benchmarks_fresh,
            config_changed(benchmarks_kw.fingerprint()),
            _intact([scores, scores_meta], settings),
        ],
        "clean": [(remove_outputs, ([scores, scores_meta], files.clone_dir, settings.cache_path))],
        "verbosity": 2,
    }
    match_kw = MatchSettings.of(settings)
    yield {
        "basename": prefix + "match",
        "doc": "Match free catalog models to benchmark models (report: model-matches.json)",
        "actions": [_action(match_stage, match_kw, "match")],
        # doit keeps file_dep as a set and appends the stages it implies in that set's order: naming every stage
        # before this one, in order, runs them in the same order every time (and so for probe and pools)
        "task_dep": [prefix + "catalog", prefix + "benchmarks"],
        "file_dep": [catalog, scores, *overrides],
        "targets": [matches],
        "uptodate": [config_changed(match_kw.fingerprint()), _intact([matches], settings)],
        "clean": True,
        "verbosity": 2,
    }
    memory_kw = MemorySettings.of(settings)
    yield {
        "basename": prefix + "memory",
        "doc": "Remember the catalog's evidence blocks across refreshes (evidence-memory.json)",
        "actions": [_action(memory_stage, memory_kw, "memory")],
        "file_dep": [catalog],
        "targets": [memory],
        "uptodate": [_intact([memory], settings)],
        "clean": True,
        "verbosity": 2,
    }
    probe_results = str(local.probe_results_file)
    probe = ["probe"] if settings.probe else []
    if settings.probe:
        probe_kw = ProbeSettings.of(settings)
        yield {
            "basename": prefix + "probe",
            "doc": f"Probe unscored free models with generated coding items, at most {settings.probe_daily_requests} "
            "requests a day (probe-results.json; needs OPENROUTER_API_KEY)",
            "actions": [_action(probe_stage, probe_kw, "probe")],
            "task_dep": [prefix + name for name in ("catalog", "benchmarks", "match", "memory")],
            "file_dep": [catalog, scores, matches, memory, PACKAGE_CURATED],
            "targets": [probe_results],
            "uptodate": [
                probed_today(_now),
                config_changed(probe_kw.fingerprint()),
                _intact([probe_results], settings),
            ],
            "clean": True,
            "verbosity": 2,
        }
    usage_kw = UsageSettings.of(settings)
    usage = str(local.usage_summary_file)
    yield {
        "basename": prefix + "usage",
        "doc": "Summarise the chat client's usage ledger for the pools (usage-summary.json)",
        # under the cache lock like every writer: a run holding it sweeps temp files of every output it knows
        "actions": [_action(usage_stage, usage_kw, "usage")],
        # Runs after match, never first: two doit runs started together then meet at the same stages in the same
        # order, so the one that waits for the cache lock skips the refresh the other just did.
        "task_dep": [prefix + ("probe" if settings.probe else "match")],  # the probe's requests are in the ledger
        "targets": [usage],
        "uptodate": [
            ledger_unchanged(files.ledger_file),
            config_changed(usage_kw.fingerprint()),
            _intact([usage], settings),
        ],
        "clean": True,
        "verbosity": 2,
    }
    pools_kw = PoolsSettings.of(settings)
    yield {
        "basename": prefix + "pools",
        "doc": "Rank free models, split them into tiers, choose role defaults (model-pools.json)",
        "actions": [_action(pools_stage, pools_kw, "pools")],
        "task_dep": [prefix + name for name in ("catalog", "benchmarks", "match", "memory", *probe, "usage")],
        "file_dep": [
            catalog,
            scores,
            matches,
            usage,
            memory,
            *([probe_results] if settings.probe else []),
            PACKAGE_CURATED,
            pools_schema_path(),  # a new pools format (an upgrade) rebuilds the file
            *overrides,
            *architectures,
        ],
        "targets": [pools, changes],
        "uptodate": [config_changed(pools_kw.fingerprint()), _intact([pools, changes], settings)],
        "clean": True,
        "verbosity": 2,
    }
    yield {
        "basename": prefix + "validate",
        "doc": "Check the pools file on disk: schema and invariants (for CI)",
        "actions": [_action(validate_stage, ValidateSettings.of(settings), "validate")],  # locked: no torn pair
        "uptodate": [False],
        "verbosity": 2,
    }


def task_modelpools() -> Iterator[dict]:
    """modelpools: rank OpenRouter's free models for coding."""
    try:
        settings = load_settings()
    except SettingsError as exc:
        from modelpools.io.log import printable

        raise InvalidTask(printable(f"modelpools: {exc}")) from None
    tasks = list(make_tasks(settings))
    clash = sorted({task["basename"] for task in tasks} & _site_task_names())
    if clash:  # else doit lists the name twice and fails with "Task names must be unique"
        raise InvalidTask(
            f"modelpools: your dodo.py defines task_{clash[0]}, and modelpools has a task named {clash[0]!r}; "
            'set task_prefix (e.g. task_prefix = "models-" in [tool.modelpools]) to rename modelpools\' tasks'
        )
    yield from tasks


def _site_task_names() -> set[str]:
    """The task names of the dodo file(s) that imported task_modelpools (doit names a task_x function x)."""
    import sys
    import types

    namespaces = [
        vars(m) for m in list(sys.modules.values()) if isinstance(m, types.ModuleType) and m.__name__ != __name__
    ]
    return {
        name.removeprefix("task_")
        for namespace in namespaces
        if namespace.get("task_modelpools") is task_modelpools
        for name, value in namespace.items()
        if name.startswith("task_") and callable(value) and value is not task_modelpools
    }
