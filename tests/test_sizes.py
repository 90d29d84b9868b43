"""rules/sizes.py and records.Architectures: total and active parameters from evidence (the architecture table, the
id's tags, the catalog description), and the small-tasks role that reads them."""

from __future__ import annotations

import json
import sys
from pathlib import Path

import pytest

from modelpools.errors import DataError
from modelpools.records import Architectures
from modelpools.resources import PACKAGE_ARCHITECTURES
from modelpools.rules.ranking import assign_tiers
from modelpools.rules.rolechoice import Candidate, choose_roles
from modelpools.rules.sizes import ModelSize, described_sizes, model_size
from modelpools.stages.pools import read_architectures

ROOT = Path(__file__).resolve().parents[1]
EXCERPT = ROOT / "tests" / "data" / "openrouter" / "models-2026-04-30.json"
SHIPPED = Architectures.load(PACKAGE_ARCHITECTURES).models


def catalog_entry(model_id: str) -> dict:
    return next(m for m in json.loads(EXCERPT.read_text(encoding="utf-8"))["data"] if m["id"] == model_id)


def test_gpt_oss_120b_counts_about_5b_active():
    gpt = catalog_entry("openai/gpt-oss-120b:free")
    assert model_size({"id": gpt["id"]}) == ModelSize(120.0, 120.0, "dense")  # the id alone would say 120B ...
    assert (model_size(gpt, table=SHIPPED).active, model_size(gpt, table=SHIPPED).total) == (5.1, 117.0)
    assert model_size(gpt, table=SHIPPED).source == "table: https://huggingface.co/openai/gpt-oss-120b"
    # ... and without the table, its catalog description says so too: "activates 5.1B parameters per forward pass"
    assert (model_size(gpt).active, model_size(gpt).source) == (5.1, "description")


@pytest.mark.parametrize(
    "text, sizes",
    [
        (
            "gpt-oss-120b is an open-weight, 117B-parameter Mixture-of-Experts (MoE) language model ... It activates "
            "5.1B parameters per forward pass",
            (117.0, 5.1, True),
        ),
        ("DeepSeek-V3.1 is a large hybrid reasoning model (671B parameters, 37B active)", (671.0, 37.0, True)),
        ("It's 671B parameters in size, with 37B active in an inference pass", (671.0, 37.0, True)),
        ("featuring 1 trillion total parameters with 32 billion active per forward pass", (1000.0, 32.0, True)),
        ("with 30 billion total parameters activating only 3 billion per token", (30.0, 3.0, True)),
        ("DeepSeek V3, a 685B-parameter, mixture-of-experts model", (685.0, None, True)),  # MoE, active not stated
        (
            "it adopts the Mixture-of-Experts (MoE) architecture but with a more compact parameter size",
            (None, None, True),
        ),
        ("Gemma 3 introduces multimodality, supporting vision-language input", (None, None, False)),
        ("128 experts (8 activated per task)", (None, None, False)),  # a count of experts, no size
    ],
)
def test_descriptions_state_total_and_active_sizes(text, sizes):
    assert described_sizes(text) == sizes


def test_an_id_tag_wins_over_the_description_and_a_plain_size_is_dense():
    assert model_size({"id": "qwen/qwen3-235b-a22b:free", "description": "activating 20B"}).active == 22.0
    assert model_size({"id": "qwen/qwen3-32b:free"}).active == 32.0
    assert model_size({"id": "qwen/qwen3-32b:free"}).source == "dense"
    # a mixture of experts whose active share nobody states is unknown, not its total
    moe = model_size({"id": "acme/big:free", "description": "a 400B-parameter mixture-of-experts model"})
    assert (moe.total, moe.active, moe.source) == (400.0, None, None)


def small_choice(sizes: dict[str, float | None]):
    ids = list(sizes)
    tiers = assign_tiers(ids)
    tier_of = {mid: name for name, members in tiers.items() for mid in members}
    ranked = [
        Candidate(mid, tier_of[mid], 90.0 - i, 90.0 - i, active_parameters=sizes[mid]) for i, mid in enumerate(ids)
    ]
    return choose_roles(ranked, page_model_other_vendor=False)[2]


