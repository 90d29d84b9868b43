"""The doit actions' frame: ``run_stage`` runs a stage as a doit action (under the cache lock, temp files of killed runs
swept, skipped when a concurrent run just refreshed it; expected failures become one line), ``remove_outputs`` is the
clean action of a task whose outputs include a directory.

tasks.py declares the tasks and names these as their actions. Like tasks.py this module is loaded on the no-op path,
so the lock and terminal modules are imported only when an action runs.
"""

from __future__ import annotations

import os
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING, Any, TypeVar

from doit.exceptions import TaskFailed

from modelpools.errors import ModelPoolsError

if TYPE_CHECKING:
    from modelpools.settings import CacheFiles
    from modelpools.slices import StageFiles
    from modelpools.uptodate import stage_fresh

__all__ = ["run_stage", "remove_outputs"]


S = TypeVar("S", bound="StageFiles")


def _in_cache(filename: Any, files: CacheFiles) -> bool:
    if not isinstance(filename, (str, os.PathLike)):
        return False
    cache = os.path.abspath(files.cache_path)
    return os.path.commonpath([cache, os.path.abspath(filename)]) == cache


def run_stage(
    stage: Callable[[S], str], settings: S, task_name: str, fresh: stage_fresh | None = None, lock: bool = True
) -> TaskFailed | None:
    """doit action: call stage(settings) under the cache lock; expected failures (ModelPoolsError, and
    OSError such as an unwritable cache directory) become a one-line TaskFailed.

    A stage with a ``fresh`` check is skipped when another run refreshed it after doit decided to run it here.
    Holding the lock, no other modelpools writer is active, so temp files left by a killed run are removed.
    """
    from modelpools.io.lock import cache_lock, sweep_leftovers
    from modelpools.io.log import printable, redact

    files = settings.files
    urls = [getattr(settings, key) for key in ("openrouter_url", "benchmarks_repo") if hasattr(settings, key)]
    try:
        if not lock:  # readers need no lock: every output is replaced atomically
            summary = stage(settings)
        else:
            with cache_lock(files.cache_path, task_name):
                sweep_leftovers(files.cache_path, files.swept_names())
                if fresh is not None and fresh.refreshed_by_another_run():
                    summary = f"{task_name}: refreshed by a concurrent run; up to date"
                else:
                    summary = stage(settings)
                    if fresh is not None:
                        fresh.ran_here()
    except ModelPoolsError as exc:
        return TaskFailed(printable(redact(f"modelpools {task_name}: {exc}", *urls)))
    except OSError as exc:
        if not _in_cache(exc.filename, files):
            raise  # not about the cache directory: a bug or a broken install, keep the traceback
        return TaskFailed(
            printable(
                f"modelpools {task_name}: {exc.strerror or exc}: {exc.filename}; "
                f"check that the cache directory {files.cache_path} is writable and has space"
            )
        )
    if summary:
        print(printable(summary, newlines=True), flush=True)
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
        import shutil

        shutil.rmtree(tree)
        print(f"{tree} removed")
