"""modelpools.consumer.overview: what `show` says (the tiers, the provenance line), as data and lines."""

from __future__ import annotations

from itertools import pairwise
from pathlib import Path

import pytest

from modelpools.consumer.overview import pools_overview, provenance_line
from modelpools.consumer.pools_view import load_pools

SAMPLE = Path(__file__).resolve().parent / "data" / "pools-sample.json"


@pytest.fixture(scope="module")
def pools():
    return load_pools(SAMPLE)


def test_overview_lists_every_tier_best_first(pools):
    report = pools_overview(pools)
    assert [t["name"] for t in report.data["tiers"]] == ["LARGE", "MEDIUM", "SMALL"]
    assert report.lines[1] == (  # what the order is, once, above the tiers
        "ordered by score = estimate - sd (the conservative score), best first; ties: longer context first"
    )
    assert report.lines[2] == "LARGE (2)" and report.lines[4].endswith("z-ai/glm-5.2:free")
    header, row = report.lines[3], report.lines[4]
    assert header.split() == ["rank", "score", "estimate", "±sd", "context", "id"]  # column headers above the rows
    assert row.split() == ["1", "62.9", "65.8", "±", "2.9", "256000", "z-ai/glm-5.2:free"]
    at = 0
    for column, value in (
        ("rank", "1"),
        ("score", "62.9"),
        ("estimate", "65.8"),
        ("±sd", "2.9"),
        ("context", "256000"),
    ):
        at = row.index(value, at) + len(value)
        assert header.index(column) + len(column) == at, column  # right-aligned under it
    assert report.data["chosenDefaults"]["bulkModel"] == "z-ai/glm-5.2:free"


def test_the_shown_scores_never_rise_down_the_list(pools):
    """The score column is the number the ranking sorts by, so it falls (or stays) from row to row across tiers,
    while the estimate beside it may rise (rank 9 is one self-reported result with a wide spread)."""
    rows = [row for tier in pools_overview(pools).data["tiers"] for row in tier["models"]]
    scores = [row["codingScore"] for row in rows]
    assert scores == sorted(scores, reverse=True) and len(scores) == 11
    assert any(a["estimate"] < b["estimate"] for a, b in pairwise(rows))


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
