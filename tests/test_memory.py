"""Remembered evidence: two listings in one cache. The earlier listing is derived from the real 2026-08-18 dump by
moving it 30 days back and giving nvidia/nemotron-nano-12b-v2-vl:free the benchmarks block the real listing lacks."""

import copy
import datetime
import json

import pytest
from support import TEST_DATA

from modelpools.io import files
from modelpools.records import CatalogCache
from modelpools.rules.freemodels import select_free_models
from modelpools.rules.memory import FORGET_AFTER_DAYS, empty_memory, identity_keys, recall, remember
from modelpools.settings import Settings
from modelpools.slices import PoolsSettings
from modelpools.stages import pools
from modelpools.stages.memory import build_memory

VL = "nvidia/nemotron-nano-12b-v2-vl:free"
WEBSITE = {"arena": "models", "category": "website", "elo": 1020, "win_rate": 0.5, "rank": 40}
BLOCK = {
    "design_arena": [WEBSITE],
    "artificial_analysis": {"intelligence_index": 15.9, "coding_index": 12.4, "agentic_index": 4.0},
}
DAYS = 30


@pytest.fixture
def listings():
    body = json.loads((TEST_DATA / "openrouter" / "models-2026-08-18.json").read_text(encoding="utf-8"))
    later = select_free_models(body)
    earlier = copy.deepcopy(later)
    for model in earlier:
        model["created"] -= DAYS * 86400
        if model["id"] == VL:
            assert "benchmarks" not in model  # the real listing has no block for it
            model["benchmarks"] = copy.deepcopy(BLOCK)
    return earlier, later


def test_identity_keys_cover_base_id_slug_and_hugging_face_id():
    assert identity_keys(
        {
            "id": "openai/gpt-oss-20b:free",
            "canonical_slug": "openai/gpt-oss-20b",
            "hugging_face_id": "openai/gpt-oss-20b",
        }
    ) == ["hf:openai/gpt-oss-20b", "id:openai/gpt-oss-20b"]


def test_a_dropped_block_is_remembered_with_its_last_seen_date(listings):
    earlier, later = listings
    memory = remember(remember(empty_memory(), earlier), later)
    assert memory["asOf"] == "2026-08-14"  # the later catalog's newest `created`, not the clock
    entry = next(e for e in memory["models"] if e["id"] == VL.split(":")[0])
    assert entry["lastSeen"] == "2026-07-15" and entry["evidence"] == BLOCK
    glm = next(e for e in memory["models"] if e["id"] == "z-ai/glm-5.2")
    assert glm["lastSeen"] == "2026-08-14"  # seen again: refreshed
    found = recall(memory, later)
    assert list(found) == [VL] and found[VL].coding_index == 12.4 and found[VL].age_days == DAYS
    assert found[VL].web_elo == ("web:models/website", 1020.0)  # the page role's evidence, remembered too
    assert remember(memory, earlier) == memory  # an older listing never overwrites newer evidence


def test_the_pools_stage_uses_remembered_evidence_at_reduced_weight(tmp_path, listings, monkeypatch):
    earlier, later = listings
    monkeypatch.setattr(pools.CuratedScores, "load", lambda path=None: pools.CuratedScores(()))
    settings = Settings(project_dir=tmp_path)
    for listing in (earlier, later):  # two catalog refreshes into one cache
        files.write_if_changed(
            settings.files.catalog_file, CatalogCache.live(listing, [], settings.openrouter_url).dump()
        )
        build_memory(settings)
    pools.build_pools(PoolsSettings.of(settings), clock=lambda: 0.0)
    doc = json.loads(settings.files.pools_file.read_text())
    vl = next(m for m in doc["models"] if m["id"] == VL)
    source = vl["scoreSources"][0]
    assert (source["source"], source["raw"], source["rememberedFrom"]) == ("artificial_analysis", 12.4, "2026-07-15")
    assert source["evidence"] == round(6.0 * 0.5 ** (DAYS / 90), 2) == 4.76  # a 90-day half-life
    assert source["sd"] == round(3.0 / 0.5 ** (DAYS / 90 / 2), 2)
    # the page role: its remembered website Elo, on the website line, weighing as the remembered index does
    web = vl["pageScore"]["web"]
    line = doc["calibration"]["web:models/website"]
    assert (web["source"], web["raw"], web["rememberedFrom"]) == ("web:models/website", 1020, "2026-07-15")
    assert web["calibrated"] == round(line["slope"] * 1020 + line["intercept"], 2)
    assert web["sd"] == round(line["slope"] * 25.0 / 0.5 ** (DAYS / 90 / 2), 2)  # the Elo's own noise, aged
    assert web["calibrated"] > vl["codingScore"] and vl["pageScore"]["estimate"] > vl["codingScore"]
    memory_bytes = settings.files.memory_file.read_bytes()
    assert doc["inputs"]["evidenceMemorySha256"] == pools.sha256_bytes(memory_bytes)
    pools.build_pools(PoolsSettings.of(settings), clock=lambda: 1e9)  # another day, same inputs: the same bytes
    assert json.loads(settings.files.pools_file.read_text()) == doc
    # without the memory, nothing measures the model: its estimate is provisional (the listing's prior)
    settings.files.memory_file.unlink()
    pools.build_pools(PoolsSettings.of(settings), clock=lambda: 0.0)
    forgotten = next(m for m in json.loads(settings.files.pools_file.read_text())["models"] if m["id"] == VL)
    assert forgotten["provisional"]["method"] in ("fitted", "fixed") and forgotten["scoreSources"] == []


