"""Deterministic JSON encoding, atomic writes and the one bounded JSON file reader."""

from __future__ import annotations

import json
import os
import re
from pathlib import Path
from typing import Any

from modelpools.errors import DataError, WriteError

__all__ = ["dump_json", "atomic_write", "write_if_changed", "read_json", "read_bounded", "parse_json_bytes",
           "DEFAULT_READ_LIMIT", "UnreadableJson"]

DEFAULT_READ_LIMIT = 64 * 1024 * 1024
_SURROGATE_ESCAPE = re.compile(rb"\\u[dD][89a-fA-F]")


def dump_json(obj: Any) -> bytes:
    """Canonical bytes for obj: sorted keys, 2-space indent, UTF-8, final newline."""
    return (json.dumps(obj, indent=2, sort_keys=True, ensure_ascii=False, allow_nan=False) + "\n").encode("utf-8")


def atomic_write(path: Path | str, data: bytes) -> None:
    """Write data to path via a temp file in the same directory, fsync, then rename.

    WriteError (one line naming path) when that fails: read-only, disk full (ENOSPC), a file-size limit (EFBIG,
    ``ulimit -f``); the write and fsync errors of those carry no file name, so it is added here. path is untouched.
    """
    path = Path(path)
    try:
        _write_then_rename(path, data)
    except OSError as exc:
        raise WriteError(f"cannot write {path}: {exc.strerror or exc}; check that {path.parent} is writable "
                         "and has space") from None


def _write_then_rename(path: Path, data: bytes) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.parent / f".{path.name}.{os.getpid()}.{os.urandom(4).hex()}.tmp"
    # O_EXCL: never reuse or follow an existing name; mode 0o666 lets the umask decide permissions, as open() does
    fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_EXCL | getattr(os, "O_NOFOLLOW", 0), 0o666)
    try:
        with os.fdopen(fd, "wb") as handle:
            handle.write(data)
            handle.flush()
            os.fsync(handle.fileno())
        os.replace(tmp, path)
    except BaseException:
        try:
            os.unlink(tmp)
        except FileNotFoundError:
            pass
        raise


def write_if_changed(path: Path | str, data: bytes) -> bool:
    """Atomically write data unless path already holds exactly these bytes; True when written."""
    path = Path(path)
    try:
        if path.stat().st_size == len(data) and path.read_bytes() == data:
            return False
    except OSError:
        pass
    atomic_write(path, data)
    return True


class UnreadableJson(DataError):
    """A JSON file that cannot be used; ``reason`` is the short cause ("is not valid JSON (line 3, ...)")."""

    def __init__(self, message: str, reason: str) -> None:
        super().__init__(message)
        self.reason = reason


def read_json(path: Path | str, what: str, max_bytes: int = DEFAULT_READ_LIMIT, advice: str = "; delete it and rebuild",
              *, lone_surrogates: bool = True) -> Any:
    """Parse the JSON file at path: the one JSON file reader of modelpools (records.py builds on it).

    DataError (one line, naming ``what`` and the path) if absent; UnreadableJson if unreadable, larger than
    max_bytes or malformed. With ``lone_surrogates=False`` a "\\udXXX" escape that cannot be written back as
    UTF-8 is refused too.
    """
    path = Path(path)
    data = read_bounded(path, what, max_bytes, advice)
    doc = parse_json_bytes(data, f"{what} at {path}", advice)
    if not lone_surrogates and _SURROGATE_ESCAPE.search(data):  # rare; a lone half cannot be written back as UTF-8
        try:
            json.dumps(doc, ensure_ascii=False).encode("utf-8")
        except UnicodeEncodeError:
            reason = "holds a lone UTF-16 surrogate escape (\\udXXX)"
            raise UnreadableJson(f"{what} at {path} {reason}{advice}", reason) from None
    return doc


def read_bounded(path: Path, what: str, max_bytes: int = DEFAULT_READ_LIMIT, advice: str = "") -> bytes:
    """The bytes of the file at path; DataError if absent, UnreadableJson if unreadable or larger than max_bytes."""
    try:
        with open(path, "rb") as handle:
            data = handle.read(max_bytes + 1)
    except FileNotFoundError:
        raise DataError(f"{what} not found at {path}") from None
    except OSError as exc:
        raise UnreadableJson(f"{what} at {path} cannot be read: {exc.strerror}", f"cannot be read ({exc.strerror})") from None
    if len(data) > max_bytes:
        reason = f"is larger than {max_bytes} bytes"
        raise UnreadableJson(f"{what} at {path} {reason}{advice}", reason)
    return data


def parse_json_bytes(data: bytes, what: str, advice: str = "") -> Any:
    """JSON from UTF-8 bytes; UnreadableJson "<what> is not UTF-8 / not valid JSON ...<advice>" when they are not."""
    try:
        return json.loads(data.decode("utf-8"))
    except UnicodeDecodeError as exc:
        problem = f"is not UTF-8 (byte {exc.start})"
    except json.JSONDecodeError as exc:
        cut = ", perhaps truncated" if exc.pos >= len(exc.doc.rstrip()) else ""  # the text ended mid-value
        problem = f"is not valid JSON{cut} (line {exc.lineno}, column {exc.colno}: {exc.msg})"
    except RecursionError:
        problem = "nests JSON too deeply"
    except ValueError as exc:  # an integer past Python's int/str conversion limit (4300 digits)
        problem = f"is not valid JSON ({str(exc)[:60]})"
    raise UnreadableJson(f"{what} {problem}{advice}", problem) from None
