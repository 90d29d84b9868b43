"""Remembered catalog evidence (pure): what the catalog said about a model, kept across refreshes.

OpenRouter's listing sometimes drops a model's ``benchmarks`` block, or one part of it, between two refreshes. The
memory keeps the last block seen per model identity (base id, canonical slug, Hugging Face id), with the catalog
date it was last seen; a part a newer listing lacks (its Design Arena entries, say, while it still lists the coding
index) is kept from the older block with its own date under ``seen``; the pools stage uses a remembered coding index (and a remembered Design Arena web Elo, for the page
role), marked as such and weighing half per MEMORY_HALF_LIFE_DAYS of age, only when the current listing has none. Dates are content (the catalog's newest
``created``), never the clock, so the same catalogs give the same memory and pools files.

Memory file (``evidence-memory.json``)::

    {"schemaVersion": 1, "asOf": "2026-08-14",
     "models": [{"id": "openai/gpt-oss-20b", "keys": ["hf:openai/gpt-oss-20b", "id:openai/gpt-oss-20b"],
                 "lastSeen": "2026-08-14",
                 "evidence": {"artificial_analysis": {"coding_index": 20.7, ...}, "design_arena": [...]},
                 "seen": {"design_arena": "2026-06-02"},       (only for parts older than lastSeen)
                 "rescaled": {"on": "2026-08-14", "slope": 1.2, "intercept": 5.0, "points": 10, "from": 12.4}}]}
                                 (only when a later listing's revised index rescaled the remembered coding index)

A listing whose coding index was revised (calibration.index_revision: the drift check on the models it and the memory
both score) maps every coding index remembered from an earlier listing onto the new scale, so the pools stage never
mixes values of two scales.
"""

from __future__ import annotations

import datetime
from collections.abc import Iterable, Mapping
from typing import Any

from modelpools.rules.calibration import LineFit, index_revision
from modelpools.rules.eligibility import catalog_date
from modelpools.rules.freemodels import coding_index, on_index_scale
from modelpools.rules.fusion import Remembered
from modelpools.rules.modelids import base_id
from modelpools.rules.numbers import finite_number
from modelpools.rules.rawscores import WEB_CATEGORIES, web_elo

__all__ = ["EVIDENCE_MEMORY_VERSION", "FORGET_AFTER_DAYS", "empty_memory", "identity_keys", "recall", "remember"]

# The memory file format (records.EvidenceMemory re-exports it): a change to the format bumps it.
EVIDENCE_MEMORY_VERSION = 1
# Entries not seen for this long are dropped (their weight is below 1/256 of a fresh value's by then).
FORGET_AFTER_DAYS = 730
_INDICES = ("coding_index", "agentic_index", "intelligence_index")


def empty_memory() -> dict[str, Any]:
    """The memory before any catalog was seen."""
    return {"schemaVersion": EVIDENCE_MEMORY_VERSION, "asOf": None, "models": []}


def identity_keys(model: Mapping[str, Any]) -> list[str]:
    """The keys a model is known by, sorted: ``id:<base id>``, ``id:<canonical slug>``, ``hf:<Hugging Face id>``."""
    keys = set()
    if isinstance(model.get("id"), str):
        keys.add("id:" + base_id(model["id"]).lstrip("~").lower())
    slug = model.get("canonical_slug")
    if isinstance(slug, str) and slug.strip():
        keys.add("id:" + slug.strip().lower())
    hf = model.get("hugging_face_id")
    if isinstance(hf, str) and "/" in hf.strip():
        keys.add("hf:" + hf.strip().lower())
    return sorted(keys)


def _evidence(model: Mapping[str, Any]) -> dict[str, Any] | None:
    """The rememberable part of a model's benchmarks block, or None when it holds nothing."""
    block = model.get("benchmarks")
    if not isinstance(block, Mapping):
        return None
    out: dict[str, Any] = {}
    aa = block.get("artificial_analysis")
    if isinstance(aa, Mapping):
        indices = {k: aa[k] for k in _INDICES if finite_number(aa.get(k)) is not None}
        if "coding_index" in indices and on_index_scale(indices["coding_index"]) is None:
            del indices["coding_index"]  # off the 0-100 scale: never remembered
        if indices:
            out["artificial_analysis"] = indices
    arena = block.get("design_arena")
    if isinstance(arena, list):
        rows = [
            {k: e[k] for k in ("arena", "category", "elo", "win_rate", "rank") if k in e}
            for e in arena
            if isinstance(e, Mapping)
            and finite_number(e.get("elo")) is not None
            and isinstance(e.get("arena"), str)
            and isinstance(e.get("category"), str)
        ]
        if rows:
            out["design_arena"] = sorted(rows, key=lambda r: (r["arena"], r["category"]))
    return out or None


