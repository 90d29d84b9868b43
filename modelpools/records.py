"""Every file format of modelpools as a small frozen record: one ``load(path)`` that checks the shape, one ``dump()``.

    CatalogCache      .cache/openrouter-models.json        free models and referenceScores
    CatalogSnapshot   data/openrouter-snapshot.json        the cache form plus capturedAt and source
    BenchmarkScores   .cache/benchmark-scores.json         LLM-Stats models with their coding scores
    Overrides         data/model-id-overrides.json         OpenRouter id -> benchmark id pins (and the user's file)
    Architectures     data/model-architectures.json        known total and active parameters (and the site's file)
    MatchReport       .cache/model-matches.json            one match per free model, plus calibration matches
    EvidenceMemory    .cache/evidence-memory.json          catalog evidence blocks remembered across refreshes
    PoolsDocument     .cache/model-pools.json              the consumer contract (schemas/model-pools.schema.json)
    ChangeReport      .cache/model-pools-changes.json      what changed since the previous pools file
    UsageSummary      .cache/usage-summary.json            per-model figures of the usage ledger (rules.usage)
    ProbeResults      .cache/probe-results.json            the coding probe's batches per model (stages.probe)
    CuratedScores     data/curated-scores.json             hand-curated coding scores (own JSON Schema)
    PoolsSchema       schemas/model-pools.schema.json      the pools file's JSON Schema, ready to check documents

``load`` raises DataError "<what> at <path>: <JSON path> <problem>; <what to do>" (PoolsDocument: PoolsInvalid,
with the JSON path); ``dump`` gives the canonical bytes (jsonbytes.dump_json: sorted keys, 2-space indent).
Each file carries ``schemaVersion``, one constant per format, defined once and exported here (the pure rules that
build a document own theirs: USAGE_SUMMARY_VERSION is rules.usage's, EVIDENCE_MEMORY_VERSION rules.memory's, and
re-exported here): a change to a format bumps its number only, and a file of another version is not read (its stage
rebuilds it; no compatibility branches). The two network
stages' numbers (CATALOG_CACHE_VERSION, BENCHMARK_SCORES_VERSION) are defined in meta.py and re-exported here: their
up-to-date checks compare them on every doit run, which must not import this module (BENCHMARKS.md, section 1); an
upgrade that changes either format makes its stage run again.
The refresh meta files (CatalogMeta, BenchmarksMeta) live in meta.py: doit's TTL checks read them on every run,
so they stay out of this module, which only the stage actions and the command line import.
"""

from __future__ import annotations

import functools
import math
import re
from collections.abc import Collection, Mapping
from dataclasses import dataclass, field, replace
from datetime import date
from pathlib import Path
from typing import TYPE_CHECKING, Any, ClassVar

from modelpools.errors import DataError
from modelpools.io.files import DEFAULT_READ_LIMIT, read_bounded, read_json
from modelpools.jsonbytes import dump_json, parse_json_bytes
from modelpools.meta import BENCHMARK_SCORES_VERSION, CATALOG_CACHE_VERSION
from modelpools.resources import CURATED_SCHEMA, PACKAGE_CURATED, pools_schema_path
from modelpools.rules.numbers import is_integer, is_number
from modelpools.rules.schemacheck import SchemaCheck
from modelpools.rules.scoring import CuratedScore, Result, select_components
from modelpools.rules.usage import USAGE_SUMMARY_VERSION
from modelpools.shape import Shape

if TYPE_CHECKING:
    from modelpools.rules.matching import Match
    from modelpools.rules.memory import EVIDENCE_MEMORY_VERSION  # imported on first use: see _RULE_VERSIONS
    from modelpools.rules.probestats import ProbeTally
    from modelpools.rules.sizes import Architecture

__all__ = [
    "BENCHMARK_SCORES_VERSION",
    "CATALOG_CACHE_VERSION",
    "CATALOG_SNAPSHOT_VERSION",
    "CHANGE_REPORT_VERSION",
    "EVIDENCE_MEMORY_VERSION",
    "MATCH_REPORT_VERSION",
    "POOLS_VERSION",
    "PROBE_RESULTS_VERSION",
    "USAGE_SUMMARY_VERSION",
    "BenchmarkScores",
    "CatalogCache",
    "CatalogSnapshot",
    "ChangeReport",
    "CuratedScores",
    "EvidenceMemory",
    "MatchReport",
    "Overrides",
    "Architectures",
    "PoolsDocument",
    "PoolsSchema",
    "UsageSummary",
    "Batch",
    "ModelResult",
    "ProbeResults",
]

