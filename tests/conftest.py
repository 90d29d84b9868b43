"""Shared fixtures: real data paths, and a loopback HTTP server that serves scripted replies and counts hits."""

from __future__ import annotations

import threading
from collections.abc import Callable
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest

SHARED_DATA = Path(__file__).resolve().parents[2] / "shared" / "data"


@dataclass
class Reply:
    """One scripted HTTP answer.

    stall: seconds to wait before answering (released early when the server stops);
    truncate_at: send only this many body bytes while Content-Length announces the full body, then close;
    content_length: False to omit Content-Length (the body then ends when the connection closes).
    """

    status: int = 200
    body: bytes = b""
    headers: dict[str, str] = field(default_factory=dict)
    content_type: str = "application/json"
    stall: float = 0.0
    truncate_at: int | None = None
    content_length: bool = True


@dataclass
class Seen:
    """One request the server received."""

    method: str
    path: str
    headers: dict[str, str]


class LoopbackServer:
    """An HTTP server on 127.0.0.1: queued replies first, then ``handler(request)`` or ``default``."""

    def __init__(self) -> None:
        self.queue: list[Reply] = []
        self.default = Reply(status=404, body=b'{"error": "no reply scripted"}')
        self.handler: Callable[[Seen], Reply] | None = None
        self.requests: list[Seen] = []
        self._stop = threading.Event()
        self._lock = threading.Lock()
        self._httpd = ThreadingHTTPServer(("127.0.0.1", 0), self._make_handler())
        self._httpd.daemon_threads = True
        serve = {"poll_interval": 0.02}  # quick shutdown at teardown
        self._thread = threading.Thread(target=self._httpd.serve_forever, kwargs=serve, daemon=True)

    @property
    def url(self) -> str:
        """Base URL, e.g. http://127.0.0.1:PORT"""
        host, port = self._httpd.server_address[:2]
        return f"http://{host}:{port}"

    @property
    def hits(self) -> int:
        return len(self.requests)

    def add(self, *replies: Reply) -> LoopbackServer:
        """Queue replies, served in order, one per request."""
        with self._lock:
            self.queue.extend(replies)
        return self

    def _next(self, seen: Seen) -> Reply:
        with self._lock:
            self.requests.append(seen)
            if self.queue:
                return self.queue.pop(0)
        return self.handler(seen) if self.handler else self.default

    def _make_handler(self):
        server = self

        class Handler(BaseHTTPRequestHandler):
            def do_GET(self) -> None:
                reply = server._next(Seen("GET", self.path, {k: v for k, v in self.headers.items()}))
                if reply.stall and server._stop.wait(reply.stall):
                    return
                try:
                    self.send_response(reply.status)
                    if reply.status not in (204, 304):
                        self.send_header("Content-Type", reply.content_type)
                        if reply.content_length:
                            self.send_header("Content-Length", str(len(reply.body)))
                    for name, value in reply.headers.items():
                        self.send_header(name, value)
                    self.end_headers()
                    if reply.status not in (204, 304):
                        body = reply.body if reply.truncate_at is None else reply.body[: reply.truncate_at]
                        self.wfile.write(body)
                    self.wfile.flush()
                except (BrokenPipeError, ConnectionResetError):
                    pass

            def log_message(self, *args) -> None:  # keep pytest output clean
                pass

        return Handler

    def start(self) -> LoopbackServer:
        self._thread.start()
        return self

    def stop(self) -> None:
        self._stop.set()
        self._httpd.shutdown()
        self._httpd.server_close()


@pytest.fixture
def shared_data() -> Path:
    """The read-only real data directory beside the checkout; skips when it is absent."""
    if not SHARED_DATA.is_dir():
        pytest.skip(f"shared data not found at {SHARED_DATA}")
    return SHARED_DATA


@pytest.fixture
def http_server():
    """A running LoopbackServer; script it with ``.add(Reply(...))``, ``.handler`` or ``.default``."""
    server = LoopbackServer().start()
    try:
        yield server
    finally:
        server.stop()
