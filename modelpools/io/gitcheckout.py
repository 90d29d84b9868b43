"""The shallow checkout of an untrusted data repository: cloned fresh through a temp dir or updated in place, its
size and directory layout checked before any file is written, and the lock files a killed git left cleared.

Git itself runs through modelpools.io.gitprocess (hardened argv and environment, progress, stall timeout).
"""

from __future__ import annotations

import os
import re
import shutil
import tempfile
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import NamedTuple

from modelpools.errors import GitError, ResponseTooLarge, UnexpectedLayout
from modelpools.io.gitprocess import STALL_TIMEOUT, git_executable, run_git, run_git_network
from modelpools.io.log import redact

__all__ = [
    "clear_stale_locks",
    "commit_day",
    "head_commit",
    "is_commit_sha",
    "sync_checkout",
    "tree_bytes",
]


_SHA = re.compile(r"^(?:[0-9a-f]{40}|[0-9a-f]{64})$")
# Lock files git leaves behind when it is killed (clone_timeout, SIGKILL, power loss); each blocks every later run.
_GIT_LOCKS = (
    "index.lock",
    "shallow.lock",
    "HEAD.lock",
    "ORIG_HEAD.lock",
    "FETCH_HEAD.lock",
    "config.lock",
    "packed-refs.lock",
)


def is_commit_sha(ref: str) -> bool:
    """True when ref is a full (SHA-1 or SHA-256) commit id rather than a branch or tag."""
    return bool(_SHA.match(ref or ""))


def tree_bytes(git: str, checkout: Path, rev: str, timeout: float) -> int:
    """Total size of the blobs in rev's tree (what a checkout of rev would write), without checking it out."""
    listing = run_git(git, ["ls-tree", "-r", "-l", "--full-tree", rev], checkout, timeout, "ls-tree")
    total = 0
    for line in listing.splitlines():
        fields = line.split(None, 4)
        if len(fields) >= 4 and fields[3].isdigit():
            total += int(fields[3])
    return total


def _dir_bytes(root: Path) -> int:
    total = 0
    for dirpath, _dirs, files in os.walk(root):  # os.walk does not follow symlinks
        for name in files:
            try:
                total += os.lstat(os.path.join(dirpath, name)).st_size
            except OSError:
                pass
    return total


def _check_size(git: str, checkout: Path, rev: str, timeout: float, max_bytes: int, url: str) -> None:
    packed = _dir_bytes(checkout / ".git")
    tree = tree_bytes(git, checkout, rev, timeout)
    if max(packed, tree) > max_bytes:
        raise ResponseTooLarge(
            f"benchmark repository {redact(url)} at {rev[:12]} is {max(packed, tree)} bytes, more than "
            f"max_checkout_bytes ({max_bytes}); raise max_checkout_bytes or point benchmarks_repo elsewhere"
        )


def _check_layout(
    git: str, checkout: Path, rev: str, timeout: float, url: str, layouts: Mapping[str, Sequence[str]] | None
) -> None:
    """UnexpectedLayout unless rev's tree has every directory of at least one layout (read from git, not the disk)."""
    if not layouts:
        return
    wanted = sorted({path for paths in layouts.values() for path in paths})
    listing = run_git(
        git, ["ls-tree", "-d", "--full-tree", "--name-only", rev, "--", *wanted], checkout, timeout, "ls-tree"
    )
    trees = set(listing.splitlines())  # -d: tree entries only, so a symlink or file of that name does not count
    if any(all(path in trees for path in paths) for paths in layouts.values()):
        return
    expected = ", or ".join(" + ".join(f"{path}/" for path in paths) for paths in layouts.values())
    raise UnexpectedLayout(
        f"benchmark repository {redact(url)} at {rev[:12]} has none of the expected layouts ({expected}); "
        "check benchmarks_repo/benchmarks_ref"
    )


def head_commit(git: str, checkout: Path, timeout: float = 60) -> str:
    """The commit checked out at checkout."""
    return run_git(git, ["rev-parse", "--verify", "HEAD^{commit}"], checkout, timeout, "rev-parse")


def commit_day(checkout: Path, commit: str, timeout: float = 60) -> str | None:
    """The committer day (YYYY-MM-DD, in the commit's own time zone) of commit in checkout; None when git cannot tell.

    Read from the commit object, so the same commit always gives the same day (no clock involved).
    """
    try:
        day = run_git(
            git_executable(str(checkout)),
            ["show", "-s", "--format=%cd", "--date=short", commit, "--"],
            checkout,
            timeout,
            "show",
        )
    except GitError:
        return None
    return day if re.match(r"^\d{4}-\d{2}-\d{2}$", day) else None


def clear_stale_locks(dest: Path) -> list[str]:
    """Delete the lock files a killed git left in dest/.git; the caller runs the only git process in dest.

    modelpools runs git in its checkout one command at a time, under the cache lock (actions.run_stage), so
    any lock file found before a command is stale: git would otherwise fail "File exists" on every run.
    """
    gitdir = dest / ".git"
    found = [gitdir / name for name in _GIT_LOCKS]
    if (gitdir / "refs").is_dir() and not (gitdir / "refs").is_symlink():
        found += sorted((gitdir / "refs").rglob("*.lock"))  # ** never follows symlinks
    removed = []
    for path in found:
        try:
            path.unlink()
        except FileNotFoundError:
            continue
        removed.append(path.relative_to(gitdir).as_posix())
    return removed