CATALOG_SNAPSHOT_VERSION = 1
MATCH_REPORT_VERSION = 1
# 2: evidence-weighted estimates with uncertainty, role rationale, excluded and deprecated models;
# 3: provenance (where the catalog and the benchmark data came from);
# 4: codingScore is the rank score (estimate - uncertainty) the models are ordered by, the estimate moves to `estimate`.
POOLS_VERSION = 4
CHANGE_REPORT_VERSION = 1
PROBE_RESULTS_VERSION = 1
# The version of a document a pure rule builds is that rule module's own; re-exported here. rules.memory is imported
# on first use only: it brings the fusion rules with it, which a reader of the pools file never needs.
_RULE_VERSIONS = {"EVIDENCE_MEMORY_VERSION": "modelpools.rules.memory"}
_REBUILD = "delete it and rebuild"


# ---------------------------------------------------------------- the catalog


@dataclass(frozen=True)
class CatalogCache:
    """openrouter-models.json: the free models (freemodels.normalize_model records, by id), referenceScores, and
    where they came from: ``origin`` is {"source": "live", "url": <URL without credentials>} or
    {"source": "bundled-snapshot", "capturedAt": "YYYY-MM-DD"}."""

    models: tuple[dict[str, Any], ...]
    reference_scores: tuple[dict[str, Any], ...] = ()
    origin: Mapping[str, Any] = field(default_factory=dict)
    WHAT: ClassVar[str] = "OpenRouter catalog cache"
    ORIGINS: ClassVar[tuple[str, ...]] = ("live", "bundled-snapshot")

    @classmethod
    def live(cls, models: Any, reference_scores: Any, url: str) -> CatalogCache:
        return cls(tuple(models), tuple(reference_scores), {"source": "live", "url": url})

    # What the later stages take (the catalog stage refuses more, keeping the previous cache): the file within the
    # read limit of every reader; the counts keep the match report and pools file well within it too (real catalogs:
    # under 100 free models and 500 scored ones).
    MAX_BYTES: ClassVar[int] = DEFAULT_READ_LIMIT
    MAX_MODELS: ClassVar[int] = 10_000
    MAX_REFERENCE_SCORES: ClassVar[int] = 20_000

    @classmethod
    def load(cls, path: Path, max_bytes: int = DEFAULT_READ_LIMIT, advice: str = _REBUILD) -> CatalogCache:
        return cls.load_with_digest(path, max_bytes, advice)[0]

    @classmethod
    def load_with_digest(
        cls, path: Path, max_bytes: int = DEFAULT_READ_LIMIT, advice: str = _REBUILD
    ) -> tuple[CatalogCache, str]:
        """The record and the sha256 of the very bytes it was read from (one read: no torn pair)."""
        import hashlib

        shape = Shape(cls.WHAT, path, advice)
        data = read_bounded(path, cls.WHAT, max_bytes, f"; {advice}")
        doc = shape.document(parse_json_bytes(data, f"{cls.WHAT} at {path}", f"; {advice}"), CATALOG_CACHE_VERSION)
        origin = shape.get(doc, "origin", "object")
        kind = shape.choice(origin, "source", cls.ORIGINS, "$.origin")
        shape.get(origin, "url" if kind == "live" else "capturedAt", "string", "$.origin")
        return cls(*cls._entries(doc, shape), origin), hashlib.sha256(data).hexdigest()

    def over_limits(self) -> str | None:
        """What the later stages would refuse in this catalog ("lists 160000 free models, more than ..."), or None."""
        if len(self.models) > self.MAX_MODELS:
            return f"lists {len(self.models)} free models, more than the {self.MAX_MODELS} modelpools takes"
        if len(self.reference_scores) > self.MAX_REFERENCE_SCORES:
            return (
                f"lists {len(self.reference_scores)} models with a coding index, more than the "
                f"{self.MAX_REFERENCE_SCORES} modelpools takes"
            )
        size = len(self.dump())
        if size > self.MAX_BYTES:
            return f"makes a {size}-byte cache file, more than the {self.MAX_BYTES} bytes modelpools reads"
        return None

    @staticmethod
    def _entries(doc: Any, shape: Shape) -> tuple[tuple[dict[str, Any], ...], tuple[dict[str, Any], ...]]:
        return shape.entries(doc, "models"), shape.entries(doc, "referenceScores")

    @property
    def ids(self) -> set[str]:
        return {m["id"] for m in self.models}

    def dump(self) -> bytes:
        return dump_json(
            {
                "schemaVersion": CATALOG_CACHE_VERSION,
                "origin": dict(self.origin),
                "models": list(self.models),
                "referenceScores": list(self.reference_scores),
            }
        )


