"""The A/B rule (modelpools.rules.experiments): arms by request hash, intervals, the sequential verdict."""

from __future__ import annotations

import random

import pytest

from modelpools.rules.experiments import (
    CHECKPOINTS,
    ExperimentAttempt,
    assign_arm,
    decide_experiment,
    experiment_verdicts,
    look_z,
    mean_interval,
    request_fraction,
    wilson,
)

MESSAGES = [{"role": "user", "content": "Write the page about tides."}]


def attempts(model: str, values: list[float | None], start: float = 0.0, default: str = "d") -> list[ExperimentAttempt]:
    """Attempts of one arm: None a failure, a number a success with that quality score."""
    return [
        ExperimentAttempt(start + i, "pageModel", model, default, "server_error" if v is None else "ok", score=v)
        for i, v in enumerate(values)
    ]


def test_the_same_request_always_gets_the_same_arm_and_the_share_holds():
    fraction = request_fraction("pageModel", MESSAGES)
    assert fraction == request_fraction("pageModel", [dict(m) for m in MESSAGES])
    assert fraction != request_fraction("bulkModel", MESSAGES)
    fractions = [request_fraction("pageModel", [{"role": "user", "content": f"page {i}"}]) for i in range(4000)]
    arms = [assign_arm(f, 0.1, ("b", "c")) for f in fractions]
    assert 0.08 < sum(a is not None for a in arms) / len(arms) < 0.12
    assert abs(arms.count("b") - arms.count("c")) < 0.05 * len(arms)
    assert assign_arm(0.01, 0.0, ("b",)) is None and assign_arm(0.01, 0.1, ()) is None


def test_intervals_cover_the_rate_and_never_collapse():
    low, high = wilson(18, 20, 1.96)
    assert 0.68 < low < 0.9 < high < 0.99
    assert wilson(0, 0, 1.96) == (0.0, 1.0)
    mean, low, high = mean_interval([1.0] * 20, 1.96)
    assert mean == 1.0 and low < 1.0  # 20 identical scores still leave room
    assert look_z() > 2.4  # each look at 1 - 0.05 / 8


def test_a_clearly_better_runner_up_is_promoted_at_the_first_look():
    rows = attempts("d", [None, 0.4] * 10) + attempts("b", [0.9] * 20, start=0.5)
    verdict = decide_experiment("pageModel", "d", rows)
    assert (verdict.verdict, verdict.challenger, verdict.look) == ("promote", "b", CHECKPOINTS[0])
    doc = verdict.to_json()
    assert doc["arms"]["b"]["successes"] == 20 and doc["arms"]["d"]["successes"] == 10
    assert doc["arms"]["b"]["valueInterval"][0] > doc["arms"]["d"]["valueInterval"][1]


def test_equal_arms_run_to_the_last_look_and_the_default_is_kept():
    rng = random.Random(3)
    rows = attempts("d", [rng.choice([None, 0.7, 0.8]) for _ in range(400)])
    rows += attempts("b", [rng.choice([None, 0.7, 0.8]) for _ in range(CHECKPOINTS[-1])], start=0.5)
    verdict = decide_experiment("pageModel", "d", rows)
    assert (verdict.verdict, verdict.look, verdict.challenger) == ("kept", CHECKPOINTS[-1], None)


def test_an_experiment_short_of_a_look_is_running_and_says_when_the_next_look_is():
    rows = attempts("d", [0.5] * 30) + attempts("b", [1.0] * 12, start=0.5)
    verdict = decide_experiment("pageModel", "d", rows)
    assert (verdict.verdict, verdict.next_look) == ("running", CHECKPOINTS[0])
    assert "12 attempt(s)" in verdict.reason


@pytest.mark.parametrize("outcome", ["daily_cap", "minute_cap"])
def test_the_site_caps_are_not_held_against_an_arm(outcome):
    rows = attempts("d", [0.3] * 20) + attempts("b", [0.95] * 20, start=0.5)
    capped = [ExperimentAttempt(100.0 + i, "pageModel", "b", "d", outcome) for i in range(30)]
    assert decide_experiment("pageModel", "d", rows + capped).verdict == "promote"


def test_verdicts_are_grouped_by_role_and_the_default_in_force():
    rows = attempts("d", [0.5] * 5) + attempts("b", [0.5] * 5, default="b")
    verdicts = experiment_verdicts(rows)
    assert set(verdicts["pageModel"]) == {"d", "b"}
