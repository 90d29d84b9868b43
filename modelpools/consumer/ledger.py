"""The usage ledger: one SQLite row per request attempt, shared by every generator process of a site.

``<cache>/usage.sqlite`` in WAL mode with a busy timeout, so many processes append at once without
"database is locked"; ``PRAGMA user_version`` holds the schema version and ``MIGRATIONS`` brings an older file
up to date. No prompt or reply text is ever stored: only when, which model and role, the outcome class, the HTTP
status, the latency, token counts and the rate-limit headers.

An attempt is written in two steps. ``reserve`` counts today's (UTC) requests and inserts a ``pending`` row in
one ``BEGIN IMMEDIATE`` transaction, so two processes can never both take the last request of the daily cap;
``finish`` fills in the outcome. A process killed in between leaves a ``pending`` row, which still counts
against the cap (the request may have reached OpenRouter) and is otherwise ignored.
"""

from __future__ import annotations

import math
import sqlite3
import time as time_module
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

from modelpools.errors import DataError
from modelpools.rules.experiments import ExperimentAttempt
from modelpools.rules.usage import failure_scope, quota_allowance

if TYPE_CHECKING:
    from modelpools.consumer.account import AccountStatus

__all__ = [
    "Ledger",
    "LedgerRow",
    "Reservation",
    "read_rows",
    "read_budget",
    "read_experiment_attempts",
    "DailyBudget",
    "SCHEMA_VERSION",
    "MIGRATIONS",
    "NOT_COUNTED",
    "utc_midnight",
]

DAY = 86400
MAX_DAILY_LIMIT = 1_000_000  # a daily-cap answer's X-RateLimit-Limit above this is no information
# Outcomes not counted as used: a daily-cap answer (the cap is reached; its reset, not the count, ends the day). A
# per-minute-cap answer is counted, toward the daily cap and the pace: it was sent, and a client that did not count
# it could ask again at once without end.
NOT_COUNTED = ("daily_cap",)

# MIGRATIONS[i] takes a file from user_version i to i + 1: statements run in one write transaction.
MIGRATIONS: tuple[tuple[str, ...], ...] = (
    (
        """
    CREATE TABLE attempts (
        id INTEGER PRIMARY KEY,
        started REAL NOT NULL,            -- epoch seconds, when the request was sent
        finished REAL,                    -- NULL while pending
        model TEXT NOT NULL,
        role TEXT NOT NULL,
        outcome TEXT NOT NULL,            -- 'pending' until finished, see modelpools.rules.usage.OUTCOMES
        status INTEGER,                   -- HTTP status, NULL when no answer came
        latency_ms INTEGER,
        prompt_tokens INTEGER,
        completion_tokens INTEGER,
        rate_limit INTEGER,               -- X-RateLimit-Limit, from the headers or the error body
        rate_remaining INTEGER,           -- X-RateLimit-Remaining
        rate_reset REAL,                  -- X-RateLimit-Reset, epoch seconds
        catalog TEXT,                     -- the pools file's catalog sha256 (prefix) when the attempt was made
        pid INTEGER
    )""",
        "CREATE INDEX attempts_started ON attempts (started)",
        "CREATE INDEX attempts_model_started ON attempts (model, started)",
        "CREATE INDEX attempts_outcome_started ON attempts (outcome, started)",
    ),
    # 2: who a failure's lesson is about (rules.usage.failure_scope): 'account', 'model' or 'request'; NULL for a
    # success, a pending row, or a row written before version 2 (read back from its outcome and status)
    ("ALTER TABLE attempts ADD COLUMN scope TEXT",),
    # 3: A/B experiments (docs/experiments.md): the arm tag of an attempt and the quality scores of replies
    (
        "ALTER TABLE attempts ADD COLUMN experiment TEXT",  # the role's default the experiment compares against
        """
    CREATE TABLE feedback (
        id INTEGER PRIMARY KEY,
        reply_id INTEGER NOT NULL,        -- attempts.id of the attempt that wrote the reply
        role TEXT NOT NULL,
        model TEXT NOT NULL,
        score REAL NOT NULL,              -- 0..1; the newest score of a reply counts
        ts REAL NOT NULL,                 -- epoch seconds
        source TEXT NOT NULL              -- 'caller' (reply.rate, Client.feedback) or 'validator'
    )""",
        "CREATE INDEX feedback_reply ON feedback (reply_id)",
    ),
)
SCHEMA_VERSION = len(MIGRATIONS)
_ROWS_SQL = (
    "SELECT started, model, role, outcome, status, latency_ms, catalog, {scope} FROM attempts "
    "WHERE outcome != 'pending' AND started >= ? ORDER BY started, id"
)