@dataclass(frozen=True)
class CatalogSnapshot:
    """The bundled catalog snapshot: free models and referenceScores with the day they were captured and where from."""

    cache: CatalogCache  # with origin {"source": "bundled-snapshot", "capturedAt": captured_at}
    captured_at: str
    source: str
    WHAT: ClassVar[str] = "bundled catalog snapshot"

    @classmethod
    def load(cls, path: Path) -> CatalogSnapshot:
        shape = Shape(cls.WHAT, path, "reinstall modelpools")
        doc = shape.document(read_json(path, cls.WHAT, advice="; reinstall modelpools"), CATALOG_SNAPSHOT_VERSION)
        captured = shape.get(doc, "capturedAt", "string")
        if not re.match(r"^\d{4}-\d{2}-\d{2}$", captured):
            raise shape.fail("$.capturedAt", f"is {captured!r}, expected YYYY-MM-DD")
        cache = CatalogCache(*CatalogCache._entries(doc, shape), {"source": "bundled-snapshot", "capturedAt": captured})
        return cls(cache, captured, shape.get(doc, "source", "string"))

    def dump(self) -> bytes:
        return dump_json(
            {
                "schemaVersion": CATALOG_SNAPSHOT_VERSION,
                "models": list(self.cache.models),
                "referenceScores": list(self.cache.reference_scores),
                "capturedAt": self.captured_at,
                "source": self.source,
            }
        )


# ---------------------------------------------------------------- the benchmarks


@dataclass(frozen=True)
class BenchmarkScores:
    """benchmark-scores.json: LLM-Stats models (by id) with codingScore, coverage and components; repo without password,
    the commit the scores come from and its committer day (YYYY-MM-DD, from the commit itself); no commit: no data."""

    repo: str
    commit: str | None
    layout: str | None
    models: tuple[dict[str, Any], ...]
    commit_date: str | None = None
    WHAT: ClassVar[str] = "benchmark scores"

    @classmethod
    def load(cls, path: Path, advice: str = _REBUILD) -> BenchmarkScores:
        shape = Shape(cls.WHAT, path, advice)
        doc = shape.document(read_json(path, cls.WHAT, advice=f"; {advice}"), BENCHMARK_SCORES_VERSION)
        source = shape.get(doc, "source", "object")
        models = shape.entries(doc, "models")
        for i, model in enumerate(models):
            shape.optional(model, "codingScore", int, float, where=f"$.models[{i}]")
            if not isinstance(model.get("components", []), list):
                raise shape.fail(f"$.models[{i}].components", "is not a list")
        return cls(
            shape.get(source, "repo", "string", "$.source"),
            shape.optional(source, "commit", str),
            shape.choice(source, "layout", ("old", "new"), "$.source"),
            models,
            shape.optional(source, "commitDate", str, where="$.source"),
        )

    def to_json(self) -> dict[str, Any]:
        return {
            "schemaVersion": BENCHMARK_SCORES_VERSION,
            "source": {"repo": self.repo, "commit": self.commit, "commitDate": self.commit_date, "layout": self.layout},
            "models": list(self.models),
        }

    def dump(self) -> bytes:
        return dump_json(self.to_json())


