"""Library API over model-pools.json: role defaults, round-robin, fallback chains and a request router.

The five integration strategies, on the sample file in the test suite:

>>> from pathlib import Path
>>> pools = load_pools(Path("tests/data/pools-sample.json"))
>>> pools.bulk_model                                  # 1. role default
'z-ai/glm-5.2:free'
>>> [pools.pick("SMALL", i) for i in range(3)]        # 2. deterministic round-robin by index
['nvidia/nemotron-3.5-lightning:free', 'openai/gpt-oss-20b:free', 'nvidia/nemotron-nano-9b-v2:free']
>>> pools.tier("LARGE")                               # 3. a tier for the size of the job
('z-ai/glm-5.2:free', 'nvidia/nemotron-3-ultra-550b-a55b:free')
>>> pools.fallback_chain("page")[:3]                  # 4. fallback chain: role default, then by rank
('nvidia/nemotron-3-ultra-550b-a55b:free', 'z-ai/glm-5.2:free', 'google/gemma-4-31b-it:free')
>>> router = pools.router("page")                     # 5. request router (the caller does the HTTP)
>>> router.session().model
'nvidia/nemotron-3-ultra-550b-a55b:free'
"""

from __future__ import annotations

import itertools
import time as time_module
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

from modelpools.errors import DataError, PoolsInvalid
from modelpools.io.files import read_json
from modelpools.records import POOLS_VERSION, PoolsSchema
from modelpools.rules.fusion import ScoreSource
from modelpools.rules.ranking import TIER_NAMES
from modelpools.rules.rawscores import MatchInfo
from modelpools.rules.roles import ROLE_ALIASES, SHORT_NAMES

if TYPE_CHECKING:
    from modelpools.settings import Settings

__all__ = [
    "Pools",
    "PoolModel",
    "UnrankedModel",
    "ScoreSource",
    "MatchInfo",
    "load_pools",
    "pools_from_document",
    "estimate_of",
    "ROLES",
]

# role name -> chosenDefaults key; the key itself and snake_case are accepted too (rules.roles.ROLE_ALIASES)
ROLES = SHORT_NAMES


@dataclass(frozen=True)
class PoolModel:
    """A ranked free model."""

    id: str
    name: str
    vendor: str
    rank: int
    tier: str
    coding_score: float  # the score the models are ranked by: estimate - uncertainty (docs/scoring.md)
    context_length: int | None
    expiration_date: str | None
    score_sources: tuple[ScoreSource, ...]
    match: MatchInfo
    usage: Mapping[str, Any] | None = None  # the pools file's usage verdict (unavailable, demoted, preferred)
    estimate: float | None = None  # the estimate itself (None in a version-1 file)

    @property
    def unavailable(self) -> bool:
        """True when the usage ledger showed "No endpoints" answers and no success since (left out of chains)."""
        return self.usage is not None and self.usage.get("verdict") == "unavailable"


@dataclass(frozen=True)
class UnrankedModel:
    """A free model without a coding score, and why."""

    id: str
    name: str
    vendor: str
    context_length: int | None
    reason: str


