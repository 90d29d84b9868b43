"""The usage ledger: a real SQLite file, many writing processes, a SIGKILL mid-write, schema versions, the daily budget."""

from __future__ import annotations

import os
import signal
import sqlite3
import subprocess
import sys
import time
from pathlib import Path

import pytest
from chatserver import ChatServer, wait_until
from support import modelpools_command

from modelpools.consumer.ledger import DAY, SCHEMA_VERSION, Ledger, utc_midnight
from modelpools.errors import DataError

TESTS = Path(__file__).resolve().parent
NOON = 1779278400.0  # 2026-05-20T12:00:00Z


def add(ledger: Ledger, outcome: str, at: float, model: str = "a/m:free", **fields) -> int:
    reservation = ledger.reserve(model=model, role="pageModel", now=at)
    ledger.finish(
        reservation.attempt_id,
        outcome=outcome,
        status=fields.pop("status", 200),
        latency_ms=fields.pop("latency_ms", 100),
        finished=at + 1,
        **fields,
    )
    return reservation.attempt_id


def test_a_new_ledger_is_wal_with_the_current_schema_version(tmp_path):
    with Ledger(tmp_path / "usage.sqlite"):
        pass
    with sqlite3.connect(tmp_path / "usage.sqlite") as db:
        assert db.execute("PRAGMA journal_mode").fetchone()[0] == "wal"
        assert db.execute("PRAGMA user_version").fetchone()[0] == SCHEMA_VERSION == 3
    with Ledger(tmp_path / "usage.sqlite", clock=lambda: NOON) as ledger:  # reopening migrates nothing twice
        add(ledger, "ok", NOON)
        assert ledger.count() == 1


def version_1_ledger(path: Path) -> None:
    """A ledger as modelpools wrote it before failures had a scope (schema version 1), with two finished rows."""
    from modelpools.consumer.ledger import MIGRATIONS

    with sqlite3.connect(path) as db:
        for statement in MIGRATIONS[0]:
            db.execute(statement)
        db.execute("PRAGMA user_version = 1")
        for started, outcome, status in ((NOON, "no_endpoints", 404), (NOON + 60, "rejected", 401)):
            db.execute(
                "INSERT INTO attempts (started, finished, model, role, outcome, status) VALUES (?, ?, ?, ?, ?, ?)",
                (started, started + 1, "a/m:free", "pageModel", outcome, status),
            )


def test_a_version_1_ledger_is_read_as_it_is_and_migrated_by_a_writer_with_scopes_from_the_outcomes(tmp_path):
    from modelpools.consumer.ledger import read_rows
    from modelpools.rules.usage import summarize

    path = tmp_path / "usage.sqlite"
    version_1_ledger(path)
    old = read_rows(path)  # read-only: no migration, no scope column
    assert [(r.outcome, r.scope) for r in old] == [("no_endpoints", None), ("rejected", None)]
    assert summarize(old, 7)["models"]["a/m:free"]["failureScopes"] == {"account": 1, "model": 1}
    with sqlite3.connect(path) as db:
        assert db.execute("PRAGMA user_version").fetchone()[0] == 1
    with Ledger(path, clock=lambda: NOON + 120, retention_days=0) as ledger:
        add(ledger, "data_policy", NOON + 120, status=404)
        assert [(r.outcome, r.scope) for r in ledger.rows()] == [
            ("no_endpoints", None),
            ("rejected", None),
            ("data_policy", "account"),
        ]
    with sqlite3.connect(path) as db:
        assert db.execute("PRAGMA user_version").fetchone()[0] == SCHEMA_VERSION


def test_a_ledger_from_a_newer_modelpools_is_refused_in_one_line(tmp_path):
    path = tmp_path / "usage.sqlite"
    with sqlite3.connect(path) as db:
        db.execute("PRAGMA user_version = 99")
    with pytest.raises(
        DataError, match=r"usage\.sqlite is unusable \(schema version 99 is newer .*upgrade modelpools\)"
    ):
        Ledger(path)


def test_a_file_that_is_not_sqlite_is_a_one_line_error(tmp_path):
    path = tmp_path / "usage.sqlite"
    path.write_bytes(b"<html>not a database</html>" * 100)
    with pytest.raises(DataError, match=r"usage\.sqlite is unusable .*move it away"):
        Ledger(path)


def test_retention_deletes_rows_older_than_the_window_on_open(tmp_path):
    with Ledger(tmp_path / "usage.sqlite", clock=lambda: NOON) as ledger:
        add(ledger, "ok", NOON - 31 * DAY)
        add(ledger, "ok", NOON - 29 * DAY)
        add(ledger, "ok", NOON - 60)
        assert ledger.count() == 3
    with Ledger(tmp_path / "usage.sqlite", retention_days=30, clock=lambda: NOON) as ledger:
        assert [r.started for r in ledger.rows()] == [NOON - 29 * DAY, NOON - 60]


