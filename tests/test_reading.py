"""modelpools.consumer.reading: a streamed completion judged exactly as the same answer unstreamed would be."""

from __future__ import annotations

import json

from chatserver import ok, streamed

from modelpools.consumer.reading import StreamedReply
from modelpools.consumer.replies import classify


def gathered(answer) -> tuple[StreamedReply, list[str]]:
    """Feed a scripted stream line by line, as the client reads it; (the reply, the text pieces passed on)."""
    return fed(b"".join(e for e in answer.events if isinstance(e, bytes)).decode().split("\n"))


def fed(lines: list[str]) -> tuple[StreamedReply, list[str]]:
    reply, pieces = StreamedReply(), []
    for line in lines:
        if (text := reply.feed(line)) is not None:
            pieces.append(text)
    if (text := reply.close()) is not None:
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
    reply, pieces = fed([": OPENROUTER PROCESSING", "", "event: ping", "data: not json", "", "data: 7", ""])
    assert pieces == [] and reply.answer() == (None, None)  # nothing ended the stream: no answer


def test_sse_details_a_data_field_over_lines_no_space_and_usage_in_a_last_chunk_without_choices():
    first = json.dumps({"choices": [{"index": 0, "delta": {"content": "<h1>Home"}}]}, indent=1).split("\n")
    usage = {"prompt_tokens": 9, "completion_tokens": 3, "total_tokens": 12}
    lines = [*(f"data: {part}" for part in first), ""]  # one event's JSON spread over several data lines
    lines += ['data:{"choices":[{"index":0,"delta":{"content":"</h1>"},"finish_reason":"stop"}]}', ""]  # no space
    lines += ["data: " + json.dumps({"choices": [], "usage": usage}), "", "data: [DONE]", ""]
    reply, pieces = fed(lines)
    assert pieces == ["<h1>Home", "</h1>"]
    answer = classify(*reply.answer()[:1], {}, reply.answer()[1])
    assert (answer.outcome, answer.text, answer.prompt_tokens, answer.completion_tokens) == (
        "ok",
        "<h1>Home</h1>",
        9,
        3,
    )


def test_finish_reason_error_without_an_error_object_is_an_error():
    reply, pieces = fed(['data: {"choices":[{"index":0,"delta":{"content":"<h1>"},"finish_reason":"error"}]}', ""])
    assert pieces == ["<h1>"] and reply.answer()[0] == 502


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
