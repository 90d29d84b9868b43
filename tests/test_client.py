"""The chat-completions client against a loopback server answering with OpenRouter's real error bodies."""

from __future__ import annotations

import asyncio
import json
import sqlite3
import time
from pathlib import Path

import pytest
from chatserver import (
    ERRORS,
    Answer,
    ChatServer,
    empty,
    error_file,
    huge,
    no_endpoints,
    ok,
    reasoning_only,
    server_error,
    streamed,
)
from serving import client_options

from modelpools.consumer.client import Client, ClientOptions, complete_sync
from modelpools.consumer.completion import TextPiece
from modelpools.consumer.ledger import Ledger
from modelpools.consumer.pools_view import load_pools
from modelpools.consumer.router import MAX_WAITS_PER_MODEL
from modelpools.errors import CompletionFailed, DailyCapReached, QuotaReached, SettingsError

SAMPLE = Path(__file__).resolve().parent / "data" / "pools-sample.json"
POOLS = load_pools(SAMPLE)
PAGE = POOLS.fallback_chain("page")  # nemotron-3-ultra, glm-5.2, gemma-4-31b, ...
KEY = "sk-or-v1-test-0123456789abcdef"
MESSAGES = [{"role": "user", "content": "Write the home page."}]
DAILY_RESET = 1779321600.0  # X-RateLimit-Reset of the real free-models-per-day body (ms in the body)
MINUTE_RESET = 1765661760.0  # ... and of the free-models-per-min body


class FakeTime:
    """A clock and an asyncio sleep that advances it (the waits are recorded, nothing really sleeps)."""

    def __init__(self, now: float) -> None:
        self.now = now
        self.sleeps: list[float] = []

    def __call__(self) -> float:
        return self.now

    async def sleep(self, seconds: float) -> None:
        self.sleeps.append(round(seconds, 3))
        self.now += seconds
        await asyncio.sleep(0)


def options(server: ChatServer, tmp_path: Path, **changes) -> ClientOptions:
    return client_options(server.base_url, tmp_path, SAMPLE, **changes)


def complete_each(server, tmp_path, requests, clock=None, budget=None, **changes):
    """complete(**request) for each request in one Client; return the replies or CompletionFailed exceptions (any
    other exception fails the test). ``budget``: each call must end within that many real seconds."""
    fake = clock or FakeTime(time.time())

    async def main():
        async with Client(
            options=options(server, tmp_path, **changes), api_key=KEY, clock=fake, sleep=fake.sleep
        ) as client:
            out = []
            for request in requests:
                try:
                    out.append(await asyncio.wait_for(client.complete(**request), budget))
                except CompletionFailed as exc:
                    out.append(exc)
            return out

    return asyncio.run(main())


def run(server, tmp_path, *calls, clock=None, budget=None, **changes):
    """complete_each of one request per role name (MESSAGES, temperature 0.2)."""
    requests = [{"role": role, "messages": MESSAGES, "temperature": 0.2} for role in calls]
    return complete_each(server, tmp_path, requests, clock, budget, **changes)


def ledger_rows(tmp_path: Path) -> list[tuple]:
    with sqlite3.connect(tmp_path / "usage.sqlite") as db:
        return db.execute(
            "SELECT model, role, outcome, status, latency_ms, prompt_tokens, completion_tokens, "
            "rate_limit, rate_reset FROM attempts ORDER BY id"
        ).fetchall()


