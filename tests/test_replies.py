"""classify(): what one chat-completions answer means (outcome, text, decision), from the bytes alone."""

import json

from modelpools.consumer.replies import classify


def test_classify_an_error_object_inside_a_200_uses_its_code():
    body = b'{"error": {"message": "No endpoints found for x/y:free.", "code": 404}}'
    answer = classify(200, {}, body)
    assert answer.outcome == "no_endpoints" and answer.decision.model_dead


def test_classify_content_parts_and_malformed_bodies():
    parts = b'{"choices": [{"message": {"content": [{"type": "text", "text": "a"}, {"type": "text", "text": "b"}]}}]}'
    assert classify(200, {}, parts).text == "ab"
    assert classify(200, {}, b"<html>gateway</html>").outcome == "malformed"
    assert classify(200, {}, b'{"choices": []}').outcome == "malformed"


def test_classify_a_tool_call_without_text_as_an_answer():
    call = {"id": "call_1", "type": "function", "function": {"name": "get_weather", "arguments": '{"city": "Lyon"}'}}
    message = {"role": "assistant", "content": None, "tool_calls": [call, {"id": "junk"}]}
    body = json.dumps({"choices": [{"message": message, "finish_reason": "tool_calls"}]}).encode()
    answer = classify(200, {}, body)
    assert (answer.outcome, answer.decision, answer.text) == ("ok", None, "")
    assert answer.tool_calls == (call,) and answer.finish_reason == "tool_calls"  # a call without a function is dropped
    no_calls = json.dumps({"choices": [{"message": {"content": None, "tool_calls": [{"id": "junk"}]}}]}).encode()
    assert classify(200, {}, no_calls).outcome == "empty"


def test_each_answer_of_openrouter_has_its_outcome_and_scope():
    from pathlib import Path

    answers = Path(__file__).resolve().parent / "data" / "openrouter"
    expected = {
        "answers/404-data-policy.json": ("data_policy", "account", "next_model"),
        "answers/404-data-policy-guardrail.json": ("data_policy", "account", "next_model"),
        "answers/404-tool-use.json": ("unsupported", "request", "next_model"),
        "answers/402-credits.json": ("no_credits", "account", "stop"),
        "answers/400-context-length.json": ("too_long", "request", "next_model"),
        "answers/200-reasoning-exhausted.json": ("reasoning_exhausted", "request", "next_model"),
        "errors/429-free-models-per-day.json": ("daily_cap", "account", "stop"),
        "errors/429-upstream-rate-limited.json": ("upstream_429", "model", "next_model"),
    }
    for name, (outcome, scope, action) in expected.items():
        body = (answers / name).read_bytes()
        error = json.loads(body).get("error")
        answer = classify(error["code"] if error else 200, {}, body, now=1765661700.0)
        assert (answer.outcome, answer.scope, answer.decision.action) == (outcome, scope, action), name
    delisted = classify(404, {}, b'{"error": {"message": "No endpoints found for x/y:free.", "code": 404}}')
    assert (delisted.outcome, delisted.scope, delisted.decision.model_dead) == ("no_endpoints", "model", True)