@dataclass(frozen=True)
class CuratedScores:
    """curated-scores.json: hand-curated coding scores for OpenRouter ids that LLM-Stats lacks, checked against its
    JSON Schema (data/curated-scores.schema.json); no id may be listed twice."""

    scores: tuple[CuratedScore, ...]
    WHAT: ClassVar[str] = "curated scores file"

    @classmethod
    def load(cls, path: Path | str = PACKAGE_CURATED) -> CuratedScores:
        """The curated scores file (the bundled one by default); DataError naming the entry when invalid."""
        import jsonschema  # heavy: imported only when needed

        document = read_json(path, cls.WHAT)
        schema = read_json(CURATED_SCHEMA, "curated scores schema")
        error = jsonschema.exceptions.best_match(jsonschema.Draft202012Validator(schema).iter_errors(document))
        if error is not None:
            where = "$" + "".join(f"[{p!r}]" if isinstance(p, int) else f".{p}" for p in error.absolute_path)
            raise DataError(f"{cls.WHAT} {path}: {where}: {error.message}; fix the entry")
        seen: set[str] = set()
        out = []
        for entry in document["models"]:
            dup = seen.intersection(entry["openrouterIds"])
            if dup:
                raise DataError(f"{cls.WHAT} {path}: {min(dup)!r} is listed twice; keep one entry")
            seen.update(entry["openrouterIds"])
            components = tuple(
                select_components(
                    Result(c["benchmark"], float(c["score"]), bool(c["selfReported"])) for c in entry["components"]
                )
            )
            out.append(
                CuratedScore(
                    tuple(entry["openrouterIds"]),
                    entry["name"],
                    float(entry["codingScore"]),
                    entry["source"],
                    entry["sourceUrl"],
                    entry["date"],
                    components,
                )
            )
        return cls(tuple(out))


# ---------------------------------------------------------------- matching


_OVERRIDE_TARGET = re.compile(r"^[^/\s]+/[^/\s]+$")


def _site_table(path: Path, what: str, key: str, docs: str) -> dict[str, Any]:
    """The ``key`` object of a small table a site may supply (schemaVersion 1, like the shipped one it merges over)."""
    data = read_json(path, what, max_bytes=4 * 1024 * 1024)
    if not isinstance(data, dict) or not isinstance(data.get(key), dict):
        raise DataError(f'{what} {path}: expected an object with a "{key}" object; see {docs}')
    if data.get("schemaVersion", 1) != 1:
        raise DataError(f"{what} {path}: schemaVersion {data.get('schemaVersion')!r} is not supported (use 1)")
    return data[key]


@dataclass(frozen=True)
class Overrides:
    """An overrides file: {OpenRouter id (or base id): benchmark id, or None to pin "no benchmark model"}."""

    targets: Mapping[str, str | None] = field(default_factory=dict)

    @classmethod
    def load(cls, path: Path) -> Overrides:
        from modelpools.rules.modelids import is_model_id

        what = f"overrides file {path}"
        targets = {}
        for key, value in _site_table(path, "overrides file", "overrides", "docs (matching)").items():
            target = value.get("benchmarkId", ...) if isinstance(value, dict) else value
            if target is ... or not (target is None or (isinstance(target, str) and _OVERRIDE_TARGET.match(target))):
                raise DataError(f'{what}: entry {key!r} needs "benchmarkId": "<org>/<model>" or null')
            if not is_model_id(key):
                raise DataError(f'{what}: key {key!r} is not an OpenRouter id like "vendor/model"')
            targets[key] = target
        return cls(targets)


