"""Walk a fallback chain of free models with the decisions ``decide`` makes (no HTTP).

``Router`` keeps run-wide state (dead models, the daily stop, a shared per-minute wait) and hands out a
``ModelSession`` per request that walks the chain; what each failed answer calls for is decided in
``modelpools.consumer.decision``.
"""

from __future__ import annotations

import json
import time as time_module
from collections.abc import Callable, Iterable, Mapping
from typing import Any

from modelpools.consumer.decision import Decision, decide
from modelpools.errors import Exhausted

__all__ = ["Router", "ModelSession", "MAX_WAITS_PER_MODEL"]

# "Wait, then the same model" (a per-minute cap, a Retry-After) happens at most this often for one model in one
# request; the next answer that asks for a wait moves on to the next model.
MAX_WAITS_PER_MODEL = 2


def _has_error(body: Any) -> bool:
    if isinstance(body, (bytes, str)):
        try:
            body = json.loads(body)
        except (ValueError, UnicodeDecodeError, RecursionError):  # RecursionError: nested too deep
            return False
    return isinstance(body, Mapping) and isinstance(body.get("error"), Mapping)


class Router:
    """Run-wide routing state over a fallback chain: dead models, a daily stop, a shared wait; no HTTP.

    Only free models are routed. With ``allowed`` (Pools.router passes the pools file's ids, which are all free,
    zero-priced ids without ``:free`` included) an id is accepted iff it is in that set; without it, iff it ends
    in ``:free``.
    """

    def __init__(
        self,
        chain: Iterable[str],
        *,
        allowed: Iterable[str] | None = None,
        max_retries: int = 3,
        backoff: float = 1.0,
        max_backoff: float = 30.0,
        max_wait: float = 120.0,
        clock: Callable[[], float] = time_module.time,
    ) -> None:
        self.chain = tuple(chain)
        allowed_set = None if allowed is None else frozenset(allowed)
        for model_id in self.chain:
            if allowed_set is not None and model_id not in allowed_set:
                raise ValueError(f"{model_id!r} is not in the pools file; the router only routes its free models")
            if allowed_set is None and not str(model_id).endswith(":free"):
                raise ValueError(
                    f"{model_id!r} has no ':free' suffix; pass allowed=pools.ids (or use "
                    "Pools.router()) to route the pools file's zero-priced models"
                )
        if len(set(self.chain)) != len(self.chain):
            raise ValueError("the fallback chain lists a model twice")
        self.max_retries, self.backoff, self.max_backoff, self.max_wait = max_retries, backoff, max_backoff, max_wait
        self.clock = clock
        self.dead: dict[str, str] = {}
        self.stopped: Decision | None = None
        self.not_before = 0.0
        self.history: list[tuple[str, Decision]] = []

    @property
    def alive(self) -> tuple[str, ...]:
        """The chain without the models marked dead in this run."""
        return tuple(m for m in self.chain if m not in self.dead)

    def is_stopped(self) -> bool:
        """True while a stop decision holds (a daily cap lifts once the clock passes its reset time)."""
        if self.stopped is not None and self.stopped.reset_at is not None and self.clock() >= self.stopped.reset_at:
            self.stopped = None
        return self.stopped is not None

    def wait_time(self) -> float:
        """Seconds to wait before any request (a per-minute cap applies to every free model); never more than
        max_wait, even when the clock went back after the wait was decided."""
        return min(self.max_wait, max(0.0, self.not_before - self.clock()))

    def session(self) -> ModelSession:
        """A new per-request walk over the living chain."""
        return ModelSession(self)


