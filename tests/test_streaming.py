"""modelpools.consumer.streaming: a streamed completion judged exactly as the same answer unstreamed would be."""

from __future__ import annotations

import json

from chatserver import ok, streamed

from modelpools.consumer.replies import classify
from modelpools.consumer.streaming import StreamedReply


def gathered(answer) -> tuple[StreamedReply, list[str]]:
    """Feed a scripted stream line by line, as the client reads it; (the reply, the text pieces passed on)."""
    reply, pieces = StreamedReply(), []
    for event in answer.events:
        if isinstance(event, float):
            continue
        for line in event.decode().splitlines():
            if (text := reply.feed(line)) is not None:
                pieces.append(text)
    return reply, pieces


def test_a_stream_gives_the_body_of_the_same_answer_unstreamed():
    reply, pieces = gathered(streamed("<h1>", "Home", "</h1>", usage=(30, 7)))
    assert pieces == ["<h1>", "Home", "</h1>"]
    status, body = reply.answer()
    plain = ok("<h1>Home</h1>", prompt_tokens=30, completion_tokens=7)
    assert classify(status, {}, body) == classify(plain.status, {}, plain.body)
    assert json.loads(body)["choices"][0]["finish_reason"] == "stop"


def test_keep_alive_comments_and_junk_lines_add_nothing():
    reply = StreamedReply()
    for line in [": OPENROUTER PROCESSING", "", "event: ping", "data: not json", "data: 7"]:
        assert reply.feed(line) is None
    assert reply.answer() == (None, None)  # nothing ended the stream: no answer, as a dropped connection


def test_a_reasoning_only_stream_is_the_reasoning_only_failure():
    reply, pieces = gathered(streamed(reasoning="The user wants a page."))
    assert pieces == [] and classify(*_status_body(reply)).outcome == "reasoning_only"


def test_an_error_event_is_the_error_it_names_and_a_cut_stream_is_no_answer():
    failed, _ = gathered(streamed("<h1>", error={"code": "server_error", "message": "Provider disconnected"}))
    status, body = failed.answer()
    assert status == 502 and json.loads(body) == {"error": {"code": "server_error", "message": "Provider disconnected"}}
    assert classify(status, {}, body).decision.action in ("retry", "next_model")
    limited, _ = gathered(streamed("x", error={"code": 429, "message": "Rate limit exceeded: free-models-per-min."}))
    assert limited.answer()[0] == 429
    cut, pieces = gathered(streamed("<h1>", "Ho", end=False))
    assert pieces == ["<h1>", "Ho"] and cut.answer() == (None, None)


def _status_body(reply: StreamedReply):
    status, body = reply.answer()
    return status, {}, body
