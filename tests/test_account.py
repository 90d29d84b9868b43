"""The account's own counter (GET /api/v1/key): read, reconciled with the ledger, shared by processes and machines."""

from __future__ import annotations

import json
import subprocess
import sys
import time
from pathlib import Path

import pytest
from chatserver import ANSWERS, ChatServer
from test_client_lessons import ask

from modelpools.cli import main
from modelpools.consumer.account import parse_key_status
from modelpools.errors import DailyCapReached

TESTS = Path(__file__).resolve().parent
SAMPLE = TESTS / "data" / "pools-sample.json"


def test_the_documented_key_answer_gives_the_daily_counter_and_the_tier():
    status = parse_key_status((ANSWERS / "key-free-tier.json").read_bytes(), 100.0)
    assert status is not None and status.has_counter
    assert (status.daily_used, status.daily_limit, status.daily_remaining, status.is_free_tier) == (47, 50, 3, True)
    assert (status.read_at, status.credits_used, status.credit_limit) == (100.0, 0.0, None)


@pytest.mark.parametrize(
    "counter",
    [None, "many", {"used": 1, "limit": 50}, {"used": -1, "limit": 50, "remaining": -1}, {"limit": 5, "remaining": 9}],
)
def test_a_missing_or_impossible_counter_is_no_counter(counter):
    body = {"data": {"is_free_tier": True, "free_model_daily_requests": counter}}
    status = parse_key_status(json.dumps(body), 0.0)
    assert status is not None and status.is_free_tier is True
    assert status.has_counter == (counter == {"used": 1, "limit": 50})  # remaining follows from used and limit


@pytest.mark.parametrize("body", [b"", b"<html>", b"[]", b'{"data": 3}', b'{"error": {"code": 401}}'])
def test_a_body_without_data_is_no_reading(body):
    assert parse_key_status(body, 0.0) is None


def test_the_account_not_the_empty_ledger_says_how_many_are_left(server, tmp_path):
    server.account(used=47, limit=50)
    replies = ask(server, tmp_path, *({} for _ in range(5)))
    assert [type(r).__name__ for r in replies] == ["Reply"] * 3 + ["DailyCapReached"] * 2
    assert "50 of 50 used today (UTC) by the account's count" in str(replies[3])
    assert len(server.requests) == 3 and server.counter["used"] == 50


@pytest.mark.parametrize("key_status", [None, 500])
def test_without_a_reading_the_ledger_alone_decides(server, tmp_path, key_status):
    if key_status is not None:
        server.account(used=0, limit=50, key_status=key_status)  # GET /key fails; the chat answers still count
    replies = ask(server, tmp_path, *({} for _ in range(3)), daily_cap=2)
    assert [type(r).__name__ for r in replies] == ["Reply", "Reply", "DailyCapReached"]
    assert len(server.requests) == 2


SITE = """
import asyncio, sys
from pathlib import Path
from modelpools.consumer.client import Client, ClientOptions
from modelpools.errors import DailyCapReached
options = ClientOptions(base_url=sys.argv[1], ledger_file=Path(sys.argv[2]), pools_file=Path(sys.argv[3]),
                        requests_per_minute=0, daily_cap=1000)
async def main():
    said = []
    async with Client(options=options, api_key="sk-or-v1-shared") as client:
        for _ in range(int(sys.argv[4])):
            try:
                said.append((await client.complete(role="page", messages=[{"role": "user", "content": "hi"}])).model)
            except DailyCapReached:
                said.append("capped")
    print(" ".join("capped" if s == "capped" else "ok" for s in said))
asyncio.run(main())
"""


def site(server: ChatServer, ledger: Path, requests: int) -> subprocess.Popen:
    command = [sys.executable, "-c", SITE, server.base_url, str(ledger), str(SAMPLE), str(requests)]
    return subprocess.Popen(command, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)


def test_two_processes_sharing_a_key_and_a_ledger_send_at_most_the_accounts_three_together(server, tmp_path):
    server.account(used=47, limit=50)
    processes = [site(server, tmp_path / "usage.sqlite", 4) for _ in range(2)]
    results = [p.communicate(timeout=120) for p in processes]
    for process, (_, err) in zip(processes, results):
        assert process.returncode == 0, err
    said = " ".join(out for out, _ in results).split()
    assert len(server.requests) <= 3 and said.count("ok") == len(server.requests) and said.count("capped") >= 5


def test_machines_with_their_own_ledgers_take_turns_on_the_accounts_count(server, tmp_path):
    server.account(used=47, limit=50)
    first = site(server, tmp_path / "a" / "usage.sqlite", 2)
    assert first.communicate(timeout=120)[0].split() == ["ok", "ok"]
    second = site(server, tmp_path / "b" / "usage.sqlite", 3)  # a fresh ledger: only the account knows
    assert second.communicate(timeout=120)[0].split() == ["ok", "capped", "capped"]
    assert len(server.requests) == 3


def test_modelpools_usage_shows_the_account_beside_this_machine(server, tmp_path, monkeypatch, capsys):
    server.account(used=47, limit=50)
    monkeypatch.setenv("OPENROUTER_API_KEY", "sk-or-v1-test")
    monkeypatch.setenv("MODELPOOLS_OPENROUTER_API_BASE", server.base_url)
    assert main(["--project-dir", str(tmp_path), "usage"], clock=time.time) == 0
    lines = capsys.readouterr().out.splitlines()
    assert lines[0].startswith("today (UTC): 0 of 50 free requests used")
    assert lines[1] == (
        "account (GET /key): 47 of 50 free requests used today by every machine, 3 left (free tier); "
        "this machine: see above"
    )
    assert main(["--project-dir", str(tmp_path), "usage", "--json"], clock=time.time) == 0
    assert json.loads(capsys.readouterr().out)["account"]["remaining"] == 3


def test_a_daily_cap_answer_from_the_account_is_a_stop_too(server, tmp_path):
    server.account(used=50, limit=50, key_status=500)  # no reading: the server's own 429 says it
    [stop] = ask(server, tmp_path, {})
    assert isinstance(stop, DailyCapReached) and len(server.requests) == 1