def test_a_reply_gives_text_model_and_attempts_and_one_ledger_row_without_text_or_key(server, tmp_path):
    server.script(PAGE[0], ok("<h1>Home</h1>", prompt_tokens=30, completion_tokens=7))
    [reply] = run(server, tmp_path, "pageModel")
    assert (reply.text, reply.model, reply.prompt_tokens, reply.completion_tokens) == ("<h1>Home</h1>", PAGE[0], 30, 7)
    assert [(a.model, a.outcome, a.status, a.action) for a in reply.attempts] == [(PAGE[0], "ok", 200, "done")]
    assert server.requests[0]["messages"] == MESSAGES and server.requests[0]["temperature"] == 0.2
    assert server.authorization == {f"Bearer {KEY}"}
    [row] = ledger_rows(tmp_path)
    assert row[:4] == (PAGE[0], "pageModel", "ok", 200) and row[5:7] == (30, 7) and row[4] >= 0
    stored = b"".join(p.read_bytes() for p in tmp_path.glob("usage.sqlite*"))
    assert KEY.encode() not in stored and b"Home" not in stored and b"Write the home page" not in stored


def test_upstream_429_moves_to_the_next_model_at_once(server, tmp_path):
    server.script(PAGE[0], error_file("429-upstream-rate-limited.json"))
    clock = FakeTime(time.time())
    [reply] = run(server, tmp_path, "page", clock=clock)
    assert reply.model == PAGE[1] and clock.sleeps == []
    assert [(a.outcome, a.action) for a in reply.attempts] == [("upstream_429", "next_model"), ("ok", "done")]


def test_no_endpoints_404_marks_the_model_dead_for_every_later_request(server, tmp_path):
    server.always(PAGE[0], no_endpoints(PAGE[0]))
    first, second = run(server, tmp_path, "page", "bulk")  # PAGE[0] is also second in bulk's chain
    assert first.model == PAGE[1] and first.attempts[0].outcome == "no_endpoints"
    assert second.model == POOLS.bulk_model and len(second.attempts) == 1
    assert server.models_asked().count(PAGE[0]) == 1


def test_bulk_chain_skips_a_dead_model_in_second_place(server, tmp_path):
    server.always(PAGE[0], no_endpoints(PAGE[0]))
    server.script(POOLS.bulk_model, ok(), server_error(503), server_error(503), server_error(503))
    first, reply = run(server, tmp_path, "page", "bulk")
    assert first.model == POOLS.bulk_model == PAGE[1]
    assert [a.model for a in reply.attempts] == [POOLS.bulk_model] * 3 + [PAGE[2]]


def test_5xx_is_retried_then_the_next_model(server, tmp_path):
    server.script(PAGE[0], server_error(502), server_error(502), server_error(502))
    clock = FakeTime(time.time())
    [reply] = run(server, tmp_path, "page", clock=clock, max_retries=2, backoff=0.5)
    assert [(a.outcome, a.action) for a in reply.attempts] == [
        ("server_error", "retry"),
        ("server_error", "retry"),
        ("server_error", "next_model"),
        ("ok", "done"),
    ]
    assert clock.sleeps == [0.5, 1.0] and reply.model == PAGE[1]


@pytest.mark.parametrize("answer, outcome", [(empty, "empty"), (reasoning_only, "reasoning_only")])
def test_empty_and_reasoning_only_replies_are_failures(server, tmp_path, answer, outcome):
    server.script(PAGE[0], answer())
    [reply] = run(server, tmp_path, "page")
    assert reply.model == PAGE[1] and reply.text == "<h1>Hello</h1>"
    assert [r[2] for r in ledger_rows(tmp_path)] == [outcome, "ok"]


def test_daily_cap_429_stops_with_the_reset_time_and_later_calls_do_not_reach_the_server(server, tmp_path):
    server.script(PAGE[0], error_file("429-free-models-per-day.json"))
    clock = FakeTime(DAILY_RESET - 3600)
    first, second = run(server, tmp_path, "page", "small", clock=clock)
    assert isinstance(first, DailyCapReached) and first.reset_at == DAILY_RESET
    assert "2026-05-21T00:00:00Z" in str(first) and first.attempts[0].outcome == "daily_cap"
    assert isinstance(second, DailyCapReached) and server.models_asked() == [PAGE[0]]
    row = ledger_rows(tmp_path)[0]
    assert (row[2], row[3], row[7], row[8]) == ("daily_cap", 429, 50, DAILY_RESET)
    with Ledger(tmp_path / "usage.sqlite", clock=clock) as ledger:
        budget = ledger.budget(default_limit=1000)
    assert (budget.limit, budget.limit_source, budget.capped) == (50, "header", True)


