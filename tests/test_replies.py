"""classify(): what one chat-completions answer means (outcome, text, decision), from the bytes alone."""

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
