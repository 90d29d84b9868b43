"""Pure usage rules: the summary of ledger rows and the verdicts the pools draw from it."""

from __future__ import annotations

import json

from modelpools.consumer.ledger import LedgerRow
from modelpools.rules.usage import (
    DEMOTE_BELOW,
    MIN_ATTEMPTS,
    empty_summary,
    percentile,
    prefer_faster,
    summarize,
    usage_verdicts,
)

T = 1779278400.0  # 2026-05-20T12:00:00Z
CATALOG = "652f55016243bf1b9f1bbea46d5749ef892dbe394e46de9d66ab1aacf0b4af57"


def row(at: float, model: str, outcome: str, latency: int | None = 1000, catalog: str | None = CATALOG[:16]):
    return LedgerRow(at, model, "pageModel", outcome, 200 if outcome == "ok" else 404, latency, catalog)


def test_percentiles_are_nearest_rank():
    assert percentile([], 0.5) is None
    assert percentile([300, 100, 200, 400], 0.5) == 200 and percentile(list(range(1, 11)), 0.9) == 9
    assert percentile([7], 0.9) == 7


def test_summary_per_model_is_anchored_to_the_newest_row_and_ignores_older_ones():
    rows = [
        row(T - 9 * 86400, "a/x:free", "ok"),  # outside the 7-day window before the newest row
        row(T - 100, "a/x:free", "ok", 800),
        row(T - 50, "a/x:free", "empty"),
        row(T, "a/x:free", "ok", 1200),
        row(T - 10, "b/y:free", "no_endpoints", None),
    ]
    summary = summarize(rows, window_days=7)
    assert summary["window"] == {"days": 7, "end": "2026-05-20T12:00:00Z"}
    a = summary["models"]["a/x:free"]
    assert (a["attempts"], a["successes"], a["successRate"]) == (3, 2, 0.6667)
    assert a["outcomes"] == {"empty": 1, "ok": 2} and a["latencyMs"] == {"p50": 800, "p90": 1200}
    assert a["lastSuccess"] == "2026-05-20T12:00:00Z" and a["last404"] is None
    b = summary["models"]["b/y:free"]
    assert (b["last404"], b["noEndpointsLastHour"], b["latencyMs"]["p50"]) == ("2026-05-20T11:59:50Z", 1, None)


def test_summary_bytes_do_not_depend_on_row_order_or_when_it_is_computed():
    rows = [row(T - i * 37, f"m/{i % 3}:free", ("ok", "empty", "no_endpoints")[i % 3], 100 + i) for i in range(40)]
    first = json.dumps(summarize(rows, 7), sort_keys=True)
    assert json.dumps(summarize(list(reversed(rows)), 7), sort_keys=True) == first
    assert (
        summarize([], 7) == empty_summary(7) == {"schemaVersion": 1, "window": {"days": 7, "end": None}, "models": {}}
    )


def test_two_404s_in_the_hour_without_a_success_since_make_a_model_unavailable():
    rows = [
        row(T - 3000, "dead/m:free", "no_endpoints"),
        row(T - 100, "dead/m:free", "no_endpoints"),
        row(T - 5000, "back/m:free", "no_endpoints"),
        row(T - 4000, "back/m:free", "no_endpoints"),
        row(T - 30, "back/m:free", "ok"),  # recovered
        row(T - 7200, "old/m:free", "no_endpoints"),
        row(T - 3700, "old/m:free", "no_endpoints"),  # > 1 h ago
        row(T, "other/m:free", "ok"),
    ]
    verdicts = usage_verdicts(summarize(rows, 7), CATALOG)
    assert set(verdicts) == {"dead/m:free"}
    assert verdicts["dead/m:free"].to_json() == {
        "verdict": "unavailable",
        "last404": "2026-05-20T11:58:20Z",
        "noEndpoints": 2,
        "reason": "2 'No endpoints found' answers in the hour before 2026-05-20T11:58:20Z, no success since",
    }
    assert usage_verdicts(summarize(rows, 7), "0" * 64) == {}  # a new catalog gives the model another chance


def test_a_low_success_rate_demotes_only_with_enough_attempts():
    flaky = [row(T - i, "flaky/m:free", "ok" if i % 4 == 0 else "reasoning_only") for i in range(MIN_ATTEMPTS + 3)]
    few = [row(T - i, "few/m:free", "empty") for i in range(MIN_ATTEMPTS - 1)]
    verdicts = usage_verdicts(summarize(flaky + few, 7), CATALOG)
    assert list(verdicts) == ["flaky/m:free"] and verdicts["flaky/m:free"].verdict == "demoted"
    assert verdicts["flaky/m:free"].to_json()["successRate"] < DEMOTE_BELOW


def test_latency_breaks_an_exact_score_tie_only_when_every_tied_model_was_measured():
    rows = [row(T - i, "slow/m:free", "ok", 3000) for i in range(3)] + [
        row(T - i, "fast/m:free", "ok", 900) for i in range(3)
    ]
    summary = summarize(rows, 7)
    assert prefer_faster([("slow/m:free", 50.0), ("fast/m:free", 50.0), ("x/m:free", 49.0)], summary) == "fast/m:free"
    assert prefer_faster([("slow/m:free", 50.0), ("fast/m:free", 49.9)], summary) == "slow/m:free"
    assert prefer_faster([("slow/m:free", 50.0), ("unknown/m:free", 50.0)], summary) == "slow/m:free"
    assert prefer_faster([], summary) is None


def test_only_model_level_failures_demote_a_model():
    # the account's privacy settings, its daily cap and requests too long for the model: 9 failures, none the model's
    blamed = ["data_policy"] * 4 + ["daily_cap"] * 2 + ["too_long", "unsupported", "reasoning_exhausted"]
    rows = [row(T - i, "good/m:free", outcome) for i, outcome in enumerate(["ok", *blamed])]
    summary = summarize(rows, 7)
    assert summary["models"]["good/m:free"]["failureScopes"] == {"account": 6, "request": 3}
    assert usage_verdicts(summary, CATALOG) == {}
    broken = [row(T - i, "bad/m:free", "ok" if i == 0 else "server_error") for i in range(MIN_ATTEMPTS)]
    assert usage_verdicts(summarize(broken, 7), CATALOG)["bad/m:free"].verdict == "demoted"


def test_every_failure_has_one_scope_and_a_success_none():
    from modelpools.rules.usage import FAILURES, SCOPES, failure_scope

    assert failure_scope("ok") is None and failure_scope("pending") is None
    assert {failure_scope(outcome) for outcome in FAILURES} == set(SCOPES)
    assert (failure_scope("rejected", 401), failure_scope("rejected", 400)) == ("account", "request")
    assert [o for o in FAILURES if failure_scope(o) == "account"] == [
        "daily_cap",
        "minute_cap",
        "data_policy",
        "no_credits",
    ]
