"""When a stage's last refresh still counts as fresh: the TTL rules, read from the stages' meta files.

Imported by doit's up-to-date checks on every run, so it stays cheap: no stage code, no heavy library.
"""

from __future__ import annotations

import time
from pathlib import Path
from typing import Any

from modelpools.errors import DataError
from modelpools.io.files import read_json
from modelpools.io.log import display_url
from modelpools.rules.numbers import is_number

__all__ = ["read_meta", "catalog_is_fresh", "benchmarks_are_fresh", "CLOCK_SKEW"]

CLOCK_SKEW = 60  # seconds a refresh may seem to lie in the future (clock adjustments) and still count


def read_meta(path: Path, what: str) -> dict[str, Any]:
    """A stage's meta file as a dict; {} when it is missing or damaged (the stage then counts as stale)."""
    try:
        meta = read_json(path, what, max_bytes=1 << 20)
    except DataError:
        return {}
    return meta if isinstance(meta, dict) else {}


def _recent(meta: dict[str, Any], source: str, ttl: int, now: float) -> bool:
    refreshed = meta.get("refreshedAt")
    if meta.get("status") != "ok" or meta.get("source") != source:
        return False
    if not is_number(refreshed):
        return False
    return -CLOCK_SKEW <= now - refreshed < ttl


def catalog_is_fresh(settings, now: float | None = None) -> bool:
    """True when the last catalog refresh succeeded, for this URL and filter, less than catalog_ttl ago."""
    meta = read_meta(settings.catalog_meta_file, "catalog meta file")
    if meta.get("includeNonText", False) != settings.include_non_text or not settings.catalog_file.is_file():
        return False
    now = time.time() if now is None else now
    return _recent(meta, display_url(settings.openrouter_url), settings.catalog_ttl, now)


def benchmarks_are_fresh(settings, now: float | None = None) -> bool:
    """True when the last benchmarks refresh succeeded, for this repo and ref, less than benchmarks_ttl ago."""
    meta = read_meta(settings.benchmarks_meta_file, "benchmarks meta file")
    if meta.get("ref", "") != settings.benchmarks_ref or not settings.benchmark_scores_file.is_file():
        return False
    now = time.time() if now is None else now
    return _recent(meta, display_url(settings.benchmarks_repo), settings.benchmarks_ttl, now)
