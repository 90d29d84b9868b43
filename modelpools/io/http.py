"""Bounded HTTP GET with retries, backoff, Retry-After and conditional requests (aiohttp, imported lazily).

Waits are bounded and visible: each try ends within ``timeout``; tries and backoff together end within
``RetryPolicy.deadline`` (a wait the server asks for with Retry-After is honoured on top, up to
``retry_after_cap``); a retry after a slow failure prints one line, and a try that hangs says
"still waiting for <host> (N s)" after NOTE_AFTER seconds without a line (so no wait is silent for long). Proxies come from the usual
``HTTPS_PROXY``/``HTTP_PROXY``/``NO_PROXY`` variables, as for git. Network failures say what to do.
"""

from __future__ import annotations

import time as time_module
from collections.abc import Awaitable, Callable, Mapping
from dataclasses import dataclass, field
from urllib.parse import urlsplit

from modelpools.errors import FetchError, HttpStatusError, ResponseTooLarge
from modelpools.io import log
from modelpools.io.log import redact

__all__ = [
    "HttpResponse",
    "RetryPolicy",
    "fetch",
    "fetch_sync",
    "parse_retry_after",
]

Sleep = Callable[[float], Awaitable[None]]
CHUNK = 64 * 1024
USER_AGENT = "modelpools (+https://github.com/modelpools)"
NOTE_AFTER = 5.0  # a retry is announced, and a hanging try reported, when this long has passed without a line from us
OFFLINE_HINT = "check the network or the proxy (HTTPS_PROXY), or set MODELPOOLS_OFFLINE=1 to build from what is cached"


@dataclass(frozen=True)
class RetryPolicy:
    """How often to try and how long to wait: delays[i] is the wait before try i+2.

    deadline: seconds for all tries and backoff delays together (each try's timeout is cut to what is left;
    no try starts with less than a second left). Retry-After waits are not counted: the server answered.
    """

    attempts: int = 3
    delays: tuple[float, ...] = (1.0, 2.0, 4.0)
    retry_after_cap: float = 60.0
    deadline: float = field(default=25.0, kw_only=True)

    def delay(self, failed_attempt: int) -> float:
        """Backoff after the failed_attempt-th try (1-based); the last delay repeats."""
        if not self.delays:
            return 0.0
        return self.delays[min(failed_attempt - 1, len(self.delays) - 1)]


@dataclass(frozen=True)
class HttpResponse:
    """A completed response: status 200 (body read, within the cap) or 304 (empty body)."""

    url: str
    status: int
    body: bytes
    headers: Mapping[str, str] = field(default_factory=dict)  # names in lower case

    def header(self, name: str) -> str | None:
        """A response header by case-insensitive name."""
        return self.headers.get(name.lower())


class _Transient(Exception):
    """A failure worth another try; ``retry_after`` overrides the backoff."""

    def __init__(self, reason: str, retry_after: float | None = None, status: int | None = None) -> None:
        super().__init__(reason)
        self.reason = reason
        self.retry_after = retry_after
        self.status = status


def parse_retry_after(value: str | None, now: float | None = None) -> float | None:
    """Seconds to wait from a Retry-After header (delta-seconds or HTTP-date); None if absent or unparseable."""
    if not value:
        return None
    text = value.strip()
    if text.isascii() and text.isdigit():  # str.isdigit is also true for "²" and other digits float() refuses
        return float(text)
    try:
        import email.utils

        when = email.utils.parsedate_to_datetime(text)
    except (TypeError, ValueError, IndexError):
        return None
    if when is None or when.tzinfo is None:
        return None
    return max(0.0, when.timestamp() - (time_module.time() if now is None else now))


def _retryable(status: int) -> bool:
    return status == 429 or 500 <= status <= 599


