"""Routing decisions on real OpenRouter error bodies, and the chain walk with a fake clock (no HTTP, no sleeps)."""

from __future__ import annotations

import json

import pytest

from modelpools.consumer.router import Decision, Exhausted, Router, decide, parse_reset

DAY_RESET_MS = 1779321600000  # X-RateLimit-Reset in 429-free-models-per-day.json
MIN_RESET_MS = 1765661760000  # X-RateLimit-Reset in 429-free-models-per-min.json
CHAIN = ("z-ai/glm-5.2:free", "nvidia/nemotron-3-ultra-550b-a55b:free", "google/gemma-4-31b-it:free")


@pytest.fixture
def errors(test_data):
    """name -> parsed body of each file in openrouter/errors/."""
    folder = test_data / "openrouter" / "errors"
    return {p.stem: json.loads(p.read_text(encoding="utf-8")) for p in folder.glob("*.json")}


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


def test_reset_header_is_epoch_milliseconds():
    assert parse_reset("1779321600000") == 1779321600.0
    assert parse_reset("1779321600") == 1779321600.0  # seconds are accepted too
    assert parse_reset("soon") is None and parse_reset(None) is None and parse_reset("-5") is None


def test_daily_cap_stops_and_reports_reset(errors):
    now = DAY_RESET_MS / 1000 - 3600
    decision = decide(429, {}, errors["429-free-models-per-day"], now=now)
    assert decision == Decision("stop", 3600.0, DAY_RESET_MS / 1000, False, decision.reason)
    assert "daily free-model cap" in decision.reason and "no retry" in decision.reason


def test_daily_cap_recognised_by_limit_source_and_response_headers(errors):
    body = json.loads(json.dumps(errors["429-free-models-per-day"]))
    body["error"]["message"] = "Rate limit exceeded"
    metadata = body["error"]["metadata"]
    del metadata["headers"], metadata["provider_name"]
    metadata["limit_source"] = "openrouter_free_tier_daily"
    decision = decide(429, {"x-ratelimit-reset": "1779321600000"}, json.dumps(body), now=0)
    assert (decision.action, decision.reset_at) == ("stop", 1779321600.0)


def test_per_minute_cap_waits_until_reset(errors):
    now = MIN_RESET_MS / 1000 - 42.5
    decision = decide(429, None, errors["429-free-models-per-min"], now=now)
    assert (decision.action, decision.wait_seconds, decision.reset_at, decision.model_dead) == (
        "wait",
        42.5,
        MIN_RESET_MS / 1000,
        False,
    )
    assert decide(429, None, errors["429-free-models-per-min"], now=MIN_RESET_MS / 1000 + 5).wait_seconds == 0.0


def test_upstream_provider_429_moves_to_next_model(errors):
    decision = decide(429, {}, errors["429-upstream-rate-limited"], now=0)
    assert (decision.action, decision.model_dead) == ("next_model", False)
    assert "temporarily rate-limited upstream" in decision.reason


def test_model_specific_rpm_limit_moves_to_next_model():
    body = {
        "error": {
            "code": 429,
            "message": (
                "Rate limit exceeded: limit_rpm/qwen/qwen3-coder-480b-a35b-07-25/abc. High demand for qwen/qwen3-coder:free "
                "on OpenRouter - limited to 8 requests per minute. Please retry shortly."
            ),
        }
    }
    assert decide(429, {}, body, now=0).action == "next_model"


def test_no_endpoints_404_marks_model_dead():
    body = {"error": {"code": 404, "message": "No endpoints found for mistralai/devstral-2512:free."}}
    decision = decide(404, {}, body, now=0)
    assert (decision.action, decision.model_dead) == ("next_model", True)


@pytest.mark.parametrize(
    "attempt, action, wait", [(0, "retry", 1.0), (1, "retry", 2.0), (2, "retry", 4.0), (3, "next_model", None)]
)
def test_5xx_retries_with_backoff_then_next_model(attempt, action, wait):
    body = {"error": {"code": 502, "message": "Provider returned error"}}
    decision = decide(502, {}, body, attempt=attempt, max_retries=3, now=0)
    assert (decision.action, decision.wait_seconds) == (action, wait)


