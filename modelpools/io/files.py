"""Atomic writes and the one bounded JSON file reader (the encoding and decoding are jsonbytes.py's)."""

from __future__ import annotations

import json
import os
import re
from pathlib import Path
from typing import Any

from modelpools.errors import DataError, UnreadableJson, WriteError
from modelpools.jsonbytes import parse_json_bytes

__all__ = ["atomic_write", "write_if_changed", "read_json", "read_bounded", "DEFAULT_READ_LIMIT"]

DEFAULT_READ_LIMIT = 64 * 1024 * 1024
_SURROGATE_ESCAPE = re.compile(rb"\\u[dD][89a-fA-F]")


def atomic_write(path: Path | str, data: bytes) -> None:
    """Write data to path via a temp file in the same directory, fsync, then rename.

    WriteError (one line naming path) when that fails: read-only, disk full (ENOSPC), a file-size limit (EFBIG,
    ``ulimit -f``); the write and fsync errors of those carry no file name, so it is added here. path is untouched.
    """
    path = Path(path)
    try:
        _write_then_rename(path, data)
    except OSError as exc:
        raise WriteError(
            f"cannot write {path}: {exc.strerror or exc}; check that {path.parent} is writable and has space"
        ) from None


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


def read_json(
    path: Path | str,
    what: str,
    max_bytes: int = DEFAULT_READ_LIMIT,
    advice: str = "; delete it and rebuild",
    *,
    lone_surrogates: bool = True,
) -> Any:
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
        raise UnreadableJson(
            f"{what} at {path} cannot be read: {exc.strerror}", f"cannot be read ({exc.strerror})"
        ) from None
    if len(data) > max_bytes:
        reason = f"is larger than {max_bytes} bytes"
        raise UnreadableJson(f"{what} at {path} {reason}{advice}", reason)
    return data