async def _attempt(session, url: str, headers: Mapping[str, str], max_bytes: int, timeout: float) -> HttpResponse:
    import asyncio

    import aiohttp

    shown = redact(url)
    try:
        limit = aiohttp.ClientTimeout(total=timeout)
        async with session.get(url, headers=dict(headers), allow_redirects=True, timeout=limit) as resp:
            status = resp.status
            if status == 304:
                return HttpResponse(url, 304, b"", _lower(resp.headers))
            if _retryable(status):
                retry_after = parse_retry_after(resp.headers.get("Retry-After")) if status in (429, 503) else None
                raise _Transient(f"HTTP {status}", retry_after, status)
            if status != 200:
                raise HttpStatusError(f"HTTP {status} {resp.reason or ''}".strip() + f" from {shown}")
            declared = resp.content_length
            if declared is not None and declared > max_bytes:
                raise ResponseTooLarge(
                    f"response from {shown} is {declared} bytes, over the {max_bytes}-byte limit "
                    "(raise max_response_bytes if this is expected)"
                )
            chunks, size = [], 0
            async for chunk in resp.content.iter_chunked(CHUNK):
                size += len(chunk)
                if size > max_bytes:
                    raise ResponseTooLarge(
                        f"response from {shown} exceeded the {max_bytes}-byte limit; stopped reading "
                        "(raise max_response_bytes if this is expected)"
                    )
                chunks.append(chunk)
            return HttpResponse(url, 200, b"".join(chunks), _lower(resp.headers))
    except asyncio.TimeoutError:
        raise _Transient(f"timed out (limit {timeout:g} s)") from None
    except aiohttp.ClientPayloadError as exc:
        raise _Transient(f"body cut off ({type(exc).__name__})") from None
    except aiohttp.ClientConnectionError as exc:
        raise _Transient(f"connection failed ({redact(_short(exc), url)})") from None
    except aiohttp.InvalidURL as exc:
        if isinstance(exc, getattr(aiohttp, "RedirectClientError", ())):  # e.g. a redirect to file:// (aiohttp 3.10+)
            raise FetchError(f"{shown} redirected to a URL that is not http(s) or not valid; refused") from None
        raise FetchError(f"{shown} is not a valid URL (aiohttp refused it); check the URL") from None
    except aiohttp.TooManyRedirects as exc:
        hops = len(exc.history) if getattr(exc, "history", None) else "too many"
        raise FetchError(
            f"{shown} redirected {hops} times without an answer (a redirect loop?); check the URL"
        ) from None
    except aiohttp.ClientError as exc:
        raise FetchError(f"request to {shown} failed: {redact(_short(exc), url)}") from None
    except ValueError as exc:  # yarl refuses the URL (a port past 65535, a bad host); its message quotes the URL
        raise FetchError(f"cannot request {shown}: {redact(_short(exc), url)}; check the URL") from None


def _lower(headers) -> dict[str, str]:
    return {name.lower(): value for name, value in headers.items()}


def _netloc(url: str) -> str:
    """host[:port] of url for a short note (the whole URL when it cannot be split), without credentials."""
    shown = redact(url)
    try:
        return urlsplit(shown).netloc
    except ValueError:
        return shown


def _short(exc: BaseException) -> str:
    text = str(exc).splitlines()[0] if str(exc) else type(exc).__name__
    return text[:200]


async def fetch(
    url: str,
    *,
    timeout: float,
    max_bytes: int,
    headers: Mapping[str, str] | None = None,
    policy: RetryPolicy = RetryPolicy(),
    sleep: Sleep | None = None,
    report: Callable[[str], None] = log.notice,
) -> HttpResponse:
    """GET url; retry timeouts, connection errors, 429 and 5xx; raise FetchError (one line) when all tries fail."""
    import asyncio

    import aiohttp

    sleep = sleep or asyncio.sleep
    request_headers = {"User-Agent": USER_AGENT, "Accept": "application/json", **(headers or {})}
    clock = time_module.monotonic
    started = last_said = clock()
    spent_waiting = 0.0  # Retry-After waits, outside the deadline
    last: _Transient | None = None
    tried = 0
    host = _netloc(url)

    async def waiting(try_: Awaitable[HttpResponse]) -> HttpResponse:
        """try_'s response; every NOTE_AFTER s without a line from us meanwhile: "still waiting for <host> (N s)"."""
        nonlocal last_said
        task = asyncio.ensure_future(try_)
        try:
            while True:
                done, _ = await asyncio.wait({task}, timeout=max(0.0, last_said + NOTE_AFTER - clock()))
                if done:
                    return task.result()
                report(f"still waiting for {host} ({clock() - started:.0f} s)")
                last_said = clock()
        finally:
            task.cancel()  # no-op when done; on cancellation of fetch, the try goes too

    async with aiohttp.ClientSession(timeout=aiohttp.ClientTimeout(total=timeout), trust_env=True) as session:
        for attempt in range(1, policy.attempts + 1):
            left = policy.deadline - (clock() - started - spent_waiting)
            if attempt > 1 and left < 1.0:
                break
            tried, try_started = attempt, clock()
            try:
                return await waiting(_attempt(session, url, request_headers, max_bytes, min(timeout, max(left, 1.0))))
            except _Transient as exc:
                last = exc
                if attempt == policy.attempts:
                    break
                wait = policy.delay(attempt)
                if exc.retry_after is not None:
                    wait = min(exc.retry_after, policy.retry_after_cap)
                elif clock() - started - spent_waiting + wait + 1.0 > policy.deadline:
                    break  # no time left for another try
                if clock() - try_started >= NOTE_AFTER or clock() - last_said >= NOTE_AFTER:  # a slow failure
                    report(
                        f"GET {host}: {exc.reason}; trying again in {wait:g} s (try {attempt + 1} of {policy.attempts})"
                    )
                    last_said = clock()
                before = clock()
                await sleep(wait)
                if exc.retry_after is not None:
                    spent_waiting += clock() - before
    assert last is not None
    tries = f"{tried} attempt" + ("s" if tried != 1 else "")
    reason = f"{last.reason} after {tries} from {redact(url)}"
    if tried < policy.attempts:
        reason += f" (the {policy.deadline:g} s deadline for all tries was reached)"
    if last.status is not None:
        raise HttpStatusError(reason)
    raise FetchError(f"{reason}; {OFFLINE_HINT}")


def fetch_sync(url: str, **kwargs) -> HttpResponse:
    """fetch() run in a fresh event loop."""
    import asyncio

    return asyncio.run(fetch(url, **kwargs))
