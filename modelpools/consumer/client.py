"""An asyncio client for OpenRouter's chat completions that routes by the pools file and records every attempt.

    async with Client() as client:
        reply = await client.complete(role="pageModel", messages=[{"role": "user", "content": "..."}])
        reply.text, reply.model, reply.attempts

``complete_sync(...)`` does the same from a script. The client walks the role's fallback chain with the router's
decisions (daily cap: stop with the reset time; per-minute cap: wait; upstream 429: next model at once;
404 "No endpoints": dead for the run; 5xx and timeouts: retry, then the next model), treats an empty or
reasoning-only reply as a failure (next model), and writes each attempt to the usage ledger. Before every
request it reserves the attempt in the ledger, which refuses once today's (UTC) free requests of all processes
reach the daily cap, and paces all processes to ``requests_per_minute``.
Each failure has a scope (rules.usage.failure_scope): an account-level one (the data-policy 404 from every model,
a 402) pauses the client with AccountPaused naming the page to change; a request-level one (tools a model lacks, a
request too long for it, a reasoning budget used up) moves this request on without blaming the model; a model
whose supportedParameters or context_length rule the request out is skipped before sending
(model_spec.unfit_reason). The account's own counter (GET /key, modelpools.consumer.account) bounds the ledger's
reservations when the endpoint answers.
What each answer means (outcome class, reply text, decision) is ``modelpools.consumer.replies.classify``; what a
completion returns (Reply, Attempt) is ``modelpools.consumer.completion``; what it raises (CompletionFailed and its
subclasses) is drawn in ``modelpools.errors``.

The API key comes from ``OPENROUTER_API_KEY`` (or ``api_key=``); it is sent only in the Authorization header
and never logged, stored or put in a message; without one, ``Client(...)`` raises SettingsError.

``complete(..., on_text=fn)`` streams: fn(TextPiece(attempt, model, text)) gets each piece of reply text as it
arrives (modelpools.consumer.reading). An attempt that fails mid-stream is followed by a retry or the next model,
whose pieces carry the next attempt number: drop the earlier attempt's pieces. The Reply holds the text of the
attempt that finished. A stream silent for ``stream_idle_timeout`` seconds (no event, no keep-alive comment,
headers included) counts as a timeout.

``complete(..., models=(id, ...))`` walks those models instead of the role's chain (any model of the pools file,
ranked or not: the coding probe asks one unranked model at a time); ``daily_quota=N`` lets the role send at most N
requests a day and only while the other roles keep ``cap - N`` of the daily cap (rules.usage.quota_allowance).
"""

from __future__ import annotations

import asyncio
import os
import re
import time as time_module
from collections.abc import Awaitable, Callable, Mapping, Sequence
from dataclasses import dataclass, field, fields, replace
from pathlib import Path
from typing import TYPE_CHECKING, Any

from modelpools.consumer.account import RECHECK_BELOW, AccountStatus, read_key_status
from modelpools.consumer.completion import Attempt, Reply, TextPiece
from modelpools.consumer.decision import CREDITS_PAGE, PRIVACY_SETTINGS, Decision
from modelpools.consumer.ledger import Ledger
from modelpools.consumer.model_spec import required_parameters, unfit_reason
from modelpools.consumer.pools_view import Pools, load_pools
from modelpools.consumer.replies import Answer, classify
from modelpools.consumer.router import Router
from modelpools.errors import AccountPaused, CompletionFailed, DailyCapReached, QuotaReached, SettingsError
from modelpools.rules.usage import iso_time
from modelpools.settings import Settings

if TYPE_CHECKING:
    import aiohttp

    from modelpools.consumer.model_spec import ModelChoice
    from modelpools.slices import ClientSettings

__all__ = [
    "Client",
    "ClientOptions",
    "complete_sync",
    "more_room",
    "API_KEY_VARIABLE",
    "REASONING_ROOM",
]

API_KEY_VARIABLE = "OPENROUTER_API_KEY"
REASONING_ROOM = 4096  # max_tokens of the retry after a reasoning-exhausted reply to a request that set none
_UNPRINTABLE = re.compile(r"[\x00-\x1f\x7f-\x9f\u2028\u2029\u202a-\u202e\u2066-\u2069]")