@dataclass(frozen=True)
class Architectures:
    """An architecture table (modelpools/data/model-architectures.json, or a site's ``architectures_file``): known
    total and active parameters per OpenRouter base id (without ``:free``), each with the source it was read from.

    ``{"schemaVersion": 1, "models": {"openai/gpt-oss-120b": {"totalBillions": 117, "activeBillions": 5.1,
    "source": "https://huggingface.co/openai/gpt-oss-120b"}}}``; ``merged`` lays a site's table over the shipped one.
    """

    models: Mapping[str, Architecture] = field(default_factory=dict)

    @classmethod
    def load(cls, path: Path) -> Architectures:
        from modelpools.rules.modelids import is_model_id
        from modelpools.rules.sizes import Architecture

        what = f"architecture table {path}"
        models = {}
        for key, value in _site_table(path, "architecture table", "models", "docs/scoring.md (sizes)").items():
            if not is_model_id(key) or ":" in key:
                raise DataError(f'{what}: key {key!r} is not an OpenRouter base id like "vendor/model"')
            entry = value if isinstance(value, dict) else {}
            total, active, source = (entry.get(k) for k in ("totalBillions", "activeBillions", "source"))
            if not (is_number(total) and is_number(active) and 0 < active <= total < math.inf) or not (
                isinstance(source, str) and source
            ):
                raise DataError(
                    f'{what}: entry {key!r} needs "totalBillions" >= "activeBillions" > 0 and a "source" (a URL)'
                )
            models[key] = Architecture(float(total), float(active), source)
        return cls(models)

    def merged(self, site: Architectures) -> Architectures:
        """This table with a site's entries laid over it (a site's entry replaces the shipped one)."""
        return Architectures({**self.models, **site.models})


@dataclass(frozen=True)
class MatchReport:
    """model-matches.json: one rules.matching.Match per free model (``matches``) and per matched referenceScores entry
    (``reference``: calibration points, written without candidates and note)."""

    fuzzy_threshold: int
    matches: tuple[Match, ...]
    reference: tuple[Match, ...] = ()
    WHAT: ClassVar[str] = "model matches"

    @classmethod
    def load(cls, path: Path, advice: str = _REBUILD) -> MatchReport:
        shape = Shape(cls.WHAT, path, advice)
        doc = shape.document(read_json(path, cls.WHAT, advice=f"; {advice}"), MATCH_REPORT_VERSION)
        threshold = doc.get("fuzzyThreshold")
        if not isinstance(threshold, int) or isinstance(threshold, bool):
            raise shape.fail("$.fuzzyThreshold", f"is {threshold!r}, expected a whole number")
        from modelpools.rules.matching import Match  # the matcher's module: only a match report reader needs it

        def matches_at(key: str) -> tuple[Match, ...]:
            entries = shape.entries(doc, key)
            return tuple(Match.from_dict(_checked_match(shape, e, f"$.{key}[{i}]")) for i, e in enumerate(entries))

        return cls(threshold, matches_at("matches"), matches_at("reference"))

    def dump(self) -> bytes:
        return dump_json(
            {
                "schemaVersion": MATCH_REPORT_VERSION,
                "fuzzyThreshold": self.fuzzy_threshold,
                "matches": [m.to_dict() for m in self.matches],
                "reference": [m.to_reference_dict() for m in self.reference],
            }
        )


def _checked_match(shape: Shape, entry: Mapping[str, Any], where: str) -> Mapping[str, Any]:
    """One model-matches.json entry (its id already checked) as it is; DataError naming the JSON path otherwise."""
    shape.optional(entry, "benchmarkId", str, where=where)
    shape.get(entry, "method", "string", where)
    confidence = entry.get("confidence")
    if not is_number(confidence):
        raise shape.fail(f"{where}.confidence", f"is {confidence!r}, expected a number")
    for i, c in enumerate(shape.optional(entry, "candidates", list, where=where) or ()):
        if not (isinstance(c, dict) and isinstance(c.get("id"), str) and is_number(c.get("score"))):
            raise shape.fail(f"{where}.candidates[{i}]", "is not an object with a string 'id' and a number 'score'")
    shape.optional(entry, "note", str, where=where)
    return entry