@pytest.mark.parametrize(
    "status, message, action, dead",
    [
        (401, "No auth credentials found", "stop", False),
        (402, "Insufficient credits", "stop", False),
        (400, "This endpoint's maximum context length is 131072 tokens", "next_model", False),
        (400, "google/gemini-x:free is not a valid model ID", "next_model", True),
        (400, 'Input required: specify "prompt" or "messages"', "stop", False),
        (403, "Your chosen model requires moderation and your input was flagged", "next_model", False),
        (408, "Request timed out", "retry", False),
        (None, "", "retry", False),
    ],
)
def test_other_statuses(status, message, action, dead):
    body = {"error": {"code": status or 0, "message": message}} if message else None
    decision = decide(status, {}, body, now=0)
    assert (decision.action, decision.model_dead) == (action, dead)


def test_error_inside_a_200_answer_uses_its_code():
    decision = decide(200, {}, {"error": {"code": 404, "message": "No endpoints found for x/y:free."}}, now=0)
    assert decision.model_dead


def test_unknown_429_honours_retry_after():
    decision = decide(429, {"Retry-After": "7"}, {"error": {"code": 429, "message": "Too many requests"}}, now=0)
    assert (decision.action, decision.wait_seconds) == ("wait", 7.0)


def test_retry_after_as_an_http_date():
    body = {"error": {"code": 503, "message": "Service Unavailable"}}
    decision = decide(503, {"retry-after": "Wed, 19 Aug 2026 12:00:30 GMT"}, body, now=1787140800.0)  # 12:00:00
    assert (decision.action, decision.wait_seconds) == ("retry", 30.0)
    assert decide(429, {"Retry-After": "soon"}, {"error": {"code": 429, "message": "x"}}, now=0).action == "next_model"


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


def test_session_walks_chain_and_skips_dead_models_in_later_sessions(errors):
    clock = Clock(1_000.0)
    router = Router(CHAIN, clock=clock)
    first = router.session()
    assert first.failed(
        404, {}, {"error": {"code": 404, "message": "No endpoints found for z-ai/glm-5.2:free."}}
    ).model_dead
    assert first.model == CHAIN[1]
    assert first.failed(429, {}, errors["429-upstream-rate-limited"]).action == "next_model"
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


def test_daily_cap_stops_every_session_until_the_reset(errors):
    clock = Clock(DAY_RESET_MS / 1000 - 10)
    router = Router(CHAIN, clock=clock)
    session = router.session()
    decision = session.failed(429, {}, errors["429-free-models-per-day"])
    assert decision.action == "stop" and session.model is None and router.session().model is None
    clock.now = DAY_RESET_MS / 1000
    assert router.session().model == CHAIN[0]


def test_run_waits_out_the_minute_cap_then_succeeds(errors):
    clock = Clock(MIN_RESET_MS / 1000 - 30)
    answers = [(429, {}, errors["429-free-models-per-min"]), (200, {}, {"choices": [{"text": "ok"}]})]
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


def test_run_raises_exhausted_with_the_stop_reason(errors):
    clock = Clock(0.0)
    router = Router(CHAIN, clock=clock)
    with pytest.raises(Exhausted, match="daily free-model cap") as caught:
        router.session().run(lambda m: (429, {}, errors["429-free-models-per-day"]), sleep=clock.sleep)
    assert caught.value.decision.reset_at == DAY_RESET_MS / 1000


def test_a_wait_longer_than_max_wait_becomes_stop(errors):
    clock = Clock(MIN_RESET_MS / 1000 - 600)
    session = Router(CHAIN, max_wait=60, clock=clock).session()
    decision = session.failed(429, {}, errors["429-free-models-per-min"])
    assert decision.action == "stop" and "exceeds max_wait" in decision.reason


def test_a_retry_pause_longer_than_max_wait_moves_to_the_next_model():
    session = Router(CHAIN, max_wait=60, clock=Clock(0.0)).session()
    decision = session.failed(503, {"Retry-After": "3600"}, {"error": {"code": 503, "message": "maintenance"}})
    assert decision.action == "next_model" and "exceeds max_wait" in decision.reason
    assert session.model == CHAIN[1]
