"""``modelpools serve`` with the official ``openai`` Python SDK (sync, async, streaming, a tool call) in front of the
loopback chat server: the reply names the model that answered, the ledger records every attempt, errors list what
was tried, the pools file is read again when it changes, and the safety caps hold."""

from __future__ import annotations

import asyncio
import json
import os
import shutil
import signal
import sqlite3
import subprocess
import sys
import threading
import time
from pathlib import Path

import pytest
from chatserver import no_endpoints, ok, streamed, tool_call, wait_until
from serving import KEY, ServeThread, client_options

from modelpools.consumer.pools_view import load_pools
from modelpools.consumer.server import ServeOptions, check_listen
from modelpools.errors import ServeRefused

openai = pytest.importorskip("openai", reason="the openai SDK is in the test extra: pip install -e '.[test]'")

SAMPLE = Path(__file__).resolve().parent / "data" / "pools-sample.json"
POOLS = load_pools(SAMPLE)
PAGE = POOLS.fallback_chain("page")  # nemotron-3-ultra, glm-5.2, gemma-4-31b, ...
MEDIUM = POOLS.tier("MEDIUM")
MESSAGES = [{"role": "user", "content": "Write the home page."}]


@pytest.fixture
def upstream(chat_server):
    return chat_server


@pytest.fixture
def pools_file(tmp_path: Path) -> Path:
    path = tmp_path / "cache" / "model-pools.json"
    path.parent.mkdir()
    shutil.copy(SAMPLE, path)
    return path


@pytest.fixture
def serve(upstream, tmp_path, pools_file):
    """A function starting the server (client option changes, ServeOptions); stopped after the test."""
    started: list[ServeThread] = []

    def start(serve_options: ServeOptions | None = None, **changes) -> ServeThread:
        thread = ServeThread(client_options(upstream.base_url, tmp_path, pools_file, **changes), serve_options)
        started.append(thread.start())
        return thread

    yield start
    for thread in started:
        thread.stop()


def sdk(server: ServeThread, key: str = "unused") -> openai.OpenAI:
    return openai.OpenAI(base_url=server.base_url, api_key=key, max_retries=0, timeout=10)


def ledger_rows(tmp_path: Path) -> list[tuple]:
    with sqlite3.connect(tmp_path / "usage.sqlite") as db:
        return db.execute("SELECT model, role, outcome, status FROM attempts ORDER BY id").fetchall()


def test_a_role_gets_the_answer_of_its_first_working_model_and_the_ledger_has_every_attempt(upstream, serve, tmp_path):
    upstream.script(PAGE[0], no_endpoints(PAGE[0]))
    upstream.always(PAGE[1], ok("<h1>Bakery</h1>"))
    server = serve()
    raw = sdk(server).chat.completions.with_raw_response.create(model="pageModel", messages=MESSAGES, temperature=0.2)
    reply = raw.parse()
    assert reply.model == PAGE[1]  # the id that answered, not the role
    assert reply.choices[0].message.content == "<h1>Bakery</h1>"
    assert reply.usage.prompt_tokens == 12 and reply.usage.completion_tokens == 5
    assert raw.headers["X-Modelpools-Model"] == PAGE[1]
    assert raw.headers["X-Modelpools-Attempts"] == f"{PAGE[0]}=no_endpoints/next_model, {PAGE[1]}=ok/done"
    assert ledger_rows(tmp_path) == [(PAGE[0], "pageModel", "no_endpoints", 404), (PAGE[1], "pageModel", "ok", 200)]
    assert upstream.requests[-1]["temperature"] == 0.2  # other body fields pass through
    # the model found dead stays dead for the run, as in one Client: the next request starts at PAGE[1]
    sdk(server).chat.completions.create(model="page", messages=MESSAGES)
    assert upstream.models_asked() == [PAGE[0], PAGE[1], PAGE[1]]


def test_a_concrete_id_with_or_without_free_and_auto_as_the_bulk_role(upstream, serve):
    server = sdk(serve())
    assert (
        server.chat.completions.create(model="openai/gpt-oss-20b", messages=MESSAGES).model == "openai/gpt-oss-20b:free"
    )
    assert server.chat.completions.create(model="z-ai/glm-5.2:free", messages=MESSAGES).model == "z-ai/glm-5.2:free"
    assert server.chat.completions.create(model="auto", messages=MESSAGES).model == POOLS.bulk_model
    assert upstream.models_asked() == ["openai/gpt-oss-20b:free", "z-ai/glm-5.2:free", POOLS.bulk_model]


