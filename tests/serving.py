"""``modelpools serve`` in a thread of the test process, in front of the loopback chat server (tests/chatserver.py)."""

from __future__ import annotations

import asyncio
import threading
from pathlib import Path

from modelpools.consumer.client import Client, ClientOptions
from modelpools.consumer.server import ServeOptions, serve_until

KEY = "sk-or-v1-upstream-0123456789abcdef"  # the upstream (OpenRouter) key the server holds


def client_options(base_url: str, tmp_path: Path, pools_file: Path, **changes) -> ClientOptions:
    """The options the client tests use (no pacing, a high cap, short backoff), with ``changes``."""
    base = dict(
        base_url=base_url,
        ledger_file=tmp_path / "usage.sqlite",
        pools_file=pools_file,
        requests_per_minute=0,
        daily_cap=1000,
        backoff=0.01,
        max_retries=2,
        request_timeout=5.0,
    )
    return ClientOptions(**{**base, **changes})


class ServeThread:
    """serve_until on its own event loop; ``base_url`` is what an OpenAI client's base_url takes."""

    def __init__(self, options: ClientOptions, serve: ServeOptions | None = None) -> None:
        self.options = options
        self.serve = serve or ServeOptions(port=0)
        self.base_url = ""
        self.warnings: list[str] = []
        self._ready = threading.Event()
        self._loop = asyncio.new_event_loop()
        self._stop: asyncio.Event | None = None
        self._thread = threading.Thread(target=self._run, daemon=True)
        self.error: BaseException | None = None

    def _run(self) -> None:
        asyncio.set_event_loop(self._loop)

        async def main() -> None:
            self._stop = asyncio.Event()
            async with Client(options=self.options, api_key=KEY) as client:
                self.client = client
                await serve_until(client, self.serve, self._stop, self._listening, warn=self.warnings.append)

        try:
            self._loop.run_until_complete(main())
        except BaseException as exc:  # surfaced by start()
            self.error = exc
            self._ready.set()

    def _listening(self, url: str) -> None:
        self.base_url = url
        self._ready.set()

    def start(self) -> ServeThread:
        self._thread.start()
        if not self._ready.wait(10) or self.error is not None:
            raise RuntimeError(f"modelpools serve did not start: {self.error!r}")
        return self

    def stop(self) -> None:
        if self._stop is not None:
            self._loop.call_soon_threadsafe(self._stop.set)
        self._thread.join(10)
