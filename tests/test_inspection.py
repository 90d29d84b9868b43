"""modelpools.consumer.inspection: what `show` and `explain` say, as data and lines, without the command line."""

from __future__ import annotations

from pathlib import Path

import pytest

from modelpools.consumer.inspection import explain_model, explain_role, pools_overview, resolve_id, role_name, tier_rule
from modelpools.consumer.pools_view import load_pools
from modelpools.errors import DataError

SAMPLE = Path(__file__).resolve().parent / "data" / "pools-sample.json"


@pytest.fixture(scope="module")
def pools():
    return load_pools(SAMPLE)


def test_overview_lists_every_tier_best_first(pools):
    report = pools_overview(pools)
    assert [t["name"] for t in report.data["tiers"]] == ["LARGE", "MEDIUM", "SMALL"]
    assert report.lines[1] == "LARGE (2)" and report.lines[2].endswith("z-ai/glm-5.2:free")
    assert report.data["chosenDefaults"]["bulkModel"] == "z-ai/glm-5.2:free"


def test_explanation_names_rank_tier_rule_and_sources(pools):
    report = explain_model(pools, "openai/gpt-oss-20b", {"id": "openai/gpt-oss-20b:free", "note": "checked"})
    assert report.data["id"] == "openai/gpt-oss-20b:free" and report.data["tier"] == "SMALL"
    assert report.data["why"] == f"rank 8 of 11 ranked; {tier_rule(pools)} -> SMALL"
    assert report.data["uncertainty"] == 2.91 and report.data["thinEvidence"] is False
    assert report.lines[-1] == "  note: checked" and report.data["matchReport"]["note"] == "checked"


def test_unknown_id_suggests_close_ones(pools):
    assert resolve_id(pools, "openai/gpt-oss-20b") == "openai/gpt-oss-20b:free"
    with pytest.raises(DataError, match="did you mean openai/gpt-oss-20b:free"):
        explain_model(pools, "openai/gpt-oss-20:free")


def test_a_role_is_explained_with_its_rule_winner_and_runners_up(pools):
    assert role_name(pools, "page") == "pageModel" and role_name(pools, "openai/gpt-oss-20b:free") is None
    report = explain_role(pools, "smallTasksModel")
    assert report.data["model"] == "google/gemma-4-26b-a4b-it:free" and len(report.data["runnersUp"]) == 2
    assert report.lines[1].startswith("    rule: cheapest adequate model: fewest active parameters")
    assert "4B active" in report.lines[2] and "12B active" in report.lines[3]
