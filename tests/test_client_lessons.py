"""Each failure teaches its own lesson: account, model or request (one test per answer of the table in
docs/consumer-client.md), against the loopback chat server answering with tests/data/openrouter/ bodies."""

from __future__ import annotations

import json
import sqlite3
from pathlib import Path

import pytest
from chatserver import Answer, answer_file, error_file, no_endpoints, ok, streamed
from test_client import MESSAGES, PAGE, POOLS, FakeTime, complete_each

from modelpools.consumer.client import more_room
from modelpools.errors import AccountPaused, DailyCapReached

PRIVACY = "https://openrouter.ai/settings/privacy"


def ask(server, tmp_path, *requests: dict, clock: FakeTime | None = None, **changes) -> list:
    """complete(**request) for each request (role page and MESSAGES unless given) in one Client; the replies or the
    CompletionFailed raised, each call within 20 real seconds."""
    full = [{"role": "page", "messages": MESSAGES, **request} for request in requests]
    return complete_each(server, tmp_path, full, clock, 20.0, **changes)


def scopes(tmp_path: Path) -> list[tuple]:
    """(model, outcome, scope) of every ledger row, oldest first."""
    with sqlite3.connect(tmp_path / "usage.sqlite") as db:
        return db.execute("SELECT model, outcome, scope FROM attempts ORDER BY id").fetchall()


# -- 404 "No endpoints found for <model>.": model-level ------------------------------------------------------------
def test_a_delisted_model_is_a_model_level_failure(server, tmp_path):
    server.always(PAGE[0], no_endpoints(PAGE[0]))
    [reply] = ask(server, tmp_path, {})
    assert reply.model == PAGE[1]
    assert scopes(tmp_path) == [(PAGE[0], "no_endpoints", "model"), (PAGE[1], "ok", None)]


# -- 404 data policy (both wordings): account-level ----------------------------------------------------------------
@pytest.mark.parametrize("body", ["404-data-policy.json", "404-data-policy-guardrail.json"])
def test_a_data_policy_404_skips_the_model_for_the_run_and_is_the_accounts(server, tmp_path, body):
    server.always(PAGE[0], answer_file(body))
    first, second = ask(server, tmp_path, {}, {})
    assert first.model == second.model == PAGE[1]
    assert "settings/privacy" in first.attempts[0].reason
    assert server.models_asked() == [PAGE[0], PAGE[1], PAGE[1]]  # asked once in the run
    assert scopes(tmp_path)[0] == (PAGE[0], "data_policy", "account")


@pytest.mark.parametrize("body", ["404-data-policy.json", "404-data-policy-guardrail.json"])
def test_every_model_answering_the_data_policy_404_stops_once_with_the_settings_page(server, tmp_path, body):
    for model in PAGE:
        server.always(model, answer_file(body))
    first, second = ask(server, tmp_path, {}, {"role": "bulk"})
    assert isinstance(first, AccountPaused) and first.fix == PRIVACY
    assert str(first).count("\n") == 0 and PRIVACY in str(first) and "every model" in str(first)
    assert len(first.attempts) == len(PAGE)
    assert isinstance(second, AccountPaused) and second.attempts == ()  # paused: nothing more was sent
    assert len(server.requests) == len(PAGE)
    assert {scope for _, _, scope in scopes(tmp_path)} == {"account"}


# -- 404 "No endpoints found that support tool use": request-level -------------------------------------------------
TOOLS = [{"type": "function", "function": {"name": "save", "parameters": {"type": "object", "properties": {}}}}]


def test_a_tool_use_404_moves_this_request_on_and_later_tool_requests_skip_the_model_but_plain_ones_do_not(
    server, tmp_path
):
    server.respond(PAGE[0], lambda payload: answer_file("404-tool-use.json") if "tools" in payload else ok())
    with_tools, again, plain = ask(server, tmp_path, {"tools": TOOLS}, {"tools": TOOLS}, {})
    assert with_tools.model == again.model == PAGE[1] and plain.model == PAGE[0]
    assert server.models_asked() == [PAGE[0], PAGE[1], PAGE[1], PAGE[0]]  # the second tools request skipped it
    assert scopes(tmp_path)[0] == (PAGE[0], "unsupported", "request")