@dataclass(frozen=True)
class EvidenceMemory:
    """evidence-memory.json: per model identity, the last catalog evidence block seen and its catalog date, and
    the dates of older parts a newer listing lacked (rules/memory.py decides what is kept and has the layout)."""

    as_of: str | None
    models: tuple[dict[str, Any], ...]
    WHAT: ClassVar[str] = "evidence memory"

    @classmethod
    def load(cls, path: Path, advice: str = "delete it; the next `doit memory` starts it afresh") -> EvidenceMemory:
        return cls.from_bytes(_read_bytes_of(path, cls.WHAT, advice), path, advice)

    @classmethod
    def from_bytes(cls, data: bytes, path: Path, advice: str = "delete it") -> EvidenceMemory:
        from modelpools.rules.memory import EVIDENCE_MEMORY_VERSION

        shape = Shape(cls.WHAT, path, advice)
        doc = shape.document(parse_json_bytes(data, f"{cls.WHAT} at {path}", f"; {advice}"), EVIDENCE_MEMORY_VERSION)
        as_of = shape.optional(doc, "asOf", str)
        models = shape.get(doc, "models", "list")
        for i, entry in enumerate(models):
            if not (
                isinstance(entry, dict)
                and isinstance(entry.get("id"), str)
                and isinstance(entry.get("keys"), list)
                and isinstance(entry.get("lastSeen"), str)
                and isinstance(entry.get("evidence"), dict)
                and (
                    "seen" not in entry
                    or (isinstance(entry["seen"], dict) and all(isinstance(d, str) for d in entry["seen"].values()))
                )
            ):
                raise shape.fail(
                    f"$.models[{i}]", "is not an object with id, keys, lastSeen, evidence and optional seen dates"
                )
        return cls(as_of, tuple(models))

    def to_json(self) -> dict[str, Any]:
        from modelpools.rules.memory import EVIDENCE_MEMORY_VERSION

        return {"schemaVersion": EVIDENCE_MEMORY_VERSION, "asOf": self.as_of, "models": list(self.models)}

    def dump(self) -> bytes:
        return dump_json(self.to_json())


def _read_bytes_of(path: Path, what: str, advice: str) -> bytes:
    try:
        return Path(path).read_bytes()
    except OSError as exc:
        raise DataError(f"{what} at {path} is unreadable ({exc.strerror or exc}); {advice}") from None


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
        validate_pools(doc, catalog_ids, task_prefix, schema=PoolsSchema.installed().check)
        return cls(doc)

    @classmethod
    def load_previous(cls, path: Path) -> PoolsDocument | None:
        """The previous pools file for a change report: None when absent; DataError when unusable for comparing.

        Only the keys the change report reads are checked (ids, tiers, names, defaults), not the whole schema:
        it is replaced anyway, and a format upgrade must not lose the comparison.
        """
        if not path.exists():
            return None
        shape = Shape("previous pools file", path, "it is replaced")
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
class PoolsSchema:
    """schemas/model-pools.schema.json and its check for rules.validation (local ``$ref``s inlined: checking a
    document never looks a reference up). ``PoolsSchema.installed()`` is built once per process."""

    document: Mapping[str, Any]
    check: SchemaCheck
    WHAT: ClassVar[str] = "pools JSON Schema"

    @classmethod
    def load(cls, path: Path) -> PoolsSchema:
        from jsonschema import Draft202012Validator  # heavy: imported only when needed

        from modelpools.rules.validation import inline_refs

        document = read_json(path, cls.WHAT)
        return cls(document, SchemaCheck(inline_refs(document), Draft202012Validator))

    @classmethod
    def installed(cls) -> PoolsSchema:
        """The schema modelpools ships: the packaged copy (wheel), else the checkout's schemas/ directory."""
        return _pools_schema_at(pools_schema_path())


@functools.lru_cache(maxsize=4)
def _pools_schema_at(path: Path) -> PoolsSchema:
    return PoolsSchema.load(path)


@dataclass(frozen=True)
class ChangeReport:
    """model-pools-changes.json: rules.changes.compare_pools' report (no wall-clock time, only days left)."""

    doc: Mapping[str, Any]
    WHAT: ClassVar[str] = "change report"
    LISTS: ClassVar[tuple[str, ...]] = ("added", "removed", "tierMoves", "defaultChanges", "expiring")

    @classmethod
    def load(cls, path: Path) -> ChangeReport:
        shape = Shape(cls.WHAT, path, "run `doit pools`")
        doc = shape.document(read_json(path, cls.WHAT, advice="; run `doit pools`"), CHANGE_REPORT_VERSION)
        for key in cls.LISTS:
            shape.get(doc, key, "list")
        for key in ("firstBuild", "changed"):
            if not isinstance(doc.get(key), bool):
                raise shape.fail(f"$.{key}", "is not true or false")
        return cls(doc)

    def dump(self) -> bytes:
        return dump_json(self.doc)


# ---------------------------------------------------------------- the consumer side


