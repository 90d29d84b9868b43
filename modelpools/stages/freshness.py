"""When a stage's last refresh still counts as fresh: the TTL rules, read from the stages' meta records.

Imported by doit's up-to-date checks on every run, so it stays cheap: no stage code, no heavy library.
"""

from __future__ import annotations

import time
from typing import Optional

from modelpools.io.log import display_url
from modelpools.meta import BenchmarksMeta, CatalogMeta
from modelpools.settings import BenchmarkSettings, CatalogSettings

__all__ = ["catalog_is_fresh", "benchmarks_are_fresh", "CLOCK_SKEW"]

CLOCK_SKEW = 60  # seconds a refresh may seem to lie in the future (clock adjustments) and still count


def _recent(status: Optional[str], source: Optional[str], refreshed: Optional[float], expected_source: str, ttl: int,
            now: float) -> bool:
    if status != "ok" or source != expected_source or refreshed is None:
        return False
    return -CLOCK_SKEW <= now - refreshed < ttl


def catalog_is_fresh(settings: CatalogSettings, now: float | None = None) -> bool:
    """True when the last catalog refresh succeeded, for this URL and filter, less than catalog_ttl ago."""
    meta = CatalogMeta.load(settings.files.catalog_meta_file)
    if meta.include_non_text != settings.include_non_text or not settings.files.catalog_file.is_file():
        return False
    now = time.time() if now is None else now
    return _recent(meta.status, meta.source, meta.refreshed_at, display_url(settings.openrouter_url),
                   settings.catalog_ttl, now)


def benchmarks_are_fresh(settings: BenchmarkSettings, now: float | None = None) -> bool:
    """True when the last benchmarks refresh succeeded, for this repo and ref, less than benchmarks_ttl ago."""
    meta = BenchmarksMeta.load(settings.files.benchmarks_meta_file)
    if meta.ref != settings.benchmarks_ref or not settings.files.benchmark_scores_file.is_file():
        return False
    now = time.time() if now is None else now
    return _recent(meta.status, meta.source, meta.refreshed_at, display_url(settings.benchmarks_repo),
                   settings.benchmarks_ttl, now)