def test_a_model_whose_supported_parameters_lack_response_format_is_skipped_without_a_request(server, tmp_path):
    assert "response_format" not in json.dumps(
        next(m for m in POOLS.document["models"] if m["id"] == PAGE[0])["supportedParameters"]
    )
    [reply] = ask(server, tmp_path, {"response_format": {"type": "json_object"}})
    assert reply.model == PAGE[1] and server.models_asked() == [PAGE[1]]
    assert [a.model for a in reply.attempts] == [PAGE[1]]


# -- 400 context length: request-level, skipped before sending -----------------------------------------------------
def test_a_request_longer_than_a_models_context_skips_it_without_spending_a_request(server, tmp_path):
    # about 275,000 tokens: only the two models of 1,000,000 tokens hold it (PAGE[0] and nemotron-3.5-lightning)
    long = [{"role": "user", "content": "x" * 1_100_000}]
    server.always(PAGE[0], no_endpoints(PAGE[0]))
    [reply] = ask(server, tmp_path, {"messages": long})
    big = [m.id for m in POOLS.models if (m.context_length or 0) >= 1_000_000]
    assert reply.model == big[1] and server.models_asked() == big


def test_a_context_length_400_is_the_requests_failure_and_moves_on(server, tmp_path):
    server.script(PAGE[0], answer_file("400-context-length.json"))
    [reply] = ask(server, tmp_path, {})
    assert reply.model == PAGE[1]
    assert scopes(tmp_path)[0] == (PAGE[0], "too_long", "request")


# -- 429 free-models-per-day: account-level, and the account's counter is read again ------------------------------
def test_a_daily_cap_429_stops_and_is_the_accounts(server, tmp_path):
    server.script(PAGE[0], error_file("429-free-models-per-day.json"))
    [stop] = ask(server, tmp_path, {}, clock=FakeTime(1779321600.0 - 3600))
    assert isinstance(stop, DailyCapReached) and len(server.requests) == 1
    assert scopes(tmp_path) == [(PAGE[0], "daily_cap", "account")]
    assert server.key_reads == 2  # at the start and after the cap answer


# -- 429 with X-RateLimit-Reset and no Retry-After: the free tier's minute window ---------------------------------
@pytest.mark.parametrize("message", ["Rate limit exceeded: free-models-per-min. ", "Rate limit exceeded"])
def test_a_429_with_a_near_reset_and_no_retry_after_waits_for_the_reset_without_burning_retries(
    server, tmp_path, message
):
    clock = FakeTime(1779278400.0)
    reset = str(int((clock.now + 30) * 1000))
    body = json.dumps({"error": {"message": message, "code": 429}}).encode()
    server.script(PAGE[0], Answer(429, body, {"X-RateLimit-Reset": reset}))
    [reply] = ask(server, tmp_path, {}, clock=clock, max_retries=0)
    assert reply.model == PAGE[0] and clock.sleeps == [30.0]
    assert [(a.outcome, a.action) for a in reply.attempts] == [("minute_cap", "wait"), ("ok", "done")]
    assert scopes(tmp_path)[0][2] == "account"


# -- 402: account-level, stop with the reason ---------------------------------------------------------------------
def test_a_402_pauses_the_client_with_the_credits_page_and_sends_nothing_more(server, tmp_path):
    server.always(PAGE[0], answer_file("402-credits.json"))
    first, second = ask(server, tmp_path, {}, {"role": "bulk"})
    assert isinstance(first, AccountPaused) and "credits" in first.fix and first.fix in str(first)
    assert isinstance(second, AccountPaused) and second.attempts == ()
    assert server.models_asked() == [PAGE[0]]
    assert scopes(tmp_path) == [(PAGE[0], "no_credits", "account")]