def test_the_async_sdk_spreads_a_tier_over_its_models(upstream, serve):
    server = serve()

    async def main() -> list[str]:
        client = openai.AsyncOpenAI(base_url=server.base_url, api_key="unused", max_retries=0)
        replies = await asyncio.gather(
            *(client.chat.completions.create(model="MEDIUM", messages=MESSAGES) for _ in range(len(MEDIUM) * 2))
        )
        await client.close()
        return [r.model for r in replies]

    answered = asyncio.run(main())
    assert sorted(answered) == sorted(MEDIUM * 2)  # each model of the tier twice: the rotation, not one model


def test_streaming_passes_each_piece_on_and_names_the_model(upstream, serve):
    upstream.always(PAGE[0], streamed("<h1>", "Bake", "ry</h1>"))
    stream = sdk(serve()).chat.completions.create(
        model="pageModel", messages=MESSAGES, stream=True, stream_options={"include_usage": True}
    )
    chunks = list(stream)
    text = "".join(c.choices[0].delta.content or "" for c in chunks if c.choices)
    assert text == "<h1>Bakery</h1>"
    assert {c.model for c in chunks} == {PAGE[0]}
    assert [c.choices[0].finish_reason for c in chunks if c.choices][-1] == "stop"
    assert chunks[-1].usage.completion_tokens == 5  # include_usage: a last chunk with the usage
    last = [c for c in chunks if c.choices][-1]
    assert last.model_extra["modelpools"]["attempts"][0]["model"] == PAGE[0]
    assert upstream.requests[-1]["stream"] is True and "stream_options" not in upstream.requests[-1]


def test_a_stream_that_fails_before_its_first_piece_moves_on_to_the_next_model(upstream, serve, tmp_path):
    upstream.always(PAGE[0], streamed(end=False))  # the connection drops before any text
    upstream.always(PAGE[1], streamed("fine"))
    chunks = list(sdk(serve()).chat.completions.create(model="pageModel", messages=MESSAGES, stream=True))
    assert "".join(c.choices[0].delta.content or "" for c in chunks if c.choices) == "fine"
    assert {c.model for c in chunks} == {PAGE[1]}
    assert [row[2] for row in ledger_rows(tmp_path)][-1] == "ok"


WEATHER = {
    "type": "function",
    "function": {
        "name": "get_weather",
        "description": "The weather in a city",
        "parameters": {"type": "object", "properties": {"city": {"type": "string"}}, "required": ["city"]},
    },
}


def test_a_tool_call_passes_through_both_ways(upstream, serve):
    upstream.always(PAGE[0], tool_call("get_weather", {"city": "Lyon"}))
    reply = sdk(serve()).chat.completions.create(
        model="pageModel", messages=MESSAGES, tools=[WEATHER], tool_choice="auto"
    )
    call = reply.choices[0].message.tool_calls[0]
    assert (call.function.name, json.loads(call.function.arguments)) == ("get_weather", {"city": "Lyon"})
    assert reply.choices[0].finish_reason == "tool_calls" and reply.model == PAGE[0]
    assert upstream.requests[-1]["tools"] == [WEATHER] and upstream.requests[-1]["tool_choice"] == "auto"


def test_a_streamed_tool_call_arrives_as_stream_chunks(upstream, serve):
    upstream.always(PAGE[0], tool_call("get_weather", {"city": "Lyon"}))
    chunks = list(
        sdk(serve()).chat.completions.create(model="pageModel", messages=MESSAGES, tools=[WEATHER], stream=True)
    )
    calls = [call for c in chunks if c.choices for call in c.choices[0].delta.tool_calls or ()]
    assert calls[0].function.name == "get_weather" and json.loads(calls[0].function.arguments) == {"city": "Lyon"}
    assert "stream" not in upstream.requests[-1]  # the upstream answered whole: tool calls are not streamed on


def test_only_models_that_support_a_parameter_are_tried(upstream, serve):
    # the page chain's first model lists no response_format in its supportedParameters: it is not asked
    fmt = {"type": "json_object"}
    raw = sdk(serve()).chat.completions.with_raw_response.create(
        model="pageModel", messages=MESSAGES, response_format=fmt
    )
    assert raw.parse().model == PAGE[1]
    assert upstream.models_asked() == [PAGE[1]] and upstream.requests[0]["response_format"] == fmt