class ModelSession:
    """One request's walk down the chain: ``model`` to try, ``failed(...)`` after an error, ``model is None`` at the end."""

    def __init__(self, router: Router) -> None:
        self.router = router
        self._position = 0
        self.retries = 0
        self.waits = 0  # waits on the current model (at most MAX_WAITS_PER_MODEL)
        self.attempts = 0
        self.last: Decision | None = None
        self.done = False

    @property
    def model(self) -> str | None:
        """The model to call now, or None when the chain is exhausted or the router stopped."""
        if self.done or self.router.is_stopped():
            return None
        chain = self.router.chain
        while self._position < len(chain) and chain[self._position] in self.router.dead:
            self._position += 1
            self.retries = self.waits = 0
        return chain[self._position] if self._position < len(chain) else None

    def succeeded(self) -> None:
        """Record a successful answer; the session ends."""
        self.done = True

    def failed(self, status: int | None, headers: Mapping[str, Any] | None = None, body: Any = None) -> Decision:
        """Record a failed answer for ``model``, apply the decision and return it (sleep ``wait_seconds`` if set)."""
        router, model = self.router, self.model
        if model is None:
            raise RuntimeError("failed() called with no current model; check session.model first")
        decision = decide(
            status,
            headers,
            body,
            attempt=self.retries,
            max_retries=router.max_retries,
            backoff=router.backoff,
            max_backoff=router.max_backoff,
            now=router.clock(),
        )
        return self.apply(decision)

    def apply(self, decision: Decision) -> Decision:
        """Apply a decision made for ``model`` (by decide() or by the caller, e.g. for an empty reply); return it
        as applied (a wait or a retry pause beyond max_wait becomes a stop or the next model)."""
        router, model = self.router, self.model
        if model is None:
            raise RuntimeError("apply() called with no current model; check session.model first")
        now = router.clock()
        if decision.action == "wait" and (decision.wait_seconds or 0.0) > router.max_wait:
            decision = Decision(
                "stop",
                decision.wait_seconds,
                decision.reset_at,
                False,
                f"{decision.reason}; the wait of {decision.wait_seconds:.0f}s exceeds max_wait "
                f"({router.max_wait:.0f}s)",
            )
        elif decision.action == "retry" and (decision.wait_seconds or 0.0) > router.max_wait:
            decision = Decision(
                "next_model",
                None,
                decision.reset_at,
                False,
                f"{decision.reason}; the pause of {decision.wait_seconds:.0f}s exceeds max_wait "
                f"({router.max_wait:.0f}s), trying the next model",
            )
        elif decision.action == "wait" and self.waits >= MAX_WAITS_PER_MODEL:
            decision = Decision(
                "next_model",
                None,
                decision.reset_at,
                False,
                f"{decision.reason}; waited {self.waits} times for this model already, trying the next model",
            )
        self.attempts += 1
        self.last = decision
        router.history.append((model, decision))
        if decision.model_dead:
            router.dead[model] = decision.reason
        if decision.action == "stop":
            router.stopped = decision
        elif decision.action == "wait":
            self.waits += 1
            router.not_before = max(router.not_before, now + (decision.wait_seconds or 0.0))
        elif decision.action == "retry":
            self.retries += 1
        elif decision.action == "next_model":
            self._position += 1
            self.retries = self.waits = 0
        return decision

    def run(
        self,
        send: Callable[[str], tuple[int | None, Mapping[str, Any] | None, Any]],
        sleep: Callable[[float], None] = time_module.sleep,
    ) -> tuple[str, Any]:
        """Call ``send(model) -> (status, headers, body)`` down the chain until a 2xx; return (model, body).

        Raise Exhausted when the router stops or no model is left.
        """
        while True:
            model = self.model
            if model is None:
                reason = self.last.reason if self.last else "no model in the fallback chain"
                stop = self.router.stopped
                raise Exhausted(stop or self.last, f"no model left: {stop.reason if stop else reason}")
            pause = self.router.wait_time()
            if pause > 0:
                sleep(pause)
            status, headers, body = send(model)
            if status is not None and 200 <= status < 300 and not _has_error(body):
                self.succeeded()
                return model, body
            decision = self.failed(status, headers, body)
            if decision.action == "retry" and decision.wait_seconds:
                sleep(decision.wait_seconds)
