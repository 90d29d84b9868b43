"""What a chat completion ends in: a Reply with every Attempt made, or an exception of this tree.

``Client.complete`` (``modelpools.consumer.client``) returns a :class:`Reply` or raises:

    ModelPoolsError
    ├── CompletionFailed        no reply: every model failed, or a stop decision (bad key, bad request)
    │   └── DailyCapReached     today's free requests are used up; ``reset_at`` says when they come back
    │       └── QuotaReached    the role's own daily quota (``daily_quota=``) is used up
    └── SettingsError           no API key, or an invalid option (``modelpools.errors``; raised by ``Client(...)``)

Each failure carries the ``attempts`` made before it and the router's last ``decision``, so a caller can tell a
model's failure from a stop that is not about the model (a bad key, a long per-minute wait).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, NamedTuple

from modelpools.errors import ModelPoolsError

if TYPE_CHECKING:
    from modelpools.consumer.decision import Decision

__all__ = [
    "Reply",
    "TextPiece",
    "Attempt",
    "CompletionFailed",
    "DailyCapReached",
    "QuotaReached",
]


@dataclass(frozen=True)
class Attempt:
    """One request of a completion: the model, its outcome class, HTTP status, latency and what was done next."""

    model: str
    outcome: str
    status: int | None
    latency_ms: int
    action: str  # "done", or the router's action: retry, wait, next_model, stop
    reason: str


class TextPiece(NamedTuple):
    """A piece of streamed reply text: ``attempt`` numbers the request (its index in the Reply's attempts), so a new
    number means the earlier attempt failed and its pieces are void."""

    attempt: int
    model: str
    text: str


@dataclass(frozen=True)
class Reply:
    """A completion: the text, the model that wrote it, every attempt made, and the token usage when reported.

    ``tool_calls`` holds the message's tool calls (OpenAI shape) when the request passed ``tools`` and the model
    called one; ``finish_reason`` is the upstream's (``stop``, ``length``, ``tool_calls``), when it said.
    """

    text: str
    model: str
    attempts: tuple[Attempt, ...]
    prompt_tokens: int | None = None
    completion_tokens: int | None = None
    tool_calls: tuple[Mapping[str, Any], ...] = ()
    finish_reason: str | None = None


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