def test_an_unknown_active_size_never_wins_small_tasks():
    # ten ranked models: ranks 3-5 are MEDIUM (the small-tasks tier), and the unknown-size one scores best there
    known = {"m/3:free": None, "m/4:free": 24.0, "m/5:free": 70.0}
    small = small_choice({"a/1:free": 30.0, "b/2:free": 30.0, **known, **{f"s/{i}:free": 1.0 for i in range(6, 11)}})
    assert small.model == "m/4:free"  # 24B known beats the better-scored unknown
    gate = next(g for g in small.gates if g.gate == "knownSize")
    assert gate.result == "passed"  # the unknown one sorts last in the order anyway; the gate makes it a rule
    assert "active parameters known" in small.rule_text
    # an unknown size loses even to a known one of the next tier: the size gate comes before the tier gate
    unknown = {"m/3:free": None, "m/4:free": None, "m/5:free": None}
    ranked = {"a/1:free": 30.0, "b/2:free": 30.0, **unknown, **{f"s/{i}:free": float(i) for i in range(6, 11)}}
    assert small_choice(ranked).model == "s/6:free"
    nobody = small_choice({**ranked, **{f"s/{i}:free": None for i in range(6, 11)}})
    assert nobody.model == "m/3:free"  # no candidate's size is known: the gate gives way, and says so
    assert "no candidate's active size is known; smallTasksModel goes to the lowest tier's best-scored" in nobody.notes


def test_the_site_table_is_merged_over_the_shipped_one(tmp_path):
    site = tmp_path / "sizes.json"
    site.write_text(
        json.dumps({"models": {"openai/gpt-oss-120b": {"totalBillions": 120, "activeBillions": 6, "source": "own"}}})
    )
    from modelpools.settings import Settings
    from modelpools.slices import PoolsSettings

    settings = PoolsSettings.of(Settings(project_dir=tmp_path, architectures_file="sizes.json"))
    merged = read_architectures(settings).models
    assert merged["openai/gpt-oss-120b"].active == 6.0 and merged["moonshotai/kimi-k2"].active == 32.0
    assert all(entry.source.startswith("https://") for entry in SHIPPED.values())  # every shipped number sourced


@pytest.mark.parametrize(
    "models, message",
    [
        ({"acme/x": {"totalBillions": 10, "activeBillions": 20, "source": "u"}}, 'needs "totalBillions" >='),
        ({"acme/x": {"totalBillions": 10, "activeBillions": 2}}, 'a "source"'),
        ({"acme/x:free": {"totalBillions": 10, "activeBillions": 2, "source": "u"}}, "is not an OpenRouter base id"),
    ],
)
def test_a_bad_table_entry_is_a_one_line_data_error(tmp_path, models, message):
    path = tmp_path / "sizes.json"
    path.write_text(json.dumps({"schemaVersion": 1, "models": models}))
    with pytest.raises(DataError, match=message):
        Architectures.load(path)


def test_every_real_listing_gives_small_tasks_to_the_fewest_known_active_parameters(shared_data):
    """On every real listing the small-tasks default has a known active size, and no candidate of the small-tasks
    tier or above (MEDIUM, LARGE) that passed the same gates has fewer. 2025-08-31: gpt-oss-120b (5.1B active)
    instead of qwq-32b (32B dense), which won while the id made gpt-oss 120B. 2025-12-04: qwen3-235b-a22b on
    evidence, 22B active against gemma-3-27b's 27B dense (gpt-oss-120b is not listed that day); the 17 provisional
    models counted in the tier cut make it LARGE, which the tier gate ("MEDIUM or above") no longer holds against it."""
    sys.path.insert(0, str(ROOT / "benchmarks"))
    import bench_trust

    small = {}
    for dump in sorted((shared_data / "openrouter").glob("models-*.json")):
        doc = bench_trust.pools_document(dump, shared_data)
        chosen = doc["chosenDefaults"]["smallTasksModel"]
        entry = next(m for m in doc["models"] if m["id"] == chosen)
        assert entry["parameters"]["active"] is not None, dump.name
        taken = set(doc["chosenDefaults"].values()) - {chosen}
        rivals = [
            m
            for m in doc["models"]
            if m["tier"] in ("LARGE", "MEDIUM")
            and m["id"] not in taken
            and not m["thinEvidence"]
            and not m["deprecated"]
        ]
        fewest = min(m["parameters"]["active"] for m in rivals if m["parameters"]["active"] is not None)
        assert entry["parameters"]["active"] == fewest, dump.name
        small[dump.stem[7:]] = (chosen, entry["parameters"]["active"])
    assert small["2025-08-31"] == ("openai/gpt-oss-120b:free", 5.1)
    assert small["2025-12-04"] == ("qwen/qwen3-235b-a22b:free", 22.0)
    assert small["2026-08-18"] == ("cohere/north-mini-code:free", 3.0)  # "30B total parameters and 3B active"