def test_retention_is_anchored_to_the_newest_row_so_a_clock_ahead_deletes_nothing_of_today(tmp_path):
    with Ledger(tmp_path / "usage.sqlite", clock=lambda: NOON) as ledger:
        add(ledger, "ok", NOON - 60)
    with Ledger(tmp_path / "usage.sqlite", retention_days=30, clock=lambda: NOON + 31 * DAY) as ledger:
        assert ledger.count() == 1


def test_budget_counts_today_utc_and_takes_the_limit_only_from_a_daily_cap_answer(tmp_path):
    with Ledger(tmp_path / "usage.sqlite", clock=lambda: NOON) as ledger:
        add(ledger, "ok", utc_midnight(NOON) - 1)  # yesterday
        add(ledger, "ok", NOON - 3600)
        add(ledger, "no_endpoints", NOON - 1800, status=404)  # failures count: they reached OpenRouter
        add(ledger, "minute_cap", NOON - 600, status=429, rate_limit=20)  # sent, and refused per minute: counted
        ledger.reserve(model="a/m:free", role="page", now=NOON - 60)  # pending (a process died): counted
        budget = ledger.budget(default_limit=50, now=NOON)
        assert (budget.used, budget.limit, budget.limit_source, budget.left) == (4, 50, "setting", 46)
        assert budget.reset_at == utc_midnight(NOON) + DAY and not budget.capped
        add(ledger, "daily_cap", NOON - 30, status=429, rate_limit=1000, rate_reset=utc_midnight(NOON) + DAY)
        budget = ledger.budget(default_limit=50, now=NOON)
        assert (budget.limit, budget.limit_source, budget.capped, budget.left) == (1000, "header", True, 0)
        tomorrow = ledger.budget(default_limit=50, now=utc_midnight(NOON) + DAY + 5)
        assert (tomorrow.used, tomorrow.limit, tomorrow.capped) == (0, 1000, False)


def test_reserve_refuses_at_the_cap_and_paces_per_minute(tmp_path):
    with Ledger(tmp_path / "usage.sqlite", clock=lambda: NOON) as ledger:
        for i in range(3):
            assert ledger.reserve(model="m", role="r", now=NOON + i, default_limit=3).attempt_id is not None
        refused = ledger.reserve(model="m", role="r", now=NOON + 5, default_limit=3)
        assert refused.attempt_id is None and refused.budget.used == 3 and ledger.count() == 3
        paced = ledger.reserve(model="m", role="r", now=NOON + 10, per_minute=3)
        assert paced.attempt_id is None and paced.wait_seconds == pytest.approx(50.0)
        assert ledger.reserve(model="m", role="r", now=NOON + 60.5, per_minute=3).attempt_id is not None


def test_a_role_quota_leaves_the_other_roles_their_share_of_the_cap(tmp_path):
    with Ledger(tmp_path / "usage.sqlite", clock=lambda: NOON) as ledger:

        def probe(at):
            return ledger.reserve(model="m", role="probe", now=at, default_limit=10, role_quota=4)

        assert all(probe(NOON + i).attempt_id is not None for i in range(4))
        refused = probe(NOON + 5)
        assert refused.attempt_id is None and refused.quota and refused.budget.used == 4
        for i in range(5):  # the site uses 5 of its 6
            assert ledger.reserve(model="m", role="page", now=NOON + 10 + i, default_limit=10).attempt_id
        assert ledger.used_today("probe", NOON + 20) == 4 and ledger.used_today(now=NOON + 20) == 9
        assert ledger.reserve(model="m", role="page", now=NOON + 30, default_limit=10).attempt_id  # the site's last
        assert ledger.reserve(model="m", role="page", now=NOON + 31, default_limit=10).budget.capped
        # next UTC day: the probe has its quota again
        assert probe(NOON + DAY).attempt_id is not None


def test_a_role_quota_shrinks_when_the_site_used_more_than_its_share(tmp_path):
    with Ledger(tmp_path / "usage.sqlite", clock=lambda: NOON) as ledger:
        for i in range(8):  # the site's share is 6 of 10; it used 8
            ledger.reserve(model="m", role="page", now=NOON + i, default_limit=10)
        granted = [
            ledger.reserve(model="m", role="probe", now=NOON + 10 + i, default_limit=10, role_quota=4) for i in range(4)
        ]
        assert [g.attempt_id is not None for g in granted] == [True, True, False, False]


WRITER = """
import asyncio, sys
from pathlib import Path
from modelpools.consumer.client import Client, ClientOptions
options = ClientOptions(base_url=sys.argv[1], ledger_file=Path(sys.argv[2]), pools_file=Path(sys.argv[3]),
                        requests_per_minute=0, daily_cap=100000, concurrency=4)
async def main():
    async with Client(options=options, api_key="sk-test") as client:
        replies = await asyncio.gather(*(client.complete(role="page", messages=[{"role": "user", "content": "hi"}])
                                         for _ in range(int(sys.argv[4]))))
    print(len(replies))
asyncio.run(main())
"""


