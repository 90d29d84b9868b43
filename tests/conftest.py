"""Shared fixtures: the real data directory and a running loopback HTTP server."""

from __future__ import annotations

from pathlib import Path

import pytest

from support import SHARED_DATA, LoopbackServer


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