def _setting(key: str) -> Any:
    """An option read from the setting ``key`` (slices.ClientSettings): that setting's default is the option's."""
    return field(default=getattr(Settings, key), metadata={"setting": key})


@dataclass(frozen=True)
class ClientOptions:
    """The client's options: its settings (slices.ClientSettings) under the client's names, with their defaults, and
    the finer knobs no setting holds. ``of`` (a ClientSettings slice) and ``from_settings`` read them."""

    base_url: str = _setting("openrouter_api_base")
    request_timeout: float = _setting("client_timeout")  # seconds for one request, connect to last byte
    stream_idle_timeout: float = 30.0  # seconds a streamed reply may go without a line (OpenRouter pings every few)
    stream_timeout: float = 600.0  # seconds for one streamed request, connect to its end
    max_reply_bytes: int = _setting("max_reply_bytes")
    concurrency: int = _setting("client_concurrency")  # requests in flight at once, per client
    requests_per_minute: int = _setting("requests_per_minute")  # all processes together; 0 disables the pacing
    daily_cap: int = _setting("daily_request_cap")  # free requests per UTC day when no daily-cap answer said otherwise
    max_retries: int = 2  # retries of one model after a 5xx or a timeout
    backoff: float = 1.0
    max_wait: float = 90.0  # longest pause the client accepts (per-minute reset, Retry-After)
    retention_days: int = _setting("usage_retention_days")
    ledger_file: Path | None = None  # default: <cache>/usage.sqlite
    pools_file: Path | None = None  # default: <cache>/model-pools.json
    ab_share: float = 0.0  # share of a role's requests sent to its runners-up (docs/experiments.md); 0: off
    role_ab_shares: tuple[tuple[str, float], ...] = ()  # (role, share) of roles whose [roles.<name>] table sets one

    @classmethod
    def of(cls, client: ClientSettings, **changes: Any) -> ClientOptions:
        """The options of a client settings slice (its ledger and pools file included), with ``changes`` made."""
        read = {f.name: getattr(client, f.metadata["setting"]) for f in fields(cls) if "setting" in f.metadata}
        return cls(
            **{**read, "ledger_file": client.files.ledger_file, "pools_file": client.files.pools_file, **changes}
        )

    @classmethod
    def from_settings(cls, settings: Settings) -> ClientOptions:
        """The options a Settings object holds."""
        from modelpools.slices import ClientSettings

        shares = tuple((r.name, r.ab_share) for r in settings.roles if r.ab_share is not None)
        return cls.of(ClientSettings.of(settings), ab_share=settings.ab_share, role_ab_shares=shares)

    def share_of(self, role: str) -> float:
        """The A/B share of a role: its own ``ab_share`` when its table sets one, else the site's."""
        return dict(self.role_ab_shares).get(role, self.ab_share)


def _safe(text: Any, limit: int = 200) -> str:
    """Untrusted text made safe for one terminal line."""
    return _UNPRINTABLE.sub("?", str(text))[:limit]