def test_when_every_model_fails_the_error_lists_each_try_and_why(upstream, serve):
    for model in MEDIUM:
        upstream.always(model, no_endpoints(model))
    with pytest.raises(openai.APIStatusError) as caught:
        sdk(serve()).chat.completions.create(model="MEDIUM", messages=MESSAGES)
    assert caught.value.status_code == 502
    error = caught.value.body if "attempts" in caught.value.body else caught.value.body["error"]
    assert [a["model"] for a in error["attempts"]] == list(MEDIUM)
    assert all("No endpoints found" in a["reason"] for a in error["attempts"])
    assert KEY not in caught.value.response.text


def test_the_daily_cap_is_the_clients_and_answers_429(upstream, serve, tmp_path):
    server = sdk(serve(daily_cap=1))
    server.chat.completions.create(model="pageModel", messages=MESSAGES)
    with pytest.raises(openai.RateLimitError) as caught:
        server.chat.completions.create(model="pageModel", messages=MESSAGES)
    assert "daily free-request cap reached: 1 of 1" in str(caught.value)
    assert len(upstream.requests) == 1 and len(ledger_rows(tmp_path)) == 1


def test_an_account_level_stop_is_a_403_naming_the_page_to_change(upstream, serve):
    from chatserver import answer_file

    upstream.always(PAGE[0], answer_file("402-credits.json"))
    server = sdk(serve())
    for _ in range(2):  # the second is refused without reaching OpenRouter
        with pytest.raises(openai.PermissionDeniedError, match=r"openrouter\.ai/settings/credits"):
            server.chat.completions.create(model="pageModel", messages=MESSAGES)
    assert len(upstream.requests) == 1


def test_an_unknown_model_is_a_404_naming_what_exists(serve):
    with pytest.raises(openai.NotFoundError, match="pageModel"):
        sdk(serve()).chat.completions.create(model="gpt-4o", messages=MESSAGES)


def test_models_lists_roles_tiers_and_ids_with_context_length(serve):
    listed = {m.id: m for m in sdk(serve()).models.list()}
    assert {"auto", "pageModel", "bulkModel", "smallTasksModel", "LARGE", "MEDIUM", "SMALL"} <= set(listed)
    assert POOLS.ids <= set(listed)
    assert listed["pageModel"].model_extra["context_length"] == POOLS.model(PAGE[0]).context_length
    assert listed["MEDIUM"].model_extra["modelpools"]["models"] == list(MEDIUM)


def test_the_pools_file_is_read_again_when_it_changes(upstream, serve, pools_file):
    server = serve()
    assert sdk(server).chat.completions.create(model="pageModel", messages=MESSAGES).model == PAGE[0]
    document = json.loads(pools_file.read_text())
    document["chosenDefaults"]["pageModel"] = document["roles"]["pageModel"]["model"] = "z-ai/glm-5.2:free"
    pools_file.with_suffix(".tmp").write_text(json.dumps(document))
    pools_file.with_suffix(".tmp").replace(pools_file)  # as doit pools writes it: a new file renamed over the old
    assert sdk(server).chat.completions.create(model="pageModel", messages=MESSAGES).model == "z-ai/glm-5.2:free"
    pools_file.write_text("{ not json")  # a broken rewrite: the pools in use stay
    assert sdk(server).chat.completions.create(model="pageModel", messages=MESSAGES).model == "z-ai/glm-5.2:free"
    assert any("does not load" in line for line in server.warnings)


def test_another_address_than_loopback_needs_a_serve_key():
    with pytest.raises(ServeRefused, match="MODELPOOLS_SERVE_KEY"):
        check_listen(ServeOptions(host="0.0.0.0"))
    check_listen(ServeOptions(host="0.0.0.0", serve_key="k" * 32))
    check_listen(ServeOptions(host="::1"))
    assert "k" * 32 not in repr(ServeOptions(serve_key="k" * 32))


def test_a_serve_key_is_required_and_never_forwarded_upstream(upstream, serve):
    server = serve(ServeOptions(port=0, serve_key="serve-key-abcdefghijklmnop"))
    with pytest.raises(openai.AuthenticationError):
        sdk(server, "wrong").chat.completions.create(model="pageModel", messages=MESSAGES)
    with pytest.raises(openai.AuthenticationError):
        sdk(server, "wrong").models.list()
    assert upstream.requests == []
    reply = sdk(server, "serve-key-abcdefghijklmnop").chat.completions.create(model="pageModel", messages=MESSAGES)
    assert reply.model == PAGE[0]
    assert upstream.authorization == {f"Bearer {KEY}"}  # only the upstream key, only to the upstream