def test_the_client_stops_before_the_daily_cap_counting_every_client(server, tmp_path):
    clock = FakeTime(DAILY_RESET - 7200)
    replies = run(server, tmp_path, "page", "page", clock=clock, daily_cap=3)
    assert [r.model for r in replies] == [PAGE[0]] * 2
    [third, fourth] = run(server, tmp_path, "bulk", "bulk", clock=clock, daily_cap=3)  # another client, same ledger
    assert third.model == POOLS.bulk_model
    assert isinstance(fourth, DailyCapReached) and fourth.reset_at == DAILY_RESET
    assert "3 of 3 used today" in str(fourth) and len(server.requests) == 3


def test_per_minute_cap_waits_for_the_reset_then_asks_the_same_model(server, tmp_path):
    server.script(PAGE[0], error_file("429-free-models-per-min.json"))
    clock = FakeTime(MINUTE_RESET - 20)
    [reply] = run(server, tmp_path, "page", clock=clock)
    assert clock.sleeps == [20.0] and reply.model == PAGE[0]
    assert [a.outcome for a in reply.attempts] == ["minute_cap", "ok"]


def test_per_minute_cap_beyond_max_wait_stops(server, tmp_path):
    server.script(PAGE[0], error_file("429-free-models-per-min.json"))
    [failure] = run(server, tmp_path, "page", clock=FakeTime(MINUTE_RESET - 600), max_wait=60)
    assert isinstance(failure, CompletionFailed) and not isinstance(failure, DailyCapReached)
    assert "exceeds max_wait" in str(failure)


def test_account_pacing_spaces_requests_across_clients(server, tmp_path):
    clock = FakeTime(DAILY_RESET - 7200)
    run(server, tmp_path, "page", "page", clock=clock, requests_per_minute=3)
    replies = run(server, tmp_path, "page", "page", clock=clock, requests_per_minute=3)
    assert all(r.model == PAGE[0] for r in replies)
    assert clock.sleeps == [60.0]  # the 4th request of the minute waited for the 1st to leave the window


def test_slow_answer_past_the_timeout_is_a_network_failure_then_the_next_model(server, tmp_path):
    server.script(PAGE[0], ok(delay=3), ok(delay=3))
    [reply] = run(server, tmp_path, "page", request_timeout=0.3, max_retries=1)
    assert [a.outcome for a in reply.attempts] == ["network", "network", "ok"] and reply.model == PAGE[1]
    assert [r[3] for r in ledger_rows(tmp_path)] == [None, None, 200]


def test_a_reply_over_the_size_cap_is_refused(server, tmp_path):
    server.script(PAGE[0], huge(200_000))
    [reply] = run(server, tmp_path, "page", max_reply_bytes=100_000)
    assert [a.outcome for a in reply.attempts] == ["too_large", "ok"]


def test_every_model_failing_is_one_error_listing_the_attempts(server, tmp_path):
    for model in POOLS.fallback_chain("small"):
        server.always(model, no_endpoints(model))
    [failure] = run(server, tmp_path, "small")
    assert isinstance(failure, CompletionFailed) and len(failure.attempts) == len(POOLS.fallback_chain("small"))
    assert str(failure).startswith("no reply for small: model unavailable (No endpoints found for ")


def test_invalid_key_401_stops_without_trying_other_models(server, tmp_path):
    server.always(PAGE[0], server_error(401))
    [failure] = run(server, tmp_path, "page")
    assert "invalid or missing API key" in str(failure) and KEY not in str(failure)
    assert server.models_asked() == [PAGE[0]]


