"""A loopback OpenAI-compatible chat-completions server (aiohttp, in a thread) for the client's tests and benchmarks.

Answers are scripted per model: ``server.script(model, answer, ...)`` queues answers, ``server.always(model, answer)``
sets the answer once the queue is empty, ``server.respond(model, function)`` computes it from the request payload
(``solver(accuracy)`` simulates a model answering the coding probe); unscripted models answer ``ok(...)``. The error answers use the real
OpenRouter bodies committed in tests/data/openrouter/errors/.
"""

from __future__ import annotations

import asyncio
import json
import random
import re
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

from aiohttp import web

ERRORS = Path(__file__).resolve().parent / "data" / "openrouter" / "errors"
ANSWERS = Path(__file__).resolve().parent / "data" / "openrouter" / "answers"


@dataclass(frozen=True)
class Answer:
    status: int
    body: bytes
    headers: dict = field(default_factory=dict)
    delay: float = 0.0
    events: tuple = ()  # a streamed answer (text/event-stream): bytes to send, or seconds to pause


def streamed(
    *pieces: str,
    reasoning: str | None = None,
    usage: tuple[int, int] | None = (12, 5),
    error: dict | None = None,
    pause: tuple[int, float] | None = None,
    end: bool = True,
) -> Answer:
    """A streamed chat completion as OpenRouter sends it: a keep-alive comment, one chunk per piece of text, a last
    chunk with finish_reason and usage, ``data: [DONE]``. error: an error event after the pieces (the stream then
    ends); pause: (after how many pieces, seconds) of silence; end=False: the connection drops before the end."""

    def chunk(delta: dict, finish: str | None = None, **extra) -> bytes:
        body = {"id": "gen-s", "object": "chat.completion.chunk", "model": "m", **extra}
        body["choices"] = [{"index": 0, "delta": delta, "finish_reason": finish}]
        return b"data: " + json.dumps(body).encode() + b"\n\n"

    events: list = [b": OPENROUTER PROCESSING\n\n"]
    if reasoning:
        events.append(chunk({"role": "assistant", "content": "", "reasoning": reasoning}))
    for i, piece in enumerate(pieces):
        if pause and pause[0] == i:
            events.append(pause[1])
        events.append(chunk({"role": "assistant", "content": piece}))
    if error is not None:
        events.append(chunk({"content": ""}, "error", error=error))
    elif end:
        tokens = (
            {"prompt_tokens": usage[0], "completion_tokens": usage[1], "total_tokens": sum(usage)} if usage else None
        )
        events.append(chunk({"content": ""}, "stop", **({"usage": tokens} if tokens else {})))
        events.append(b"data: [DONE]\n\n")
    return Answer(200, b"", events=tuple(events))


def ok(
    text: str = "<h1>Hello</h1>",
    *,
    delay: float = 0.0,
    prompt_tokens: int = 12,
    completion_tokens: int = 5,
    headers: dict | None = None,
) -> Answer:
    """A chat completion whose message content is text."""
    body = {
        "id": "gen-1",
        "object": "chat.completion",
        "choices": [{"index": 0, "finish_reason": "stop", "message": {"role": "assistant", "content": text}}],
        "usage": {
            "prompt_tokens": prompt_tokens,
            "completion_tokens": completion_tokens,
            "total_tokens": prompt_tokens + completion_tokens,
        },
    }
    return Answer(200, json.dumps(body).encode(), headers or {}, delay)


def tool_call(name: str, arguments: dict, call_id: str = "call_1") -> Answer:
    """A chat completion that calls a tool (content null, finish_reason tool_calls), as OpenRouter relays it."""
    call = {"id": call_id, "type": "function", "function": {"name": name, "arguments": json.dumps(arguments)}}
    message = {"role": "assistant", "content": None, "tool_calls": [call]}
    body = {
        "id": "gen-t",
        "object": "chat.completion",
        "choices": [{"index": 0, "finish_reason": "tool_calls", "message": message}],
        "usage": {"prompt_tokens": 30, "completion_tokens": 9, "total_tokens": 39},
    }
    return Answer(200, json.dumps(body).encode())


