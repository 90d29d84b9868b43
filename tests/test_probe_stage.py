"""The probe stage's records and its round: results expire after the TTL and belong to one probe set, and a probing
round over simulated models of different skill recovers their order (an unreachable model is never scored zero)."""

import asyncio
import random
import re

import pytest

from modelpools.errors import DataError
from modelpools.records import Batch, ModelResult, ProbeResults
from modelpools.rules.days import utc_day
from modelpools.rules.probe import probe_set_id
from modelpools.rules.probestats import probe_scores
from modelpools.stages.probe import probe_round
from modelpools.stages.probe_plan import ProbeOptions, plan_requests

SET = probe_set_id()
DEFAULTS = ProbeOptions(enabled=True)


def test_results_round_trip_expire_after_the_ttl_and_belong_to_one_probe_set():
    results = ProbeResults(
        SET,
        {
            "a": ModelResult("a", (Batch("2026-07-01", 0, 10, 3), Batch("2026-08-10", 10, 10, 6)), 20),
            "b": ModelResult("b", (), 0, unreachable_day="2026-07-10", failures=2),
        },
    )
    assert ProbeResults.from_json(results.to_json(), "f", SET) == results
    kept = results.expire("2026-08-18", 30)
    assert set(kept.models) == {"a"}
    assert kept.models["a"].batches == (Batch("2026-08-10", 10, 10, 6),) and kept.models["a"].next_item == 20
    assert kept.tallies()["a"].correct == 6
    assert ProbeResults.from_json(results.to_json(), "f", "v2-other").models == {}


@pytest.mark.parametrize(
    "broken",
    [
        [],
        {"schemaVersion": 9},
        {"schemaVersion": 1, "probeSet": SET, "models": [{"id": "a"}]},
        {
            "schemaVersion": 1,
            "probeSet": SET,
            "models": [
                {"id": "a", "nextItem": 0, "batches": [{"day": "2026-13-01", "start": 0, "items": 1, "correct": 0}]}
            ],
        },
        {"schemaVersion": 1, "probeSet": SET, "models": [{"id": "a", "nextItem": -1, "batches": []}]},
        {
            "schemaVersion": 1,
            "probeSet": SET,
            "models": [
                {"id": "a", "nextItem": 0, "batches": [{"day": "2026-01-01", "start": 0, "items": 1, "correct": 2}]}
            ],
        },
    ],
)
def test_malformed_results_files_fail_with_one_line_saying_what_to_do(broken):
    with pytest.raises(DataError, match=r"probe results at where\.json .*delete the file") as info:
        ProbeResults.from_json(broken, "where.json", SET)
    assert "\n" not in str(info.value)


PROGRAM = re.compile(r"Program (\d+):\n```python\n(.*?)\n```", re.S)


def simulated_models(skill: dict[str, float], seed: int = 3):
    """A chat function: each model answers each item right with its probability, else with a wrong value.

    The simulated model finds the truth the way a test may: by running the program it was shown (test code;
    the probe itself never runs model output)."""
    rng = random.Random(seed)
    asked: list[str] = []

    async def chat(model: str, prompt: str):
        asked.append(model)
        if skill[model] is None:
            return None
        lines = ["Thinking about it..."]
        for number, block in PROGRAM.findall(prompt):
            *body, call = block.split("\n")
            namespace = {}
            exec("\n".join(body), namespace)
            truth = eval(call, namespace)
            value = truth if rng.random() < skill[model] else ["wrong", truth]
            lines.append(f"ANSWER {number}: {value!r}")
        return "\n".join(lines)

    return chat, asked


def test_a_probing_round_recovers_the_order_of_simulated_models():
    skill = {
        "anchor/top": 0.9,
        "anchor/mid": 0.55,
        "anchor/low": 0.2,
        "new/good": 0.75,
        "new/weak": 0.35,
        "new/down": None,
    }
    reference = {"anchor/top": 60.0, "anchor/mid": 35.0, "anchor/low": 10.0}
    chat, asked = simulated_models(skill)
    options = ProbeOptions(enabled=True, target_items=200)
    results = ProbeResults(SET)
    for day in ("2026-08-16", "2026-08-17", "2026-08-18"):
        plan = plan_requests(["new/down", "new/good", "new/weak"], list(reference), results, options, 40, day)
        results = asyncio.run(probe_round(plan, results, chat, options, day))
    down = results.models["new/down"]
    assert down.answered == 0 and down.unreachable_day == "2026-08-18" and down.failures == 3
    assert asked.count("new/down") == 3  # once a day: unreachable stops it for the day
    good = results.models["new/good"]
    assert good.answered == good.next_item == 10 * len(good.batches) >= 150  # items continue across days
    scores, calibration = probe_scores(results.tallies(), reference)
    assert calibration.method == "linear" and calibration.points == 3
    assert "new/down" not in scores  # unreachable, not zero
    order = sorted(scores, key=lambda mid: -scores[mid].calibrated)
    assert order == sorted(skill.keys() - {"new/down"}, key=lambda mid: -skill[mid])
    good_score = scores["new/good"]
    assert good_score.calibrated_low < good_score.calibrated < good_score.calibrated_high
    assert good_score.items == good.answered


def test_a_round_stopped_by_the_daily_cap_keeps_what_was_measured():
    chat, _ = simulated_models({"a": 1.0})
    calls = {"n": 0}

    async def capped(model, prompt):
        calls["n"] += 1
        if calls["n"] > 2:
            raise RuntimeError("daily cap")
        return await chat(model, prompt)

    with pytest.raises(Exception) as info:
        asyncio.run(probe_round(["a"] * 5, ProbeResults(SET), capped, DEFAULTS, "2026-08-18"))
    kept = info.value.results
    assert kept.models["a"].answered == 20 and kept.models["a"].correct == 20
    assert isinstance(info.value.__cause__, RuntimeError)


def test_utc_day():
    assert utc_day(0) == "1970-01-01" and utc_day(1755561599) == "2025-08-18"
