"""Shared fixtures: the real data (committed excerpts; the full data when present) and a running loopback HTTP server.

Tests that need the full real data beside the checkout take the ``shared_data`` fixture or carry the
``full_data`` marker; without that data they are skipped, all with the same one-line reason.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from support import FULL_DATA_REASON, SHARED_DATA, TEST_DATA, LoopbackServer


def pytest_configure(config) -> None:
    config.addinivalue_line("markers", "full_data: needs the full real data in ../shared/data (skipped when absent)")


def pytest_runtest_setup(item) -> None:
    if (
        "shared_data" in getattr(item, "fixturenames", ()) or item.get_closest_marker("full_data")
    ) and not SHARED_DATA.is_dir():
        pytest.skip(FULL_DATA_REASON)  # raised here, so the summary folds every such skip into one line


@pytest.fixture
def test_data() -> Path:
    """The committed excerpts of real data (tests/data, provenance in its README.md)."""
    return TEST_DATA


@pytest.fixture
def error_bodies(test_data: Path) -> dict:
    """name -> parsed body of each real OpenRouter error answer in tests/data/openrouter/errors/."""
    folder = test_data / "openrouter" / "errors"
    return {p.stem: json.loads(p.read_text(encoding="utf-8")) for p in folder.glob("*.json")}


@pytest.fixture
def shared_data() -> Path:
    """The full real data beside the checkout (tests using it are skipped when it is absent)."""
    return SHARED_DATA


@pytest.fixture
def chat_server():
    """A running loopback chat-completions server (tests/chatserver.py); script it with ``.script``/``.always``."""
    from chatserver import ChatServer

    server = ChatServer().start()
    try:
        yield server
    finally:
        server.stop()


@pytest.fixture
def server(chat_server):
    """The chat server under the name the client tests give it (a module's own ``server`` fixture takes precedence)."""
    return chat_server


@pytest.fixture
def http_server():
    """A running LoopbackServer; script it with ``.add(Reply(...))``, ``.handler`` or ``.default``."""
    server = LoopbackServer().start()
    try:
        yield server
    finally:
        server.stop()
