"""What a failed OpenRouter request calls for: ``decide(status, headers, body)`` classifies one failed answer
(a daily or per-minute cap, an upstream rate limit, a dead or invalid model, a bad request, a server error, no answer)
into a ``Decision``: stop, wait, try the next model or retry this one, and after how long. No HTTP and no state;
the clock is read only when ``now`` is not given.

The router (``modelpools.consumer.router``) applies decisions along a fallback chain; the reply classifier
(``modelpools.consumer.replies``) makes one for every failed answer.
"""

from __future__ import annotations

import json
import math
import time as time_module
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from modelpools.io.http import parse_retry_after

__all__ = [
    "Decision",
    "decide",
    "parse_reset",
    "is_data_policy",
    "is_unsupported",
    "MIN_WAIT",
    "MINUTE_WINDOW",
    "PRIVACY_SETTINGS",
    "CREDITS_PAGE",
]
DAY = 86400.0
LAST_EPOCH = 253402300799.0  # 9999-12-31T23:59:59Z: a reset time past this is no time at all
DEFAULT_MINUTE_WAIT = 60.0  # a per-minute cap whose reset time says nothing (absent, already past, out of range)
MIN_WAIT = 1.0  # the shortest wait a rate-limit answer gets (a reset already past, Retry-After: 0 or a past date)
MINUTE_WINDOW = 120.0  # a 429 without Retry-After whose X-RateLimit-Reset is this close is the free tier's minute
PRIVACY_SETTINGS = "https://openrouter.ai/settings/privacy"
CREDITS_PAGE = "https://openrouter.ai/settings/credits"


def is_data_policy(message: str) -> bool:
    """A 404 that blames the account's privacy settings, in both wordings OpenRouter used ("No endpoints found
    matching your data policy", "No endpoints available matching your guardrail restrictions and data policy")."""
    lowered = message.lower()
    return "data policy" in lowered or "guardrail" in lowered


def is_unsupported(message: str) -> bool:
    """A 404 that says no endpoint of the model supports what the request asked for (tool use, another parameter)."""
    return "no endpoints found that support" in message.lower()


@dataclass(frozen=True)
class Decision:
    """What to do next: ``stop``, ``wait`` (then same model), ``next_model`` or ``retry`` (same model, after a pause).

    ``wait_seconds`` is the pause before acting (for ``stop`` the time until the limit resets, if known);
    ``reset_at`` is when the limit resets, in epoch seconds; ``model_dead`` means skip this model for the run.
    """

    action: str
    wait_seconds: float | None
    reset_at: float | None
    model_dead: bool
    reason: str


def _header(headers: Mapping[str, Any] | None, name: str) -> str | None:
    """A header value, case-insensitively."""
    if not headers:
        return None
    lower = name.lower()
    for key, value in headers.items():
        if str(key).lower() == lower and value is not None:
            return str(value)
    return None


def parse_reset(value: Any) -> float | None:
    """Epoch seconds from an ``X-RateLimit-Reset`` value (OpenRouter sends epoch milliseconds as a string); None for
    no time (absent, not a number, not finite, not positive, or past the year 9999: out of range is no information)."""
    try:
        number = float(str(value).strip())
    except (TypeError, ValueError):
        return None
    if not math.isfinite(number) or number <= 0:
        return None
    seconds = number / 1000.0 if number > 1e11 else number  # 1e11 s is the year 5138; anything above is milliseconds
    return seconds if seconds <= LAST_EPOCH else None


def _error(body: Any) -> dict:
    if isinstance(body, (bytes, str)):
        try:
            body = json.loads(body)
        except (ValueError, UnicodeDecodeError, RecursionError):  # RecursionError: nested too deep
            return {"message": body.decode("utf-8", "replace") if isinstance(body, bytes) else body}
    if isinstance(body, Mapping) and isinstance(body.get("error"), Mapping):
        return dict(body["error"])
    return {}


