"""Serialise modelpools stages across processes: an advisory lock on the cache directory, and leftover cleanup.

doit runs started at the same time in one site (two terminals, a CI matrix sharing a workspace) would
otherwise fetch twice, run two git processes in one checkout (git then fails on its own lock files) and
race on the same outputs. actions.run_stage holds ``cache_lock`` around every stage, so stages run one at
a time per cache directory; readers never need it, because every output is replaced atomically.

The lock is ``flock`` on the cache directory itself (no lock file to leave behind or clean up); the kernel
drops it when the holder exits, even on SIGKILL. Where flock is unavailable (Windows, some network file
systems) runs are simply not serialised.
"""

from __future__ import annotations

import errno
import os
import shutil
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from pathlib import Path

from modelpools.io import log

try:
    import fcntl
except ImportError:  # pragma: no cover - Windows
    fcntl = None  # type: ignore[assignment]

__all__ = ["cache_lock", "sweep_leftovers"]


@contextmanager
def cache_lock(directory: Path, what: str) -> Iterator[bool]:
    """Hold an exclusive lock on directory (created if missing); yield True when another run held it first."""
    directory.mkdir(parents=True, exist_ok=True)
    if fcntl is None:
        yield False
        return
    fd = os.open(directory, os.O_RDONLY)
    try:
        waited = False
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            log.notice(f"{what}: waiting for another run that is using {directory}")
            fcntl.flock(fd, fcntl.LOCK_EX)
            waited = True
        except OSError as exc:  # no flock on this file system: go on unserialised
            if exc.errno not in (errno.EBADF, errno.ENOLCK, errno.EOPNOTSUPP, errno.EINVAL):
                raise
        yield waited
    finally:
        os.close(fd)  # releases the lock


def sweep_leftovers(directory: Path, names: Iterable[str]) -> list[str]:
    """Delete ``.<name>.*.tmp`` / ``.<name>.*.old`` temp files and dirs left by a killed run; return what went.

    Call it only while holding cache_lock: then no modelpools writer is active in directory. Only the temp
    names of modelpools' own outputs are touched, never other files a site keeps in the same directory.
    """
    prefixes = tuple(f".{name}." for name in names)
    removed: list[str] = []
    try:
        entries = sorted(os.scandir(directory), key=lambda e: e.name)
    except OSError:
        return removed
    for entry in entries:
        if not entry.name.startswith(prefixes) or not entry.name.endswith((".tmp", ".old")):
            continue
        try:
            if entry.is_dir(follow_symlinks=False):
                shutil.rmtree(entry.path)
            else:
                os.unlink(entry.path)
        except OSError:
            continue
        removed.append(entry.name)
    return removed
