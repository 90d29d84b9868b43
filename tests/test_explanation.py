"""modelpools.consumer.explanation: what `explain` says about a model or a role, as data and lines."""

from __future__ import annotations

from pathlib import Path

import pytest

from modelpools.consumer.explanation import explain_model, explain_role, resolve_id, role_name, tier_rule
from modelpools.consumer.pools_view import load_pools
from modelpools.errors import DataError
from modelpools.rules.matching import Match

SAMPLE = Path(__file__).resolve().parent / "data" / "pools-sample.json"


@pytest.fixture(scope="module")
def pools():
    return load_pools(SAMPLE)


def test_explanation_names_rank_tier_rule_and_sources(pools):
    report = explain_model(
        pools, "openai/gpt-oss-20b", Match("openai/gpt-oss-20b:free", None, "none", 0.0, note="checked")
    )
    assert report.data["id"] == "openai/gpt-oss-20b:free" and report.data["tier"] == "SMALL"
    assert report.data["why"] == f"rank 8 of 11 ranked; {tier_rule(pools)} -> SMALL"
    assert report.data["uncertainty"] == 2.91 and report.data["thinEvidence"] is False
    assert report.lines[-1] == "  note: checked" and report.data["matchReport"]["note"] == "checked"


def test_the_page_score_is_explained_with_its_web_evidence(pools):
    glm = explain_model(pools, "z-ai/glm-5.2:free")
    assert glm.data["pageScore"]["rankScore"] == 63.09
    assert (  # a file of an older version: its page score has no indirect part or scale recorded
        "  page score 65.9 ±2.8, page roles rank by 63.1; web Elo 1319 (models/website) -> 67.1 ±11.1, 6% of the "
        "weight; the coding estimate"
    ) in glm.lines
    gemma = explain_model(pools, "google/gemma-4-31b-it:free")
    assert any(line.endswith("no web Elo: the coding estimate stands in") for line in gemma.lines)


def test_unknown_id_suggests_close_ones(pools):
    assert resolve_id(pools, "openai/gpt-oss-20b") == "openai/gpt-oss-20b:free"
    with pytest.raises(DataError, match="did you mean openai/gpt-oss-20b:free"):
        explain_model(pools, "openai/gpt-oss-20:free")


def test_a_role_is_explained_with_its_rule_winner_and_runners_up(pools):
    assert role_name(pools, "page") == "pageModel" and role_name(pools, "openai/gpt-oss-20b:free") is None
    report = explain_role(pools, "smallTasksModel")
    assert report.data["model"] == "cohere/north-mini-code:free" and len(report.data["runnersUp"]) == 2
    assert report.lines[1].startswith("    rule: cheapest adequate model: fewest active parameters")
    assert "3B active" in report.lines[2] and "4B active" in report.lines[3]


def test_explain_says_plainly_when_no_benchmark_data_was_available(pools):
    from modelpools.consumer.pools_view import pools_from_document

    assert "  match: none - no LLM-Stats model matched this id" in explain_model(pools, "z-ai/glm-5.2:free").lines
    curated = dict(
        pools.document,
        provenance={
            **pools.document["provenance"],
            "benchmarks": {"source": "curated-only", "repo": None, "commit": None, "commitDate": None},
        },
    )
    lines = explain_model(pools_from_document(curated), "z-ai/glm-5.2:free").lines
    assert "  match: none - no LLM-Stats benchmark data was available for this build (curated scores only)" in lines
    assert not any("none -> none" in line for line in lines)