def _valid_entries(memory: Any) -> list[Mapping[str, Any]]:
    models = memory.get("models") if isinstance(memory, Mapping) else None
    if not isinstance(models, list):
        return []
    return [
        m
        for m in models
        if isinstance(m, Mapping)
        and isinstance(m.get("id"), str)
        and isinstance(m.get("keys"), list)
        and isinstance(m.get("lastSeen"), str)
        and isinstance(m.get("evidence"), Mapping)
    ]


def remember(previous: Any, catalog_models: Iterable[Mapping[str, Any]]) -> dict[str, Any]:
    """The memory after seeing this catalog: its models' evidence replaces what was remembered for the same
    identity (unless the memory saw a newer catalog); the rest is kept until FORGET_AFTER_DAYS old."""
    catalog_models = list(catalog_models)
    day = catalog_date(catalog_models)
    entries = [dict(e) for e in _valid_entries(previous)]
    if day is None:
        return {
            "schemaVersion": EVIDENCE_MEMORY_VERSION,
            "asOf": previous.get("asOf") if isinstance(previous, Mapping) else None,
            "models": sorted(entries, key=lambda e: e["id"]),
        }
    seen = day.isoformat()
    previous_day = previous.get("asOf") if isinstance(previous, Mapping) else None
    newer = not isinstance(previous_day, str) or seen >= previous_day
    revision = index_revision(_index_pairs(entries, catalog_models, seen)) if newer else None
    for model in sorted(catalog_models, key=lambda m: str(m.get("id"))):
        evidence = _evidence(model)
        if evidence is None:
            continue
        keys = identity_keys(model)
        same = [e for e in entries if set(e["keys"]) & set(keys)]
        if any(e["lastSeen"] > seen for e in same):
            continue  # an older catalog does not overwrite what a newer one said
        entries = [e for e in entries if e not in same]
        merged = sorted(set(keys).union(*(e["keys"] for e in same)))
        entry: dict[str, Any] = {"id": base_id(model["id"]), "keys": merged, "lastSeen": seen, "evidence": evidence}
        # A part this listing lacks stays remembered from the entry (of any of the model's identities) that saw it
        # last, with that date.
        carried: dict[str, tuple[str, Any]] = {}
        for old in sorted(same, key=lambda e: e["id"]):
            for part, value in old["evidence"].items():
                part_seen = _part_seen(old, part)
                if part not in evidence and (part not in carried or part_seen > carried[part][0]):
                    carried[part] = (part_seen, value)
        if carried:
            entry["evidence"] = dict(evidence, **{part: value for part, (_, value) in carried.items()})
            entry["seen"] = {part: part_seen for part, (part_seen, _) in sorted(carried.items())}
        entries.append(entry)
    if revision is not None:
        entries = [_rescaled(entry, revision, seen) for entry in entries]
    as_of = max(seen, previous_day) if isinstance(previous_day, str) else seen
    limit = (datetime.date.fromisoformat(as_of) - datetime.timedelta(days=FORGET_AFTER_DAYS)).isoformat()
    kept: dict[str, dict[str, Any]] = {}
    for entry in entries:
        if entry["lastSeen"] >= limit:
            kept.setdefault(entry["id"], _without_parts_before(entry, limit))
    return {"schemaVersion": EVIDENCE_MEMORY_VERSION, "asOf": as_of, "models": [kept[k] for k in sorted(kept)]}


def _remembered_index(entry: Mapping[str, Any]) -> float | None:
    """An entry's remembered coding index, on the 0-100 scale, or None."""
    return finite_number(on_index_scale((entry["evidence"].get("artificial_analysis") or {}).get("coding_index")))


def _index_pairs(
    entries: Iterable[Mapping[str, Any]], catalog_models: Iterable[Mapping[str, Any]], seen: str
) -> list[tuple[float, float]]:
    """(remembered, listed now) coding index of each remembered model (one per entry) this listing scores too, the
    remembered value from an earlier listing: the points that show a revised index."""
    by_key: dict[str, Mapping[str, Any]] = {}
    for entry in entries:
        if _part_seen(entry, "artificial_analysis") < seen and _remembered_index(entry) is not None:
            for key in entry["keys"]:
                if isinstance(key, str) and (key not in by_key or entry["lastSeen"] > by_key[key]["lastSeen"]):
                    by_key[key] = entry
    pairs: dict[str, tuple[float, float]] = {}
    for model in sorted(catalog_models, key=lambda m: str(m.get("id"))):
        now = finite_number(on_index_scale(coding_index(model)))
        found = [by_key[k] for k in identity_keys(model) if k in by_key]
        if now is not None and found:
            entry = max(found, key=lambda e: (e["lastSeen"], e["id"]))
            old = _remembered_index(entry)
            if old is not None:
                pairs.setdefault(entry["id"], (old, now))
    return [pairs[k] for k in sorted(pairs)]


