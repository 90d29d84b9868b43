"""The OpenAI shapes ``modelpools serve`` answers with, from a Reply and its attempts (pure)."""

from __future__ import annotations

import json

from modelpools.consumer import openai_wire as wire
from modelpools.consumer.completion import Attempt, Reply

TRIED = (
    Attempt("nvidia/nemotron-3-ultra-550b-a55b:free", "no_endpoints", 404, 1, "next_model", "model unavailable"),
    Attempt("z-ai/glm-5.2:free", "ok", 200, 3, "done", "reply"),
)


def test_a_whole_reply_names_the_model_that_answered_and_every_try():
    body = wire.completion_body(Reply("<h1>Hi</h1>", "z-ai/glm-5.2:free", TRIED, 12, 5), "chatcmpl-1", 1700000000)
    assert body["model"] == "z-ai/glm-5.2:free" and body["object"] == "chat.completion"
    assert body["choices"][0]["message"] == {"role": "assistant", "content": "<h1>Hi</h1>"}
    assert body["choices"][0]["finish_reason"] == "stop"
    assert body["usage"] == {"prompt_tokens": 12, "completion_tokens": 5, "total_tokens": 17}
    assert [a["outcome"] for a in body["modelpools"]["attempts"]] == ["no_endpoints", "ok"]


def test_a_tool_call_reply_has_null_content_and_its_calls():
    call = {"id": "c1", "type": "function", "function": {"name": "f", "arguments": "{}"}}
    body = wire.completion_body(Reply("", "m:free", TRIED[1:], tool_calls=(call,)), "id", 0)
    assert body["choices"][0]["message"] == {"role": "assistant", "content": None, "tool_calls": [call]}
    assert body["choices"][0]["finish_reason"] == "tool_calls" and "usage" not in body


def test_the_attempts_header_is_printable_ascii_without_reasons():
    odd = Attempt("evil/\u202emodel\r\n:free", "server_error", 502, 1, "retry", "secret reason")
    header = wire.attempts_header((*TRIED, odd))
    assert header.startswith(
        "nvidia/nemotron-3-ultra-550b-a55b:free=no_endpoints/next_model, z-ai/glm-5.2:free=ok/done"
    )
    assert header.isascii() and "\r" not in header and "\n" not in header and "secret" not in header


def test_the_content_encoder_gives_the_bytes_chunk_event_gives():
    encode = wire.content_encoder("chatcmpl-1", 7, "z-ai/glm-5.2:free")
    for text in ("plain", 'quote " and \\ and \n newline', "unicode é ✓"):
        assert encode(text) == wire.chunk_event("chatcmpl-1", 7, "z-ai/glm-5.2:free", {"content": text})
        assert json.loads(encode(text)[6:])["choices"][0]["delta"]["content"] == text


def test_an_error_lists_the_tries_and_the_models_left_out():
    body = wire.error_body("no reply", "upstream_error", "no_model_answered", TRIED, (("m:free", "no tools"),))
    assert body["error"]["code"] == "no_model_answered"
    assert [a["model"] for a in body["error"]["attempts"]] == [a.model for a in TRIED]
    assert body["error"]["left_out"] == [{"model": "m:free", "reason": "no tools"}]