def test_concurrency_is_bounded_by_the_semaphore(server, tmp_path):
    server.always(PAGE[0], ok(delay=0.15))

    async def main():
        async with Client(options=options(server, tmp_path, concurrency=2), api_key=KEY) as client:
            return await asyncio.gather(*(client.complete(role="page", messages=MESSAGES) for _ in range(6)))

    replies = asyncio.run(main())
    assert len(replies) == 6 and server.max_in_flight == 2
    assert len(ledger_rows(tmp_path)) == 6


def test_missing_key_is_a_one_line_settings_error(tmp_path, monkeypatch):
    monkeypatch.delenv("OPENROUTER_API_KEY", raising=False)
    with pytest.raises(SettingsError, match=r"^OPENROUTER_API_KEY is not set; export"):
        Client(options=ClientOptions(ledger_file=tmp_path / "u.sqlite", pools_file=SAMPLE))


def test_repr_never_shows_the_key(tmp_path):
    client = Client(options=ClientOptions(ledger_file=tmp_path / "u.sqlite", pools_file=SAMPLE), api_key=KEY)
    assert KEY not in repr(client) and KEY not in str(vars(client).get("options"))


def test_sync_wrapper_reads_the_key_from_the_environment(server, tmp_path, monkeypatch):
    monkeypatch.setenv("OPENROUTER_API_KEY", KEY)
    reply = complete_sync(role="smallTasks", messages=MESSAGES, options=options(server, tmp_path))
    assert reply.model == POOLS.small_tasks_model and server.authorization == {f"Bearer {KEY}"}


def test_models_asks_exactly_the_given_model_even_an_unranked_one(server, tmp_path):
    unranked = POOLS.unranked[0].id
    assert unranked not in PAGE

    async def main():
        async with Client(options=options(server, tmp_path, max_retries=0), api_key=KEY) as client:
            reply = await client.complete(role="probe", messages=MESSAGES, models=(unranked,))
            server.always(unranked, server_error(503))
            with pytest.raises(CompletionFailed) as failed:
                await client.complete(role="probe", messages=MESSAGES, models=(unranked,))
            with pytest.raises(ValueError, match="not in the pools file"):
                await client.complete(role="probe", messages=MESSAGES, models=("vendor/not-listed:free",))
            return reply, failed.value

    reply, failed = asyncio.run(main())
    assert reply.model == unranked and server.models_asked() == [unranked, unranked]
    assert [(a.model, a.outcome, a.action) for a in failed.attempts] == [(unranked, "server_error", "next_model")]
    assert [row[:3] for row in ledger_rows(tmp_path)] == [
        (unranked, "probe", "ok"),
        (unranked, "probe", "server_error"),
    ]


def test_a_daily_quota_stops_the_role_before_the_site_share_across_clients(server, tmp_path):
    async def probe(count):
        async with Client(options=options(server, tmp_path, daily_cap=10), api_key=KEY) as client:
            done = 0
            for _ in range(count):
                try:
                    await client.complete(role="probe", messages=MESSAGES, models=(PAGE[0],), daily_quota=3)
                except QuotaReached as exc:
                    return done, exc
                done += 1
            return done, None

    assert asyncio.run(probe(2)) == (2, None)
    done, stopped = asyncio.run(probe(5))  # a second client, the same ledger
    assert done == 1 and "daily quota of probe reached" in str(stopped) and "site keeps 7 of 10" in str(stopped)
    assert len(server.requests) == 3
    site = run(server, tmp_path, *["page"] * 8, daily_cap=10)
    assert [isinstance(r, DailyCapReached) for r in site] == [False] * 7 + [True]  # the site keeps its 7


def test_options_come_from_the_settings_slice_of_the_client(tmp_path):
    from modelpools.settings import load_settings

    settings = load_settings(
        tmp_path,
        environ={
            "MODELPOOLS_OPENROUTER_API_BASE": "http://127.0.0.1:9/api/v1",
            "MODELPOOLS_DAILY_REQUEST_CAP": "1000",
            "MODELPOOLS_REQUESTS_PER_MINUTE": "0",
        },
    )
    options = ClientOptions.from_settings(settings)
    assert (options.base_url, options.daily_cap, options.requests_per_minute) == ("http://127.0.0.1:9/api/v1", 1000, 0)
    assert options.ledger_file == tmp_path.resolve() / ".cache" / "usage.sqlite"
    assert options.pools_file == tmp_path.resolve() / ".cache" / "model-pools.json"