class Client:
    """Chat completions over the pools' fallback chains; ``async with Client() as client`` (see the module doc)."""

    def __init__(
        self,
        settings: Settings | None = None,
        *,
        options: ClientOptions | None = None,
        api_key: str | None = None,
        pools: Pools | None = None,
        clock: Callable[[], float] = time_module.time,
        sleep: Callable[[float], Awaitable[None]] = asyncio.sleep,
        validators: Mapping[str, Callable[[str], float | bool]] | None = None,
    ) -> None:
        if options is None or options.ledger_file is None or (options.pools_file is None and pools is None):
            if settings is None:
                from modelpools.settings import load_settings

                settings = load_settings()
            base = ClientOptions.from_settings(settings)
            if options is not None:
                options = replace(
                    options,
                    ledger_file=options.ledger_file or base.ledger_file,
                    pools_file=options.pools_file or base.pools_file,
                )
        self.options = options if options is not None else base
        self._settings = settings
        if self.options.concurrency < 1:
            raise SettingsError(f"concurrency is {self.options.concurrency}; expected 1 or more")
        key = api_key if api_key is not None else os.environ.get(API_KEY_VARIABLE, "")
        if not key.strip():
            raise SettingsError(
                f"{API_KEY_VARIABLE} is not set; export your OpenRouter API key "
                "(https://openrouter.ai/keys) before creating a Client"
            )
        if _UNPRINTABLE.search(key.strip()):  # never echoed: it is a credential
            raise SettingsError(
                f"{API_KEY_VARIABLE} holds a line break or another control character; "
                "set it to the key alone, as shown at https://openrouter.ai/keys"
            )
        self.__key = key.strip()
        self.validators = dict(validators or {})  # role -> fn(reply text) -> quality 0..1 (or a bool)
        self._pools = pools
        self.clock, self.sleep = clock, sleep
        self._routers: dict[str, Router] = {}
        self._dead: dict[str, str] = {}
        self._pools_stamp: tuple[int, int, int] | None = None  # (inode, size, mtime_ns) of the pools file read
        self._follows_file = False  # the pools came from options.pools_file (refresh_pools reads it again)
        self._turns: dict[str, int] = {}  # requests per tier, for resolve_model's rotation
        self._session: aiohttp.ClientSession | None = None
        self._ledger: Ledger | None = None
        self._semaphore: asyncio.Semaphore | None = None
        self._paused: AccountPaused | None = None  # an account-level stop: every later request raises it at once
        self._lacks: dict[str, frozenset[str]] = {}  # model -> gated parameters it answered "no endpoints support"
        self._account: AccountStatus | None = None  # the last reading of the account's counter (GET /key)
        self._account_lock: asyncio.Lock | None = None

    def __repr__(self) -> str:  # never shows the key
        return f"Client(base_url={self.options.base_url!r}, ledger={str(self.options.ledger_file)!r})"

    # -- lifecycle -------------------------------------------------------------------------------------
    async def __aenter__(self) -> Client:
        import aiohttp

        if self._pools is None:
            self._pools_stamp = _file_stamp(self.options.pools_file)
            self._pools = load_pools(self.options.pools_file, settings=self._settings)
            self._follows_file = True
        assert self.options.ledger_file is not None  # __init__ fills it in from the settings when not given
        self._ledger = Ledger(self.options.ledger_file, retention_days=self.options.retention_days, clock=self.clock)
        self._semaphore = asyncio.Semaphore(self.options.concurrency)
        self._session = aiohttp.ClientSession(
            timeout=aiohttp.ClientTimeout(total=self.options.request_timeout),
            headers={
                "Authorization": f"Bearer {self.__key}",
                "Content-Type": "application/json",
                "X-Title": "modelpools",
            },
        )
        self._account_lock = asyncio.Lock()
        await self.read_account()
        return self

    @property
    def account(self) -> AccountStatus | None:
        """The last reading of the account's own counter (``GET <base>/key``); None without one."""
        return self._account

    async def read_account(self) -> AccountStatus | None:
        """Read the account's counter again (``modelpools.consumer.account``); a failed read keeps no reading, so the
        ledger alone decides until the next one succeeds."""
        if self._session is None or self._account_lock is None:
            raise RuntimeError("use the Client as `async with Client() as client:`")
        async with self._account_lock:
            self._account = await read_key_status(
                self._session, self.options.base_url, self.clock(), min(10.0, self.options.request_timeout)
            )
        return self._account

    async def _recheck_account(self) -> None:
        """Read the counter before a request while the account has RECHECK_BELOW requests or fewer left by the last
        reading less what this ledger sent since: near the end of the day's count, the account decides each one."""
        account = self._account
        if account is None or not account.has_counter or self._ledger is None:
            return
        assert account.daily_remaining is not None  # has_counter
        sent = self._ledger.used_since(account.read_at, self.clock())
        if account.daily_remaining - sent <= RECHECK_BELOW:
            await self.read_account()

    async def __aexit__(self, *exc_info: Any) -> None:
        await self.aclose()

    async def aclose(self) -> None:
        """Close the HTTP session and the ledger."""
        if self._session is not None:
            await self._session.close()
            self._session = None
        if self._ledger is not None:
            self._ledger.close()
            self._ledger = None

    @property
    def pools(self) -> Pools:
        if self._pools is None:
            raise RuntimeError("use the Client as `async with Client() as client:`")
        return self._pools

    def refresh_pools(self) -> bool:
        """Read the pools file again when it changed on disk (inode, size or mtime) since it was read; True if so.

        Role chains are rebuilt from the new file; models found dead in this run stay dead. A new file that does not
        load raises its error and the pools in use stay (the next call tries again only after the file changes).
        A Client given ``pools=`` has no file to follow: False.
        """
        if not self._follows_file or self.options.pools_file is None:
            return False
        stamp = _file_stamp(self.options.pools_file)
        if stamp == self._pools_stamp:
            return False
        self._pools_stamp = stamp
        self._pools = load_pools(self.options.pools_file, settings=self._settings)
        self._routers.clear()
        return True

    def resolve_model(self, spec: str, params: Mapping[str, Any] | None = None) -> ModelChoice:
        """What an OpenAI ``model`` field names: a model id (``:free`` optional), a role, a tier or ``auto``, as
        ``modelpools.consumer.model_spec.resolve_model`` says; each tier rotates over its models request by request.
        Pass the choice on as ``complete(role=choice.role, models=choice.models, ...)``."""
        from modelpools.consumer.model_spec import resolve_model

        key = str(spec).upper()
        turn = self._turns.get(key, 0)
        choice = resolve_model(self.pools, spec, params, turn=turn)
        if choice.kind == "tier":
            self._turns[key] = turn + 1
        return choice

    def _router(self, role: str) -> Router:
        router = self._routers.get(role)
        if router is None:
            router = self.pools.router(
                role,
                clock=self.clock,
                max_retries=self.options.max_retries,
                backoff=self.options.backoff,
                max_wait=self.options.max_wait,
            )
            self._routers[role] = router
        router.dead.update(self._dead)  # a model dead for one role is dead for every role
        return router

    # -- the request loop ------------------------------------------------------------------------------
    def _fixed_router(self, models: Sequence[str]) -> Router:
        """A router over exactly these models (each must be in the pools file, ranked or not)."""
        router = Router(
            tuple(models),
            allowed=self.pools.ids,
            clock=self.clock,
            max_retries=self.options.max_retries,
            backoff=self.options.backoff,
            max_wait=self.options.max_wait,
        )
        router.dead.update(self._dead)
        return router

    async def complete(
        self,
        *,
        role: str,
        messages: Sequence[Mapping[str, Any]],
        models: Sequence[str] | None = None,
        daily_quota: int | None = None,
        on_text: Callable[[TextPiece], None] | None = None,
        **params: Any,
    ) -> Reply:
        """The first usable reply down ``role``'s fallback chain; CompletionFailed (or DailyCapReached) if none.

        ``models``: walk these ids, in order, instead of the role's chain (ValueError for an id not in the pools
        file). ``daily_quota``: ``role`` sends at most this many requests a day, leaving the rest of the daily cap
        to the other roles; QuotaReached when it is used up. ``on_text``: stream, passing a TextPiece(attempt, model,
        text) for each piece of reply text as it arrives (see the module doc); an exception it raises ends the call
        (the attempt stays recorded as pending, as a killed process's does). ``params`` (temperature, max_tokens, ...) go into
        the request body as they are.
        """
        if self._session is None or self._ledger is None:
            raise RuntimeError("use the Client as `async with Client() as client:`")
        for reserved in ("model", "messages", "stream"):
            if reserved in params:
                raise ValueError(f"{reserved!r} is set by the client; leave it out of the parameters")
        if isinstance(models, str):
            raise ValueError("models is a sequence of ids; pass models=(id,) for one")
        if self._paused is not None:  # an account-level stop holds for the client's run: nothing is sent
            paused = self._paused
            raise AccountPaused(str(paused), paused.fix, (), paused.decision)
        payload_base = {"messages": list(messages), **params}
        # model -> the payload of its one retry after a reasoning-exhausted reply
        roomier: dict[str, dict[str, Any]] = {}
        needed = frozenset(required_parameters(params))
        router = self._router(role) if models is None else self._fixed_router(models)
        experiment, arm = self._arm(role, messages, router.chain)
        if experiment is not None and arm != experiment:
            router = self._fixed_router((arm, *(m for m in router.chain if m != arm)))
        session = router.session()
        attempts: list[Attempt] = []
        catalog = str((self.pools.document.get("inputs") or {}).get("catalogSha256") or "")[:16] or None
        while True:
            model = session.model
            if model is not None:
                unfit = unfit_reason(self.pools, model, messages, params)
                lacks = self._lacks.get(model)
                if unfit is None and lacks and lacks <= needed:
                    unfit = f"{model} answered that it cannot serve {', '.join(sorted(lacks))}; skipped"
                if unfit is not None:  # known before sending: no request spent
                    session.apply(Decision("next_model", None, None, False, unfit))
                    continue
            if model is None and attempts and all(a.outcome == "data_policy" for a in attempts):
                self._pause(
                    "every model answered that the account's privacy settings exclude its providers; allow the "
                    f"providers of free models at {PRIVACY_SETTINGS}, then run again",
                    PRIVACY_SETTINGS,
                    attempts,
                    session.last,
                )
            if model is None:
                stop = router.stopped
                last = stop or session.last
                reason = last.reason if last else f"no model in the fallback chain of {role}"
                budget = self._ledger.budget(self.options.daily_cap, self.clock()) if stop is not None else None
                if budget is not None and budget.capped:  # the router stopped on a daily cap the ledger holds
                    raise DailyCapReached(
                        f"no reply for {role}: {_safe(reason)}; resets at {iso_time(budget.reset_at)}",
                        budget.reset_at,
                        attempts,
                        last,
                    )
                raise CompletionFailed(f"no reply for {role}: {_safe(reason)}", attempts, last)
            pause = router.wait_time()
            if pause > 0:
                await self.sleep(pause)
            await self._recheck_account()
            account = self._account if self._account is not None and self._account.has_counter else None
            reservation = self._ledger.reserve(
                model=model,
                role=role,
                now=self.clock(),
                default_limit=account.daily_limit if account is not None else self.options.daily_cap,
                per_minute=self.options.requests_per_minute,
                catalog=catalog,
                role_quota=daily_quota,
                experiment=experiment if model == arm else None,
                account=account,
            )
            budget = reservation.budget
            if budget is not None and reservation.quota and daily_quota is not None:
                raise QuotaReached(
                    f"daily quota of {role} reached: {daily_quota} a day, and the site keeps "
                    f"{max(0, budget.limit - daily_quota)} of {budget.limit} (used today: {budget.used}); "
                    f"resets at {iso_time(budget.reset_at)}",
                    budget.reset_at,
                    attempts,
                )
            if budget is not None:
                whose = " by the account's count (GET /key)" if budget.limit_source == "account" else ""
                raise DailyCapReached(
                    f"daily free-request cap reached: {budget.used} of {budget.limit} used today (UTC){whose}; "
                    f"resets at {iso_time(budget.reset_at)}",
                    budget.reset_at,
                    attempts,
                )
            if reservation.attempt_id is None:
                await self.sleep(min(reservation.wait_seconds, self.options.max_wait))  # the per-minute pace is full
                continue
            pieces = None if on_text is None else _numbered(on_text, len(attempts), model)
            answer, latency_ms, status = await self._send(
                model, roomier.get(model, payload_base), session.retries, pieces
            )
            self._ledger.finish(
                reservation.attempt_id,
                outcome=answer.outcome,
                status=status,
                latency_ms=latency_ms,
                finished=self.clock(),
                prompt_tokens=answer.prompt_tokens,
                completion_tokens=answer.completion_tokens,
                rate_limit=answer.rate[0],
                rate_remaining=answer.rate[1],
                # a daily cap's reset as decided: one past, too far ahead or out of range is stored as no time
                rate_reset=answer.decision.reset_at
                if answer.outcome == "daily_cap" and answer.decision
                else answer.rate[2],
                scope=answer.scope,
            )
            if answer.decision is None:
                session.succeeded()
                attempts.append(Attempt(model, answer.outcome, status, latency_ms, "done", "reply"))
                self._validate(role, reservation.attempt_id, answer.text or "")
                return Reply(
                    answer.text or "",
                    model,
                    tuple(attempts),
                    answer.prompt_tokens,
                    answer.completion_tokens,
                    answer.tool_calls,
                    answer.finish_reason,
                    reservation.attempt_id,
                    experiment if model == arm else None,
                    self.feedback,
                )
            planned = answer.decision
            if answer.outcome == "reasoning_exhausted" and model not in roomier:
                roomier[model], room = more_room(payload_base)
                planned = Decision("retry", None, None, False, f"{planned.reason}; once more with {room}")
            elif answer.outcome == "unsupported" and needed:
                self._lacks[model] = self._lacks.get(model, needed) & needed
            decision = session.apply(planned)
            attempts.append(Attempt(model, answer.outcome, status, latency_ms, decision.action, _safe(decision.reason)))
            if decision.model_dead:
                self._dead[model] = decision.reason
            if answer.outcome == "daily_cap":
                await self.read_account()  # the account's counter after the cap: the next reservation reads it
            if decision.action == "stop":
                if answer.outcome == "no_credits":
                    self._pause(
                        f"no reply for {role}: the account's credit balance is negative (HTTP 402); add credits at "
                        f"{CREDITS_PAGE}; nothing more is sent in this run",
                        CREDITS_PAGE,
                        attempts,
                        decision,
                    )
                if answer.outcome == "daily_cap":
                    reset = decision.reset_at or self._ledger.budget(self.options.daily_cap, self.clock()).reset_at
                    raise DailyCapReached(
                        f"no reply for {role}: {_safe(decision.reason)}; resets at {iso_time(reset)}",
                        reset,
                        attempts,
                        decision,
                    )
                raise CompletionFailed(f"no reply for {role}: {_safe(decision.reason)}", attempts, decision)
            if decision.action == "retry" and decision.wait_seconds:
                await self.sleep(decision.wait_seconds)

    def _arm(self, role: str, messages: Sequence[Mapping[str, Any]], chain: Sequence[str]) -> tuple[str | None, str]:
        """(experiment, arm model) of a request: the role default the A/B experiment compares against and the model
        the request's hash sends it to (rules.experiments.assign_arm); (None, "") when the role runs no experiment
        (share 0, a chain that does not start with the role's default, no runner-up). A runner-up the ledger marks
        unavailable, dead in this run or not in the chain walked is never asked: its requests go to the default."""
        from modelpools.rules.experiments import assign_arm, request_fraction
        from modelpools.rules.roles import ROLE_ALIASES

        key = ROLE_ALIASES.get(role, role)
        share = self.options.share_of(key)
        spec = (self.pools.document.get("roles") or {}).get(key) if share > 0 else None
        if not isinstance(spec, Mapping) or not chain or chain[0] != spec.get("model"):
            return None, ""
        runners = [
            r["id"] for r in spec.get("runnersUp") or () if isinstance(r, Mapping) and isinstance(r.get("id"), str)
        ]
        if not runners:
            return None, ""
        default = chain[0]
        challenger = assign_arm(request_fraction(key, messages), share, runners)
        pool_model = self.pools.model(challenger) if challenger is not None else None
        if challenger is None or pool_model is None or pool_model.unavailable or challenger in self._dead:
            return default, default
        return (default, challenger) if challenger in chain else (default, default)

    def _validate(self, role: str, reply_id: int, text: str) -> None:
        """Score a reply with the role's validator (if the site registered one) into the ledger's feedback."""
        from modelpools.rules.roles import ROLE_ALIASES

        validator = self.validators.get(role) or self.validators.get(ROLE_ALIASES.get(role, role))
        if validator is None or self._ledger is None:
            return
        score = validator(text)
        self._ledger.add_feedback(reply_id, float(score), source="validator")

    def feedback(self, reply_id: int, score: float) -> None:
        """Record a quality score (0 to 1) for the reply with this id (``Reply.id``) in the usage ledger: the A/B
        experiments weigh each success by its reply's newest score (docs/experiments.md)."""
        if self._ledger is None:
            raise RuntimeError("use the Client as `async with Client() as client:`")
        self._ledger.add_feedback(reply_id, score)

    def _pause(self, message: str, fix: str, attempts: Sequence[Attempt], decision: Decision | None) -> None:
        """Stop for an account-level failure: raise AccountPaused now and, with nothing sent, on every later call."""
        self._paused = AccountPaused(message, fix, attempts, decision)
        raise self._paused

    async def _send(
        self,
        model: str,
        payload_base: Mapping[str, Any],
        retries: int,
        on_text: Callable[[str], None] | None = None,
    ) -> tuple[Answer, int, int | None]:
        """POST one chat completion (streamed with on_text); (classified answer, latency in ms, HTTP status or None)."""
        import aiohttp

        from modelpools.consumer.reading import ReplyTooLarge, read_body, read_stream

        url = self.options.base_url.rstrip("/") + "/chat/completions"
        status: int | None = None
        headers: Mapping[str, str] = {}
        body: bytes | None = None
        streamed = False
        assert self._semaphore is not None and self._session is not None
        async with self._semaphore:
            started = time_module.monotonic()
            try:
                payload: dict[str, Any] = {"model": model, **payload_base}
                extra: dict[str, Any] = {}  # the session's timeout unless streaming (timeout=None would be none)
                if on_text is not None:
                    payload["stream"] = True
                    extra["timeout"] = aiohttp.ClientTimeout(
                        total=self.options.stream_timeout,
                        sock_connect=self.options.request_timeout,
                        sock_read=self.options.stream_idle_timeout,  # each read, the response headers included
                    )
                async with self._session.post(url, json=payload, **extra) as response:
                    status, headers = response.status, response.headers
                    if on_text is not None and status == 200 and response.content_type == "text/event-stream":
                        streamed = True
                        status, body = await read_stream(response, self.options.max_reply_bytes, on_text)
                    else:  # not streamed (an error answer is an ordinary JSON body)
                        body = await read_body(response, self.options.max_reply_bytes)
            except ReplyTooLarge:
                latency = int((time_module.monotonic() - started) * 1000)
                return (
                    Answer(
                        "too_large",
                        None,
                        Decision(
                            "next_model",
                            None,
                            None,
                            False,
                            f"reply over the {self.options.max_reply_bytes}-byte cap (max_reply_bytes)",
                        ),
                    ),
                    latency,
                    status,
                )
            except (asyncio.TimeoutError, aiohttp.ClientError):
                status, body = None, None
            latency = int((time_module.monotonic() - started) * 1000)
        answer = classify(
            status,
            headers,
            body,
            attempt=retries,
            max_retries=self.options.max_retries,
            backoff=self.options.backoff,
            now=self.clock(),
        )
        if on_text is not None and not streamed and answer.decision is None and answer.text:
            on_text(answer.text)  # a provider that ignored "stream": its whole text at once
        return answer, latency, status