def empty() -> Answer:
    """A 200 whose content is the empty string and no reasoning."""
    body = {"id": "gen-2", "choices": [{"index": 0, "message": {"role": "assistant", "content": ""}}]}
    return Answer(200, json.dumps(body).encode())


def reasoning_only() -> Answer:
    """A 200 whose content is null while the reasoning holds the text (the case site generators complain about)."""
    body = {
        "id": "gen-3",
        "choices": [
            {
                "index": 0,
                "message": {
                    "role": "assistant",
                    "content": None,
                    "reasoning": "The user wants a page. I will write <h1>...",
                    "reasoning_details": [
                        {"type": "reasoning.text", "text": "The user wants a page.", "format": "unknown"}
                    ],
                },
            }
        ],
        "usage": {"prompt_tokens": 12, "completion_tokens": 40, "total_tokens": 52},
    }
    return Answer(200, json.dumps(body).encode())


def error_file(name: str) -> Answer:
    """A real OpenRouter error body from tests/data/openrouter/errors/, with its error.code as the HTTP status."""
    data = (ERRORS / name).read_bytes()
    return Answer(json.loads(data)["error"]["code"], data)


def answer_file(name: str) -> Answer:
    """An answer of tests/data/openrouter/answers/: an error body with its error.code as the status, else a 200."""
    data = (ANSWERS / name).read_bytes()
    error = json.loads(data).get("error")
    return Answer(error["code"] if isinstance(error, dict) else 200, data)


def no_endpoints(model: str) -> Answer:
    """OpenRouter's 404 for a model that has no provider left (the documented message and error shape)."""
    return Answer(404, json.dumps({"error": {"message": f"No endpoints found for {model}.", "code": 404}}).encode())


def server_error(status: int = 502) -> Answer:
    return Answer(status, json.dumps({"error": {"message": "Provider returned error", "code": status}}).encode())


def huge(size: int) -> Answer:
    """A 200 chat completion of about size bytes."""
    return ok("x" * size)


def solver(accuracy: float, seed: int = 0) -> Callable[[dict], Answer]:
    """A simulated model for the coding probe: each item answered right with probability ``accuracy``.

    It knows the truth by looking the prompt's programs up among the probe's own items (it never runs anything),
    and ends its reply with the ``ANSWER <n>: <literal>`` lines the prompt asks for.
    """
    from modelpools.rules.probe import probe_items

    truth = {(item.program.rstrip("\n"), item.call): item.answer for item in probe_items(0, 600)}
    draws = random.Random(seed)
    block = re.compile(r"Program (\d+):\n```python\n(.*?)\n```", re.S)

    def answer(payload: dict) -> Answer:
        prompt = payload["messages"][-1]["content"]
        lines = ["Let me trace each program."]
        for number, code in block.findall(prompt):
            program, call = code.rsplit("\n", 1)
            right = truth[(program, call)]
            lines.append(f"ANSWER {number}: {right if draws.random() < accuracy else repr('not ' + right)}")
        return ok("\n".join(lines))

    return answer