def test_the_options_a_setting_feeds_default_to_that_settings_default_and_nothing_else_does(tmp_path):
    from dataclasses import fields

    from modelpools.settings import Settings
    from modelpools.slices import ClientSettings

    client = ClientSettings.of(Settings(project_dir=tmp_path))
    read = {f.name for f in fields(ClientOptions) if "setting" in f.metadata}
    assert read == {"base_url", "request_timeout", "max_reply_bytes", "concurrency", "requests_per_minute"} | {
        "daily_cap",
        "retention_days",
    }
    # every setting of the client's slice reaches an option: none is read and dropped
    assert {f.metadata["setting"] for f in fields(ClientOptions) if f.name in read} == set(client._fields) - {"files"}
    assert ClientOptions.of(client) == ClientOptions(
        ledger_file=tmp_path / ".cache" / "usage.sqlite", pools_file=tmp_path / ".cache" / "model-pools.json"
    )
    assert (ClientOptions().base_url, ClientOptions().request_timeout, ClientOptions().daily_cap) == (
        "https://openrouter.ai/api/v1",
        120,
        50,
    )
    assert ClientOptions.of(client, max_retries=0).max_retries == 0


# ---------------------------------------------------------------- streaming (on_text)


def streaming(server, tmp_path, **changes) -> tuple[object, list[TextPiece]]:
    """One streamed pageModel completion; (the reply or CompletionFailed, the pieces passed on)."""
    fake, pieces = FakeTime(time.time()), []

    async def main():
        async with Client(
            options=options(server, tmp_path, **changes), api_key=KEY, clock=fake, sleep=fake.sleep
        ) as client:
            try:
                return await client.complete(role="pageModel", messages=MESSAGES, on_text=pieces.append)
            except CompletionFailed as exc:
                return exc

    return asyncio.run(main()), pieces


def final_text(reply, pieces: list[TextPiece]) -> str:
    """What a caller shows in the end: the pieces of the attempt that finished."""
    return "".join(p.text for p in pieces if p.attempt == len(reply.attempts) - 1)


def test_a_streamed_reply_passes_its_text_on_as_it_comes_and_is_recorded_once(server, tmp_path):
    server.script(PAGE[0], streamed("<h1>", "Home", "</h1>", usage=(30, 7)))
    reply, pieces = streaming(server, tmp_path)
    assert pieces == [TextPiece(0, PAGE[0], "<h1>"), TextPiece(0, PAGE[0], "Home"), TextPiece(0, PAGE[0], "</h1>")]
    assert (reply.text, reply.model, reply.prompt_tokens, reply.completion_tokens) == ("<h1>Home</h1>", PAGE[0], 30, 7)
    assert server.requests[0]["stream"] is True
    [row] = ledger_rows(tmp_path)
    assert row[:4] == (PAGE[0], "pageModel", "ok", 200) and row[5:7] == (30, 7)


def test_a_retry_after_a_failure_mid_stream_comes_with_the_next_attempt_number(server, tmp_path):
    failure = {"code": "server_error", "message": "Provider disconnected"}
    server.script(PAGE[0], streamed("<h1>Ho", error=failure), streamed("<h1>Home</h1>"))  # default: retried
    reply, pieces = streaming(server, tmp_path)
    assert pieces == [TextPiece(0, PAGE[0], "<h1>Ho"), TextPiece(1, PAGE[0], "<h1>Home</h1>")]
    assert [(a.model, a.status, a.action) for a in reply.attempts] == [(PAGE[0], 502, "retry"), (PAGE[0], 200, "done")]
    assert final_text(reply, pieces) == reply.text == "<h1>Home</h1>"


