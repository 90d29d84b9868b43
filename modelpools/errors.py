"""The modelpools exception hierarchy.

    ModelPoolsError              anything modelpools expects can go wrong
    ├── SettingsError            a configuration value is invalid (also: no API key for the chat client)
    ├── FetchError               upstream data could not be fetched (network, HTTP, git)
    │   ├── HttpStatusError      the server answered with an HTTP error status (after any retries)
    │   ├── ResponseTooLarge     a response or checkout exceeded its size bound
    │   └── GitError             git is missing or a git command failed
    ├── DataError                data (upstream, cache or user file) is malformed
    │   ├── UnreadableJson       a JSON file or body that cannot be decoded (``reason``: the short cause)
    │   └── UnexpectedLayout     a fetched benchmark commit has none of the directory layouts modelpools reads
    ├── WriteError               a file could not be written (read-only, disk full, file-size limit)
    ├── PoolsInvalid             a pools file violates the schema or an invariant
    ├── Exhausted                the router's walk down a fallback chain found no model left (``decision``: why)
    ├── UnknownModel             a request's ``model`` names no model id, role or tier of the pools file
    ├── NoCapableModel           no model a request names supports the parameters it sets (tools, ...)
    ├── ServeRefused             ``modelpools serve`` will not start as asked (another address, no serve key)
    └── CompletionFailed         a chat completion got no reply: every model failed, or a stop decision (bad key,
        │                        bad request); ``attempts`` made and the router's last ``decision``
        ├── DailyCapReached      today's free requests are used up; ``reset_at`` says when they come back
        │   └── QuotaReached     the role's own daily quota (``daily_quota=``) is used up
        └── AccountPaused        the account, not a model, failed (privacy settings, credits): ``fix`` names the
                                 page to change; the client sends nothing more in its run

Each message is one line: what was wrong, where, and what to do. Callers catch at the
level they care about; doit tasks turn any ModelPoolsError into a one-line TaskFailed,
while other exceptions (bugs) keep their traceback. Importing this module imports no other modelpools module (the types of
``attempts`` and ``decision`` are named for the type checker only).
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from modelpools.consumer.completion import Attempt
    from modelpools.consumer.decision import Decision

__all__ = [
    "ModelPoolsError",
    "SettingsError",
    "FetchError",
    "HttpStatusError",
    "ResponseTooLarge",
    "GitError",
    "DataError",
    "UnreadableJson",
    "UnexpectedLayout",
    "WriteError",
    "PoolsInvalid",
    "Exhausted",
    "UnknownModel",
    "NoCapableModel",
    "ServeRefused",
    "CompletionFailed",
    "DailyCapReached",
    "QuotaReached",
    "AccountPaused",
]


class ModelPoolsError(Exception):
    """Base class of every error modelpools raises on purpose."""


class SettingsError(ModelPoolsError):
    """A setting has an invalid value."""


class FetchError(ModelPoolsError):
    """Upstream data could not be fetched."""


class HttpStatusError(FetchError):
    """The server answered with an HTTP error status (after any retries)."""


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


class UnexpectedLayout(DataError):
    """The fetched commit has none of the directory layouts the caller reads; the checkout was left as it was."""


class WriteError(ModelPoolsError):
    """A file could not be written: the message names it; the previous file is left as it was."""


class PoolsInvalid(ModelPoolsError):
    """A pools file violates its schema or an invariant; ``path`` is the JSON path."""

    def __init__(self, message: str, path: str = "$") -> None:
        super().__init__(message)
        self.path = path


class Exhausted(ModelPoolsError):
    """Raised by ModelSession.run when no model is left (or the router stopped); ``decision`` says why."""

    def __init__(self, decision: Decision | None, message: str) -> None:
        super().__init__(message)
        self.decision = decision


class UnknownModel(ModelPoolsError):
    """The ``model`` names no model id, role or tier of the pools file."""


class NoCapableModel(ModelPoolsError):
    """No model the ``model`` names supports the gated parameters the request sets."""


class ServeRefused(ModelPoolsError):
    """The server will not start as asked (an address other than loopback without a serve key)."""


class CompletionFailed(ModelPoolsError):
    """No model gave a usable reply; ``attempts`` lists what was tried, ``decision`` the last routing decision."""

    def __init__(self, message: str, attempts: Sequence[Attempt] = (), decision: Decision | None = None) -> None:
        super().__init__(message)
        self.attempts = tuple(attempts)
        self.decision = decision


class DailyCapReached(CompletionFailed):
    """Today's free requests are used up (counted in the ledger, or told by a 429); ``reset_at`` in epoch seconds."""

    def __init__(
        self, message: str, reset_at: float, attempts: Sequence[Attempt] = (), decision: Decision | None = None
    ) -> None:
        super().__init__(message, attempts, decision)
        self.reset_at = reset_at


class QuotaReached(DailyCapReached):
    """The role's daily quota (``complete(daily_quota=...)``) is used up, or the rest of the cap is the site's."""


class AccountPaused(CompletionFailed):
    """An account-level failure: the account's privacy settings exclude every model's providers, or its credit
    balance is negative. ``fix`` is the page where the user changes that; the Client sends nothing more in its run."""

    def __init__(
        self, message: str, fix: str, attempts: Sequence[Attempt] = (), decision: Decision | None = None
    ) -> None:
        super().__init__(message, attempts, decision)
        self.fix = fix