def _set_origin(git: str, url: str, checkout: Path, timeout: float) -> None:
    """Record the URL without its password as origin (for people looking at the cache; fetches name the URL)."""
    shown = redact(url)
    if run_git(git, ["config", "--get", "remote.origin.url"], checkout, timeout, "config") != shown:
        run_git(git, ["remote", "set-url", "--", "origin", shown], checkout, timeout, "remote set-url")


class _Sync(NamedTuple):
    """What one sync_checkout call works with."""

    git: str
    url: str
    ref: str
    dest: Path
    timeout: float
    max_bytes: int
    layouts: Mapping[str, Sequence[str]] | None
    stall_timeout: float


def _fetch(job: _Sync, cwd: Path, ref: str) -> None:
    """Shallow-fetch ref from the URL itself, so a password in it is never written to .git/config (FETCH_HEAD stores
    it without)."""
    args = ["fetch", "--progress", "--depth", "1", "--no-tags", "--", job.url, ref]
    run_git_network(job.git, args, cwd, job.timeout, "fetch", job.url, job.stall_timeout)


def _checked_commit(job: _Sync, cwd: Path, rev: str) -> str:
    """The commit rev names in cwd, once its size and layout are checked (before any of its files is written)."""
    commit = run_git(job.git, ["rev-parse", "--verify", f"{rev}^{{commit}}"], cwd, job.timeout, "rev-parse")
    _check_size(job.git, cwd, commit, job.timeout, job.max_bytes, job.url)
    _check_layout(job.git, cwd, commit, job.timeout, job.url, job.layouts)
    return commit


def _update(job: _Sync) -> str:
    git, dest, timeout = job.git, job.dest, job.timeout
    clear_stale_locks(dest)
    if is_commit_sha(job.ref):
        try:
            if head_commit(git, dest, timeout) == job.ref:  # a commit id never moves: nothing to fetch
                _restore(git, dest, job.ref, timeout)
                return job.ref
        except GitError:
            pass
    _set_origin(git, job.url, dest, timeout)
    _fetch(job, dest, job.ref or "HEAD")
    fetched = _checked_commit(job, dest, "FETCH_HEAD")  # before reset: a wrong commit never replaces the files
    _restore(git, dest, fetched, timeout)
    return head_commit(git, dest, timeout)


def _restore(git: str, dest: Path, commit: str, timeout: float) -> None:
    """Make the files of dest exactly commit's: hand edits reset, files added by hand removed (never followed)."""
    run_git(git, ["reset", "--quiet", "--hard", commit], dest, timeout, "reset")
    run_git(git, ["clean", "--quiet", "-ffdx"], dest, timeout, "clean")


def _fresh_clone(job: _Sync) -> str:
    git, url, ref, dest, timeout = job.git, job.url, job.ref, job.dest, job.timeout
    dest.parent.mkdir(parents=True, exist_ok=True)
    tmp = Path(tempfile.mkdtemp(prefix=f".{dest.name}.", suffix=".tmp", dir=dest.parent))
    os.chmod(tmp, 0o755)
    try:
        if is_commit_sha(ref):
            run_git(git, ["init", "--quiet", "--template=", "--", str(tmp)], None, timeout, "init")
            run_git(git, ["remote", "add", "--", "origin", redact(url)], tmp, timeout, "remote add")
            _fetch(job, tmp, ref)
            rev = "FETCH_HEAD"
        else:
            branch = ["--branch", ref] if ref else []
            args = ["clone", "--progress", "--depth", "1", "--no-checkout", "--template=", *branch, "--", url, str(tmp)]
            run_git_network(git, args, None, timeout, "clone", url, job.stall_timeout)
            _set_origin(git, url, tmp, timeout)  # clone stored the URL as given, password included
            rev = "HEAD"
        commit = _checked_commit(job, tmp, rev)
        run_git(git, ["checkout", "--quiet", "--force", "--detach", commit], tmp, timeout, "checkout")
        if dest.exists() or dest.is_symlink():
            trash = Path(tempfile.mkdtemp(prefix=f".{dest.name}.", suffix=".old", dir=dest.parent))
            os.replace(dest, trash / "old")
            os.replace(tmp, dest)
            shutil.rmtree(trash, ignore_errors=True)
        else:
            os.replace(tmp, dest)
        return commit
    finally:
        if tmp.exists():
            shutil.rmtree(tmp, ignore_errors=True)


def sync_checkout(
    url: str,
    ref: str,
    dest: Path,
    timeout: float,
    max_bytes: int,
    layouts: Mapping[str, Sequence[str]] | None = None,
    stall_timeout: float = STALL_TIMEOUT,
) -> str:
    """Update dest in place (shallow fetch + hard reset), else clone it fresh via a temp dir; return the commit.

    The fetched objects are downloaded before their size is known (git has no size limit for a fetch), so only
    timeout bounds the download; max_bytes is checked on the fetched packs and on the commit's tree before any file
    is checked out. With layouts (name -> directories), a commit that lacks every layout's directories raises
    UnexpectedLayout and leaves dest as it was. The download prints progress and is given up after stall_timeout
    seconds without a byte from the remote (see modelpools.io.gitprocess).
    """
    job = _Sync(git_executable(url), url, ref, dest, timeout, max_bytes, layouts, stall_timeout)
    if (dest / ".git").is_dir() and not dest.is_symlink():
        try:
            return _update(job)
        except GitError as exc:
            if exc.timed_out:
                raise
            # A damaged checkout (bad index, config, HEAD or shallow file) would fail every update; a fresh clone
            # replaces it only once complete. When the remote is the problem, the clone fails too (quickly).
            try:
                return _fresh_clone(job)
            except GitError:
                raise exc from None
    return _fresh_clone(job)
