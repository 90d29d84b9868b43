"""Change reports between two pools documents."""

from __future__ import annotations

import calendar
import copy
import json
from pathlib import Path

import pytest

from modelpools.jsonbytes import dump_json
from modelpools.rules.changes import compare_pools, days_left, format_changes
from modelpools.settings import Settings

SAMPLE = Path(__file__).resolve().parent / "data" / "pools-sample.json"
NOW = calendar.timegm((2026, 8, 18, 20, 0, 0))  # the day of the catalog capture behind the sample
EARLY = calendar.timegm((2026, 7, 1, 0, 0, 0))  # long before any expirationDate in the sample
VL = "nvidia/nemotron-nano-12b-v2-vl:free"  # expiration_date 2026-08-24 in the 2026-08-18 catalog


@pytest.fixture
def old() -> dict:
    return json.loads(SAMPLE.read_text(encoding="utf-8"))


def _move(doc: dict, model_id: str, tier_from: int, tier_to: int, name: str) -> None:
    doc["tiers"][tier_from]["models"].remove(model_id)
    doc["tiers"][tier_to]["models"].insert(0, model_id)
    next(m for m in doc["models"] if m["id"] == model_id)["tier"] = name


def test_identical_documents_have_no_changes(old):
    report = compare_pools(old, copy.deepcopy(old), Settings().expiry_warning_days, now=EARLY)
    assert report["changed"] is False and format_changes(report) == ["no changes"]


def test_identical_documents_with_an_expiring_ranked_model_say_both_things_apart(old):
    doc = copy.deepcopy(old)
    glm = next(m for m in doc["models"] if m["id"] == "z-ai/glm-5.2:free")
    glm["expirationDate"] = "2026-08-24"
    report = compare_pools(doc, copy.deepcopy(doc), Settings().expiry_warning_days, now=NOW)
    assert report["changed"] is False
    assert report["expiring"] == [
        {"id": "z-ai/glm-5.2:free", "tier": "LARGE", "expirationDate": "2026-08-24", "daysLeft": 6}
    ]
    # nothing changed: the first line says so, and that the expiry line after it is about the date, in both files
    assert format_changes(report) == [
        "no changes; 1 ranked model in both expired or expiring within 7 days:",
        "! z-ai/glm-5.2:free (LARGE) expires in 6 days (2026-08-24)",
    ]


def test_an_expiring_unranked_model_is_not_warned_about_as_check_and_doit_pools_agree(old):
    assert next(u for u in old["unranked"] if u["id"] == VL)["expirationDate"] == "2026-08-24"  # real, in 6 days
    report = compare_pools(old, copy.deepcopy(old), Settings().expiry_warning_days, now=NOW)
    assert report["expiring"] == [] and format_changes(report) == ["no changes"]


def test_added_removed_moved_and_new_defaults(old):
    new = copy.deepcopy(old)
    gone = new["unranked"].pop(0)["id"]  # dots-studio/dots-3-note-preview:free left the free list
    new["unranked"].append(
        {
            "id": "qwen/qwen3-coder:free",
            "name": "Qwen: Qwen3 Coder 480B A35B (free)",
            "vendor": "qwen",
            "contextLength": 262144,
            "reason": "no coding score",
        }
    )
    _move(new, "nvidia/nemotron-3-super-120b-a12b:free", 1, 2, "SMALL")
    new["chosenDefaults"]["pageModel"] = "google/gemma-4-31b-it:free"
    report = compare_pools(old, new, Settings().expiry_warning_days, now=EARLY)
    assert report["added"] == [{"id": "qwen/qwen3-coder:free", "tier": None}]
    assert report["removed"] == [{"id": gone, "tier": None}]
    assert report["tierMoves"] == [{"id": "nvidia/nemotron-3-super-120b-a12b:free", "from": "MEDIUM", "to": "SMALL"}]
    assert report["defaultChanges"] == [
        {"role": "pageModel", "from": "nvidia/nemotron-3-ultra-550b-a55b:free", "to": "google/gemma-4-31b-it:free"}
    ]
    assert format_changes(report) == [
        "+ qwen/qwen3-coder:free (unranked)",
        f"- {gone} (was unranked)",
        "~ nvidia/nemotron-3-super-120b-a12b:free: MEDIUM -> SMALL",
        "* pageModel: nvidia/nemotron-3-ultra-550b-a55b:free -> google/gemma-4-31b-it:free",
    ]


def test_ranked_to_unranked_is_a_tier_move(old):
    new = copy.deepcopy(old)
    next(m for m in new["models"] if m["id"] == "openai/gpt-oss-20b:free")["tier"] = None  # simplified
    assert compare_pools(old, new, now=NOW)["tierMoves"] == [
        {"id": "openai/gpt-oss-20b:free", "from": "SMALL", "to": None}
    ]


def test_expiring_models_within_warning_days(old):
    new = copy.deepcopy(old)
    # the 2026-08-18 catalog gives nvidia/nemotron-nano-12b-v2-vl:free an expiration_date of 2026-08-24
    new["models"][6]["expirationDate"] = "2026-08-24"  # as the unranked VL model
    new["models"][7]["expirationDate"] = "2026-09-30"
    new["models"][8]["expirationDate"] = "2026-08-01T00:00:00Z"
    report = compare_pools(old, new, 7, now=NOW)
    assert report["expiring"] == sorted(
        [  # by id
            {"id": new["models"][8]["id"], "tier": "SMALL", "expirationDate": "2026-08-01T00:00:00Z", "daysLeft": -17},
            {"id": new["models"][6]["id"], "tier": "SMALL", "expirationDate": "2026-08-24", "daysLeft": 6},
        ],
        key=lambda e: e["id"],
    )
    assert compare_pools(old, new, 3, now=NOW)["expiring"][0]["daysLeft"] == -17
    lines = format_changes(report)
    assert f"! {new['models'][6]['id']} (SMALL) expires in 6 days (2026-08-24)" in lines
    assert f"! {new['models'][8]['id']} (SMALL) expired (2026-08-01T00:00:00Z)" in lines
    assert not any(VL in line for line in lines)  # unranked: never handed out


def test_first_build_lists_every_model_once(old):
    report = compare_pools(None, old, now=EARLY)
    # 16: the content-safety classifier of the 2026-08-18 catalog is excluded, not a free coding model
    assert report["firstBuild"] and len(report["added"]) == 16
    assert format_changes(report) == ["first build: 16 free models"]


def test_report_is_deterministic_and_sorted(old):
    new = copy.deepcopy(old)
    new["unranked"].reverse()
    new["models"] = new["models"][:3]
    a = dump_json(compare_pools(old, new, now=NOW))
    b = dump_json(compare_pools(copy.deepcopy(old), copy.deepcopy(new), now=NOW + 3600))
    assert a == b
    removed = [r["id"] for r in compare_pools(old, new, now=NOW)["removed"]]
    assert removed == sorted(removed) and len(removed) == 8  # ranks 4-11


def test_days_left_handles_bad_dates():
    assert days_left("2026-08-19", NOW) == 1
    assert days_left("next week", NOW) is None