@dataclass(frozen=True)
class Pools:
    """A read-only view of model-pools.json; build it with load_pools()."""

    models: tuple[PoolModel, ...]
    tiers: tuple[tuple[str, tuple[str, ...]], ...]
    defaults: tuple[tuple[str, str | None], ...]
    unranked: tuple[UnrankedModel, ...] = ()
    path: Path | None = None
    document: Mapping[str, Any] = field(default_factory=dict, repr=False, compare=False, hash=False)

    # -- lookups -------------------------------------------------------------------------------------
    def model(self, model_id: str) -> PoolModel | None:
        """The ranked model with this id, or None."""
        return next((m for m in self.models if m.id == model_id), None)

    @property
    def ids(self) -> frozenset[str]:
        """Every model id in the file, ranked or not."""
        return frozenset(m.id for m in self.models) | frozenset(u.id for u in self.unranked)

    def __contains__(self, model_id: object) -> bool:
        return model_id in self.ids

    def tier(self, name: str) -> tuple[str, ...]:
        """The ids of a tier (LARGE, MEDIUM or SMALL), best first; empty if the tier has none."""
        key = _tier_name(name)
        return dict(self.tiers).get(key, ())

    # -- strategy 1: role defaults -------------------------------------------------------------------
    def default(self, role: str) -> str | None:
        """The chosen model for a role: ``bulk``, ``page`` or ``smallTasks`` (or the chosenDefaults key)."""
        key = _role_key(role)
        return dict(self.defaults).get(key)

    bulk_model = property(lambda self: self.default("bulk"), doc="chosenDefaults.bulkModel")
    page_model = property(lambda self: self.default("page"), doc="chosenDefaults.pageModel")
    small_tasks_model = property(lambda self: self.default("smallTasks"), doc="chosenDefaults.smallTasksModel")

    # -- strategy 2: deterministic round-robin -------------------------------------------------------
    def pick(self, tier: str, index: int) -> str:
        """The model for job number ``index`` in a round-robin over a tier (same index, same model)."""
        ids = self._nonempty_tier(tier)
        return ids[index % len(ids)]

    def round_robin(self, tier: str, start: int = 0) -> Iterator[str]:
        """An endless iterator over a tier's ids, best first, starting at position ``start``."""
        ids = self._nonempty_tier(tier)
        offset = start % len(ids)
        return itertools.cycle(ids[offset:] + ids[:offset])

    def _nonempty_tier(self, tier: str) -> tuple[str, ...]:
        ids = self.tier(tier)
        if not ids:
            where = f" in {self.path}" if self.path else ""
            raise DataError(f"tier {_tier_name(tier)} has no models{where}; use fallback_chain() or another tier")
        return ids

    # -- strategy 4: fallback chain ------------------------------------------------------------------
    def fallback_chain(self, role: str | None = None, *, tiers: tuple[str, ...] | None = None) -> tuple[str, ...]:
        """The role default first, then the other ranked models by rank; only ranked ids of this (all-free) file.

        Models the usage ledger found unavailable (``PoolModel.unavailable``) are left out.
        """
        allowed_tiers = None if tiers is None else {_tier_name(t) for t in tiers}
        chain: list[str] = []
        ranked = {m.id: m for m in self.models}
        first = self.default(role) if role is not None else None
        candidates = ([first] if first else []) + [m.id for m in self.models]
        for model_id in candidates:
            model = ranked.get(model_id)
            if model is None or model_id in chain or model.unavailable:
                continue
            if allowed_tiers is not None and model.tier not in allowed_tiers and model_id != first:
                continue
            chain.append(model_id)
        return tuple(chain)

    # -- strategy 5: request router ------------------------------------------------------------------
    def router(self, role: str | None = None, *, clock: Callable[[], float] = time_module.time, **options: Any):
        """A Router walking ``fallback_chain(role)``, allowed only this file's ids; options go to router.Router."""
        from modelpools.consumer.router import Router

        return Router(self.fallback_chain(role), allowed=self.ids, clock=clock, **options)


def _tier_name(name: str) -> str:
    key = str(name).upper()
    if key not in TIER_NAMES:
        raise ValueError(f"unknown tier {name!r}; expected one of {', '.join(TIER_NAMES)}")
    return key


def _role_key(role: str) -> str:
    try:
        return ROLE_ALIASES[role]
    except KeyError:
        raise ValueError(f"unknown role {role!r}; expected one of {', '.join(ROLES)}") from None


def load_pools(path: Path | str | None = None, *, validate: bool = True, settings: Settings | None = None) -> Pools:
    """Read and (by default) validate a pools file; the default path is ``settings.files.pools_file`` (or load_settings()).

    ``settings``, when given, also names the task prefix in the "run `doit ...pools`" hints.
    """
    if path is None:
        if settings is None:
            from modelpools.settings import load_settings

            settings = load_settings()
        path = settings.files.pools_file
    path = Path(path)
    if settings is not None and not path.exists() and path.resolve() == Path(settings.files.pools_file).resolve():
        raise DataError(f"pools file not found at {path}; run `doit {settings.task_prefix}pools`")
    document = read_json(path, "pools file")
    try:
        return pools_from_document(document, validate=validate, path=path, settings=settings)
    except PoolsInvalid as exc:
        raise PoolsInvalid(f"{path}: {exc}", exc.path) from None