def more_room(payload: Mapping[str, Any]) -> tuple[dict[str, Any], str]:
    """The payload of the one retry after a reasoning-exhausted reply, and what changed: twice the ``max_tokens``
    the request set (none set: 4096, so the reasoning and the answer both have room), and a ``low`` reasoning effort
    unless the request chose its own ``reasoning``."""
    roomier = dict(payload)
    given = payload.get("max_tokens")
    roomier["max_tokens"] = (
        given * 2 if isinstance(given, int) and not isinstance(given, bool) and given > 0 else REASONING_ROOM
    )
    changes = [f"max_tokens {roomier['max_tokens']}"]
    if "reasoning" not in payload:
        roomier["reasoning"] = {"effort": "low"}
        changes.append("reasoning effort low")
    return roomier, " and ".join(changes)


def _file_stamp(path: Path | None) -> tuple[int, int, int] | None:
    """(inode, size, mtime_ns) of a file, None when it is missing: a rewrite (atomic rename or not) changes it."""
    try:
        stat = os.stat(path) if path is not None else None
    except OSError:
        return None
    return None if stat is None else (stat.st_ino, stat.st_size, stat.st_mtime_ns)


def _numbered(on_text: Callable[[TextPiece], None], attempt: int, model: str) -> Callable[[str], None]:
    """on_text for the pieces of one attempt."""
    return lambda text: on_text(TextPiece(attempt, model, text))


def complete_sync(
    *,
    role: str,
    messages: Sequence[Mapping[str, Any]],
    settings: Settings | None = None,
    options: ClientOptions | None = None,
    **params: Any,
) -> Reply:
    """One completion from synchronous code (a fresh event loop and Client); see Client.complete."""

    async def run() -> Reply:
        async with Client(settings, options=options) as client:
            return await client.complete(role=role, messages=messages, **params)

    return asyncio.run(run())
