"""doit tasks: ``from modelpools.tasks import *`` in a dodo.py adds catalog, benchmarks, match, pools and validate.

Loading stays cheap: this module reads settings and stats a few files; each stage module (and
aiohttp, jsonschema, thefuzz with it) is imported only when its action runs.
"""

from __future__ import annotations

import importlib
import os
import shutil
import time as time_module
from pathlib import Path
from typing import Any, Iterator

from doit.exceptions import InvalidTask, TaskFailed
from doit.tools import config_changed

from .errors import ModelPoolsError, SettingsError
from .settings import Settings, load_settings, settings_fingerprint

__all__ = ["task_modelpools"]

PACKAGE_DATA = Path(__file__).resolve().parent / "data"
PACKAGE_OVERRIDES = PACKAGE_DATA / "model-id-overrides.json"
PACKAGE_CURATED = PACKAGE_DATA / "curated-scores.json"

# Settings that change what each stage writes (the Nikola `kw` idea); strict/offline change only failure handling.
CATALOG_KEYS = ("openrouter_url", "include_non_text", "max_response_bytes")
BENCHMARK_KEYS = ("benchmarks_repo", "benchmarks_ref", "max_checkout_bytes")
MATCH_KEYS = ("fuzzy_threshold", "overrides_file")
POOLS_KEYS = ("large_cutoff", "medium_cutoff", "page_model_other_vendor", "small_tasks_tier", "expiry_warning_days")


class stage_fresh:
    """doit up-to-date check: ``modelpools.<module>.<function>(settings, now)`` says the last refresh is fresh."""

    def __init__(self, module: str, function: str, settings: Settings) -> None:
        self.module, self.function, self.settings = module, function, settings

    def __call__(self, task: Any = None, values: Any = None) -> bool:
        check = getattr(importlib.import_module(f"modelpools.{self.module}"), self.function)
        return bool(check(self.settings, time_module.time()))

    def __repr__(self) -> str:  # shown by `doit info`
        return f"{self.function}({self.settings.cache_path})"


def run_stage(module: str, function: str, settings: Settings, task_name: str) -> TaskFailed | None:
    """doit action: call modelpools.<module>.<function>(settings); expected failures become one-line TaskFailed."""
    stage = getattr(importlib.import_module(f"modelpools.{module}"), function)
    try:
        summary = stage(settings)
    except ModelPoolsError as exc:
        return TaskFailed(f"modelpools {task_name}: {exc}")
    if summary:
        print(summary, flush=True)
    return None


def remove_outputs(files: list[str], tree: Path, cache: Path) -> None:
    """doit clean action: delete these files, and a directory modelpools created inside its cache (never via a symlink)."""
    for name in files:
        if os.path.lexists(name):
            os.unlink(name)
            print(f"{name} removed")
    if tree.is_symlink():
        tree.unlink()
    elif tree.is_dir() and cache.resolve() in tree.resolve().parents:
        shutil.rmtree(tree)
        print(f"{tree} removed")


def _action(settings: Settings, name: str, module: str, function: str) -> tuple:
    return (run_stage, (module, function, settings, settings.task_prefix + name))


def _local(path: Path, settings: Settings) -> str:
    """path as the site's dodo.py would write it: relative to the project directory when inside it."""
    try:
        return str(path.relative_to(settings.project_dir))
    except ValueError:
        return str(path)


def make_tasks(settings: Settings) -> Iterator[dict]:
    """Yield the five modelpools task dicts for these settings (cache paths relative, as a site's file_dep names them)."""
    prefix = settings.task_prefix
    catalog, catalog_meta = _local(settings.catalog_file, settings), _local(settings.catalog_meta_file, settings)
    scores, scores_meta = _local(settings.benchmark_scores_file, settings), _local(settings.benchmarks_meta_file, settings)
    matches, pools = _local(settings.matches_file, settings), _local(settings.pools_file, settings)
    user_overrides = settings.overrides_path
    overrides = [PACKAGE_OVERRIDES] + ([user_overrides] if user_overrides else [])
    if user_overrides is not None and not user_overrides.is_file():
        raise InvalidTask(
            f"modelpools: overrides_file {user_overrides} does not exist; create it or unset the setting"
        )
    yield {
        "basename": prefix + "catalog",
        "doc": f"Fetch OpenRouter's catalog and cache its free models (refresh after {settings.catalog_ttl} s)",
        "actions": [_action(settings, "catalog", "catalog", "refresh_catalog")],
        "targets": [catalog, catalog_meta],
        "uptodate": [
            stage_fresh("catalog", "catalog_is_fresh", settings),
            config_changed(settings_fingerprint(settings, CATALOG_KEYS)),
        ],
        "clean": True,
        "verbosity": 2,
    }
    yield {
        "basename": prefix + "benchmarks",
        "doc": f"Clone LLM-Stats and compute coding scores (refresh after {settings.benchmarks_ttl} s)",
        "actions": [_action(settings, "benchmarks", "benchmarks", "refresh_benchmarks")],
        "targets": [scores, scores_meta],
        "uptodate": [
            stage_fresh("benchmarks", "benchmarks_are_fresh", settings),
            config_changed(settings_fingerprint(settings, BENCHMARK_KEYS)),
        ],
        "clean": [(remove_outputs, ([scores, scores_meta], settings.clone_dir, settings.cache_path))],
        "verbosity": 2,
    }
    yield {
        "basename": prefix + "match",
        "doc": "Match free catalog models to benchmark models (report: model-matches.json)",
        "actions": [_action(settings, "match", "matching", "build_matches")],
        "file_dep": [catalog, scores, *overrides],
        "targets": [matches],
        "uptodate": [config_changed(settings_fingerprint(settings, MATCH_KEYS))],
        "clean": True,
        "verbosity": 2,
    }
    yield {
        "basename": prefix + "pools",
        "doc": "Rank free models, split them into tiers, choose role defaults (model-pools.json)",
        "actions": [_action(settings, "pools", "pools", "build_pools")],
        "file_dep": [
            catalog,
            scores,
            matches,
            PACKAGE_CURATED,
            *overrides,
        ],
        "targets": [pools, _local(settings.changes_file, settings)],
        "uptodate": [config_changed(settings_fingerprint(settings, POOLS_KEYS))],
        "clean": True,
        "verbosity": 2,
    }
    yield {
        "basename": prefix + "validate",
        "doc": "Check the pools file on disk: schema and invariants (for CI)",
        "actions": [_action(settings, "validate", "validation", "validate_pools_file")],
        "uptodate": [False],
        "verbosity": 2,
    }


def task_modelpools() -> Iterator[dict]:
    """modelpools: rank OpenRouter's free models for coding."""
    try:
        settings = load_settings()
    except SettingsError as exc:
        raise InvalidTask(f"modelpools: {exc}") from None
    yield from make_tasks(settings)