def decide(
    status: int | None,
    headers: Mapping[str, Any] | None = None,
    body: Any = None,
    *,
    attempt: int = 0,
    max_retries: int = 3,
    backoff: float = 1.0,
    max_backoff: float = 30.0,
    now: float | None = None,
) -> Decision:
    """Classify OpenRouter's answer to a failed request; ``attempt`` counts earlier retries of this model."""
    now = time_module.time() if now is None else now
    error = _error(body)
    metadata = given if isinstance(given := error.get("metadata"), Mapping) else {}
    message = str(error.get("message") or "").strip()
    raw = str(metadata.get("raw") or "")
    code = error.get("code")
    if isinstance(code, int) and 400 <= code <= 599 and (status is None or status < 400):
        status = code  # an error object in a 200 (streamed) answer
    meta_headers = given if isinstance(given := metadata.get("headers"), Mapping) else {}
    reset_at = parse_reset(_header(headers, "X-RateLimit-Reset") or _header(meta_headers, "X-RateLimit-Reset"))
    retry_after = parse_retry_after(_header(headers, "Retry-After"), now)
    until_reset = reset_at - now if reset_at is not None and reset_at > now else None  # a past reset says nothing
    limit_source = str(metadata.get("limit_source") or "")
    short = (message or raw or f"HTTP {status}")[:200]

    def retry_or_next(reason: str) -> Decision:
        if attempt < max_retries:
            pause = retry_after if retry_after is not None else min(max_backoff, backoff * (2**attempt))
            return Decision("retry", pause, None, False, f"{reason}; retry {attempt + 1} of {max_retries}")
        return Decision("next_model", None, None, False, f"{reason}; gave up after {max_retries} retries")

    if status is None or status == 0:
        return retry_or_next("no answer (network error or timeout)")
    if status == 429:
        if "free-models-per-day" in message or limit_source == "openrouter_free_tier_daily":
            if until_reset is None or until_reset > 2 * DAY:  # a daily cap resets within a day: else no information
                reset_at = until_reset = None
            return Decision(
                "stop",
                until_reset,
                reset_at,
                False,
                f"daily free-model cap reached ({short}); no retry until the reset",
            )
        if "free-models-per-min" in message or limit_source == "openrouter_free_tier_minute":
            wait = until_reset if until_reset is not None else (retry_after or DEFAULT_MINUTE_WAIT)
            return Decision(
                "wait", max(MIN_WAIT, wait), reset_at, False, "per-minute free-model cap reached; wait for the reset"
            )
        if (
            limit_source.startswith("upstream")
            or message == "Provider returned error"
            or message.startswith("Rate limit exceeded: limit_rpm/")
            or "rate-limited upstream" in raw
        ):
            return Decision(
                "next_model", None, reset_at, False, f"upstream provider rate limit: {(raw or message)[:160]}"
            )
        if retry_after is not None:
            return Decision(
                "wait",
                max(MIN_WAIT, retry_after),
                reset_at,
                False,
                f"rate limited ({short}); Retry-After {retry_after:g}s",
            )
        if until_reset is not None and until_reset <= MINUTE_WINDOW:  # the free tier's minute window: no retry burnt
            return Decision(
                "wait",
                max(MIN_WAIT, until_reset),
                reset_at,
                False,
                f"rate limited ({short}); wait for the minute's reset",
            )
        return Decision("next_model", None, reset_at, False, f"rate limited ({short})")
    if (status == 404 or "no endpoints" in message.lower()) and is_data_policy(message):
        return Decision(
            "next_model",
            None,
            None,
            True,
            f"the account's privacy settings exclude this model's providers: allow them at {PRIVACY_SETTINGS} "
            f"({short})",
        )
    if (status == 404 or "no endpoints" in message.lower()) and is_unsupported(message):
        return Decision("next_model", None, None, False, f"this model cannot serve this request ({short})")
    if status == 404 or "no endpoints found" in message.lower():
        return Decision("next_model", None, None, True, f"model unavailable ({short}); skipped for this run")
    if status == 400:
        lowered = message.lower()
        if "not a valid model" in lowered or "model not found" in lowered:
            return Decision("next_model", None, None, True, f"invalid model ({short}); skipped for this run")
        if "context length" in lowered or "context window" in lowered or "too many tokens" in lowered:
            return Decision("next_model", None, None, False, f"request too long for this model ({short})")
        return Decision("stop", None, None, False, f"bad request ({short}); fix the request")
    if status == 402:
        return Decision(
            "stop",
            None,
            None,
            False,
            f"the account's credit balance is negative: add credits at {CREDITS_PAGE} ({short})",
        )
    if status == 401:
        return Decision("stop", None, None, False, f"invalid or missing API key ({short})")
    if status == 403:
        return Decision("next_model", None, None, False, f"refused by moderation or provider policy ({short})")
    if status in (408, 409, 425) or status >= 500:
        return retry_or_next(f"HTTP {status} ({short})")
    if status == 413:
        return Decision("stop", None, None, False, f"request too large ({short}); shorten it")
    return Decision("next_model", None, None, False, f"unexpected HTTP {status} ({short})")
