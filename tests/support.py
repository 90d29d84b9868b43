"""Test support: real data paths (committed excerpts, and the full data when it is beside the checkout) and OpenRouter dumps, a loopback HTTP server with scripted replies, and file:// git repos of real LLM-Stats data."""

from __future__ import annotations

import json
import shutil
import socket
import struct
import subprocess
import sys
import threading
from collections.abc import Callable
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

TEST_DATA = Path(__file__).resolve().parent / "data"  # small real excerpts, committed; provenance in its README.md
SHARED_DATA = Path(__file__).resolve().parents[2] / "shared" / "data"  # the full real data; CI has it, a clone may not
FULL_DATA_REASON = f"needs the full real data in {SHARED_DATA}, absent here (CI has it)"


def dump(data: Path, name: str) -> bytes:
    """The bytes of an OpenRouter dump in a data folder (TEST_DATA's excerpts or the full SHARED_DATA)."""
    return (data / "openrouter" / name).read_bytes()


def colon_free_ids(raw: bytes) -> set[str]:
    """The expected free set, computed simply: ids ending in ':free'."""
    return {e["id"] for e in json.loads(raw)["data"] if e["id"].endswith(":free")}


@dataclass
class Reply:
    """One scripted HTTP answer.

    stall: seconds to wait before answering (released early when the server stops);
    truncate_at: send only this many body bytes while Content-Length announces the full body, then close;
    content_length: False to omit Content-Length (the body then ends when the connection closes);
    reset: close the connection with a TCP reset right after reading the request, without any response;
    repeat: send the body this many times (a big body without a big buffer; Content-Length counts all of it);
    reason: the reason phrase of the status line (untrusted text, as any server may send).
    """

    status: int = 200
    body: bytes = b""
    headers: dict[str, str] = field(default_factory=dict)
    content_type: str = "application/json"
    stall: float = 0.0
    truncate_at: int | None = None
    content_length: bool = True
    reset: bool = False
    repeat: int = 1
    reason: str | None = None  # the status line's reason phrase (None: the standard one)


@dataclass
class Seen:
    """One request the server received; ``sent`` counts the body bytes the server managed to write."""

    method: str
    path: str
    headers: dict[str, str]
    sent: int = 0


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
                seen = Seen("GET", self.path, {k: v for k, v in self.headers.items()})
                reply = server._next(seen)
                if reply.stall and server._stop.wait(reply.stall):
                    return
                if reply.reset:  # SO_LINGER 0: close() sends RST instead of FIN
                    self.connection.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
                    self.connection.close()
                    self.close_connection = True
                    return
                try:
                    self.send_response(reply.status, reply.reason)
                    if reply.status not in (204, 304):
                        self.send_header("Content-Type", reply.content_type)
                        if reply.content_length:
                            self.send_header("Content-Length", str(len(reply.body) * reply.repeat))
                    for name, value in reply.headers.items():
                        self.send_header(name, value)
                    self.end_headers()
                    if reply.status not in (204, 304):
                        body = reply.body if reply.truncate_at is None else reply.body[: reply.truncate_at]
                        for _ in range(reply.repeat):
                            self.wfile.write(body)
                            seen.sent += len(body)
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


class SilentServer:
    """A TCP server on 127.0.0.1 that accepts connections and never answers (a stalled git:// remote)."""

    def __init__(self) -> None:
        self._sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        self._sock.bind(("127.0.0.1", 0))
        self._sock.listen(16)
        self._sock.settimeout(0.05)
        self._stop = threading.Event()
        self._held: list[socket.socket] = []
        self._thread = threading.Thread(target=self._accept, daemon=True)

    @property
    def port(self) -> int:
        return self._sock.getsockname()[1]

    def url(self, path: str = "/llm-leaderboard.git") -> str:
        """A git:// URL on this server."""
        return f"git://127.0.0.1:{self.port}{path}"

    @property
    def accepted(self) -> int:
        return len(self._held)

    def _accept(self) -> None:
        while not self._stop.is_set():
            try:
                conn, _ = self._sock.accept()
            except OSError:  # timeout: look at the stop flag again
                continue
            self._held.append(conn)  # kept open, never read from, never answered

    def start(self) -> SilentServer:
        self._thread.start()
        return self

    def stop(self) -> None:
        self._stop.set()
        self._thread.join()
        for conn in self._held:
            conn.close()
        self._sock.close()


LLM_STATS_OLD = SHARED_DATA / "llm-stats" / "JonathanChavezTamales-df1d14e"  # whole snapshots (full data)
LLM_STATS_NEW = SHARED_DATA / "llm-stats" / "JonathanChavezTamales-24a9ccf"
OLD_LAYOUT_EXCERPT = TEST_DATA / "llm-stats" / "old-layout"  # cut from df1d14e
NEW_LAYOUT_EXCERPT = TEST_DATA / "llm-stats" / "new-layout"  # cut from 24a9ccf
GIT_USER = ["-c", "user.name=Test", "-c", "user.email=test@example.invalid", "-c", "commit.gpgsign=false"]


def git(cwd: Path, *args: str) -> str:
    """Run git in cwd (as a test author, never for modelpools itself) and return its stripped stdout."""
    return subprocess.run(["git", *GIT_USER, *args], cwd=cwd, check=True, capture_output=True, text=True).stdout.strip()


def commit_all(repo: Path, message: str) -> str:
    """Commit everything in repo; return the new commit's sha."""
    git(repo, "add", "-A")
    git(repo, "commit", "-q", "-m", message)
    return git(repo, "rev-parse", "HEAD")


def old_layout_repo(root: Path) -> Path:
    """32 real model dirs of the old layout (deepseek, openai, and qwen3-235b-a22b with off-scale rows)."""
    for org in ("deepseek", "openai"):
        shutil.copytree(OLD_LAYOUT_EXCERPT / "models" / org, root / "models" / org)
    shutil.copytree(
        OLD_LAYOUT_EXCERPT / "models" / "qwen" / "qwen3-235b-a22b", root / "models" / "qwen" / "qwen3-235b-a22b"
    )
    git(root, "init", "-q", "-b", "main")
    commit_all(root, "old layout excerpt")
    return root


def new_layout_repo(root: Path, orgs: tuple[str, ...] = ("deepseek", "openai", "zai-org")) -> Path:
    """Some organizations of the new layout, with benchmark and provider definitions."""
    for org in orgs:
        shutil.copytree(NEW_LAYOUT_EXCERPT / "data" / "organizations" / org, root / "data" / "organizations" / org)
    shutil.copytree(NEW_LAYOUT_EXCERPT / "data" / "benchmarks", root / "data" / "benchmarks")
    shutil.copytree(NEW_LAYOUT_EXCERPT / "data" / "providers", root / "data" / "providers")
    git(root, "init", "-q", "-b", "main")
    commit_all(root, "new layout excerpt")
    return root


def modelpools_command(*argv: str) -> subprocess.CompletedProcess:
    """`python -m modelpools ...` in a child process, as a user runs it."""
    return subprocess.run(
        [sys.executable, "-m", "modelpools", *argv], capture_output=True, text=True, timeout=60, check=False
    )


def unranked_entry(mid, reason="x"):
    """A well-formed ``unranked`` entry of a pools file (the builds leave none since every model gets an estimate)."""
    return {
        "id": mid,
        "name": "x",
        "vendor": "x",
        "contextLength": 1,
        "expirationDate": None,
        "deprecated": None,
        "pricing": {"prompt": "0", "completion": "0"},
        "reason": reason,
    }