class ChatServer:
    """POST /api/v1/chat/completions on 127.0.0.1; ``base_url`` is what the client's base_url setting takes."""

    def __init__(self) -> None:
        self.scripts: dict[str, list[Answer]] = {}
        self.fallback: dict[str, Answer] = {}
        self.responders: dict[str, Callable[[dict], Answer]] = {}
        self.requests: list[dict] = []
        self.authorization: set[str] = set()
        self.in_flight = 0
        self.max_in_flight = 0
        self.counter: dict | None = None  # the account's free_model_daily_requests (account()); GET /key is 404 without
        self.key_reads = 0
        self._lock = threading.Lock()
        self._loop = asyncio.new_event_loop()
        self._ready = threading.Event()
        self._thread = threading.Thread(target=self._run, daemon=True)
        self.port = 0

    @property
    def base_url(self) -> str:
        return f"http://127.0.0.1:{self.port}/api/v1"

    def script(self, model: str, *answers: Answer) -> ChatServer:
        with self._lock:
            self.scripts.setdefault(model, []).extend(answers)
        return self

    def always(self, model: str, answer: Answer) -> ChatServer:
        with self._lock:
            self.fallback[model] = answer
        return self

    def respond(self, model: str, function: Callable[[dict], Answer]) -> ChatServer:
        with self._lock:
            self.responders[model] = function
        return self

    def account(self, used: int, limit: int, *, key_status: int = 200) -> ChatServer:
        """Serve GET /api/v1/key with the account's daily counter (tests/data/openrouter/answers/key-free-tier.json
        with these figures); every chat request counts, and once the counter is used up the answer is the real
        free-models-per-day 429. key_status other than 200: GET /key fails with it."""
        with self._lock:
            self.counter = {"used": used, "limit": limit, "key_status": key_status}
        return self

    def models_asked(self) -> list[str]:
        with self._lock:
            return [r.get("model") for r in self.requests]

    async def _handle(self, request: web.Request) -> web.Response:
        payload = await request.json()
        model = payload.get("model")
        with self._lock:
            self.requests.append(payload)
            self.authorization.add(request.headers.get("Authorization", ""))
            queue = self.scripts.get(model)
            capped = self.counter is not None and self.counter["used"] >= self.counter["limit"]
            if self.counter is not None:
                self.counter["used"] += 0 if capped else 1
            if capped:
                answer = error_file("429-free-models-per-day.json")
            elif queue:
                answer = queue.pop(0)
            elif model in self.responders:
                answer = self.responders[model](payload)
            else:
                answer = self.fallback.get(model) or ok()
            self.in_flight += 1
            self.max_in_flight = max(self.max_in_flight, self.in_flight)
        try:
            if answer.delay:
                await asyncio.sleep(answer.delay)
            if answer.events:
                stream = web.StreamResponse(status=200, headers={"Content-Type": "text/event-stream", **answer.headers})
                await stream.prepare(request)
                try:
                    for event in answer.events:
                        if isinstance(event, float):
                            await asyncio.sleep(event)
                        else:
                            await stream.write(event)
                except (ConnectionResetError, ConnectionError):
                    pass  # the client gave up (its idle timeout): nothing more to send
                return stream
        finally:
            with self._lock:
                self.in_flight -= 1
        return web.Response(
            status=answer.status, body=answer.body, content_type="application/json", headers=answer.headers
        )

    async def _key(self, request: web.Request) -> web.Response:
        with self._lock:
            self.key_reads += 1
            counter = dict(self.counter) if self.counter is not None else None
        if counter is None or counter["key_status"] != 200:
            status = 404 if counter is None else counter["key_status"]
            return web.Response(status=status, body=b'{"error":{"message":"no","code":%d}}' % status)
        body = json.loads((ANSWERS / "key-free-tier.json").read_bytes())
        used, limit = counter["used"], counter["limit"]
        body["data"]["free_model_daily_requests"] = {"used": used, "limit": limit, "remaining": max(0, limit - used)}
        return web.Response(body=json.dumps(body).encode(), content_type="application/json")

    def _run(self) -> None:
        asyncio.set_event_loop(self._loop)
        app = web.Application(client_max_size=8 * 1024 * 1024)  # room for a request past a model's context
        app.router.add_post("/api/v1/chat/completions", self._handle)
        app.router.add_get("/api/v1/key", self._key)
        self._runner = web.AppRunner(app, access_log=None)
        self._loop.run_until_complete(self._runner.setup())
        site = web.TCPSite(self._runner, "127.0.0.1", 0)
        self._loop.run_until_complete(site.start())
        self.port = site._server.sockets[0].getsockname()[1]
        self._ready.set()
        self._loop.run_forever()

    def start(self) -> ChatServer:
        self._thread.start()
        if not self._ready.wait(10):
            raise RuntimeError("the loopback chat server did not start")
        return self

    def stop(self) -> None:
        async def shutdown() -> None:
            await self._runner.cleanup()

        asyncio.run_coroutine_threadsafe(shutdown(), self._loop).result(10)
        self._loop.call_soon_threadsafe(self._loop.stop)
        self._thread.join(10)


def wait_until(predicate, timeout: float = 10.0) -> bool:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if predicate():
            return True
        time.sleep(0.01)
    return False