def test_a_part_a_newer_listing_lacks_is_remembered_with_its_own_date(listings):
    earlier, later = listings
    later = copy.deepcopy(later)
    vl = next(m for m in later if m["id"] == VL)
    vl["benchmarks"] = {"artificial_analysis": {"coding_index": 13.1}}  # the Elo entries dropped, the index kept
    memory = remember(remember(empty_memory(), earlier), later)
    entry = next(e for e in memory["models"] if e["id"] == VL.split(":")[0])
    assert entry["lastSeen"] == "2026-08-14" and entry["seen"] == {"design_arena": "2026-07-15"}
    assert entry["evidence"] == {"artificial_analysis": {"coding_index": 13.1}, "design_arena": [WEBSITE]}
    found = recall(memory, later)[VL]
    assert found.coding_index is None  # the listing has its own index
    assert (found.web_elo, found.web_last_seen, found.web_age_days) == (
        ("web:models/website", 1020.0),
        "2026-07-15",
        DAYS,
    )
    # seen again with its whole block: nothing is carried any more
    again = remember(memory, moved(earlier, 2 * DAYS))
    assert "seen" not in next(e for e in again["models"] if e["id"] == VL.split(":")[0])


def test_a_carried_part_is_forgotten_after_the_forget_period(listings):
    earlier, later = listings
    later = copy.deepcopy(later)
    next(m for m in later if m["id"] == VL)["benchmarks"] = {"artificial_analysis": {"coding_index": 13.1}}
    memory = remember(remember(empty_memory(), earlier), later)
    much_later = moved(later, FORGET_AFTER_DAYS)  # the index is still listed; the Elo was last seen 760 days before
    entry = next(e for e in remember(memory, much_later)["models"] if e["id"] == VL.split(":")[0])
    assert entry["evidence"] == {"artificial_analysis": {"coding_index": 13.1}} and "seen" not in entry


def moved(models, days):
    """The listing days later: every model's created date moved on."""
    out = copy.deepcopy(models)
    for model in out:
        model["created"] += days * 86400
    return out


def test_parts_are_carried_from_every_identity_the_model_was_known_by():
    august = int(datetime.datetime(2026, 8, 14, tzinfo=datetime.timezone.utc).timestamp())
    memory = {
        "schemaVersion": 1,
        "asOf": "2026-07-01",
        "models": [  # the Elo seen under its Hugging Face id, the index under its OpenRouter id
            {
                "id": "acme/x-hf",
                "keys": ["hf:acme/x-hf"],
                "lastSeen": "2026-06-01",
                "evidence": {"design_arena": [WEBSITE]},
            },
            {
                "id": "acme/x",
                "keys": ["id:acme/x"],
                "lastSeen": "2026-07-01",
                "evidence": {"artificial_analysis": {"coding_index": 30.0}},
            },
        ],
    }
    listing = [
        {
            "id": "acme/x:free",
            "hugging_face_id": "acme/x-hf",
            "created": august,
            "benchmarks": {"artificial_analysis": {"coding_index": 31.0}},
        }
    ]
    [entry] = remember(memory, listing)["models"]
    assert entry["keys"] == ["hf:acme/x-hf", "id:acme/x"] and entry["seen"] == {"design_arena": "2026-06-01"}
    assert entry["evidence"] == {"artificial_analysis": {"coding_index": 31.0}, "design_arena": [WEBSITE]}
    bad = dict(entry, seen={"design_arena": "June"})  # a date that is no date drops that part only
    listing[0]["benchmarks"] = {}
    found = recall({"models": [bad]}, listing)["acme/x:free"]
    assert (found.coding_index, found.web_elo) == (31.0, None)


def revised(listing, change):
    """listing with every coding index passed through change (a revised index, or run-to-run noise)."""
    out = copy.deepcopy(listing)
    for i, model in enumerate(out):
        aa = (model.get("benchmarks") or {}).get("artificial_analysis") or {}
        if isinstance(aa.get("coding_index"), (int, float)):
            aa["coding_index"] = round(change(aa["coding_index"], i), 1)
    return out


def test_remembered_values_are_rescaled_when_the_index_was_revised(listings):
    """The later listing revises the index (1.2 x old + 5 for the ten models both listings score): the drift check
    fires, and nemotron-nano-12b-v2-vl's remembered 12.4, which only the earlier listing had, is mapped onto the new
    scale through those ten models, so the pools never mix the two scales."""
    earlier, later = listings
    memory = remember(remember(empty_memory(), earlier), revised(later, lambda value, _i: 1.2 * value + 5))
    entry = next(e for e in memory["models"] if e["id"] == VL.split(":")[0])
    assert entry["evidence"]["artificial_analysis"]["coding_index"] == pytest.approx(1.2 * 12.4 + 5, abs=0.05)
    assert entry["rescaled"]["on"] == "2026-08-14" and entry["rescaled"]["points"] == 10
    assert entry["rescaled"]["from"] == 12.4 and entry["rescaled"]["slope"] == pytest.approx(1.2, abs=0.01)
    assert recall(memory, later)[VL].coding_index == pytest.approx(19.88, abs=0.05)
    glm = next(e for e in memory["models"] if e["id"] == "z-ai/glm-5.2")  # listed now: its new value, not rescaled
    assert "rescaled" not in glm
    again = remember(memory, revised(later, lambda value, _i: 1.2 * value + 5))  # the same listing once more
    assert again == memory  # nothing is rescaled twice


def test_run_to_run_noise_is_no_revision(listings):
    earlier, later = listings
    noisy = revised(later, lambda value, i: value + (2.0 if i % 2 else -2.0))  # within the index's own sd of 3
    memory = remember(remember(empty_memory(), earlier), noisy)
    entry = next(e for e in memory["models"] if e["id"] == VL.split(":")[0])
    assert entry["evidence"]["artificial_analysis"]["coding_index"] == 12.4 and "rescaled" not in entry
