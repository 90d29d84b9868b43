"""``modelpools serve`` from Node with the official ``openai`` npm package, as a TypeScript site generator calls it
(tests/node/generate.mjs). Skipped, saying why, without node and npm or without the package installed
(``npm install --prefix tests/node``; .ci/run does it)."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
from pathlib import Path

import pytest
from chatserver import no_endpoints, ok, streamed, tool_call
from serving import ServeThread, client_options

from modelpools.consumer.pools_view import load_pools

NODE_DIR = Path(__file__).resolve().parent / "node"
SAMPLE = Path(__file__).resolve().parent / "data" / "pools-sample.json"
POOLS = load_pools(SAMPLE)
PAGE = POOLS.fallback_chain("page")


def node_or_skip() -> str:
    node = shutil.which("node")
    if node is None or shutil.which("npm") is None:
        pytest.skip("node and npm are not installed: the openai npm package cannot run")
    if not (NODE_DIR / "node_modules" / "openai" / "package.json").is_file():
        pytest.skip("the openai npm package is not installed: run `npm install --prefix tests/node`")
    return node


def test_the_openai_npm_package_gets_whole_streamed_and_tool_call_replies(chat_server, tmp_path):
    node = node_or_skip()
    chat_server.script(PAGE[0], no_endpoints(PAGE[0]))  # the first model of the chain is gone: the second answers
    chat_server.always(PAGE[1], ok("<h1>Bakery</h1>"))
    chat_server.script(PAGE[1], ok("<h1>Bakery</h1>"), streamed("<h1>", "Bake", "ry</h1>"))
    chat_server.always(POOLS.small_tasks_model, tool_call("get_weather", {}))
    server = ServeThread(client_options(chat_server.base_url, tmp_path, SAMPLE)).start()
    try:
        done = subprocess.run(
            [node, str(NODE_DIR / "generate.mjs")],
            env={**os.environ, "MODELPOOLS_BASE_URL": server.base_url},
            capture_output=True,
            text=True,
            timeout=60,
        )
    finally:
        server.stop()
    assert done.returncode == 0, done.stderr
    got = json.loads(done.stdout.strip().splitlines()[-1])
    assert (got["model"], got["text"], got["header"]) == (PAGE[1], "<h1>Bakery</h1>", PAGE[1])
    assert (got["streamed"], got["streamModels"]) == ("<h1>Bakery</h1>", [PAGE[1]])
    assert got["toolCall"] == "get_weather"
    assert got["notFound"]["status"] == 404 and "no-such-model" in got["notFound"]["message"]