def pools_from_document(
    document: Any, *, validate: bool = True, path: Path | None = None, settings: Any = None
) -> Pools:
    """Build a Pools view of a parsed document; PoolsInvalid if it is malformed.

    With ``validate`` the schema and every invariant are checked (validation.validate_pools); without it, only what
    the view relies on: an object of version 1 to records.POOLS_VERSION (the view reads what they all share; what
    later versions added, like ``provenance``, is optional to it) whose tiers and role defaults name ranked models.
    """
    if validate:
        from modelpools.rules.validation import validate_pools

        validate_pools(document, schema=PoolsSchema.installed().check)
    elif not isinstance(document, Mapping):
        raise PoolsInvalid("the pools document must be a JSON object", "$")
    elif not _readable_version(document.get("schemaVersion")):
        raise PoolsInvalid(
            f"unsupported schemaVersion {document.get('schemaVersion')!r}; expected 1 to {POOLS_VERSION}",
            "$.schemaVersion",
        )
    try:
        pools = _build(document, path)
    except (KeyError, TypeError, ValueError, AttributeError, OverflowError) as exc:
        prefix = settings.task_prefix if settings is not None else ""
        raise PoolsInvalid(
            f"malformed pools document ({type(exc).__name__}: {exc}); rebuild it with `doit {prefix}pools`"
        ) from None
    if not validate:
        _check_references(pools)
    return pools


def _readable_version(version: Any) -> bool:
    return type(version) is int and 1 <= version <= POOLS_VERSION


def estimate_of(entry: Mapping[str, Any]) -> Any:
    """The estimate of a pools file's model or role-evidence entry: ``estimate`` from version 4 on, ``codingScore``
    before (which version 4 made the rank score, estimate - uncertainty)."""
    return entry["estimate"] if "estimate" in entry else entry.get("codingScore")


def _ranked_by(entry: Mapping[str, Any], version: int) -> float:
    """The score a model entry is ranked by: codingScore from version 4 on; before, codingScore was the estimate and
    rankScore (version 2 and 3) the conservative score the ranking used."""
    if version < 4 and entry.get("rankScore") is not None:
        return float(entry["rankScore"])
    return float(entry["codingScore"])


def _estimate(entry: Mapping[str, Any], version: int) -> float | None:
    """The estimate of a model entry: ``estimate`` from version 4 on, codingScore in versions 2 and 3."""
    if version >= 4:
        return float(entry["estimate"]) if entry.get("estimate") is not None else None
    return float(entry["codingScore"]) if version >= 2 else None


def _build(doc: Mapping[str, Any], path: Path | None) -> Pools:
    version = doc["schemaVersion"]
    models = tuple(
        PoolModel(
            id=str(m["id"]),
            name=str(m.get("name") or m["id"]),
            vendor=str(m.get("vendor") or ""),
            rank=int(m["rank"]),
            tier=_tier_name(m["tier"]),
            coding_score=_ranked_by(m, version),
            context_length=m.get("contextLength"),
            expiration_date=m.get("expirationDate"),
            score_sources=tuple(ScoreSource.from_json(s) for s in m.get("scoreSources") or ()),
            match=MatchInfo(
                (m.get("match") or {}).get("benchmarkId"),
                str((m.get("match") or {}).get("method", "none")),
                float((m.get("match") or {}).get("confidence", 0.0)),
            ),
            usage=dict(m["usage"]) if isinstance(m.get("usage"), Mapping) else None,
            estimate=_estimate(m, version),
        )
        for m in doc["models"]
    )
    tiers = tuple((_tier_name(t["name"]), tuple(str(i) for i in t["models"])) for t in doc["tiers"])
    chosen = doc.get("chosenDefaults") or {}
    defaults = tuple((key, chosen.get(key)) for key in ROLES.values())
    unranked = tuple(
        UnrankedModel(
            str(u["id"]),
            str(u.get("name") or u["id"]),
            str(u.get("vendor") or ""),
            u.get("contextLength"),
            str(u.get("reason", "")),
        )
        for u in doc.get("unranked") or ()
    )
    return Pools(models=models, tiers=tiers, defaults=defaults, unranked=unranked, path=path, document=doc)


def _check_references(pools: Pools) -> None:
    """For an unvalidated document: tiers and role defaults may only name ranked models (strategies 1-5 rely on it)."""
    known = {m.id for m in pools.models}
    for name, ids in pools.tiers:
        for i, model_id in enumerate(ids):
            if model_id not in known:
                raise PoolsInvalid(
                    f"tier {name} lists {model_id!r}, which is not a ranked model", f"$.tiers[{name}].models[{i}]"
                )
    for key, default_id in pools.defaults:
        if default_id is not None and (not isinstance(default_id, str) or default_id not in known):
            raise PoolsInvalid(
                f"chosenDefaults.{key} is {default_id!r}, which is not a ranked model", f"$.chosenDefaults.{key}"
            )