@dataclass(frozen=True)
class UsageSummary:
    """usage-summary.json: rules.usage.summarize of the usage ledger (its window ends at the newest attempt).

    Absent means the site never used the client: ``empty()``, with which the pools are as without usage data.
    """

    doc: Mapping[str, Any]
    WHAT: ClassVar[str] = "usage summary"
    NUMBERS: ClassVar[tuple[str, ...]] = ("attempts", "successes", "successRate", "noEndpointsLastHour")

    @classmethod
    def load(cls, path: Path, advice: str = "run `doit usage`") -> UsageSummary:
        shape = Shape(cls.WHAT, path, advice)
        doc = shape.document(read_json(path, cls.WHAT, 16 * 1024 * 1024, advice=f"; {advice}"), USAGE_SUMMARY_VERSION)
        shape.get(doc, "window", "object")
        for model_id, entry in shape.get(doc, "models", "object").items():
            where = f"$.models[{model_id!r}]"
            if not isinstance(entry, dict):
                raise shape.fail(where, "is not an object")
            for key in cls.NUMBERS:
                value = entry.get(key)
                if not isinstance(value, (int, float)) or isinstance(value, bool):
                    raise shape.fail(f"{where}.{key}", "is not a number")
            for key in ("lastSuccess", "last404", "last404Catalog"):
                shape.optional(entry, key, str, where=where)
            if not isinstance(entry.get("latencyMs"), dict) or not isinstance(entry.get("outcomes"), dict):
                raise shape.fail(where, "has no latencyMs and outcomes objects")
            scopes = entry.get("failureScopes", {})  # absent in a summary written before failures had scopes
            if not isinstance(scopes, dict) or not all(
                isinstance(n, int) and not isinstance(n, bool) and n >= 0 for n in scopes.values()
            ):
                raise shape.fail(f"{where}.failureScopes", "is not an object of counts")
        for role, by_default in (shape.optional(doc, "experiments", dict) or {}).items():
            for default, verdict in by_default.items() if isinstance(by_default, dict) else [(None, None)]:
                where = f"$.experiments[{role!r}][{default!r}]"
                if not isinstance(verdict, dict) or verdict.get("verdict") not in ("running", "promote", "kept"):
                    raise shape.fail(where, "is not an experiment verdict (running, promote or kept)")
                if not isinstance(verdict.get("arms"), dict) or not isinstance(
                    verdict.get("challenger"), (str, type(None))
                ):
                    raise shape.fail(where, "has no arms object or a challenger that is not an id")
        return cls(doc)

    @classmethod
    def load_or_empty(cls, path: Path, advice: str = "run `doit usage`") -> UsageSummary:
        """The summary at path, or the empty one when there is no file."""
        return cls.load(path, advice) if Path(path).is_file() else cls.empty()

    @classmethod
    def empty(cls, window_days: int = 7) -> UsageSummary:
        return cls({"schemaVersion": USAGE_SUMMARY_VERSION, "window": {"days": window_days, "end": None}, "models": {}})

    @property
    def models(self) -> Mapping[str, Mapping[str, Any]]:
        return self.doc["models"]

    def dump(self) -> bytes:
        return dump_json(self.doc)


# ---------------------------------------------------------------- the coding probe


@dataclass(frozen=True)
class Batch:
    """One answered request: its UTC day, first item index, items asked and items right."""

    day: str
    start: int
    items: int
    correct: int

    def to_json(self) -> dict[str, Any]:
        return {"day": self.day, "start": self.start, "items": self.items, "correct": self.correct}


@dataclass(frozen=True)
class ModelResult:
    """What the probe knows about one model under the current probe set."""

    id: str
    batches: tuple[Batch, ...] = ()
    next_item: int = 0
    unreachable_day: str | None = None  # the last UTC day every attempt failed
    failures: int = 0  # failed requests within the TTL

    @property
    def answered(self) -> int:
        return sum(b.items for b in self.batches)

    @property
    def correct(self) -> int:
        return sum(b.correct for b in self.batches)

    def tally(self, probe_set: str) -> ProbeTally:
        from modelpools.rules.probestats import ProbeTally

        return ProbeTally(self.id, probe_set, self.answered, self.correct)

    def to_json(self) -> dict[str, Any]:
        return {
            "id": self.id,
            "nextItem": self.next_item,
            "batches": [b.to_json() for b in self.batches],
            "unreachableDay": self.unreachable_day,
            "failures": self.failures,
        }


