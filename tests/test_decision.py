"""What a failed OpenRouter answer calls for, on real OpenRouter error bodies (tests/data/openrouter/errors)."""

from __future__ import annotations

import json

import pytest

from modelpools.consumer.decision import Decision, decide, parse_reset

DAY_RESET_MS = 1779321600000  # X-RateLimit-Reset in 429-free-models-per-day.json
MIN_RESET_MS = 1765661760000  # X-RateLimit-Reset in 429-free-models-per-min.json


def test_reset_header_is_epoch_milliseconds():
    assert parse_reset("1779321600000") == 1779321600.0
    assert parse_reset("1779321600") == 1779321600.0  # seconds are accepted too
    assert parse_reset("soon") is None and parse_reset(None) is None and parse_reset("-5") is None


def test_daily_cap_stops_and_reports_reset(error_bodies):
    now = DAY_RESET_MS / 1000 - 3600
    decision = decide(429, {}, error_bodies["429-free-models-per-day"], now=now)
    assert decision == Decision("stop", 3600.0, DAY_RESET_MS / 1000, False, decision.reason)
    assert "daily free-model cap" in decision.reason and "no retry" in decision.reason


def test_daily_cap_recognised_by_limit_source_and_response_headers(error_bodies):
    body = json.loads(json.dumps(error_bodies["429-free-models-per-day"]))
    body["error"]["message"] = "Rate limit exceeded"
    metadata = body["error"]["metadata"]
    del metadata["headers"], metadata["provider_name"]
    metadata["limit_source"] = "openrouter_free_tier_daily"
    decision = decide(429, {"x-ratelimit-reset": "1779321600000"}, json.dumps(body), now=1779321600.0 - 60)
    assert (decision.action, decision.reset_at) == ("stop", 1779321600.0)
    # A daily reset more than two days ahead, already past, or past the year 9999 is no information.
    for reset, now in (("1779321600000", 0.0), ("1779321600000", 1779321600.0 + 1), ("1e20", 1779321600.0 - 60)):
        decision = decide(429, {"x-ratelimit-reset": reset}, json.dumps(body), now=now)
        assert (decision.action, decision.wait_seconds, decision.reset_at) == ("stop", None, None)


def test_per_minute_cap_waits_until_reset(error_bodies):
    now = MIN_RESET_MS / 1000 - 42.5
    decision = decide(429, None, error_bodies["429-free-models-per-min"], now=now)
    assert (decision.action, decision.wait_seconds, decision.reset_at, decision.model_dead) == (
        "wait",
        42.5,
        MIN_RESET_MS / 1000,
        False,
    )
    # A reset already past says nothing (a clock ahead, a bogus value): the default minute, never 0 s.
    assert decide(429, None, error_bodies["429-free-models-per-min"], now=MIN_RESET_MS / 1000 + 5).wait_seconds == 60.0
    assert decide(429, None, error_bodies["429-free-models-per-min"], now=MIN_RESET_MS / 1000 - 0.2).wait_seconds == 1.0


def test_upstream_provider_429_moves_to_next_model(error_bodies):
    decision = decide(429, {}, error_bodies["429-upstream-rate-limited"], now=0)
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