def test_a_model_failing_mid_stream_is_followed_by_the_next(server, tmp_path):
    server.script(PAGE[0], streamed("<h1>Ho", error={"code": "server_error", "message": "Provider disconnected"}))
    server.script(PAGE[1], streamed("<h1>Home</h1>"))
    reply, pieces = streaming(server, tmp_path, max_retries=0)
    assert pieces == [TextPiece(0, PAGE[0], "<h1>Ho"), TextPiece(1, PAGE[1], "<h1>Home</h1>")]
    assert [(a.model, a.status, a.action) for a in reply.attempts] == [
        (PAGE[0], 502, "next_model"),
        (PAGE[1], 200, "done"),
    ]


def test_a_silent_or_cut_stream_is_a_failure_and_not_text(server, tmp_path):
    server.script(PAGE[0], streamed("<h1>", "Home", pause=(1, 2.0)))  # silent for 2 s after its first piece
    server.script(PAGE[1], streamed("<h1>", "Ho", end=False))  # the connection ends before the stream does
    reply, pieces = streaming(server, tmp_path, max_retries=0, stream_idle_timeout=0.3)
    assert [a.outcome for a in reply.attempts] == ["network", "network", "ok"] and reply.model == PAGE[2]
    # PAGE[2] answers unstreamed (a provider may ignore "stream"): its whole text is passed on at once
    assert [tuple(p) for p in pieces] == [
        (0, PAGE[0], "<h1>"),
        (1, PAGE[1], "<h1>"),
        (1, PAGE[1], "Ho"),
        (2, PAGE[2], "<h1>Hello</h1>"),
    ]
    assert final_text(reply, pieces) == reply.text == "<h1>Hello</h1>"


def test_the_idle_limit_covers_the_wait_for_the_first_byte(server, tmp_path):
    server.script(PAGE[0], ok(delay=2.0))  # no header for 2 s
    reply, pieces = streaming(server, tmp_path, max_retries=0, stream_idle_timeout=0.3)
    assert [a.outcome for a in reply.attempts] == ["network", "ok"] and reply.model == PAGE[1]
    assert pieces == [TextPiece(1, PAGE[1], "<h1>Hello</h1>")]


def test_an_error_answer_to_a_stream_request_is_read_as_usual(server, tmp_path):
    server.script(PAGE[0], error_file("429-free-models-per-min.json"), streamed("<h1>Home</h1>"))
    reply, pieces = streaming(server, tmp_path, max_wait=10**9)
    assert [(a.outcome, a.status) for a in reply.attempts] == [("minute_cap", 429), ("ok", 200)]
    assert pieces == [TextPiece(1, PAGE[0], "<h1>Home</h1>")]


def test_the_size_cap_counts_the_text_of_a_stream_not_its_wrapping(server, tmp_path):
    server.script(PAGE[0], streamed(*["abcd"] * 2000))  # 8,000 bytes of text in a stream of about 400 kB
    reply, _ = streaming(server, tmp_path, max_reply_bytes=10_000)
    assert reply.model == PAGE[0] and len(reply.text) == 8000
    server.script(PAGE[0], streamed(*["abcd"] * 3000))  # 12,000 bytes of text: over the cap
    reply, _ = streaming(server, tmp_path / "2", max_reply_bytes=10_000)
    assert reply.attempts[0].outcome == "too_large" and reply.model != PAGE[0]


def test_one_line_longer_than_any_reader_buffer_is_read(server, tmp_path):
    server.script(PAGE[0], streamed("x" * 700_000))  # a single 700 kB event
    reply, pieces = streaming(server, tmp_path)
    assert reply.model == PAGE[0] and reply.text == "x" * 700_000 and len(pieces) == 1


# ---------------------------------------------------------------- hostile answers and clocks


