"""The modelpools exception hierarchy.

    ModelPoolsError            anything modelpools expects can go wrong
    ├── SettingsError          a configuration value is invalid
    ├── FetchError             upstream data could not be fetched (network, HTTP, git)
    │   ├── ResponseTooLarge   a response or checkout exceeded its size bound
    │   └── GitError           git is missing or a git command failed
    ├── DataError              data (upstream, cache or user file) is malformed
    │   └── UnreadableJson     a JSON file or body that cannot be decoded (``reason``: the short cause)
    ├── WriteError             a file could not be written (read-only, disk full, file-size limit)
    └── PoolsInvalid           a pools file violates the schema or an invariant

Each message is one line: what was wrong, where, and what to do. Callers catch at the
level they care about; doit tasks turn any ModelPoolsError into a one-line TaskFailed,
while other exceptions (bugs) keep their traceback.
"""

from __future__ import annotations

__all__ = [
    "ModelPoolsError",
    "SettingsError",
    "FetchError",
    "ResponseTooLarge",
    "GitError",
    "DataError",
    "UnreadableJson",
    "WriteError",
    "PoolsInvalid",
]


class ModelPoolsError(Exception):
    """Base class of every error modelpools raises on purpose."""


class SettingsError(ModelPoolsError):
    """A setting has an invalid value."""


class FetchError(ModelPoolsError):
    """Upstream data could not be fetched."""


class ResponseTooLarge(FetchError):
    """A response body or checkout exceeded its configured size bound."""


class GitError(FetchError):
    """git is missing, or a git command failed or timed out (``timed_out``: it ran out of time or stalled)."""

    def __init__(self, message: str, *, timed_out: bool = False) -> None:
        super().__init__(message)
        self.timed_out = timed_out


class DataError(ModelPoolsError):
    """Data is malformed: an upstream body, a cache file or a user file."""


class UnreadableJson(DataError):
    """A JSON file or body that cannot be used; ``reason`` is the short cause ("is not valid JSON (line 3, ...)")."""

    def __init__(self, message: str, reason: str) -> None:
        super().__init__(message)
        self.reason = reason


class WriteError(ModelPoolsError):
    """A file could not be written: the message names it; the previous file is left as it was."""


class PoolsInvalid(ModelPoolsError):
    """A pools file violates its schema or an invariant; ``path`` is the JSON path."""

    def __init__(self, message: str, path: str = "$") -> None:
        super().__init__(message)
        self.path = path
