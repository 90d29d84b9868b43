"""Every file format of modelpools as a small frozen record: one ``load(path)`` that checks the shape, one ``dump()``.

    CatalogCache      .cache/openrouter-models.json        free models and referenceScores
    CatalogSnapshot   data/openrouter-snapshot.json        the cache form plus capturedAt and source
    CatalogMeta       .cache/openrouter-models.meta.json   the catalog's last refresh (read by the TTL check)
    BenchmarkScores   .cache/benchmark-scores.json         LLM-Stats models with their coding scores
    BenchmarksMeta    .cache/llm-stats.meta.json           the benchmarks' last refresh (read by the TTL check)
    Overrides         data/model-id-overrides.json         OpenRouter id -> benchmark id pins (and the user's file)
    MatchReport       .cache/model-matches.json            one match per free model, plus calibration matches
    PoolsDocument     .cache/model-pools.json              the consumer contract (schemas/model-pools.schema.json)
    ChangeReport      .cache/model-pools-changes.json      what changed since the previous pools file

``load`` raises DataError "<what> at <path>: <JSON path> <problem>; <what to do>" (PoolsDocument: PoolsInvalid,
with the JSON path); ``dump`` gives the canonical bytes (io.files.dump_json: sorted keys, 2-space indent).
Each file carries ``schemaVersion``: a format change bumps it, and a file of another version is not read (its stage
rebuilds it). The curated scores file has its own JSON Schema and loader (rules.scoring.load_curated_scores).
Imports stay light (errors, io.files): the TTL checks load meta records on every doit run.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, ClassVar, Collection, Mapping, Optional

from modelpools.errors import DataError
from modelpools.io.files import DEFAULT_READ_LIMIT, dump_json, read_json

__all__ = [
    "SCHEMA_VERSION",
    "BenchmarkScores",
    "BenchmarksMeta",
    "CatalogCache",
    "CatalogMeta",
    "CatalogSnapshot",
    "ChangeReport",
    "MatchReport",
    "Overrides",
    "PoolsDocument",
]

SCHEMA_VERSION = 1
_REBUILD = "delete it and rebuild"
_META_LIMIT = 1 << 20
_KINDS = {"list": list, "object": dict, "string": str}


class _Shape:
    """Shape checks for one file: each failure is a DataError naming the file, the JSON path and what to do."""

    def __init__(self, what: str, path: Path | str, advice: str) -> None:
        self.what, self.path, self.advice = what, path, advice

    def fail(self, where: str, problem: str) -> DataError:
        return DataError(f"{self.what} at {self.path}: {where} {problem}; {self.advice}")

    def document(self, doc: Any, version: int | None = SCHEMA_VERSION) -> dict[str, Any]:
        """doc as an object of this schemaVersion (None: the caller checks the version itself)."""
        if not isinstance(doc, dict):
            raise self.fail("$", f"is a {type(doc).__name__}, not an object")
        if version is not None and doc.get("schemaVersion") != version:
            raise self.fail("$.schemaVersion", f"is {doc.get('schemaVersion')!r}, expected {version}")
        return doc

    def get(self, doc: Mapping[str, Any], key: str, kind: str, where: str = "$") -> Any:
        if key not in doc:
            raise self.fail(where, f"has no '{key}' {kind}")
        value = doc[key]
        if not isinstance(value, _KINDS[kind]):
            raise self.fail(f"{where}.{key}", f"is not a{'n' * (kind[0] == 'o')} {kind}")
        return value

    def entries(self, doc: Mapping[str, Any], key: str, where: str = "$") -> tuple[dict[str, Any], ...]:
        """doc[key]: a list of objects, each with a string id."""
        items = self.get(doc, key, "list", where)
        for i, item in enumerate(items):
            if not isinstance(item, dict) or not isinstance(item.get("id"), str):
                raise self.fail(f"{where}.{key}[{i}]", "is not an object with a string 'id'")
        return tuple(items)

    def optional(self, doc: Mapping[str, Any], key: str, *types: type, where: str = "$") -> Any:
        """doc[key] when it is None or of one of types (a missing key is None); bools are no numbers."""
        value = doc.get(key)
        if value is None or (isinstance(value, types) and not (isinstance(value, bool) and bool not in types)):
            return value
        raise self.fail(f"{where}.{key}", f"is {value!r}, expected {' or '.join(t.__name__ for t in types)} or null")

    def choice(self, doc: Mapping[str, Any], key: str, allowed: Collection[str], where: str = "$") -> Optional[str]:
        value = doc.get(key)
        if value is not None and value not in allowed:
            raise self.fail(f"{where}.{key}", f"is {value!r}, expected one of {', '.join(sorted(allowed))}")
        return value


# ---------------------------------------------------------------- the catalog


@dataclass(frozen=True)
class CatalogCache:
    """openrouter-models.json: the free models (freemodels.normalize_model records, by id) and referenceScores."""

    models: tuple[dict[str, Any], ...]
    reference_scores: tuple[dict[str, Any], ...] = ()
    WHAT: ClassVar[str] = "OpenRouter catalog cache"

    @classmethod
    def load(cls, path: Path, max_bytes: int = DEFAULT_READ_LIMIT, advice: str = _REBUILD) -> CatalogCache:
        shape = _Shape(cls.WHAT, path, advice)
        return cls._from_json(read_json(path, cls.WHAT, max_bytes, f"; {advice}"), shape)

    @classmethod
    def _from_json(cls, doc: Any, shape: _Shape) -> CatalogCache:
        doc = shape.document(doc, version=None)
        models, reference = shape.entries(doc, "models"), shape.entries(doc, "referenceScores")
        shape.document(doc)
        return cls(models, reference)

    @property
    def ids(self) -> set[str]:
        return {m["id"] for m in self.models}

    def to_json(self) -> dict[str, Any]:
        return {"schemaVersion": SCHEMA_VERSION, "models": list(self.models),
                "referenceScores": list(self.reference_scores)}

    def dump(self) -> bytes:
        return dump_json(self.to_json())


@dataclass(frozen=True)
class CatalogSnapshot:
    """The bundled catalog snapshot: a CatalogCache with the day it was captured and where from."""

    cache: CatalogCache
    captured_at: str
    source: str
    WHAT: ClassVar[str] = "bundled catalog snapshot"

    @classmethod
    def load(cls, path: Path) -> CatalogSnapshot:
        shape = _Shape(cls.WHAT, path, "reinstall modelpools")
        doc = shape.document(read_json(path, cls.WHAT, advice="; reinstall modelpools"))
        captured = shape.get(doc, "capturedAt", "string")
        if not re.match(r"^\d{4}-\d{2}-\d{2}$", captured):
            raise shape.fail("$.capturedAt", f"is {captured!r}, expected YYYY-MM-DD")
        return cls(CatalogCache._from_json(doc, shape), captured, shape.get(doc, "source", "string"))

    def dump(self) -> bytes:
        return dump_json({**self.cache.to_json(), "capturedAt": self.captured_at, "source": self.source})


def _number(value: Any) -> bool:
    return isinstance(value, (int, float)) and not isinstance(value, bool)


def _load_meta(cls: Any, path: Path, what: str) -> Any:
    """A meta record; the empty record when the file is missing or damaged (its stage then counts as stale)."""
    try:
        doc = read_json(path, what, _META_LIMIT)
    except DataError:
        return cls()
    try:
        return cls._from_json(doc, _Shape(what, path, _REBUILD))
    except DataError:
        return cls()


@dataclass(frozen=True)
class CatalogMeta:
    """openrouter-models.meta.json: how the last catalog refresh went (epoch seconds; URLs in display form)."""

    source: Optional[str] = None
    status: Optional[str] = None  # ok | fallback | bundled
    refreshed_at: Optional[float] = None  # the last successful fetch or 304
    attempted_at: Optional[float] = None
    etag: Optional[str] = None
    last_modified: Optional[str] = None
    last_error: Optional[str] = None
    include_non_text: bool = False
    WHAT: ClassVar[str] = "catalog meta file"
    STATUSES: ClassVar[tuple[str, ...]] = ("ok", "fallback", "bundled")

    @classmethod
    def load(cls, path: Path) -> CatalogMeta:
        """The meta file, or CatalogMeta() (no refresh known) when it is missing or damaged."""
        return _load_meta(cls, path, cls.WHAT)

    @classmethod
    def _from_json(cls, doc: Any, shape: _Shape) -> CatalogMeta:
        if not isinstance(doc, dict):
            raise shape.fail("$", "is not an object")
        include = doc.get("includeNonText", False)
        if not isinstance(include, bool):
            raise shape.fail("$.includeNonText", "is not true or false")
        return cls(shape.optional(doc, "source", str), shape.choice(doc, "status", cls.STATUSES),
                   shape.optional(doc, "refreshedAt", int, float), shape.optional(doc, "attemptedAt", int, float),
                   shape.optional(doc, "etag", str), shape.optional(doc, "lastModified", str),
                   shape.optional(doc, "lastError", str), include)

    def dump(self) -> bytes:
        return dump_json({"source": self.source, "status": self.status, "refreshedAt": self.refreshed_at,
                          "attemptedAt": self.attempted_at, "etag": self.etag, "lastModified": self.last_modified,
                          "lastError": self.last_error, "includeNonText": self.include_non_text})


# ---------------------------------------------------------------- the benchmarks


@dataclass(frozen=True)
class BenchmarkScores:
    """benchmark-scores.json: LLM-Stats models (by id) with codingScore, coverage and components; repo without password."""

    repo: str
    commit: Optional[str]
    layout: Optional[str]
    models: tuple[dict[str, Any], ...]
    WHAT: ClassVar[str] = "benchmark scores"

    @classmethod
    def load(cls, path: Path, advice: str = _REBUILD) -> BenchmarkScores:
        shape = _Shape(cls.WHAT, path, advice)
        doc = shape.document(read_json(path, cls.WHAT, advice=f"; {advice}"))
        source = shape.get(doc, "source", "object")
        models = shape.entries(doc, "models")
        for i, model in enumerate(models):
            shape.optional(model, "codingScore", int, float, where=f"$.models[{i}]")
            if not isinstance(model.get("components", []), list):
                raise shape.fail(f"$.models[{i}].components", "is not a list")
        return cls(shape.get(source, "repo", "string", "$.source"), shape.optional(source, "commit", str),
                   shape.choice(source, "layout", ("old", "new"), "$.source"), models)

    def to_json(self) -> dict[str, Any]:
        return {"schemaVersion": SCHEMA_VERSION, "source": {"repo": self.repo, "commit": self.commit,
                                                            "layout": self.layout}, "models": list(self.models)}

    def dump(self) -> bytes:
        return dump_json(self.to_json())


@dataclass(frozen=True)
class BenchmarksMeta:
    """llm-stats.meta.json: how the last benchmarks refresh went (epoch seconds; the repo in display form)."""

    source: Optional[str] = None
    ref: str = ""
    status: Optional[str] = None  # ok | fallback | curated-only
    refreshed_at: Optional[float] = None
    attempted_at: Optional[float] = None
    commit: Optional[str] = None  # the HEAD last fetched
    layout: Optional[str] = None
    last_error: Optional[str] = None
    unscored_code_benchmarks: Optional[tuple[str, ...]] = None
    WHAT: ClassVar[str] = "benchmarks meta file"
    STATUSES: ClassVar[tuple[str, ...]] = ("ok", "fallback", "curated-only")

    @classmethod
    def load(cls, path: Path) -> BenchmarksMeta:
        """The meta file, or BenchmarksMeta() (no refresh known) when it is missing or damaged."""
        return _load_meta(cls, path, cls.WHAT)

    @classmethod
    def _from_json(cls, doc: Any, shape: _Shape) -> BenchmarksMeta:
        if not isinstance(doc, dict):
            raise shape.fail("$", "is not an object")
        unscored = shape.optional(doc, "unscoredCodeBenchmarks", list)
        if unscored is not None and not all(isinstance(b, str) for b in unscored):
            raise shape.fail("$.unscoredCodeBenchmarks", "is not a list of strings")
        return cls(shape.optional(doc, "source", str), shape.optional(doc, "ref", str) or "",
                   shape.choice(doc, "status", cls.STATUSES), shape.optional(doc, "refreshedAt", int, float),
                   shape.optional(doc, "attemptedAt", int, float), shape.optional(doc, "commit", str),
                   shape.choice(doc, "layout", ("old", "new")), shape.optional(doc, "lastError", str),
                   tuple(unscored) if unscored is not None else None)

    def dump(self) -> bytes:
        unscored = list(self.unscored_code_benchmarks) if self.unscored_code_benchmarks is not None else None
        return dump_json({"source": self.source, "ref": self.ref, "status": self.status,
                          "refreshedAt": self.refreshed_at, "attemptedAt": self.attempted_at, "commit": self.commit,
                          "layout": self.layout, "lastError": self.last_error, "unscoredCodeBenchmarks": unscored})


# ---------------------------------------------------------------- matching


_OVERRIDE_TARGET = re.compile(r"^[^/\s]+/[^/\s]+$")


@dataclass(frozen=True)
class Overrides:
    """An overrides file: {OpenRouter id (or base id): benchmark id, or None to pin "no benchmark model"}."""

    targets: Mapping[str, Optional[str]] = field(default_factory=dict)

    @classmethod
    def load(cls, path: Path) -> Overrides:
        from modelpools.rules.modelids import is_model_id

        what = f"overrides file {path}"
        data = read_json(path, "overrides file", max_bytes=4 * 1024 * 1024)
        if not isinstance(data, dict) or not isinstance(data.get("overrides"), dict):
            raise DataError(f"{what}: expected an object with an \"overrides\" object; see docs (matching)")
        if data.get("schemaVersion", 1) != 1:
            raise DataError(f"{what}: schemaVersion {data.get('schemaVersion')!r} is not supported (use 1)")
        targets = {}
        for key, value in data["overrides"].items():
            target = value.get("benchmarkId", ...) if isinstance(value, dict) else value
            if target is ... or not (target is None or (isinstance(target, str) and _OVERRIDE_TARGET.match(target))):
                raise DataError(f"{what}: entry {key!r} needs \"benchmarkId\": \"<org>/<model>\" or null")
            if not is_model_id(key):
                raise DataError(f"{what}: key {key!r} is not an OpenRouter id like \"vendor/model\"")
            targets[key] = target
        return cls(targets)


@dataclass(frozen=True)
class MatchReport:
    """model-matches.json: one entry per free model (``matches``) and the matched referenceScores (``reference``)."""

    fuzzy_threshold: int
    matches: tuple[dict[str, Any], ...]
    reference: tuple[dict[str, Any], ...] = ()
    WHAT: ClassVar[str] = "model matches"

    @classmethod
    def load(cls, path: Path, advice: str = _REBUILD) -> MatchReport:
        shape = _Shape(cls.WHAT, path, advice)
        doc = shape.document(read_json(path, cls.WHAT, advice=f"; {advice}"))
        threshold = doc.get("fuzzyThreshold")
        if not isinstance(threshold, int) or isinstance(threshold, bool):
            raise shape.fail("$.fuzzyThreshold", f"is {threshold!r}, expected a whole number")
        return cls(threshold, shape.entries(doc, "matches"), shape.entries(doc, "reference"))

    def dump(self) -> bytes:
        return dump_json({"schemaVersion": SCHEMA_VERSION, "fuzzyThreshold": self.fuzzy_threshold,
                          "matches": list(self.matches), "reference": list(self.reference)})


# ---------------------------------------------------------------- pools and changes


@dataclass(frozen=True)
class PoolsDocument:
    """model-pools.json, the consumer contract: its JSON Schema and invariants are checked by rules.validation."""

    doc: Mapping[str, Any]
    WHAT: ClassVar[str] = "pools file"

    @classmethod
    def load(cls, path: Path, catalog_ids: Collection[str] | None = None, task_prefix: str = "") -> PoolsDocument:
        """The pools file, checked against the schema and invariants (and the catalog's free ids, if given)."""
        from modelpools.rules.validation import validate_pools

        doc = read_json(path, cls.WHAT, advice=f"; run `doit {task_prefix}pools`")
        validate_pools(doc, catalog_ids, task_prefix)
        return cls(doc)

    @classmethod
    def load_previous(cls, path: Path) -> PoolsDocument | None:
        """The previous pools file for a change report: None when absent; DataError when unusable for comparing.

        Only the keys the change report reads are checked (ids, tiers, names, defaults), not the whole schema:
        it is replaced anyway, and a format upgrade must not lose the comparison.
        """
        if not path.exists():
            return None
        shape = _Shape("previous pools file", path, "it is replaced")
        doc = read_json(path, "previous pools file", advice="; it is replaced")
        if not isinstance(doc, dict):
            raise shape.fail("$", "is not an object")
        defaults = doc.get("chosenDefaults") or {}
        if not isinstance(defaults, dict) or not all(v is None or isinstance(v, str) for v in defaults.values()):
            raise shape.fail("$.chosenDefaults", "is not an object of ids or nulls")
        for key in ("models", "unranked"):
            entries = doc.get(key) or []
            if not isinstance(entries, list):
                raise shape.fail(f"$.{key}", "is not a list")
            for i, entry in enumerate(entries):
                if not isinstance(entry, dict) or not isinstance(entry.get("id"), str):
                    raise shape.fail(f"$.{key}[{i}]", "is not an object with a string 'id'")
                for name in ("tier", "name"):
                    shape.optional(entry, name, str, where=f"$.{key}[{i}]")
        return cls(doc)

    def dump(self) -> bytes:
        return dump_json(self.doc)


@dataclass(frozen=True)
class ChangeReport:
    """model-pools-changes.json: rules.changes.compare_pools' report (no wall-clock time, only days left)."""

    doc: Mapping[str, Any]
    WHAT: ClassVar[str] = "change report"
    LISTS: ClassVar[tuple[str, ...]] = ("added", "removed", "tierMoves", "defaultChanges", "expiring")

    @classmethod
    def load(cls, path: Path) -> ChangeReport:
        shape = _Shape(cls.WHAT, path, "run `doit pools`")
        doc = shape.document(read_json(path, cls.WHAT, advice="; run `doit pools`"))
        for key in cls.LISTS:
            shape.get(doc, key, "list")
        for key in ("firstBuild", "changed"):
            if not isinstance(doc.get(key), bool):
                raise shape.fail(f"$.{key}", "is not true or false")
        return cls(doc)

    def dump(self) -> bytes:
        return dump_json(self.doc)
