"""doit up-to-date checks for modelpools' tasks: small callables taking ``task, values`` (as in doit.tools).

    stage_fresh          a network stage is fresh within its TTL (or backing off, or offline with a cache)
    targets_intact       the targets still hold what the task's last run left in them
    ledger_unchanged     the usage ledger has not been written since the last run
    probed_today         the probe already ran today (UTC)

They run on every no-op ``doit``: each costs a stat or two, and imports nothing beyond the standard library
until it must (hashlib only when a target changed; stages.freshness only when doit asks). The clock is passed
in by tasks.py, so a dodo.py that replaces ``modelpools.tasks.time_module`` steers the checks and the stages.
"""

from __future__ import annotations

import os
import time as time_module
from collections.abc import Callable
from pathlib import Path
from typing import Any

from modelpools.slices import BenchmarkSettings, CatalogSettings, StageFiles

__all__ = [
    "stage_fresh",
    "targets_intact",
    "ledger_unchanged",
    "probed_today",
    "catalog_up_to_date",
    "benchmarks_up_to_date",
]


def catalog_up_to_date(settings: CatalogSettings, now: float) -> bool:
    from modelpools.stages.freshness import catalog_up_to_date as check  # cheap, but only needed when doit checks

    return check(settings, now)


def benchmarks_up_to_date(settings: BenchmarkSettings, now: float) -> bool:
    from modelpools.stages.freshness import benchmarks_up_to_date as check

    return check(settings, now)


class stage_fresh:
    """doit up-to-date check: ``check(settings, clock())`` says the stage has nothing to do (fresh within its TTL,
    backing off after a failed refresh, or offline with a cache; see stages/freshness.py).

    ``clock`` is the one tasks.py gives the network stages too (``modelpools.tasks.time_module``)."""

    def __init__(
        self, check: Callable[[Any, float], bool], settings: StageFiles, meta: Path, clock: Callable[[], float]
    ) -> None:
        self.check, self.settings, self.meta, self.clock = check, settings, meta, clock

    def __call__(self, task: Any = None, values: Any = None) -> bool:
        return bool(self.check(self.settings, self.clock()))

    def refreshed_by_another_run(self) -> bool:
        """True when another run wrote the stage's meta file while this process was running and the stage is
        now fresh: doit decided to run the stage here before that run's records existed, so running it again
        would only fetch twice (and leave two runs' records of different files in .doit.db)."""
        stamp = _stamp(self.meta)
        if stamp is None or stamp[2] < _STARTED_NS or stamp == _WRITTEN_HERE.get(self.meta):
            return False
        return self()

    def ran_here(self) -> None:
        """Remember the meta file this process's own run of the stage left (not another run's refresh)."""
        _WRITTEN_HERE[self.meta] = _stamp(self.meta)

    def __repr__(self) -> str:  # shown by `doit info`
        return f"{self.check.__name__}({self.settings.files.cache_path})"


_STARTED_NS = time_module.time_ns()  # when this process (a doit run) started: the real clock, as file times are
_WRITTEN_HERE: dict[Path, tuple | None] = {}


def _stamp(path: Path) -> tuple | None:
    try:
        st = os.stat(path)
    except OSError:
        return None
    return (st.st_ino, st.st_size, st.st_mtime_ns)


def _fingerprint(path: Path) -> list | None:
    try:
        st = os.stat(path)
    except OSError:
        return None
    return [st.st_size, st.st_mtime_ns, _sha256(path)]


def _sha256(path: Path) -> str | None:
    import hashlib  # only when a target changed size or mtime

    digest = hashlib.sha256()
    try:
        with open(path, "rb") as handle:
            for block in iter(lambda: handle.read(1 << 20), b""):
                digest.update(block)
    except OSError:
        return None
    return digest.hexdigest()


class targets_intact:
    """doit up-to-date check: the targets still hold what the task's last successful run left in them.

    doit never looks inside targets, so a cache file truncated or edited by hand would stay broken (and
    fail every later run) until deleted; with this check the task simply runs again. Cheap: one stat per
    target, a sha256 only when size or mtime differ (a copied or touched file with the same bytes is intact).
    """

    KEY = "modelpools:targets"

    def __init__(self, targets: dict[str, Path]) -> None:
        self.targets = targets  # name as in the task's targets -> absolute path

    def configure_task(self, task: Any) -> None:
        task.value_savers.append(lambda: {self.KEY: {n: _fingerprint(p) for n, p in self.targets.items()}})

    def __call__(self, task: Any = None, values: Any = None) -> bool | None:
        saved = (values or {}).get(self.KEY)
        if not isinstance(saved, dict):
            return None  # nothing recorded yet: the other checks decide
        for name, path in self.targets.items():
            before = saved.get(name)
            try:
                st = os.stat(path)
            except OSError:
                return False
            if not isinstance(before, list) or len(before) != 3:
                return False
            if [st.st_size, st.st_mtime_ns] != before[:2] and _sha256(path) != before[2]:
                return False
        return True

    def __repr__(self) -> str:  # shown by `doit info`
        return f"targets_intact({', '.join(self.targets)})"


class ledger_unchanged:
    """doit up-to-date check: the usage ledger (and its write-ahead log) has the size and mtime of the last run.

    One stat per file, no SQLite: a site that never used the client (no ledger) stays up to date for good.
    """

    KEY = "modelpools:ledger"

    def __init__(self, ledger: Path) -> None:
        self.files = (ledger, ledger.with_name(ledger.name + "-wal"))

    def _stamp(self) -> list[list[int] | None]:
        stamps: list[list[int] | None] = []
        for path in self.files:
            try:
                st = os.stat(path)
                stamps.append([st.st_size, st.st_mtime_ns])
            except OSError:
                stamps.append(None)
        return stamps

    def configure_task(self, task: Any) -> None:
        task.value_savers.append(lambda: {self.KEY: self._stamp()})

    def __call__(self, task: Any = None, values: Any = None) -> bool | None:
        saved = (values or {}).get(self.KEY)
        return None if saved is None else saved == self._stamp()

    def __repr__(self) -> str:  # shown by `doit info`
        return f"ledger_unchanged({self.files[0]})"


class probed_today:
    """doit up-to-date check: the probe task already ran today (UTC); a new day brings a new request budget.

    Its other checks (config_changed, the catalog, scores and matches as file_dep) rerun it the same day when the
    settings or the models to probe change.
    """

    KEY = "modelpools:probed"

    def __init__(self, clock: Callable[[], float]) -> None:
        self.clock = clock  # the one tasks.py gives the stages (``modelpools.tasks.time_module``)

    def _today(self) -> str:
        return time_module.strftime("%Y-%m-%d", time_module.gmtime(self.clock()))

    def configure_task(self, task: Any) -> None:
        task.value_savers.append(lambda: {self.KEY: self._today()})

    def __call__(self, task: Any = None, values: Any = None) -> bool | None:
        saved = (values or {}).get(self.KEY)
        return None if saved is None else saved == self._today()

    def __repr__(self) -> str:  # shown by `doit info`
        return "probed_today()"
