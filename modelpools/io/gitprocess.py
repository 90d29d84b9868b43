"""Running git as a hardened child process: argument lists only (never a shell), a scrubbed environment, forced safe
config, and one-line GitErrors.

Network waits are bounded and visible: a clone or fetch prints its progress (parsed from git's ``--progress``
output, numbers only: the remote's own text never reaches the terminal) at most every PROGRESS_EVERY seconds,
says so when nothing has arrived for QUIET_NOTE seconds, is cut short after ``stall_timeout`` seconds without a
byte from the remote (a watchdog, plus curl's low-speed limit for http(s)), and ends at ``timeout`` in any case.
"""

from __future__ import annotations

import os
import re
import selectors
import shutil
import signal
import subprocess
import time as time_module
from collections.abc import Callable, Sequence
from pathlib import Path

from modelpools.errors import GitError
from modelpools.io import log
from modelpools.io.http import OFFLINE_HINT
from modelpools.io.log import redact

__all__ = [
    "PROGRESS_EVERY",
    "QUIET_NOTE",
    "STALL_TIMEOUT",
    "git_executable",
    "progress_line",
    "run_git",
    "run_git_network",
]

# Config forced on every git call: only the four network/file transports, no hooks, no fsmonitor
# (a repository-configured fsmonitor command would run code), no automatic gc in the cache dir, and no
# git-lfs filter even when the user's ~/.gitconfig installs one (it would run git-lfs and download LFS objects).
_SAFE_CONFIG = (
    "protocol.allow=never",
    "protocol.https.allow=always",
    "protocol.ssh.allow=always",
    "protocol.git.allow=always",
    "protocol.file.allow=always",
    "core.hooksPath=/dev/null",
    "core.fsmonitor=false",
    "core.sshCommand=ssh -o BatchMode=yes",
    "gc.auto=0",
    "advice.detachedHead=false",
    "init.defaultBranch=main",
    "filter.lfs.smudge=",
    "filter.lfs.process=",
    "filter.lfs.required=false",
)
STALL_TIMEOUT = 20.0  # seconds without a byte from the remote before a clone or fetch is given up
PROGRESS_EVERY = 5.0  # seconds between two progress lines
QUIET_NOTE = 5.0  # seconds without any line from us before we say what we are waiting for (as the catalog does)
# "Receiving objects:  45% (1234/2700), 1.20 MiB | 300.00 KiB/s": only these numbers are ever printed.
_PROGRESS = re.compile(
    r"(Receiving objects|Resolving deltas):\s+(\d{1,3})% \((\d{1,12})/(\d{1,12})\)"
    r"(?:, (\d{1,9}(?:\.\d{1,3})? [KMG]?i?B))?"
)


def git_executable(repo_url: str) -> str:
    """The path of git, or GitError saying how to proceed without it."""
    path = shutil.which("git")
    if path is None:
        raise GitError(
            f"git is not installed (needed to fetch benchmark data from {redact(repo_url)}); "
            "install git or set MODELPOOLS_OFFLINE=1"
        )
    return path


def _env() -> dict[str, str]:
    env = dict(os.environ)
    env.update(
        GIT_TERMINAL_PROMPT="0",  # never block on a password prompt
        GIT_CONFIG_NOSYSTEM="1",  # no /etc/gitconfig (user's ~/.gitconfig stays for proxies/credentials)
        GIT_ASKPASS="true",
        SSH_ASKPASS="true",
        GIT_TEMPLATE_DIR="",  # no template hooks copied into new repositories
        GIT_LFS_SKIP_SMUDGE="1",  # should a git-lfs filter still run, it leaves pointer files alone
        LC_ALL="C",
    )
    for key in ("GIT_DIR", "GIT_WORK_TREE", "GIT_INDEX_FILE", "GIT_OBJECT_DIRECTORY", "GIT_CONFIG_PARAMETERS"):
        env.pop(key, None)
    return env


def _argv(git: str, args: list[str], extra_config: Sequence[str] = ()) -> list[str]:
    argv = [git]
    for item in (*_SAFE_CONFIG, *extra_config):
        argv += ["-c", item]
    return argv + args


def run_git(git: str, args: list[str], cwd: Path | None, timeout: float, what: str) -> str:
    """Run ``git <safe -c config> <args>`` and return stdout; GitError (one line) on failure or timeout."""
    argv = _argv(git, args)
    try:
        proc = subprocess.run(
            argv, cwd=cwd, env=_env(), stdin=subprocess.DEVNULL, capture_output=True, timeout=timeout, check=False
        )
    except subprocess.TimeoutExpired:
        raise GitError(
            f"git {what} timed out after {timeout:g}s; raise clone_timeout or check the network", timed_out=True
        ) from None
    except OSError as exc:
        raise GitError(f"git {what} could not start: {exc.strerror}") from None
    if proc.returncode != 0:
        lines = [ln.strip() for ln in proc.stderr.decode("utf-8", "replace").splitlines() if ln.strip()]
        fatal = [ln for ln in lines if ln.startswith(("fatal:", "error:"))]
        detail = (fatal or lines or [f"exit status {proc.returncode}"])[0]
        # git may echo a URL with its password, or just its host part ("unable to look up user:pw@host")
        raise GitError(f"git {what} failed: {redact(detail, *args)}")
    return proc.stdout.decode("utf-8", "replace").strip()


