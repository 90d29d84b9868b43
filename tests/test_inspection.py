"""modelpools.consumer.inspection: what `show` and `explain` say, as data and lines, without the command line."""

from __future__ import annotations

from pathlib import Path

import pytest

from modelpools.consumer.inspection import (
    explain_model,
    explain_role,
    pools_overview,
    provenance_line,
    resolve_id,
    role_name,
    tier_rule,
)
from modelpools.consumer.pools_view import load_pools
from modelpools.errors import DataError
from modelpools.rules.matching import Match

SAMPLE = Path(__file__).resolve().parent / "data" / "pools-sample.json"


@pytest.fixture(scope="module")
def pools():
    return load_pools(SAMPLE)


def test_overview_lists_every_tier_best_first(pools):
    report = pools_overview(pools)
    assert [t["name"] for t in report.data["tiers"]] == ["LARGE", "MEDIUM", "SMALL"]
    assert report.lines[1] == "LARGE (2)" and report.lines[3].endswith("z-ai/glm-5.2:free")
    header, row = report.lines[2], report.lines[3]
    assert header.split() == ["rank", "score", "±sd", "context", "id"]  # column headers above each tier's rows
    assert row.split() == ["1", "65.8", "±", "2.9", "256000", "z-ai/glm-5.2:free"]
    for column, value in (("rank", "1"), ("score", "65.8"), ("±sd", "2.9"), ("context", "256000")):
        assert header.index(column) + len(column) == row.index(value) + len(value), column  # right-aligned under it
    assert report.data["chosenDefaults"]["bulkModel"] == "z-ai/glm-5.2:free"


def test_provenance_is_one_line_with_dates_from_the_file_and_ages_from_the_meta_files(pools):
    day = 86400
    captured = 1787011200.0  # 2026-08-18 00:00 UTC
    snapshot = {
        "catalog": {"source": "bundled-snapshot", "url": None, "capturedAt": "2026-08-18"},
        "benchmarks": {"source": "curated-only", "repo": None, "commit": None, "commitDate": None},
    }
    assert provenance_line(snapshot, now=captured + 103 * day + 5) == (
        "catalog: bundled snapshot of 2026-08-18 (103 d old); benchmarks: none, curated scores only"
    )
    live = pools.document["provenance"]
    assert provenance_line(
        live, now=captured, catalog_refreshed=captured - 7200, benchmarks_refreshed=captured - 3 * day
    ) == (
        "catalog: live from https://openrouter.ai/api/v1/models, fetched 2 h ago; "
        "benchmarks: LLM-Stats commit 24a9ccf74023 of 2025-10-16, fetched 3 d ago"
    )
    assert provenance_line(live) == (
        "catalog: live from https://openrouter.ai/api/v1/models; "
        "benchmarks: LLM-Stats commit 24a9ccf74023 of 2025-10-16"
    )  # no clock: dates only
    assert pools_overview(pools, "catalog: x; benchmarks: y").lines[0] == "catalog: x; benchmarks: y"


def test_explanation_names_rank_tier_rule_and_sources(pools):
    report = explain_model(
        pools, "openai/gpt-oss-20b", Match("openai/gpt-oss-20b:free", None, "none", 0.0, note="checked")
    )
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