def _rows_sql(version: int) -> str:
    """The rows query for a file of schema ``version`` (a version-1 file, read read-only, has no scope column)."""
    return _ROWS_SQL.format(scope="scope" if version >= 2 else "NULL")


def utc_midnight(now: float) -> float:
    """Epoch seconds of the UTC midnight that starts now's day (OpenRouter's daily cap resets then)."""
    return float(int(now // DAY) * DAY)


@dataclass(frozen=True)
class DailyBudget:
    """Today's (UTC) free requests: ``used`` of ``limit``; ``capped`` once used >= limit or a daily 429 came today."""

    used: int
    limit: int
    limit_source: str  # "header" (X-RateLimit-Limit of a daily-cap answer), "account" (GET /key) or "setting"
    reset_at: float
    capped: bool

    @property
    def left(self) -> int:
        return 0 if self.capped else max(0, self.limit - self.used)


@dataclass(frozen=True)
class Reservation:
    """What reserve() did: ``attempt_id`` of the pending row, or why nothing was written.

    ``wait_seconds`` > 0: the per-minute pace is full, try again after that long; ``budget`` set: the daily cap
    is used up (budget.reset_at says until when), or with ``quota`` True, the role's own daily quota is.
    """

    attempt_id: int | None
    wait_seconds: float
    budget: DailyBudget | None
    quota: bool = False


@dataclass(frozen=True)
class LedgerRow:
    """One finished attempt, as the usage summary reads it."""

    started: float
    model: str
    role: str
    outcome: str
    status: int | None
    latency_ms: int | None
    catalog: str | None
    scope: str | None = None  # account, model or request (rules.usage.failure_scope); None for a success


class Ledger:
    """A connection to the usage ledger; use as a context manager or call close().

    ``retention_days``: rows that much older than both the clock and the newest row are deleted when the ledger is
    opened (a clock ahead deletes nothing of today); ``busy_timeout`` is how long a
    write waits for another process's write (seconds).
    """

    def __init__(
        self,
        path: Path | str,
        *,
        retention_days: int = 30,
        busy_timeout: float = 30.0,
        clock: Callable[[], float] = time_module.time,
    ) -> None:
        self.path = Path(path)
        self.retention_days = retention_days
        self.busy_timeout = busy_timeout
        self.clock = clock
        self.path.parent.mkdir(parents=True, exist_ok=True)
        try:
            self._db = sqlite3.connect(self.path, timeout=busy_timeout, isolation_level=None, check_same_thread=False)
        except sqlite3.Error as exc:
            raise DataError(
                f"usage ledger at {self.path} cannot be opened ({exc}); check the cache directory"
            ) from None
        try:
            self._setup()
        except sqlite3.DatabaseError as exc:
            self._db.close()
            raise DataError(_problem(self.path, exc, "unusable")) from None

    # -- setup -----------------------------------------------------------------------------------------
    def _setup(self) -> None:
        db = self._db
        db.execute(f"PRAGMA busy_timeout = {int(self.busy_timeout * 1000)}")
        deadline = time_module.monotonic() + self.busy_timeout
        while True:  # switching to WAL takes a moment's exclusive lock; another process may hold it while creating
            try:
                mode = db.execute("PRAGMA journal_mode = WAL").fetchone()[0]
                break
            except sqlite3.OperationalError as exc:
                if "locked" not in str(exc) or time_module.monotonic() > deadline:
                    raise
                time_module.sleep(0.01)
        if str(mode).lower() != "wal":
            raise sqlite3.DatabaseError(f"journal mode is {mode}, WAL is not available on this file system")
        db.execute("PRAGMA synchronous = NORMAL")  # WAL + NORMAL: durable across a process crash, fast commits
        version = db.execute("PRAGMA user_version").fetchone()[0]
        if version > SCHEMA_VERSION:
            raise sqlite3.DatabaseError(
                f"schema version {version} is newer than this modelpools knows ({SCHEMA_VERSION}); upgrade modelpools"
            )
        if version < SCHEMA_VERSION:
            with self._write():
                version = db.execute("PRAGMA user_version").fetchone()[0]  # another process may have migrated
                for step in range(version, SCHEMA_VERSION):
                    for statement in MIGRATIONS[step]:
                        db.execute(statement)
                db.execute(f"PRAGMA user_version = {SCHEMA_VERSION}")
        if self.retention_days > 0:
            with self._write():
                # Anchored to the newest row as well as to the clock: a run whose clock is ahead (a month, say)
                # never deletes the rows of the real today.
                newest = db.execute("SELECT max(started) FROM attempts").fetchone()[0]
                anchor = self.clock() if newest is None else min(self.clock(), newest)
                db.execute("DELETE FROM attempts WHERE started < ?", (anchor - self.retention_days * DAY,))

    class _Transaction:
        def __init__(self, db: sqlite3.Connection) -> None:
            self.db = db

        def __enter__(self) -> sqlite3.Connection:
            self.db.execute("BEGIN IMMEDIATE")  # take the write lock now (waits up to busy_timeout)
            return self.db

        def __exit__(self, kind, value, traceback) -> None:
            self.db.execute("COMMIT" if kind is None else "ROLLBACK")

    def _write(self) -> Ledger._Transaction:
        return Ledger._Transaction(self._db)

    def close(self) -> None:
        self._db.close()

    def __enter__(self) -> Ledger:
        return self

    def __exit__(self, *exc_info) -> None:
        self.close()

    # -- writing ---------------------------------------------------------------------------------------
    def reserve(
        self,
        *,
        model: str,
        role: str,
        now: float | None = None,
        default_limit: int | None = None,
        per_minute: int = 0,
        catalog: str | None = None,
        role_quota: int | None = None,
        experiment: str | None = None,
        account: AccountStatus | None = None,
    ) -> Reservation:
        """Insert a pending attempt unless the daily cap is used up or the per-minute pace says wait.

        One write transaction across processes: the cap check and the insert cannot interleave with another
        process's. ``default_limit`` is the daily cap when no daily-cap answer has told it (None: no cap check);
        ``per_minute`` > 0 allows that many attempts (of every process) in any 60 seconds. ``role_quota`` (needs
        ``default_limit``): ``role`` may send that many requests today, and only while the other roles keep
        ``limit - role_quota`` of the cap (rules.usage.quota_allowance); refused with ``quota`` True. ``account``: a
        reading of the account's daily counter (modelpools.consumer.account) taken today: refused once the requests
        counted since it was taken (every process of this ledger; a request in flight then counts too) reach its
        ``remaining``.
        ``experiment``: the attempt is an arm of the A/B experiment against this role default (rules.experiments).
        """
        now = self.clock() if now is None else now
        with self._write() as db:
            if account is not None and account.has_counter and utc_midnight(account.read_at) == utc_midnight(now):
                assert account.daily_limit is not None and account.daily_remaining is not None  # has_counter
                since = self._used_since(db, now, account.read_at)
                if since >= account.daily_remaining:
                    used = account.daily_limit - account.daily_remaining + since
                    return Reservation(
                        None, 0.0, DailyBudget(used, account.daily_limit, "account", utc_midnight(now) + DAY, True)
                    )
            if default_limit is not None:
                budget = self._budget(db, now, default_limit)
                if budget.capped:
                    return Reservation(None, 0.0, budget)
                if role_quota is not None:
                    role_used = self._used(db, now, role)
                    if quota_allowance(role_quota, budget.limit, budget.used, role_used) <= 0:
                        return Reservation(None, 0.0, budget, quota=True)
            if per_minute > 0:
                newest = self._newest_starts(db, now - 60.0, now + 60.0, per_minute)
                if len(newest) >= per_minute:  # the window is full until the oldest of these leaves it
                    return Reservation(None, min(60.0, max(0.001, newest[-1] + 60.0 - now)), None)
            if experiment is None:
                cursor = db.execute(
                    "INSERT INTO attempts (started, model, role, outcome, catalog, pid) "
                    "VALUES (?, ?, ?, 'pending', ?, ?)",
                    (now, model, role, catalog, _pid()),
                )
            else:
                cursor = db.execute(
                    "INSERT INTO attempts (started, model, role, outcome, catalog, pid, experiment) "
                    "VALUES (?, ?, ?, 'pending', ?, ?, ?)",
                    (now, model, role, catalog, _pid(), experiment),
                )
            assert cursor.lastrowid is not None  # set by the INSERT
            return Reservation(cursor.lastrowid, 0.0, None)

    def finish(
        self,
        attempt_id: int,
        *,
        outcome: str,
        status: int | None,
        latency_ms: int | None,
        finished: float | None = None,
        prompt_tokens: int | None = None,
        completion_tokens: int | None = None,
        rate_limit: int | None = None,
        rate_remaining: int | None = None,
        rate_reset: float | None = None,
        scope: str | None = None,
    ) -> None:
        """Record the outcome of a reserved attempt; ``scope`` defaults to the outcome's (rules.usage.failure_scope)."""
        finished = self.clock() if finished is None else finished
        scope = scope if scope is not None else failure_scope(outcome, status)
        self._db.execute(
            "UPDATE attempts SET finished = ?, outcome = ?, status = ?, latency_ms = ?, prompt_tokens = ?, "
            "completion_tokens = ?, rate_limit = ?, rate_remaining = ?, rate_reset = ?, scope = ? WHERE id = ?",
            (
                finished,
                outcome,
                status,
                latency_ms,
                prompt_tokens,
                completion_tokens,
                rate_limit,
                rate_remaining,
                rate_reset,
                scope,
                attempt_id,
            ),
        )

    def add_feedback(self, reply_id: int, score: float, *, source: str = "caller", now: float | None = None) -> None:
        """Record a quality score (0..1) for the reply written by attempt ``reply_id``; ValueError for a score out
        of range or an attempt that did not end in a reply."""
        if isinstance(score, bool) or not isinstance(score, (int, float)) or not 0.0 <= score <= 1.0:
            raise ValueError(f"a reply's score is a number from 0 to 1 (got {score!r})")
        row = self._db.execute("SELECT role, model, outcome FROM attempts WHERE id = ?", (int(reply_id),)).fetchone()
        if row is None or row[2] != "ok":
            raise ValueError(f"no reply with id {reply_id!r} in the usage ledger at {self.path}")
        self._db.execute(
            "INSERT INTO feedback (reply_id, role, model, score, ts, source) VALUES (?, ?, ?, ?, ?, ?)",
            (int(reply_id), row[0], row[1], float(score), self.clock() if now is None else now, source),
        )

    # -- reading ---------------------------------------------------------------------------------------
    def budget(self, default_limit: int, now: float | None = None) -> DailyBudget:
        """Today's (UTC) use of the daily free-request cap, across every process writing this ledger."""
        return self._budget(self._db, self.clock() if now is None else now, default_limit)

    def used_today(self, role: str | None = None, now: float | None = None) -> int:
        """Today's (UTC) counted requests, of one role when given, across every process writing this ledger."""
        return self._used(self._db, self.clock() if now is None else now, role)

    @staticmethod
    def _used(db: sqlite3.Connection, now: float, role: str | None = None) -> int:
        placeholders = ", ".join("?" * len(NOT_COUNTED))
        sql = f"SELECT count(*) FROM attempts WHERE started >= ? AND outcome NOT IN ({placeholders})"
        args: tuple = (utc_midnight(now), *NOT_COUNTED)
        if role is not None:
            sql, args = sql + " AND role = ?", args + (role,)
        return db.execute(sql, args).fetchone()[0]

    def used_since(self, since: float, now: float | None = None) -> int:
        """Today's counted requests sent after ``since`` or in flight then, across every process (see reserve)."""
        return self._used_since(self._db, self.clock() if now is None else now, since)

    @staticmethod
    def _used_since(db: sqlite3.Connection, now: float, since: float) -> int:
        """Today's counted requests sent after ``since``, or still in flight then (pending, or finished after
        ``since``: the account's counter may not hold them yet)."""
        placeholders = ", ".join("?" * len(NOT_COUNTED))
        return db.execute(
            f"SELECT count(*) FROM attempts WHERE started >= ? AND outcome NOT IN ({placeholders}) "
            "AND (started > ? OR finished IS NULL OR finished > ?)",
            (utc_midnight(now), *NOT_COUNTED, since, since),
        ).fetchone()[0]

    @staticmethod
    def _budget(db: sqlite3.Connection, now: float, default_limit: int) -> DailyBudget:
        midnight = utc_midnight(now)
        used = Ledger._used(db, now)
        # The per-minute 429 carries X-RateLimit-Limit too (20): only a daily-cap answer tells the daily limit.
        seen = db.execute(
            "SELECT rate_limit FROM attempts WHERE outcome = 'daily_cap' AND rate_limit > 0 "
            "ORDER BY started DESC LIMIT 1"
        ).fetchone()
        stored_limit = valid_limit(seen[0]) if seen else None
        limit, source = (stored_limit, "header") if stored_limit is not None else (default_limit, "setting")
        hit = db.execute(
            "SELECT rate_reset FROM attempts WHERE outcome = 'daily_cap' AND started >= ? "
            "ORDER BY started DESC LIMIT 1",
            (midnight,),
        ).fetchone()
        reset_at = midnight + DAY
        capped = used >= limit
        if hit is not None:
            stored = valid_reset(hit[0], now)
            if stored is None or stored > now:
                capped = True
                reset_at = stored if stored is not None else reset_at
        return DailyBudget(used, limit, source, reset_at, capped)

    def rows(self, since: float | None = None) -> Iterator[LedgerRow]:
        """Finished attempts (oldest first), from ``since`` (epoch seconds) on when given."""
        for row in self._db.execute(_rows_sql(SCHEMA_VERSION), (since or 0.0,)):
            yield LedgerRow(*row)

    def count(self, outcome: str | None = None) -> int:
        """Number of rows (of one outcome when given), pending ones included."""
        if outcome is None:
            return self._db.execute("SELECT count(*) FROM attempts").fetchone()[0]
        return self._db.execute("SELECT count(*) FROM attempts WHERE outcome = ?", (outcome,)).fetchone()[0]

    @staticmethod
    def _newest_starts(db: sqlite3.Connection, since: float, until: float, limit: int) -> list[float]:
        """Start times of the newest ``limit`` counted attempts after ``since`` and up to ``until``, newest first.

        The pace reads rows up to a minute ahead of the clock (processes' clocks differ a little); a row further
        ahead was written by a clock that has since gone back, and says nothing about this minute."""
        placeholders = ", ".join("?" * len(NOT_COUNTED))
        return [
            r[0]
            for r in db.execute(
                f"SELECT started FROM attempts WHERE started > ? AND started <= ? AND outcome NOT IN ({placeholders}) "
                "ORDER BY started DESC LIMIT ?",
                (since, until, *NOT_COUNTED, limit),
            )
        ]


def valid_reset(value: object, now: float) -> float | None:
    """A stored daily reset time (epoch seconds) read back: a finite number from the UTC day's start up to two days
    ahead, else None (no information: an older version stored what a hostile answer said)."""
    if isinstance(value, bool) or not isinstance(value, (int, float)) or not math.isfinite(value):
        return None
    return float(value) if utc_midnight(now) <= value <= now + 2 * DAY else None


def valid_limit(value: object) -> int | None:
    """A stored X-RateLimit-Limit of a daily-cap answer read back: a whole number from 1 to MAX_DAILY_LIMIT, else None."""
    if isinstance(value, bool) or not isinstance(value, int):
        return None
    return value if 1 <= value <= MAX_DAILY_LIMIT else None


# What SQLite says when it may not open or write the file, its -wal or its -shm (permissions, a read-only directory
# or file system): the ledger is not damaged, and moving it away would not help.
_ACCESS_ERRORS = ("unable to open", "readonly", "read-only", "permission", "access")


def _problem(path: Path, exc: sqlite3.DatabaseError, state: str) -> str:
    """The one-line message for a ledger SQLite refused: an access problem, or a damaged file."""
    if any(word in str(exc).lower() for word in _ACCESS_ERRORS):
        return (
            f"usage ledger at {path} cannot be opened ({exc}): it or its directory is read-only or not accessible "
            f"to this user; make {path.parent} writable (SQLite keeps {path.name}-wal and -shm beside it)"
        )
    return f"usage ledger at {path} is {state} ({exc}); move it away and a new one is started"


def _pid() -> int:
    import os

    return os.getpid()


def _open_read_only(path: Path) -> sqlite3.Connection | None:
    """A read-only connection to an existing ledger (None when there is none); never creates or migrates it."""
    if not Path(path).is_file():
        return None
    try:
        db = sqlite3.connect(f"{Path(path).resolve().as_uri()}?mode=ro", uri=True, timeout=30.0)
        version = db.execute("PRAGMA user_version").fetchone()[0]
    except sqlite3.DatabaseError as exc:
        raise DataError(_problem(Path(path), exc, "unreadable")) from None
    if version > SCHEMA_VERSION:
        db.close()
        raise DataError(
            f"usage ledger at {path} has schema version {version}, newer than this modelpools knows "
            f"({SCHEMA_VERSION}); upgrade modelpools"
        )
    if version == 0:  # created but never migrated: empty
        db.close()
        return None
    return db


def read_rows(path: Path | str, since: float | None = None) -> list[LedgerRow]:
    """The finished attempts of the ledger at path (oldest first), from ``since`` on; [] when there is no ledger."""
    db = _open_read_only(Path(path))
    if db is None:
        return []
    try:
        version = db.execute("PRAGMA user_version").fetchone()[0]
        return [LedgerRow(*r) for r in db.execute(_rows_sql(version), (since or 0.0,))]
    except sqlite3.DatabaseError as exc:
        raise DataError(_problem(Path(path), exc, "unreadable")) from None
    finally:
        db.close()


_EXPERIMENT_SQL = (
    "SELECT a.started, a.role, a.model, a.experiment, a.outcome, a.latency_ms, a.completion_tokens, "
    "(SELECT f.score FROM feedback f WHERE f.reply_id = a.id ORDER BY f.ts DESC, f.id DESC LIMIT 1) "
    "FROM attempts a WHERE a.experiment IS NOT NULL AND a.outcome != 'pending' ORDER BY a.started, a.id"
)


def read_experiment_attempts(path: Path | str) -> list[ExperimentAttempt]:
    """The finished attempts of A/B experiments in the ledger at path, each with its reply's newest quality score
    (oldest first); [] without a ledger or with one written before experiments (schema version 1 or 2)."""
    db = _open_read_only(Path(path))
    if db is None:
        return []
    try:
        if db.execute("PRAGMA user_version").fetchone()[0] < 3:
            return []
        return [ExperimentAttempt(*r) for r in db.execute(_EXPERIMENT_SQL)]
    except sqlite3.DatabaseError as exc:
        raise DataError(_problem(Path(path), exc, "unreadable")) from None
    finally:
        db.close()


def read_budget(path: Path | str, default_limit: int, now: float) -> DailyBudget:
    """Today's daily budget from the ledger at path, read-only; an absent ledger has used nothing."""
    db = _open_read_only(Path(path))
    if db is None:
        return DailyBudget(0, default_limit, "setting", utc_midnight(now) + DAY, default_limit <= 0)
    try:
        return Ledger._budget(db, now, default_limit)
    finally:
        db.close()