def progress_line(text: str) -> str | None:
    """Our own words for the newest progress figure in a piece of git's stderr (None when it has none)."""
    found = list(_PROGRESS.finditer(text))
    if not found:
        return None
    stage, percent, done, total, size = found[-1].groups()
    return f"{stage.lower()} {percent}% ({done}/{total})" + (f", {size}" if size else "")


def _kill(proc: subprocess.Popen) -> None:
    """Kill git and its helpers (remote-https, index-pack), which share its process group."""
    try:
        if hasattr(os, "killpg"):
            os.killpg(proc.pid, signal.SIGKILL)
        else:  # pragma: no cover - not POSIX
            proc.kill()
    except ProcessLookupError:
        pass
    proc.wait()


def run_git_network(
    git: str,
    args: list[str],
    cwd: Path | None,
    timeout: float,
    what: str,
    url: str,
    stall_timeout: float = STALL_TIMEOUT,
    report: Callable[[str], None] = log.notice,
) -> None:
    """Run a clone or fetch (args include ``--progress``), reporting progress; GitError on failure, stall or timeout.

    A timed-out or stalled run raises with ``timed_out`` set (the caller spends no second attempt on it).
    """
    where = _host(url)
    low_speed = ("http.lowSpeedLimit=1", f"http.lowSpeedTime={max(1, int(stall_timeout))}")
    try:
        proc = subprocess.Popen(
            _argv(git, args, low_speed),
            cwd=cwd,
            env=_env(),
            stdin=subprocess.DEVNULL,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.PIPE,
            start_new_session=True,
        )
    except OSError as exc:
        raise GitError(f"git {what} could not start: {exc.strerror}") from None
    clock = time_module.monotonic
    started = last_byte = last_said = clock()
    tail, shown = b"", None
    selector = selectors.DefaultSelector()
    stderr = proc.stderr
    assert stderr is not None  # stderr=PIPE
    selector.register(stderr, selectors.EVENT_READ)
    try:
        while True:
            ready = selector.select(timeout=0.2)
            now = clock()
            if ready:
                chunk = os.read(stderr.fileno(), 65536)
                if not chunk:
                    break
                last_byte, tail = now, (tail + chunk)[-16384:]
                line = progress_line(tail[-4096:].decode("ascii", "replace"))
                if line and line != shown and now - last_said >= PROGRESS_EVERY:
                    report(f"git {what} {where}: {line}")
                    shown, last_said = line, now
            if now - started > timeout:
                _kill(proc)
                raise GitError(
                    f"git {what} timed out after {timeout:g}s; raise clone_timeout or {OFFLINE_HINT}", timed_out=True
                )
            if now - last_byte > stall_timeout:
                _kill(proc)
                raise GitError(
                    f"git {what} stalled: nothing received from {where} for {stall_timeout:g} s; {OFFLINE_HINT}",
                    timed_out=True,
                )
            if now - last_said >= QUIET_NOTE:
                quiet = now - last_byte
                state = (
                    f"nothing received for {quiet:.0f} s (gives up at {stall_timeout:g} s)"
                    if quiet >= 1
                    else f"still working ({now - started:.0f} s)"
                )
                report(f"git {what} {where}: {state}")
                last_said = now
        proc.wait(timeout=max(1.0, timeout - (clock() - started)))
    except subprocess.TimeoutExpired:
        _kill(proc)
        raise GitError(
            f"git {what} timed out after {timeout:g}s; raise clone_timeout or {OFFLINE_HINT}", timed_out=True
        ) from None
    finally:
        selector.close()
        if proc.poll() is None:
            _kill(proc)
        stderr.close()
    if proc.returncode != 0:
        lines = [ln.strip() for ln in re.split(r"[\r\n]", tail.decode("utf-8", "replace")) if ln.strip()]
        fatal = [ln for ln in lines if ln.startswith(("fatal:", "error:"))]
        detail = (fatal or [ln for ln in lines if not _PROGRESS.search(ln)] or [f"exit status {proc.returncode}"])[0]
        raise GitError(f"git {what} failed: {redact(detail, *args)}")


def _host(url: str) -> str:
    """The host a URL names (or the URL without its password when it names none, as file:// does)."""
    from urllib.parse import urlsplit

    try:
        host = urlsplit(url).hostname
    except ValueError:
        host = None
    return host or redact(url)