def walk(server, tmp_path, *roles, clock, **changes) -> list:
    """run() whose complete() calls must each end within 20 real seconds and leave no attempt pending."""
    out = run(server, tmp_path, *roles, clock=clock, budget=20.0, **changes)
    assert [r for r in ledger_rows(tmp_path) if r[2] == "pending"] == []
    return out


def minute_cap(reset: str) -> bytes:
    return (ERRORS / "429-free-models-per-min.json").read_bytes().replace(b"1765661760000", reset.encode())


def test_a_per_minute_429_whose_reset_is_past_waits_a_floor_and_retries_one_model_a_bounded_number_of_times(
    server, tmp_path
):
    server.always(PAGE[0], Answer(429, minute_cap("1765661760000")))
    clock = FakeTime(MINUTE_RESET + 5)  # the reset is 5 s past: the client's clock is ahead, or the value is bogus
    [reply] = walk(server, tmp_path, "page", clock=clock, requests_per_minute=20)
    assert reply.model == PAGE[1]
    assert server.models_asked().count(PAGE[0]) == 1 + MAX_WAITS_PER_MODEL
    assert clock.sleeps and all(1.0 <= s <= 90.0 for s in clock.sleeps)
    with Ledger(tmp_path / "usage.sqlite", clock=clock) as ledger:  # minute-cap answers count as sent requests
        assert ledger.used_today() == len(server.requests)


@pytest.mark.parametrize("retry_after", ["0", "1", "Wed, 21 Oct 2015 07:28:00 GMT"])
def test_retry_after_zero_or_past_does_not_spend_the_daily_cap_on_one_model(server, tmp_path, retry_after):
    limited = json.dumps({"error": {"message": "Too many requests", "code": 429}}).encode()
    server.always(PAGE[0], Answer(429, limited, {"Retry-After": retry_after}))
    clock = FakeTime(DAILY_RESET - 7200)
    [reply] = walk(server, tmp_path, "page", clock=clock, daily_cap=50)
    assert reply.model == PAGE[1] and server.models_asked().count(PAGE[0]) == 1 + MAX_WAITS_PER_MODEL
    assert all(s >= 1.0 for s in clock.sleeps)


@pytest.mark.parametrize("reset", ["inf", "1e20", "9" * 30, "-1", "nan", str(int(DAILY_RESET - 3605) * 1000)])
def test_a_bogus_daily_reset_is_no_information_and_does_not_poison_the_day(server, tmp_path, reset):
    daily = (ERRORS / "429-free-models-per-day.json").read_bytes()
    server.script(PAGE[0], Answer(429, daily, {"X-RateLimit-Reset": reset}))
    clock = FakeTime(DAILY_RESET - 3600)
    first, second = walk(server, tmp_path, "page", "page", clock=clock)
    assert isinstance(first, DailyCapReached) and first.reset_at == DAILY_RESET  # the next UTC midnight
    assert isinstance(second, DailyCapReached) and "2026-05-21T00:00:00Z" in str(second)
    assert len(server.requests) == 1


@pytest.mark.parametrize("stored", [float("inf"), 1e20, -5.0])
def test_a_bogus_reset_already_in_the_ledger_is_validated_on_read(server, tmp_path, stored):
    clock = FakeTime(DAILY_RESET - 3600)
    with Ledger(tmp_path / "usage.sqlite", clock=clock) as ledger:  # as an older version stored it
        attempt = ledger.reserve(model=PAGE[0], role="page").attempt_id
        ledger.finish(attempt, outcome="daily_cap", status=429, latency_ms=5, rate_limit=50, rate_reset=stored)
    [failure] = walk(server, tmp_path, "page", clock=clock)
    assert isinstance(failure, DailyCapReached) and failure.reset_at == DAILY_RESET
    assert server.requests == []
    with Ledger(tmp_path / "usage.sqlite", clock=clock) as ledger:
        assert ledger.budget(default_limit=50).reset_at == DAILY_RESET


def deep(depth: int = 100_000) -> bytes:
    return b"[" * depth + b"]" * depth