@dataclass(frozen=True)
class ProbeResults:
    """The probe results file: the probe set they belong to and one ModelResult per probed model (by id)."""

    probe_set: str
    models: Mapping[str, ModelResult] = field(default_factory=dict)
    WHAT: ClassVar[str] = "probe results"

    def to_json(self) -> dict[str, Any]:
        return {
            "schemaVersion": PROBE_RESULTS_VERSION,
            "probeSet": self.probe_set,
            "models": [self.models[k].to_json() for k in sorted(self.models)],
        }

    def tallies(self) -> dict[str, ProbeTally]:
        return {mid: r.tally(self.probe_set) for mid, r in sorted(self.models.items()) if r.answered}

    def expire(self, today: str, ttl_days: int) -> ProbeResults:
        """Batches and failures from more than ttl_days before today dropped; models left empty removed."""
        cutoff = _day_number(today) - ttl_days
        kept: dict[str, ModelResult] = {}
        for mid, result in self.models.items():
            batches = tuple(b for b in result.batches if _day_number(b.day) > cutoff)
            unreachable = result.unreachable_day
            if unreachable is not None and _day_number(unreachable) <= cutoff:
                unreachable = None
            failures = result.failures if unreachable is not None else 0
            if batches or unreachable is not None:
                kept[mid] = replace(result, batches=batches, unreachable_day=unreachable, failures=failures)
        return ProbeResults(self.probe_set, kept)

    @classmethod
    def load_or_empty(cls, path: Path, probe_set: str) -> ProbeResults:
        """The results at path for this probe set; empty when there is no file or it is of another probe set."""
        if not Path(path).is_file():
            return cls(probe_set)
        return cls.from_json(
            read_json(path, cls.WHAT, advice="; delete it (the next probe starts afresh)"), str(path), probe_set
        )

    def dump(self) -> bytes:
        return dump_json(self.to_json())

    @classmethod
    def from_json(cls, doc: Any, where: str, probe_set: str) -> ProbeResults:
        """The results in doc; empty when they belong to another probe set (a new version invalidates them)."""
        if not isinstance(doc, dict) or doc.get("schemaVersion") != PROBE_RESULTS_VERSION:
            raise DataError(
                f"probe results at {where} are not a schemaVersion {PROBE_RESULTS_VERSION} object; "
                "delete the file (the next probe starts afresh)"
            )
        if doc.get("probeSet") != probe_set:
            return cls(probe_set)
        models: dict[str, ModelResult] = {}
        try:
            for entry in doc["models"]:
                batches = tuple(
                    Batch(str(b["day"]), _count(b["start"]), _count(b["items"]), _count(b["correct"]))
                    for b in entry["batches"]
                )
                if any(b.correct > b.items for b in batches):
                    raise ValueError("more right than asked")
                _day_number_checked(*(b.day for b in batches))
                unreachable = entry.get("unreachableDay")
                if unreachable is not None:
                    _day_number_checked(unreachable)
                models[str(entry["id"])] = ModelResult(
                    str(entry["id"]), batches, _count(entry["nextItem"]), unreachable, _count(entry.get("failures", 0))
                )
        except (KeyError, TypeError, ValueError) as exc:
            raise DataError(
                f"probe results at {where} are malformed ({exc}); delete the file (the next probe starts afresh)"
            ) from None
        return cls(probe_set, models)


def _count(value: Any) -> int:
    if not is_integer(value) or value < 0:
        raise ValueError(f"expected a count, got {value!r}")
    return value


def _day_number(day: str) -> int:
    """Days since 0001-01-01 of a YYYY-MM-DD string (ValueError otherwise)."""
    return date.fromisoformat(day).toordinal()


def _day_number_checked(*days: str) -> None:
    for day in days:
        _day_number(day)  # ValueError when not YYYY-MM-DD


def __getattr__(name: str) -> Any:
    if name in _RULE_VERSIONS:
        import importlib

        return getattr(importlib.import_module(_RULE_VERSIONS[name]), name)
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
