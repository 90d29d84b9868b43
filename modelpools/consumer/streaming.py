"""A streamed chat completion (server-sent events) read into the answer a non-streamed request would have given.

OpenRouter streams ``data: {chunk}`` events, ``: OPENROUTER PROCESSING`` comments while a provider is busy, and
``data: [DONE]`` at the end; an error after the stream began arrives as an event with an ``error`` object (and
``finish_reason: "error"``). ``StreamedReply`` gathers the events (pure: text in, state out) and gives the body a
non-streamed answer would have had, so ``replies.classify`` judges both alike: an empty or reasoning-only stream
is a failure, an error event is the error it names, a stream cut off before its end is no answer.
``read_stream`` reads the events of one response, passing each piece of reply text on as it arrives.
"""

from __future__ import annotations

import asyncio
import json
from collections.abc import Callable, Mapping
from typing import Any

__all__ = ["StreamedReply", "StreamTooLarge", "read_stream"]

_UPSTREAM_ERROR = 502  # an error event whose code is no HTTP status (e.g. "server_error"): the provider failed


class StreamTooLarge(Exception):
    """The stream passed the reply size cap (or sent a line longer than the reader accepts)."""


class StreamedReply:
    """The events of one streamed completion, gathered; ``feed`` one line at a time, then ``answer()``."""

    def __init__(self) -> None:
        self.text: list[str] = []
        self.reasoning: list[str] = []
        self.usage: Mapping[str, Any] | None = None
        self.finish_reason: str | None = None
        self.error: Mapping[str, Any] | None = None
        self.done = False

    def feed(self, line: str) -> str | None:
        """Take one line of the stream; return the reply text it adds, if any."""
        if not line.startswith("data:") or self.done:
            return None  # blank lines end an event; ": ..." comments keep the connection alive
        data = line[5:].strip()
        if data == "[DONE]":
            self.done = True
            return None
        try:
            event = json.loads(data)
        except ValueError:
            return None  # not JSON: ignored, as SSE readers do; a stream of nothing else ends empty
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
        content = delta.get("content")
        if isinstance(content, str) and content:
            self.text.append(content)
            return content
        return None

    def answer(self) -> tuple[int | None, bytes | None]:
        """(HTTP status, body) as a non-streamed request would have got them; (None, None) for a stream cut off."""
        if self.error is not None:
            code = self.error.get("code")
            status = code if isinstance(code, int) and not isinstance(code, bool) and code >= 400 else _UPSTREAM_ERROR
            return status, json.dumps({"error": dict(self.error)}).encode()
        if not (self.done or self.finish_reason):
            return None, None  # the connection ended before the stream did
        message: dict[str, Any] = {"role": "assistant", "content": "".join(self.text)}
        if self.reasoning:
            message["reasoning"] = "".join(self.reasoning)
        body: dict[str, Any] = {"choices": [{"index": 0, "message": message, "finish_reason": self.finish_reason}]}
        if self.usage is not None:
            body["usage"] = dict(self.usage)
        return 200, json.dumps(body).encode()


async def read_stream(
    response: Any, limit: int, idle_timeout: float, on_text: Callable[[str], None]
) -> tuple[int | None, bytes | None]:
    """Read one streamed response (aiohttp) to its end: (status, body) as ``StreamedReply.answer`` gives them.

    Each piece of reply text goes to ``on_text`` as it arrives. asyncio.TimeoutError when no line (an event or a
    keep-alive comment) arrives for ``idle_timeout`` seconds; StreamTooLarge past ``limit`` bytes.
    """
    reply, size = StreamedReply(), 0
    while not reply.done:
        try:
            line = await asyncio.wait_for(response.content.readline(), idle_timeout)
        except ValueError:  # aiohttp refuses a line over its buffer limit
            raise StreamTooLarge() from None
        if not line:
            break
        size += len(line)
        if size > limit:
            raise StreamTooLarge()
        text = reply.feed(line.decode("utf-8", "replace").rstrip("\r\n"))
        if text:
            on_text(text)
    return reply.answer()
