"""What a chat completion ends in: a Reply with every Attempt made.

``Client.complete`` (``modelpools.consumer.client``) returns a :class:`Reply` or raises CompletionFailed (or its
DailyCapReached and QuotaReached), drawn with every other modelpools exception in ``modelpools.errors``; ``Client(...)``
raises SettingsError without an API key or with an invalid option. Each failure carries the ``attempts`` made before
it and the router's last ``decision``, so a caller can tell a model's failure from a stop that is not about the model
(a bad key, a long per-minute wait).
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
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
    ``id`` is the usage ledger's id of the attempt that wrote the reply (``Client.feedback(id, score)``);
    ``experiment`` the role default it was compared against when the request was an arm of an A/B experiment.
    """

    text: str
    model: str
    attempts: tuple[Attempt, ...]
    prompt_tokens: int | None = None
    completion_tokens: int | None = None
    tool_calls: tuple[Mapping[str, Any], ...] = ()
    finish_reason: str | None = None
    id: int | None = None
    experiment: str | None = None
    rater: Callable[[int, float], None] | None = field(default=None, repr=False, compare=False)

    def rate(self, score: float) -> None:
        """Record the reply's quality (0 to 1) in the usage ledger, for the role's A/B experiment (docs/experiments.md);
        the newest score of a reply counts. Call it while the Client that wrote the reply is open."""
        if self.rater is None or self.id is None:
            raise RuntimeError("this reply was not written by an open Client; it cannot be rated")
        self.rater(self.id, score)
