"""What ``modelpools show`` says about a pools file, as JSON data and as text lines: the role defaults, each tier
best first with its scores, the unranked and excluded ids, and a line on where the data came from and how old it is.

``Report`` is the answer in both forms (``modelpools explain`` answers with it too, see
``modelpools.consumer.explanation``).

>>> from pathlib import Path
>>> from modelpools.consumer.pools_view import load_pools
>>> pools = load_pools(Path("tests/data/pools-sample.json"))
>>> pools_overview(pools).lines[1]
'ordered by score = estimate - sd (the conservative score), best first; ties: longer context first'
>>> pools_overview(pools).lines[2]
'LARGE (2)'
>>> provenance_line({"catalog": {"source": "bundled-snapshot", "capturedAt": "2026-08-18"}})
'catalog: bundled snapshot of 2026-08-18; benchmarks: none, curated scores only'
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from modelpools.consumer.pools_view import Pools
from modelpools.rules.days import parse_day

__all__ = [
    "Report",
    "pools_overview",
    "model_entries",
    "provenance_line",
    "site_provenance_line",
]


@dataclass(frozen=True)
class Report:
    """One answer in both forms: ``data`` for ``--json``, ``lines`` for a terminal."""

    data: Mapping[str, Any]
    lines: tuple[str, ...]


def _score(value: Any) -> str:
    return f"{value:5.1f}" if isinstance(value, (int, float)) else "    -"


def _sd(value: Any) -> str:
    return f"{value:4.1f}" if isinstance(value, (int, float)) else "   -"


def model_entries(pools: Pools) -> dict[str, Mapping[str, Any]]:
    """The pools file's model entries by id (the fields a version-2 file adds: uncertainty, evidence, ...)."""
    return {m["id"]: m for m in pools.document.get("models") or () if isinstance(m, Mapping) and "id" in m}


# What `show` says the models are ordered by (the pools file's codingScore; docs/scoring.md).
ORDERED_BY = "ordered by score = estimate - sd (the conservative score), best first; ties: longer context first"


def pools_overview(pools: Pools, provenance: str | None = None) -> Report:
    """The provenance line (when given), role defaults, what the models are ordered by, then each tier best first
    under column headers (rank, the score they are ranked by, the estimate and its uncertainty, context length, id),
    then the unranked and excluded ids."""
    by_id = {m.id: m for m in pools.models}
    entries = model_entries(pools)
    lines = [provenance] if provenance else []
    lines.append("role defaults: " + ", ".join(f"{k}={v or 'none'}" for k, v in pools.defaults))
    lines.append(ORDERED_BY)
    tiers = []
    for name, ids in pools.tiers:
        lines.append(f"{name} ({len(ids)})")
        if ids:
            lines.append(f"  {'rank':>4}  {'score':>5}  {'estimate':>8} {'±sd':>5}  {'context':>8}  id")
        rows = []
        for model_id in ids:
            m = by_id[model_id]
            ctx = f"{m.context_length:>8}" if isinstance(m.context_length, int) else "       -"
            entry = entries.get(m.id, {})
            marks = "".join(
                f"  [{mark}]"
                for mark, on in (
                    ("deprecated", entry.get("deprecated")),
                    ("provisional", entry.get("provisional")),
                    ("thin evidence", entry.get("thinEvidence") and not entry.get("provisional")),
                )
                if on
            )
            lines.append(
                f"  {m.rank:>4}  {_score(m.coding_score)}  {_score(m.estimate):>8} ±{_sd(entry.get('uncertainty'))}"
                f"  {ctx}  {m.id}{marks}"
            )
            rows.append(
                {
                    "id": m.id,
                    "name": m.name,
                    "rank": m.rank,
                    "codingScore": m.coding_score,
                    "estimate": m.estimate,
                    "uncertainty": entry.get("uncertainty"),
                    "deprecated": entry.get("deprecated"),
                    "thinEvidence": entry.get("thinEvidence"),
                    "contextLength": m.context_length,
                    **({"provisional": entry["provisional"]} if entry.get("provisional") else {}),
                }
            )
        tiers.append({"name": name, "models": rows})
    lines.append(f"unranked ({len(pools.unranked)}): " + (", ".join(u.id for u in pools.unranked) or "none"))
    excluded = list(pools.document.get("excluded") or ())
    if excluded:
        lines.append(f"excluded ({len(excluded)}, not for code): " + ", ".join(e["id"] for e in excluded))
    data = {
        "chosenDefaults": dict(pools.defaults),
        "orderedBy": ORDERED_BY,
        "tiers": tiers,
        "unranked": [{"id": u.id, "reason": u.reason} for u in pools.unranked],
        "excluded": excluded,
        "summary": pools.document.get("summary"),
        "provenance": pools.document.get("provenance"),
        "provenanceLine": provenance,
    }
    return Report(data, tuple(lines))


def provenance_line(
    provenance: Mapping[str, Any],
    now: float | None = None,
    catalog_refreshed: float | None = None,
    benchmarks_refreshed: float | None = None,
) -> str:
    """One line on where the pools' data came from and how old it is, e.g. ``catalog: bundled snapshot of 2026-08-18
    (103 d old); benchmarks: none, curated scores only``.

    provenance is the pools file's ``provenance`` object; the ages need ``now`` and, for a live catalog and LLM-Stats
    data, when they were last fetched (``refreshedAt`` of the meta files); without them the line gives dates only.
    """
    from modelpools.io.log import describe_duration

    def ago(since: float | None, word: str) -> str:
        return f", {word} {describe_duration(now - since)} ago" if now is not None and since is not None else ""

    if not provenance:
        return "provenance: not recorded (a pools file from before schemaVersion 3); rebuild it with `doit pools`"
    catalog, benchmarks = provenance.get("catalog") or {}, provenance.get("benchmarks") or {}
    if catalog.get("source") == "bundled-snapshot":
        captured = catalog.get("capturedAt")
        day = parse_day(captured)
        age = f" ({describe_duration(now - day)} old)" if now is not None and day is not None else ""
        catalog_text = f"bundled snapshot of {captured}{age}"
    else:
        catalog_text = f"live from {catalog.get('url')}{ago(catalog_refreshed, 'fetched')}"
    if benchmarks.get("source") == "llm-stats":
        of_day = f" of {benchmarks['commitDate']}" if benchmarks.get("commitDate") else ""
        bench_text = (
            f"LLM-Stats commit {str(benchmarks.get('commit'))[:12]}{of_day}{ago(benchmarks_refreshed, 'fetched')}"
        )
    else:
        bench_text = "none, curated scores only"
    return f"catalog: {catalog_text}; benchmarks: {bench_text}"


def site_provenance_line(pools: Pools, files: Any, now: float) -> str:
    """provenance_line for a site's pools file, with the ages from its meta files (files: settings.CacheFiles)."""
    from modelpools.meta import BenchmarksMeta, CatalogMeta

    catalog = CatalogMeta.load(files.catalog_meta_file)
    benchmarks = BenchmarksMeta.load(files.benchmarks_meta_file)
    return provenance_line(pools.document.get("provenance") or {}, now, catalog.refreshed_at, benchmarks.refreshed_at)