def sse(*events: bytes) -> Answer:
    return Answer(200, b"", events=(b": OPENROUTER PROCESSING\n\n", *(b"data: " + e + b"\n\n" for e in events)))


HUGE = str(2**64 + 1)


@pytest.mark.parametrize(
    "answer",
    [
        Answer(200, deep()),
        Answer(502, b'{"error": ' + deep() + b"}"),
        Answer(
            200, json.dumps({"choices": [{"message": {"content": "hi"}}], "usage": {"prompt_tokens": 2**64}}).encode()
        ),
        Answer(429, b'{"error": {"message": "slow down", "code": 429}}', {"X-RateLimit-Limit": HUGE}),
        Answer(503, b'{"error": {"message": "busy", "code": 503}}', {"Retry-After": "\u00b2"}),
    ],
    ids=["deep-body", "deep-error", "huge-usage", "huge-limit", "superscript-retry-after"],
)
def test_a_hostile_answer_ends_as_a_classified_failure_and_a_finished_row(server, tmp_path, answer):
    server.script(PAGE[0], answer)
    [reply] = walk(server, tmp_path, "page", clock=FakeTime(DAILY_RESET - 7200), max_retries=0)
    assert reply.model in PAGE and len(ledger_rows(tmp_path)) == len(reply.attempts)


@pytest.mark.parametrize(
    "events",
    [(b'{"choices": ' + deep() + b"}",), (b'{"error": {"code": ' + HUGE.encode() + b', "message": "x"}}',)],
    ids=["deep-event", "huge-error-code"],
)
def test_a_hostile_stream_ends_as_a_classified_failure_and_a_finished_row(server, tmp_path, events):
    server.script(PAGE[0], sse(*events))
    reply, _ = streaming(server, tmp_path, max_retries=0)
    assert reply.model == PAGE[1] and reply.attempts[0].outcome != "ok"
    assert [r[2] for r in ledger_rows(tmp_path)][-1] == "ok" and "pending" not in [r[2] for r in ledger_rows(tmp_path)]


@pytest.mark.parametrize("back", [300.0, 3600.0])
def test_a_clock_that_went_back_never_asks_for_a_wait_beyond_max_wait(server, tmp_path, back):
    clock = FakeTime(DAILY_RESET - 7200)
    walk(server, tmp_path, *["page"] * 20, clock=clock, requests_per_minute=20)
    clock.sleeps.clear()
    clock.now -= back
    [reply] = walk(server, tmp_path, "page", clock=clock, requests_per_minute=20, max_wait=90)
    assert reply.model == PAGE[0] and all(s <= 90 for s in clock.sleeps)
    assert sum(clock.sleeps) <= 90


def test_one_run_with_the_clock_a_month_ahead_deletes_no_row_of_today(server, tmp_path):
    clock = FakeTime(DAILY_RESET - 7200)
    walk(server, tmp_path, *["page"] * 20, clock=clock, daily_cap=50)
    clock.now += 31 * 86400
    walk(server, tmp_path, "page", clock=clock, daily_cap=50)
    clock.now -= 31 * 86400
    with Ledger(tmp_path / "usage.sqlite", clock=clock) as ledger:
        assert ledger.budget(default_limit=50).used >= 20  # the row from the future does not shrink today's count


@pytest.mark.parametrize("key", [f"{KEY}\nX-Injected: 1", f"sk-or-v1-ab\rcd{KEY}", f"{KEY[:10]}\r\n{KEY[10:]}"])
def test_an_api_key_with_a_line_break_is_one_line_that_does_not_echo_it(server, tmp_path, monkeypatch, key):
    monkeypatch.setenv("OPENROUTER_API_KEY", key)
    with pytest.raises(SettingsError) as caught:
        complete_sync(role="page", messages=MESSAGES, options=options(server, tmp_path))
    message = str(caught.value)
    assert (
        message.startswith("OPENROUTER_API_KEY holds a line break or another control character") and "\n" not in message
    )
    assert KEY[8:] not in message and server.requests == []
