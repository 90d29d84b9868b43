"""Reading one chat-completion answer under the size cap: a whole body (``read_body``), or a stream of server-sent
events (``read_stream``) read into the answer a non-streamed request would have given.

OpenRouter streams ``data: {chunk}`` events (each ended by a blank line), ``: OPENROUTER PROCESSING`` comments while
a provider is busy, and ``data: [DONE]`` at the end; an error after the stream began arrives as an event with an
``error`` object and ``finish_reason: "error"``. ``StreamedReply`` gathers the events (pure: lines in, state out)
and gives the body a non-streamed answer would have had, so ``replies.classify`` judges both alike: an empty or
reasoning-only stream is a failure, an error event is the error it names, a stream cut off before its end is no
answer. ``read_stream`` reads one response, passing each piece of reply text on as it arrives.

The size cap (``max_reply_bytes``) counts the reply's text and reasoning, as it counts an unstreamed body; the
stream's raw bytes, about a hundred times the text for short chunks, are capped at RAW_BYTES_FACTOR times that.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Mapping
from typing import Any

__all__ = ["RAW_BYTES_FACTOR", "ReplyTooLarge", "StreamedReply", "read_body", "read_stream"]

RAW_BYTES_FACTOR = 64
_UPSTREAM_ERROR = 502  # an error event whose code is no HTTP status (e.g. "server_error"): the provider failed


class ReplyTooLarge(Exception):
    """The body (or its declared length) passed the reply size cap; for a stream, its text did, or its raw bytes
    (or one line) passed theirs."""


async def read_body(response: Any, limit: int) -> bytes:
    """The whole body of an aiohttp response; ReplyTooLarge as soon as it (or its declared length) passes limit."""
    if response.content_length is not None and response.content_length > limit:
        raise ReplyTooLarge()
    chunks, size = [], 0
    async for chunk in response.content.iter_chunked(64 * 1024):
        size += len(chunk)
        if size > limit:
            raise ReplyTooLarge()
        chunks.append(chunk)
    return b"".join(chunks)


class StreamedReply:
    """The events of one streamed completion, gathered: ``feed`` each line, ``close()`` at the end, ``answer()``."""

    def __init__(self) -> None:
        self.text: list[str] = []
        self.reasoning: list[str] = []
        self.size = 0  # UTF-8 bytes of text and reasoning so far
        self.usage: Mapping[str, Any] | None = None
        self.finish_reason: str | None = None
        self.error: Mapping[str, Any] | None = None
        self.done = False
        self._data: list[str] = []  # the data lines of the event being read

    def feed(self, line: str) -> str | None:
        """Take one line of the stream (without its line end); return the reply text it completes, if any."""
        if self.done:
            return None
        if not line:  # a blank line ends the event
            return self._dispatch()
        if line.startswith("data:"):
            value = line[5:]
            self._data.append(value[1:] if value.startswith(" ") else value)
        return None  # ":" comments keep the connection alive; other fields (event:, id:) mean nothing here

    def close(self) -> str | None:
        """The stream ended: an event its last blank line did not end still counts."""
        return self._dispatch()

    def _dispatch(self) -> str | None:
        data, self._data = "\n".join(self._data), []
        if not data:
            return None
        if data.strip() == "[DONE]":
            self.done = True
            return None
        try:
            event = json.loads(data)
        except (ValueError, RecursionError):  # RecursionError: nested too deep
            return None  # not JSON: ignored, as SSE readers do; a stream of nothing else ends with no answer
        if not isinstance(event, Mapping):
            return None
        if isinstance(event.get("error"), Mapping):
            self.error = event["error"]
        if isinstance(event.get("usage"), Mapping):
            self.usage = event["usage"]
        choices = event.get("choices")
        choice = choices[0] if isinstance(choices, list) and choices and isinstance(choices[0], Mapping) else {}
        if isinstance(choice.get("finish_reason"), str):
            self.finish_reason = choice["finish_reason"]
        delta = choice.get("delta")
        if not isinstance(delta, Mapping):
            return None
        if isinstance(delta.get("reasoning"), str):
            self.reasoning.append(delta["reasoning"])
            self.size += len(delta["reasoning"].encode("utf-8", "replace"))
        content = delta.get("content")
        if isinstance(content, str) and content:
            self.text.append(content)
            self.size += len(content.encode("utf-8", "replace"))
            return content
        return None

    def answer(self) -> tuple[int | None, bytes | None]:
        """(HTTP status, body) as a non-streamed request would have got them; (None, None) for a stream cut off."""
        error = self.error
        if error is None and self.finish_reason == "error":
            error = {"message": "the stream ended with finish_reason error"}
        if error is not None:
            code = error.get("code")
            is_status = isinstance(code, int) and not isinstance(code, bool) and 400 <= code <= 599
            status = code if is_status else _UPSTREAM_ERROR
            return status, json.dumps({"error": dict(error)}).encode()
        if not (self.done or self.finish_reason):
            return None, None  # the connection ended before the stream did
        message: dict[str, Any] = {"role": "assistant", "content": "".join(self.text)}
        if self.reasoning:
            message["reasoning"] = "".join(self.reasoning)
        body: dict[str, Any] = {"choices": [{"index": 0, "message": message, "finish_reason": self.finish_reason}]}
        if self.usage is not None:
            body["usage"] = dict(self.usage)
        return 200, json.dumps(body).encode()


async def read_stream(response: Any, limit: int, on_text: Callable[[str], None]) -> tuple[int | None, bytes | None]:
    """Read one streamed response (aiohttp) to its end: (status, body) as ``StreamedReply.answer`` gives them.

    Each piece of reply text goes to ``on_text`` as it arrives. ReplyTooLarge when the text passes ``limit`` bytes,
    or the raw stream (or one line of it) passes RAW_BYTES_FACTOR times that. A read that waits too long raises
    what the session's timeout raises (asyncio.TimeoutError).
    """
    reply, pending, raw = StreamedReply(), bytearray(), 0

    def take(line: bytes | bytearray) -> None:
        text = reply.feed(bytes(line).decode("utf-8", "replace").rstrip("\r"))
        if reply.size > limit:
            raise ReplyTooLarge()
        if text:
            on_text(text)

    async for chunk in response.content.iter_any():
        raw += len(chunk)
        if raw > RAW_BYTES_FACTOR * limit:
            raise ReplyTooLarge()
        pending += chunk
        start = 0
        while (end := pending.find(b"\n", start)) >= 0 and not reply.done:
            take(pending[start:end])
            start = end + 1
        del pending[:start]
        if reply.done:
            break
    else:
        if pending:
            take(pending)
        text = reply.close()
        if text:
            on_text(text)
    return reply.answer()