def test_eight_processes_writing_at_once_record_every_attempt_once(tmp_path):
    server = ChatServer().start()
    try:
        ledger_file = tmp_path / "usage.sqlite"
        command = [
            sys.executable,
            "-c",
            WRITER,
            server.base_url,
            str(ledger_file),
            str(TESTS / "data" / "pools-sample.json"),
            "50",
        ]
        processes = [
            subprocess.Popen(command, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True) for _ in range(8)
        ]
        results = [p.communicate(timeout=240) for p in processes]
    finally:
        server.stop()
    for process, (out, err) in zip(processes, results):
        assert process.returncode == 0 and out.strip() == "50", err
        assert "locked" not in err
    assert len(server.requests) == 400
    with sqlite3.connect(ledger_file) as db:
        per_pid = db.execute("SELECT pid, count(*), sum(outcome = 'ok') FROM attempts GROUP BY pid").fetchall()
        assert sorted(per_pid) == sorted((p.pid, 50, 50) for p in processes)
        assert db.execute("SELECT count(DISTINCT id), count(*) FROM attempts").fetchone() == (400, 400)


KILLED_WRITER = """
import sys, time
from modelpools.consumer.ledger import Ledger
with Ledger(sys.argv[1]) as ledger:
    while True:
        a = ledger.reserve(model="m/x:free", role="page")
        ledger.finish(a.attempt_id, outcome="ok", status=200, latency_ms=5)
"""


def test_a_sigkill_mid_write_leaves_a_readable_ledger(tmp_path):
    path = tmp_path / "usage.sqlite"
    with Ledger(path):
        pass
    process = subprocess.Popen([sys.executable, "-c", KILLED_WRITER, str(path)], stderr=subprocess.PIPE)
    try:

        def written() -> bool:
            with sqlite3.connect(path, timeout=5) as db:
                return db.execute("SELECT count(*) FROM attempts").fetchone()[0] >= 300

        assert wait_until(written, 60), process.stderr.read() if process.poll() is not None else "no rows"
    finally:
        os.kill(process.pid, signal.SIGKILL)
        process.wait()
    assert process.returncode == -signal.SIGKILL
    with Ledger(path) as ledger:  # the WAL is recovered on open
        rows = list(ledger.rows())
        # 300 attempts were counted before the kill; at most the one in flight is still pending
        assert ledger.count() >= 300 and len(rows) >= 299 and ledger.count() - len(rows) <= 1
        add(ledger, "ok", time.time())
    with sqlite3.connect(path) as db:
        assert db.execute("PRAGMA integrity_check").fetchone()[0] == "ok"


def test_a_ledger_in_a_read_only_directory_says_so_instead_of_move_it_away(tmp_path):
    cache = tmp_path / "cache"
    with Ledger(cache / "usage.sqlite") as ledger:
        ledger.reserve(model="a/m:free", role="page")
    if subprocess.run(["chattr", "+i", str(cache)], capture_output=True, check=False).returncode != 0:
        pytest.skip("chattr +i is unavailable here (a read-only directory that stops root too)")
    try:
        usage = modelpools_command("--cache-dir", str(cache), "usage")
        with pytest.raises(DataError) as opened:
            Ledger(cache / "usage.sqlite")
    finally:
        subprocess.run(["chattr", "-i", str(cache)], check=True)
    for message in (usage.stderr, str(opened.value)):
        assert "move it away" not in message and "read-only or not accessible" in message, message
        assert f"make {cache} writable" in message
    assert usage.returncode == 2 and usage.stderr.count("\n") == 1


def test_a_ledger_of_the_first_schema_is_migrated_and_keeps_its_rows(tmp_path):
    from modelpools.consumer.ledger import MIGRATIONS, read_experiment_attempts, read_rows

    path = tmp_path / "usage.sqlite"
    with sqlite3.connect(path) as db:  # a ledger as the first schema wrote it
        for statement in MIGRATIONS[0]:
            db.execute(statement)
        db.execute("PRAGMA user_version = 1")
        db.execute(
            "INSERT INTO attempts (started, finished, model, role, outcome) VALUES (?, ?, 'm', 'r', 'ok')", (NOON, NOON)
        )
    assert read_experiment_attempts(path) == []  # read-only: an old ledger has no experiments, and stays version 1
    assert [r.model for r in read_rows(path)] == ["m"]
    with Ledger(path, clock=lambda: NOON) as ledger:
        assert ledger.count() == 1
        reply = ledger.reserve(model="b", role="pageModel", now=NOON + 1, experiment="a").attempt_id
        assert reply is not None
        ledger.finish(reply, outcome="ok", status=200, latency_ms=900, finished=NOON + 2, completion_tokens=40)
        ledger.add_feedback(reply, 0.25, now=NOON + 3)
        ledger.add_feedback(reply, 0.75, now=NOON + 4, source="validator")  # the newest score counts
        with pytest.raises(ValueError, match="from 0 to 1"):
            ledger.add_feedback(reply, 1.5)
        with pytest.raises(ValueError, match="no reply with id 999"):
            ledger.add_feedback(999, 0.5)
    [attempt] = read_experiment_attempts(path)
    assert (attempt.model, attempt.experiment, attempt.outcome, attempt.score) == ("b", "a", "ok", 0.75)
    assert (attempt.latency_ms, attempt.completion_tokens) == (900, 40)
