"""When a network stage is up to date: its last refresh is fresh (TTL), a failed refresh is backing off, or offline.

    catalog_is_fresh / benchmarks_are_fresh        the last refresh succeeded, for these settings, within the TTL
    catalog_up_to_date / benchmarks_up_to_date     doit's check: fresh, or backing off after failures, or offline
                                                   with a cache in place
    retry_interval(...)                            pure: how long a stage waits after its n-th failure in a row

After a failed refresh (the stage fell back to its cache, the bundled snapshot or curated scores) the stage is not
retried on every build: it waits ``retry_after`` (default 1 h), doubling after each further failure, never longer
than its TTL. ``doit forget catalog benchmarks`` retries at once. Strict mode never backs off: a failure fails
every build until fixed.

Imported by doit's up-to-date checks on every run, so it stays cheap: no stage code, no heavy library.
"""

from __future__ import annotations

import time
from pathlib import Path
from typing import Any

from modelpools.io.log import redact
from modelpools.meta import BENCHMARK_SCORES_VERSION, CATALOG_CACHE_VERSION, BenchmarksMeta, CatalogMeta
from modelpools.slices import BenchmarkSettings, CatalogSettings

__all__ = [
    "CLOCK_SKEW",
    "benchmarks_are_fresh",
    "benchmarks_up_to_date",
    "catalog_is_fresh",
    "catalog_up_to_date",
    "next_retry",
    "retry_interval",
]

CLOCK_SKEW = 60  # seconds a refresh may seem to lie in the future (clock adjustments) and still count


def retry_interval(failures: int, retry_after: int, ttl: int) -> float:
    """Seconds a stage waits after its ``failures``-th failure in a row: retry_after x 2^(failures-1), at most ttl."""
    if failures <= 0:
        return 0.0
    return float(min(ttl, retry_after * 2 ** min(failures - 1, 32)))


def next_retry(meta: CatalogMeta | BenchmarksMeta, retry_after: int, ttl: int) -> float | None:
    """When a stage backing off after failures retries (epoch seconds); None when it is not backing off."""
    if meta.failures <= 0 or meta.failed_at is None or meta.status == "ok":
        return None
    return meta.failed_at + retry_interval(meta.failures, retry_after, ttl)


def _within(since: float | None, span: float, now: float) -> bool:
    return since is not None and -CLOCK_SKEW <= now - since < span


def _fresh(meta: CatalogMeta | BenchmarksMeta, expected_source: str, ttl: int, now: float) -> bool:
    return meta.status == "ok" and meta.source == expected_source and _within(meta.refreshed_at, ttl, now)


def _backing_off(
    meta: CatalogMeta | BenchmarksMeta, expected_source: str, retry_after: int, ttl: int, strict: bool, now: float
) -> bool:
    if strict or meta.source != expected_source or next_retry(meta, retry_after, ttl) is None:
        return False
    return _within(meta.failed_at, retry_interval(meta.failures, retry_after, ttl), now)


def catalog_is_fresh(settings: CatalogSettings, now: float | None = None) -> bool:
    """True when the last catalog refresh succeeded, for this URL and filter, less than catalog_ttl ago."""
    meta = CatalogMeta.load(settings.files.catalog_meta_file)
    if meta.include_non_text != settings.include_non_text or not settings.files.catalog_file.is_file():
        return False
    now = time.time() if now is None else now
    return _fresh(meta, redact(settings.openrouter_url), settings.catalog_ttl, now)


def catalog_up_to_date(settings: CatalogSettings, now: float | None = None) -> bool:
    """True when the catalog stage has nothing to do: fresh, backing off after a failure, or offline with a cache."""
    meta = CatalogMeta.load(settings.files.catalog_meta_file)
    return _up_to_date(
        settings,
        settings.files.catalog_file,
        meta,
        settings.openrouter_url,
        settings.catalog_ttl,
        meta.include_non_text == settings.include_non_text and meta.cache_version == CATALOG_CACHE_VERSION,
        now,
    )


def benchmarks_are_fresh(settings: BenchmarkSettings, now: float | None = None) -> bool:
    """True when the last benchmarks refresh succeeded, for this repo and ref, less than benchmarks_ttl ago."""
    meta = BenchmarksMeta.load(settings.files.benchmarks_meta_file)
    if meta.ref != settings.benchmarks_ref or not settings.files.benchmark_scores_file.is_file():
        return False
    now = time.time() if now is None else now
    return _fresh(meta, redact(settings.benchmarks_repo), settings.benchmarks_ttl, now)


def benchmarks_up_to_date(settings: BenchmarkSettings, now: float | None = None) -> bool:
    """True when the benchmarks stage has nothing to do: fresh, backing off after a failure, or offline with scores."""
    meta = BenchmarksMeta.load(settings.files.benchmarks_meta_file)
    return _up_to_date(
        settings,
        settings.files.benchmark_scores_file,
        meta,
        settings.benchmarks_repo,
        settings.benchmarks_ttl,
        meta.ref == settings.benchmarks_ref and meta.cache_version == BENCHMARK_SCORES_VERSION,
        now,
    )


def _up_to_date(
    settings: CatalogSettings | BenchmarkSettings,
    output: Path,
    meta: Any,
    source_url: str,
    ttl: int,
    same_options: bool,
    now: float | None,
) -> bool:
    if not output.is_file():
        return False
    if not same_options:  # another filter or ref, or an output written in another format (an upgrade)
        return False
    if settings.offline:  # a cache is in place and the user asked for no network: nothing to do, nothing to say
        return True
    now = time.time() if now is None else now
    source = redact(source_url)
    return _fresh(meta, source, ttl, now) or _backing_off(meta, source, settings.retry_after, ttl, settings.strict, now)
