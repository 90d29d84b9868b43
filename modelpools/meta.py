"""The refresh meta files of the network stages: how each one's last refresh went (read by the TTL checks).

    CatalogMeta       .cache/openrouter-models.meta.json   the catalog's last refresh
    BenchmarksMeta    .cache/llm-stats.meta.json           the benchmarks' last refresh

Apart from records.py because doit's up-to-date checks load them on every run: this module stays tiny, and its
records are NamedTuples (frozen and typed like the dataclasses in records.py, at a fraction of the cost to define;
``meta._replace(...)`` makes a changed copy). A missing or damaged meta file loads as the empty record: its stage
counts as stale.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any, NamedTuple, TypeVar

from modelpools.errors import DataError
from modelpools.io.files import read_json
from modelpools.jsonbytes import dump_json
from modelpools.shape import Shape

__all__ = ["BENCHMARK_SCORES_VERSION", "CATALOG_CACHE_VERSION", "BenchmarksMeta", "CatalogMeta"]

# The schemaVersion of the two network stages' outputs (records.CatalogCache, records.BenchmarkScores). Kept here, not
# in records.py with the other formats' numbers, because the up-to-date checks compare them on every run: each meta
# file records the version of the output it describes, and another version makes the stage run again (an upgrade).
CATALOG_CACHE_VERSION = 2  # 2: origin (live URL, or the bundled snapshot and its capture day)
BENCHMARK_SCORES_VERSION = 2  # 2: source.commitDate

_META_LIMIT = 1 << 20


M = TypeVar("M", "CatalogMeta", "BenchmarksMeta")


def _load_meta(cls: type[M], path: Path, what: str) -> M:
    """A meta record; the empty record when the file is missing or damaged (its stage then counts as stale)."""
    try:
        doc = read_json(path, what, _META_LIMIT)
    except DataError:
        return cls()
    try:
        return cls._from_json(doc, Shape(what, path, "delete it and rebuild"))
    except DataError:
        return cls()


def _failures(doc: dict, shape: Shape) -> tuple[int, float | None, int | None]:
    """failures, failedAt and cacheVersion, the fields both meta files end with."""
    failures = doc.get("failures", 0)
    if not isinstance(failures, int) or isinstance(failures, bool) or failures < 0:
        raise shape.fail("$.failures", f"is {failures!r}, expected a whole number")
    return failures, shape.optional(doc, "failedAt", int, float), shape.optional(doc, "cacheVersion", int)


class CatalogMeta(NamedTuple):
    """openrouter-models.meta.json: how the last catalog refresh went (epoch seconds; URLs in display form)."""

    source: str | None = None
    status: str | None = None  # ok | fallback | bundled
    refreshed_at: float | None = None  # the last successful fetch or 304
    attempted_at: float | None = None
    etag: str | None = None
    last_modified: str | None = None
    last_error: str | None = None
    include_non_text: bool = False
    failures: int = 0  # failed refreshes in a row (0 after a success); sets the retry interval
    failed_at: float | None = None  # the last failed refresh
    cache_version: int | None = None  # the schemaVersion of the cache file it describes
    cache_sha256: str | None = None  # of the cache file as last written: the validators belong to those bytes

    @classmethod
    def load(cls, path: Path) -> CatalogMeta:
        """The meta file, or CatalogMeta() (no refresh known) when it is missing or damaged."""
        return _load_meta(cls, path, "catalog meta file")

    @classmethod
    def _from_json(cls, doc: Any, shape: Shape) -> CatalogMeta:
        if not isinstance(doc, dict):
            raise shape.fail("$", "is not an object")
        include = doc.get("includeNonText", False)
        if not isinstance(include, bool):
            raise shape.fail("$.includeNonText", "is not true or false")
        return cls(
            shape.optional(doc, "source", str),
            shape.choice(doc, "status", ("ok", "fallback", "bundled")),
            shape.optional(doc, "refreshedAt", int, float),
            shape.optional(doc, "attemptedAt", int, float),
            shape.optional(doc, "etag", str),
            shape.optional(doc, "lastModified", str),
            shape.optional(doc, "lastError", str),
            include,
            *_failures(doc, shape),
            shape.optional(doc, "cacheSha256", str),
        )

    def dump(self) -> bytes:
        return dump_json(
            {
                "source": self.source,
                "status": self.status,
                "refreshedAt": self.refreshed_at,
                "attemptedAt": self.attempted_at,
                "etag": self.etag,
                "lastModified": self.last_modified,
                "lastError": self.last_error,
                "includeNonText": self.include_non_text,
                "failures": self.failures,
                "failedAt": self.failed_at,
                "cacheVersion": self.cache_version,
                "cacheSha256": self.cache_sha256,
            }
        )


class BenchmarksMeta(NamedTuple):
    """llm-stats.meta.json: how the last benchmarks refresh went (epoch seconds; the repo in display form)."""

    source: str | None = None
    ref: str = ""
    status: str | None = None  # ok | fallback | curated-only
    refreshed_at: float | None = None
    attempted_at: float | None = None
    commit: str | None = None  # the HEAD last fetched
    layout: str | None = None
    last_error: str | None = None
    unscored_code_benchmarks: tuple[str, ...] | None = None
    failures: int = 0  # failed refreshes in a row (0 after a success); sets the retry interval
    failed_at: float | None = None  # the last failed refresh
    cache_version: int | None = None  # the schemaVersion of the scores file it describes

    @classmethod
    def load(cls, path: Path) -> BenchmarksMeta:
        """The meta file, or BenchmarksMeta() (no refresh known) when it is missing or damaged."""
        return _load_meta(cls, path, "benchmarks meta file")

    @classmethod
    def _from_json(cls, doc: Any, shape: Shape) -> BenchmarksMeta:
        if not isinstance(doc, dict):
            raise shape.fail("$", "is not an object")
        unscored = shape.optional(doc, "unscoredCodeBenchmarks", list)
        if unscored is not None and not all(isinstance(b, str) for b in unscored):
            raise shape.fail("$.unscoredCodeBenchmarks", "is not a list of strings")
        return cls(
            shape.optional(doc, "source", str),
            shape.optional(doc, "ref", str) or "",
            shape.choice(doc, "status", ("ok", "fallback", "curated-only")),
            shape.optional(doc, "refreshedAt", int, float),
            shape.optional(doc, "attemptedAt", int, float),
            shape.optional(doc, "commit", str),
            shape.choice(doc, "layout", ("old", "new")),
            shape.optional(doc, "lastError", str),
            tuple(unscored) if unscored is not None else None,
            *_failures(doc, shape),
        )

    def dump(self) -> bytes:
        unscored = list(self.unscored_code_benchmarks) if self.unscored_code_benchmarks is not None else None
        return dump_json(
            {
                "source": self.source,
                "ref": self.ref,
                "status": self.status,
                "refreshedAt": self.refreshed_at,
                "attemptedAt": self.attempted_at,
                "commit": self.commit,
                "layout": self.layout,
                "lastError": self.last_error,
                "unscoredCodeBenchmarks": unscored,
                "failures": self.failures,
                "failedAt": self.failed_at,
                "cacheVersion": self.cache_version,
            }
        )
