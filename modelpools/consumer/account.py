"""The account's own counter: what ``GET <base>/key`` says about the API key's account, read and reconciled.

OpenRouter answers ``{"data": {"label", "limit", "limit_remaining", "usage", "is_free_tier",
"free_model_daily_requests": {"used", "limit", "remaining"}, ...}}``: the free-model requests of the whole account
today (UTC), whichever machine sent them. ``parse_key_status`` reads that body (pure); ``read_key_status`` asks for
it with the client's session and gives None when it cannot (no such endpoint, an error, a timeout, a body that says
nothing usable): the ledger alone decides then.

The client reads it at start and after a daily-cap answer, and again before each request while the account has
``RECHECK_BELOW`` requests or fewer left by its own count. ``Ledger.reserve`` takes the reading and never lets the
requests counted since it was taken (by every process writing the ledger) pass its ``remaining``.
"""

from __future__ import annotations

import asyncio
import json
from collections.abc import Mapping
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    import aiohttp

__all__ = [
    "AccountStatus",
    "parse_key_status",
    "read_key_status",
    "read_key_status_once",
    "KEY_PATH",
    "RECHECK_BELOW",
]

KEY_PATH = "/key"
RECHECK_BELOW = 5  # with this many requests left or fewer (by the last reading and the ledger), read before each one
MAX_KEY_BODY = 64 * 1024
_INT64 = 2**63


@dataclass(frozen=True)
class AccountStatus:
    """One reading of the key's status. ``daily_*`` is the free-model daily counter (None when not reported);
    ``read_at`` is when the request for it was sent (epoch seconds): requests sent after that are not in it."""

    read_at: float
    daily_used: int | None
    daily_limit: int | None
    daily_remaining: int | None
    is_free_tier: bool | None
    credits_used: float | None  # ``usage``: credits used, all time
    credit_limit: float | None  # ``limit``: the key's credit limit, None when unlimited

    @property
    def has_counter(self) -> bool:
        """True when the reading holds the account's daily counter (the ledger is reconciled with it)."""
        return self.daily_limit is not None and self.daily_remaining is not None

    def to_json(self) -> dict[str, Any]:
        return {
            "used": self.daily_used,
            "limit": self.daily_limit,
            "remaining": self.daily_remaining,
            "isFreeTier": self.is_free_tier,
            "creditsUsed": self.credits_used,
            "creditLimit": self.credit_limit,
        }


def _count(value: Any) -> int | None:
    if isinstance(value, bool) or not isinstance(value, (int, float)) or value != value:
        return None
    number = int(value)
    return number if 0 <= number < _INT64 and number == value else None


def _amount(value: Any) -> float | None:
    if isinstance(value, bool) or not isinstance(value, (int, float)) or value != value:
        return None
    return float(value) if abs(value) < 1e15 else None


def parse_key_status(body: Any, read_at: float) -> AccountStatus | None:
    """The reading in a ``GET /key`` body (bytes, text or parsed JSON); None when it holds no ``data`` object.

    A daily counter with a count that is no whole number from 0 up, or whose remaining exceeds its limit, is no
    counter (the ledger alone decides then)."""
    if isinstance(body, (bytes, str)):
        try:
            body = json.loads(body)
        except (ValueError, UnicodeDecodeError, RecursionError):
            return None
    data = body.get("data") if isinstance(body, Mapping) else None
    if not isinstance(data, Mapping):
        return None
    daily = data.get("free_model_daily_requests")
    used = limit = remaining = None
    if isinstance(daily, Mapping):
        used, limit, remaining = _count(daily.get("used")), _count(daily.get("limit")), _count(daily.get("remaining"))
        if limit is not None and remaining is None and used is not None:
            remaining = max(0, limit - used)
        if limit is None or remaining is None or remaining > limit or limit == 0:
            used = limit = remaining = None
    free = data.get("is_free_tier")
    return AccountStatus(
        read_at,
        used,
        limit,
        remaining,
        free if isinstance(free, bool) else None,
        _amount(data.get("usage")),
        _amount(data.get("limit")),
    )


async def read_key_status(
    session: aiohttp.ClientSession, base_url: str, now: float, timeout: float = 10.0
) -> AccountStatus | None:
    """GET <base_url>/key with the session's Authorization header; None when the answer is no reading."""
    import aiohttp

    try:
        async with session.get(
            base_url.rstrip("/") + KEY_PATH, timeout=aiohttp.ClientTimeout(total=timeout)
        ) as response:
            if response.status != 200:
                return None
            body = await response.content.read(MAX_KEY_BODY + 1)
    except (asyncio.TimeoutError, aiohttp.ClientError):
        return None
    if len(body) > MAX_KEY_BODY:
        return None
    return parse_key_status(body, now)


def read_key_status_once(base_url: str, api_key: str, now: float, timeout: float = 10.0) -> AccountStatus | None:
    """One reading from synchronous code (``modelpools usage``): a fresh session sending the key only in the
    Authorization header; None when there is no key or no reading."""
    if not api_key.strip() or any(ord(c) < 32 or ord(c) == 127 for c in api_key.strip()):
        return None

    async def run() -> AccountStatus | None:
        import aiohttp

        headers = {"Authorization": f"Bearer {api_key.strip()}", "X-Title": "modelpools"}
        async with aiohttp.ClientSession(headers=headers) as session:
            return await read_key_status(session, base_url, now, timeout)

    return asyncio.run(run())
