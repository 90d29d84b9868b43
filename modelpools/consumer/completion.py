"""What a chat completion ends in: a Reply with every Attempt made.

``Client.complete`` (``modelpools.consumer.client``) returns a :class:`Reply` or raises CompletionFailed (or its
DailyCapReached and QuotaReached), drawn with every other modelpools exception in ``modelpools.errors``; ``Client(...)``
raises SettingsError without an API key or with an invalid option. Each failure carries the ``attempts`` made before
it and the router's last ``decision``, so a caller can tell a model's failure from a stop that is not about the model
(a bad key, a long per-minute wait).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any, NamedTuple

__all__ = [
    "Reply",
    "TextPiece",
    "Attempt",
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