# -- 200, empty content, finish_reason length, reasoning present: request-level, retried once with more room -----
def test_a_reasoning_exhausted_reply_is_retried_once_with_more_room_on_the_same_model(server, tmp_path):
    server.script(PAGE[0], answer_file("200-reasoning-exhausted.json"), ok("<h1>Home</h1>"))
    [reply] = ask(server, tmp_path, {"max_tokens": 512})
    assert (reply.model, reply.text) == (PAGE[0], "<h1>Home</h1>")
    first, second = server.requests
    assert first["max_tokens"] == 512 and "reasoning" not in first
    assert second["max_tokens"] == 1024 and second["reasoning"] == {"effort": "low"}
    assert [(a.outcome, a.action) for a in reply.attempts] == [("reasoning_exhausted", "retry"), ("ok", "done")]


def test_a_reasoning_exhausted_reply_that_comes_again_is_the_requests_failure_and_the_next_model_answers(
    server, tmp_path
):
    server.always(PAGE[0], answer_file("200-reasoning-exhausted.json"))
    [reply] = ask(server, tmp_path, {})
    assert reply.model == PAGE[1] and server.models_asked() == [PAGE[0], PAGE[0], PAGE[1]]
    assert server.requests[1]["max_tokens"] == 4096  # no max_tokens set: room for thinking and the answer
    assert scopes(tmp_path)[:2] == [(PAGE[0], "reasoning_exhausted", "request")] * 2


def test_more_room_keeps_a_reasoning_choice_of_the_request():
    roomier, said = more_room({"messages": [], "max_tokens": 300, "reasoning": {"effort": "high"}})
    assert roomier["max_tokens"] == 600 and roomier["reasoning"] == {"effort": "high"} and said == "max_tokens 600"


# -- a streamed 429 or error event after the first bytes: the same lessons ----------------------------------------
def stream_ask(server, tmp_path, clock: FakeTime | None = None) -> list:
    return ask(server, tmp_path, {"on_text": lambda piece: None}, clock=clock)


def test_a_streamed_daily_cap_after_the_first_bytes_stops_as_the_account(server, tmp_path):
    error = json.loads(error_file("429-free-models-per-day.json").body)["error"]
    server.script(PAGE[0], streamed("<h1>", error=error))
    [stop] = stream_ask(server, tmp_path, FakeTime(1779321600.0 - 3600))
    assert isinstance(stop, DailyCapReached) and len(server.requests) == 1
    assert scopes(tmp_path) == [(PAGE[0], "daily_cap", "account")]


def test_a_streamed_data_policy_error_after_the_first_bytes_moves_on_as_the_account(server, tmp_path):
    error = json.loads(answer_file("404-data-policy-guardrail.json").body)["error"]
    server.script(PAGE[0], streamed("<h1>", error=error))
    [reply] = stream_ask(server, tmp_path)
    assert reply.model == PAGE[1]
    assert scopes(tmp_path)[0] == (PAGE[0], "data_policy", "account")


def test_a_streamed_reasoning_exhausted_reply_is_retried_with_more_room(server, tmp_path):
    exhausted = streamed(reasoning="Let me plan the page first ...", end=False)
    exhausted = Answer(200, b"", events=exhausted.events + (_length_chunk(), b"data: [DONE]\n\n"))
    server.script(PAGE[0], exhausted, streamed("<h1>Home</h1>"))
    [reply] = stream_ask(server, tmp_path)
    assert (reply.model, reply.text) == (PAGE[0], "<h1>Home</h1>")
    assert server.requests[1]["max_tokens"] == 4096
    assert [a.outcome for a in reply.attempts] == ["reasoning_exhausted", "ok"]


def _length_chunk() -> bytes:
    chunk = {"id": "gen-s", "object": "chat.completion.chunk", "model": "m"}
    chunk["choices"] = [{"index": 0, "delta": {"content": ""}, "finish_reason": "length"}]
    return b"data: " + json.dumps(chunk).encode() + b"\n\n"
