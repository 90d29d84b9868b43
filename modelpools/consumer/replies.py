"""What one OpenRouter chat-completions answer means, pure: ``classify(status, headers, body)`` gives its outcome
class (success, empty, reasoning-only, malformed, daily or minute cap, upstream 429, no endpoints, ...), the reply
text and token counts, the router's decision (retry, wait, next model, stop) and the rate-limit headers.

The walking client (``modelpools.consumer.client``) sends, classifies with this, and records each attempt.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from modelpools.consumer.decision import Decision, decide, is_data_policy, is_unsupported, parse_reset
from modelpools.rules.usage import SUCCESS, failure_scope

__all__ = ["Answer", "classify"]


@dataclass(frozen=True)
class Answer:
    """What classify() makes of one HTTP answer."""

    outcome: str
    text: str | None = None
    decision: Decision | None = None  # None for a success
    prompt_tokens: int | None = None
    completion_tokens: int | None = None
    rate: tuple[int | None, int | None, float | None] = (None, None, None)  # limit, remaining, reset
    tool_calls: tuple[Mapping[str, Any], ...] = ()  # the message's tool calls (a request that passed ``tools``)
    finish_reason: str | None = None
    status: int | None = None  # the HTTP status the answer stands for (an error object's code in a 200 stream)

    @property
    def scope(self) -> str | None:
        """Whose failure this is: account, model or request (rules.usage.failure_scope); None for a success."""
        return failure_scope(self.outcome, self.status)


_INT64 = 2**63  # the ledger stores integers as SQLite INTEGER (64-bit)


def _int(value: Any) -> int | None:
    """A count or a limit from an answer: a whole number from 0 to 2^63 - 1, else None."""
    try:
        number = int(str(value).strip())
    except (TypeError, ValueError):  # ValueError also for a string of more than 4,300 digits
        return None
    return number if 0 <= number < _INT64 else None


def _rate_headers(headers: Mapping[str, str], body: Any) -> tuple[int | None, int | None, float | None]:
    """X-RateLimit-Limit/-Remaining/-Reset from the response headers, else from an error body's metadata.headers."""
    lower = {str(k).lower(): v for k, v in (headers or {}).items()}
    meta = {}
    if isinstance(body, Mapping) and isinstance(body.get("error"), Mapping):
        metadata = body["error"].get("metadata")
        if isinstance(metadata, Mapping) and isinstance(metadata.get("headers"), Mapping):
            meta = {str(k).lower(): v for k, v in metadata["headers"].items()}

    def get(name: str) -> Any:
        return lower.get(name) if lower.get(name) is not None else meta.get(name)

    return (_int(get("x-ratelimit-limit")), _int(get("x-ratelimit-remaining")), parse_reset(get("x-ratelimit-reset")))


def _content_text(content: Any) -> str:
    if isinstance(content, str):
        return content
    if isinstance(content, list):  # content parts
        return "".join(str(p.get("text") or "") for p in content if isinstance(p, Mapping))
    return ""


def _tool_calls(value: Any) -> tuple[Mapping[str, Any], ...]:
    """The message's tool calls that name a function (a reply that calls a tool is an answer, text or not)."""
    if not isinstance(value, list):
        return ()
    return tuple(
        dict(call) for call in value if isinstance(call, Mapping) and isinstance(call.get("function"), Mapping)
    )


def _failure_outcome(status: int | None, body: Any, decision: Decision) -> str:
    error = given if isinstance(body, Mapping) and isinstance(given := body.get("error"), Mapping) else {}
    message = str(error.get("message") or "").lower()
    metadata = meta if isinstance(meta := error.get("metadata"), Mapping) else {}
    source = str(metadata.get("limit_source") or "")
    if status is None:
        return "network"
    if status == 429:
        if "free-models-per-day" in message or source == "openrouter_free_tier_daily":
            return "daily_cap"
        if "free-models-per-min" in message or source == "openrouter_free_tier_minute":
            return "minute_cap"
        if decision.action == "wait" and decision.reason.endswith("wait for the minute's reset"):
            return "minute_cap"  # a bare 429 whose X-RateLimit-Reset is within the minute window
        return "upstream_429" if decision.action == "next_model" and "upstream" in decision.reason else "rate_limited"
    if status == 404 or "no endpoints" in message:
        if is_data_policy(message):
            return "data_policy"
        return "unsupported" if is_unsupported(message) else "no_endpoints"
    if status == 402:
        return "no_credits"
    if status == 400 and decision.model_dead:
        return "invalid_model"
    if status == 400 and decision.action == "next_model":
        return "too_long"
    if status in (408, 409, 425) or status >= 500:
        return "server_error"
    return "rejected"


def classify(
    status: int | None,
    headers: Mapping[str, str] | None,
    body: bytes | None,
    *,
    attempt: int = 0,
    max_retries: int = 2,
    backoff: float = 1.0,
    now: float | None = None,
) -> Answer:
    """Outcome class, reply text and routing decision for one answer (status None: no answer). Pure."""
    try:
        parsed = json.loads(body) if body else None
    except (ValueError, UnicodeDecodeError, RecursionError):  # RecursionError: nested too deep
        parsed = None
    rate = _rate_headers(headers or {}, parsed)
    error = parsed.get("error") if isinstance(parsed, Mapping) else None
    effective = status
    code = error.get("code") if isinstance(error, Mapping) else None
    if isinstance(code, int) and 400 <= code <= 599 and (status is None or status < 400):
        effective = code  # an error object inside a 200
    if effective is not None and 200 <= effective < 300 and not isinstance(error, Mapping):
        choices = parsed.get("choices") if isinstance(parsed, Mapping) else None
        message = (
            choices[0].get("message")
            if isinstance(choices, list) and choices and isinstance(choices[0], Mapping)
            else None
        )
        usage = given if isinstance(parsed, Mapping) and isinstance(given := parsed.get("usage"), Mapping) else {}
        tokens = (_int(usage.get("prompt_tokens")), _int(usage.get("completion_tokens")))
        if not isinstance(message, Mapping):
            return Answer(
                "malformed",
                None,
                Decision("next_model", None, None, False, "the 2xx answer holds no chat completion message"),
                *tokens,
                rate,
            )
        text = _content_text(message.get("content"))
        tool_calls = _tool_calls(message.get("tool_calls"))
        finish = choices[0].get("finish_reason") if isinstance(choices, list) else None
        if text.strip() or tool_calls:
            return Answer(SUCCESS, text, None, *tokens, rate, tool_calls, finish if isinstance(finish, str) else None)
        reasoning = message.get("reasoning") or message.get("reasoning_details")
        if reasoning and finish == "length":  # the budget ran out while thinking: the answer was lost, not the model
            return Answer(
                "reasoning_exhausted",
                None,
                Decision(
                    "next_model", None, None, False, "the reply's token budget ran out while reasoning (empty content)"
                ),
                *tokens,
                rate,
                status=effective,
            )
        if reasoning:
            return Answer(
                "reasoning_only",
                None,
                Decision("next_model", None, None, False, "reasoning-only reply (empty content)"),
                *tokens,
                rate,
            )
        return Answer("empty", None, Decision("next_model", None, None, False, "empty reply"), *tokens, rate)
    decision = decide(
        effective,
        headers,
        parsed if parsed is not None else body,
        attempt=attempt,
        max_retries=max_retries,
        backoff=backoff,
        now=now,
    )
    return Answer(_failure_outcome(effective, parsed, decision), None, decision, rate=rate, status=effective)