def _rescaled(entry: dict[str, Any], revision: LineFit, seen: str) -> dict[str, Any]:
    """entry with its coding index mapped onto the revised index, when it was seen on an earlier listing."""
    old = _remembered_index(entry)
    if old is None or _part_seen(entry, "artificial_analysis") >= seen:
        return entry
    aa = dict(entry["evidence"]["artificial_analysis"], coding_index=revision.apply(old))
    note = {"on": seen, "slope": round(revision.slope, 4), "intercept": round(revision.intercept, 2),
            "points": revision.points, "from": old}  # fmt: skip
    return dict(entry, evidence=dict(entry["evidence"], artificial_analysis=aa), rescaled=note)


def _part_seen(entry: Mapping[str, Any], part: str) -> str:
    """The catalog date an entry's evidence part was last seen: its own under ``seen``, else the entry's."""
    seen = entry.get("seen")
    day = seen.get(part) if isinstance(seen, Mapping) else None
    return day if isinstance(day, str) else entry["lastSeen"]


def _without_parts_before(entry: dict[str, Any], limit: str) -> dict[str, Any]:
    """entry without the carried parts last seen before limit (forgotten as a whole entry would be)."""
    old = [part for part in entry.get("seen") or () if _part_seen(entry, part) < limit]
    if not old:
        return entry
    seen = {part: day for part, day in entry["seen"].items() if part not in old}
    out = dict(entry, evidence={k: v for k, v in entry["evidence"].items() if k not in old}, seen=seen)
    if not seen:
        del out["seen"]
    return out


def _remembered_web(evidence: Mapping[str, Any]) -> tuple[str, float] | None:
    """(calibration key, Elo) of a remembered design_arena list: models/website, else agents/webapps."""
    rows = {
        f"web:{r.get('arena')}/{r.get('category')}": elo
        for r in evidence.get("design_arena") or ()
        if isinstance(r, Mapping) and (elo := finite_number(r.get("elo"))) is not None
    }
    return next(((key, rows[key]) for key in WEB_CATEGORIES if key in rows), None)


def recall(memory: Any, catalog_models: Iterable[Mapping[str, Any]]) -> dict[str, Remembered]:
    """Catalog id -> remembered evidence, for the catalog models whose listing lacks a coding index or a web Elo
    that the memory knows for their identity; the age is counted from the entry's last-seen date to this catalog's
    date."""
    catalog_models = list(catalog_models)
    day = catalog_date(catalog_models)
    by_key: dict[str, Mapping[str, Any]] = {}
    for entry in _valid_entries(memory):
        for key in entry["keys"]:
            if isinstance(key, str) and (key not in by_key or entry["lastSeen"] > by_key[key]["lastSeen"]):
                by_key[key] = entry
    out: dict[str, Remembered] = {}
    for model in catalog_models:
        found = sorted((by_key[k] for k in identity_keys(model) if k in by_key), key=lambda e: e["lastSeen"])
        if not found:
            continue
        entry = found[-1]
        value = None
        if coding_index(model) is None:  # an off-scale value in a memory file an older version wrote is dropped
            remembered = (entry["evidence"].get("artificial_analysis") or {}).get("coding_index")
            value = finite_number(on_index_scale(remembered))
        web = _remembered_web(entry["evidence"]) if web_elo(model) is None else None
        if value is None and web is None:
            continue
        seen = _part_seen(entry, "artificial_analysis") if value is not None else entry["lastSeen"]
        web_seen = _part_seen(entry, "design_arena") if web is not None else None
        age, web_age = _age(seen, day), (_age(web_seen, day) if web_seen is not None else None)
        if age is None:  # a date that is no date: that part is not used
            value, seen, age = None, entry["lastSeen"], 0.0
        if web_age is None:
            web, web_seen = None, None
        if value is None and web is None:
            continue
        out[model["id"]] = Remembered(value, seen, age, web, web_seen, web_age)
    return out


def _age(seen: str, day: datetime.date | None) -> float | None:
    """Days from seen to the catalog's date (0 without a date; never negative); None if seen is no date."""
    try:
        last = datetime.date.fromisoformat(seen)
    except ValueError:
        return None
    return float(max(0, (day - last).days)) if day is not None else 0.0