def test_the_body_size_and_the_requests_in_flight_are_capped(upstream, serve):
    server = serve(ServeOptions(port=0, max_body_bytes=4096, max_concurrent=1))
    with pytest.raises(openai.APIStatusError) as caught:
        sdk(server).chat.completions.create(model="pageModel", messages=[{"role": "user", "content": "x" * 8000}])
    assert caught.value.status_code == 413 and upstream.requests == []
    upstream.script(PAGE[0], ok(delay=1.0))
    slow = threading.Thread(target=lambda: sdk(server).chat.completions.create(model="pageModel", messages=MESSAGES))
    slow.start()
    assert wait_until(lambda: len(upstream.requests) == 1)
    with pytest.raises(openai.APIStatusError) as busy:
        sdk(server).chat.completions.create(model="pageModel", messages=MESSAGES)
    assert busy.value.status_code == 503
    slow.join(10)


def test_sigterm_lets_the_request_in_flight_finish(upstream, tmp_path, pools_file):
    (tmp_path / "pyproject.toml").write_text(
        f'[tool.modelpools]\nopenrouter_api_base = "{upstream.base_url}"\nrequests_per_minute = 0\n'
    )
    upstream.script(PAGE[0], ok("<p>finished</p>", delay=1.5))
    env = {**os.environ, "OPENROUTER_API_KEY": KEY}
    env.pop("MODELPOOLS_SERVE_KEY", None)
    command = [
        sys.executable,
        "-m",
        "modelpools",
        "--project-dir",
        str(tmp_path),
        "--cache-dir",
        str(pools_file.parent),
    ]
    process = subprocess.Popen([*command, "serve", "--port", "0"], stderr=subprocess.PIPE, text=True, env=env)
    try:
        line = process.stderr.readline()
        assert "listening on http://127.0.0.1:" in line, line
        base_url = line.split("listening on ")[1].split()[0]
        replies: list = []
        request = threading.Thread(
            target=lambda: replies.append(
                openai.OpenAI(base_url=base_url, api_key="x", max_retries=0).chat.completions.create(
                    model="pageModel", messages=MESSAGES
                )
            )
        )
        request.start()
        assert wait_until(lambda: len(upstream.requests) == 1)
        started = time.monotonic()
        process.send_signal(signal.SIGTERM)
        request.join(10)
        assert process.wait(10) == 0
        assert replies and replies[0].choices[0].message.content == "<p>finished</p>"
        assert time.monotonic() - started < 5
        assert KEY not in process.stderr.read()
    finally:
        if process.poll() is None:
            process.kill()
            process.wait()
    with sqlite3.connect(pools_file.parent / "usage.sqlite") as db:
        assert db.execute("SELECT model, outcome FROM attempts").fetchall() == [(PAGE[0], "ok")]


def test_a_stream_that_breaks_after_its_first_pieces_ends_with_an_error_event(upstream, serve):
    upstream.always(PAGE[0], streamed("<h1>half", end=False))  # text went out, then the connection dropped
    stream = sdk(serve()).chat.completions.create(model="pageModel", messages=MESSAGES, stream=True)
    seen = []
    with pytest.raises(openai.APIError, match="failed after its first pieces"):
        for chunk in stream:
            seen.append(chunk.choices[0].delta.content or "" if chunk.choices else "")
    assert "".join(seen) == "<h1>half"  # nothing of another attempt was mixed into the text


def test_serve_runs_the_role_experiment_through_the_client_and_tags_the_ledger(upstream, serve, tmp_path):
    roles = load_pools(SAMPLE).document["roles"]["pageModel"]
    default, runners = roles["model"], [r["id"] for r in roles["runnersUp"]]
    server = serve(ab_share=0.5)
    client = sdk(server)
    asked = [
        client.chat.completions.create(model="pageModel", messages=[{"role": "user", "content": f"page {i}"}]).model
        for i in range(16)
    ]
    again = client.chat.completions.create(model="pageModel", messages=[{"role": "user", "content": "page 3"}])
    assert again.model == asked[3]  # the same request asks the same model
    assert set(asked) <= {default, *runners} and set(asked) & set(runners)
    with sqlite3.connect(tmp_path / "usage.sqlite") as db:
        tags = {row[0] for row in db.execute("SELECT experiment FROM attempts")}
    assert tags == {default}
