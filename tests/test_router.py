"""The chain walk with a fake clock, on real OpenRouter error bodies (no HTTP, no sleeps)."""

from __future__ import annotations

import pytest

from modelpools.consumer.router import Router
from modelpools.errors import Exhausted

DAY_RESET_MS = 1779321600000  # X-RateLimit-Reset in 429-free-models-per-day.json
MIN_RESET_MS = 1765661760000  # X-RateLimit-Reset in 429-free-models-per-min.json
CHAIN = ("z-ai/glm-5.2:free", "nvidia/nemotron-3-ultra-550b-a55b:free", "google/gemma-4-31b-it:free")


class Clock:
    """A settable clock; ``sleep`` advances it instead of sleeping."""

    def __init__(self, now: float) -> None:
        self.now = now
        self.slept: list[float] = []

    def __call__(self) -> float:
        return self.now

    def sleep(self, seconds: float) -> None:
        self.slept.append(seconds)
        self.now += seconds


def test_router_refuses_paid_or_duplicate_ids():
    with pytest.raises(ValueError, match="no ':free' suffix"):
        Router(["z-ai/glm-5.2:free", "openai/gpt-4o"])
    with pytest.raises(ValueError, match="twice"):
        Router([CHAIN[0], CHAIN[0]])


def test_with_an_allowed_set_membership_alone_decides():
    # The pools file holds zero-priced ids without ":free" (google/gemini-2.5-pro-exp-03-25, 2025-07-25 dump).
    allowed = {"google/gemini-2.5-pro-exp-03-25", *CHAIN}
    router = Router(["google/gemini-2.5-pro-exp-03-25", *CHAIN], allowed=allowed, clock=Clock(0.0))
    assert router.session().model == "google/gemini-2.5-pro-exp-03-25"
    with pytest.raises(ValueError, match="not in the pools file"):
        Router([CHAIN[0], "openai/gpt-4o"], allowed=allowed)
    with pytest.raises(ValueError, match="not in the pools file"):
        Router(["qwen/qwen3-coder:free"], allowed=allowed)  # ":free" is no pass without being in the file


def test_session_walks_chain_and_skips_dead_models_in_later_sessions(error_bodies):
    clock = Clock(1_000.0)
    router = Router(CHAIN, clock=clock)
    first = router.session()
    assert first.failed(
        404, {}, {"error": {"code": 404, "message": "No endpoints found for z-ai/glm-5.2:free."}}
    ).model_dead
    assert first.model == CHAIN[1]
    assert first.failed(429, {}, error_bodies["429-upstream-rate-limited"]).action == "next_model"
    assert first.model == CHAIN[2]
    first.succeeded()
    assert first.model is None
    assert router.session().model == CHAIN[1]  # CHAIN[0] is dead for this run, CHAIN[1] is not
    assert router.alive == CHAIN[1:] and list(router.dead) == [CHAIN[0]]


def test_session_counts_retries_then_moves_on():
    router = Router(CHAIN, max_retries=2, clock=Clock(0.0))
    session = router.session()
    actions = [
        session.failed(503, {}, {"error": {"code": 503, "message": "Service Unavailable"}}).action for _ in range(3)
    ]
    assert actions == ["retry", "retry", "next_model"]
    assert session.model == CHAIN[1] and session.retries == 0 and session.attempts == 3


def test_daily_cap_stops_every_session_until_the_reset(error_bodies):
    clock = Clock(DAY_RESET_MS / 1000 - 10)
    router = Router(CHAIN, clock=clock)
    session = router.session()
    decision = session.failed(429, {}, error_bodies["429-free-models-per-day"])
    assert decision.action == "stop" and session.model is None and router.session().model is None
    clock.now = DAY_RESET_MS / 1000
    assert router.session().model == CHAIN[0]


def test_run_waits_out_the_minute_cap_then_succeeds(error_bodies):
    clock = Clock(MIN_RESET_MS / 1000 - 30)
    answers = [(429, {}, error_bodies["429-free-models-per-min"]), (200, {}, {"choices": [{"text": "ok"}]})]
    calls = []

    def send(model):
        calls.append((model, clock.now))
        return answers.pop(0)

    model, body = Router(CHAIN, clock=clock).session().run(send, sleep=clock.sleep)
    assert (model, body["choices"][0]["text"]) == (CHAIN[0], "ok")
    assert clock.slept == [30.0] and calls[1] == (CHAIN[0], MIN_RESET_MS / 1000)


def test_run_backs_off_on_5xx_and_falls_through_the_chain():
    clock = Clock(0.0)
    plan = {
        CHAIN[0]: [(500, {}, "<html>Internal Server Error</html>")] * 2,
        CHAIN[1]: [(429, {}, {"error": {"code": 429, "message": "Provider returned error"}})],
        CHAIN[2]: [(200, {}, '{"id": "gen-1"}')],
    }
    router = Router(CHAIN, max_retries=1, backoff=0.5, clock=clock)
    model, body = router.session().run(lambda m: plan[m].pop(0), sleep=clock.sleep)
    assert (model, body) == (CHAIN[2], '{"id": "gen-1"}') and clock.slept == [0.5]
    assert [d.action for _, d in router.history] == ["retry", "next_model", "next_model"]


def test_run_raises_exhausted_with_the_stop_reason(error_bodies):
    clock = Clock(DAY_RESET_MS / 1000 - 3600)
    router = Router(CHAIN, clock=clock)
    with pytest.raises(Exhausted, match="daily free-model cap") as caught:
        router.session().run(lambda m: (429, {}, error_bodies["429-free-models-per-day"]), sleep=clock.sleep)
    assert caught.value.decision.reset_at == DAY_RESET_MS / 1000


def test_a_wait_longer_than_max_wait_becomes_stop(error_bodies):
    clock = Clock(MIN_RESET_MS / 1000 - 600)
    session = Router(CHAIN, max_wait=60, clock=clock).session()
    decision = session.failed(429, {}, error_bodies["429-free-models-per-min"])
    assert decision.action == "stop" and "exceeds max_wait" in decision.reason


def test_a_retry_pause_longer_than_max_wait_moves_to_the_next_model():
    session = Router(CHAIN, max_wait=60, clock=Clock(0.0)).session()
    decision = session.failed(503, {"Retry-After": "3600"}, {"error": {"code": 503, "message": "maintenance"}})
    assert decision.action == "next_model" and "exceeds max_wait" in decision.reason
    assert session.model == CHAIN[1]
