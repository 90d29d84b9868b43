"""Check a pools document against schemas/model-pools.schema.json and the ranking invariants."""

from __future__ import annotations

import json
import math
import re
import sys
from collections.abc import Collection, Iterable, Mapping
from typing import Any

from modelpools.errors import PoolsInvalid
from modelpools.rules.changes import expiring_models, expiry_tier
from modelpools.rules.numbers import is_integer
from modelpools.rules.ranking import rank_key, tier_sizes
from modelpools.rules.schemacheck import SchemaCheck

__all__ = ["inline_refs", "json_path", "validate_pools", "describe_pools", "expiry_warning"]

_IDENT = re.compile(r"^[A-Za-z_][A-Za-z0-9_]*$")
_MAX_DETAIL = 200


def json_path(parts: Iterable[Any]) -> str:
    """``$.tiers[1].models[0]`` from ("tiers", 1, "models", 0)."""
    out = "$"
    for part in parts:
        if isinstance(part, int):
            out += f"[{part}]"
        elif _IDENT.match(str(part)):
            out += f".{part}"
        else:
            out += "[" + json.dumps(str(part)) + "]"
    return out


def _invalid(parts: Iterable[Any], detail: str) -> PoolsInvalid:
    path = json_path(parts)
    detail = " ".join(detail.split())
    if len(detail) > _MAX_DETAIL:
        detail = detail[: _MAX_DETAIL - 3] + "..."
    return PoolsInvalid(f"model-pools.json invalid at {path}: {detail}", path)


def inline_refs(schema: Mapping[str, Any]) -> dict[str, Any]:
    """The schema with every local ``{"$ref": "#/$defs/<name>"}`` replaced by that definition (siblings kept under
    ``allOf``), so a validator never looks a reference up (a ``$ref`` per model field is a ``referencing`` lookup per
    model), and rules.schemacheck can split the schema. The errors (keyword, message, path) are the same."""
    defs = schema.get("$defs", {})

    def inline(node: Any, stack: tuple[str, ...]) -> Any:
        if isinstance(node, list):
            return [inline(item, stack) for item in node]
        if not isinstance(node, dict):
            return node
        ref = node.get("$ref")
        name = ref[len("#/$defs/") :] if isinstance(ref, str) and ref.startswith("#/$defs/") else None
        if (
            name is None or name not in defs or name in stack
        ):  # not a local definition, or recursive: left to the resolver
            return {key: inline(value, stack) if key != "$defs" else value for key, value in node.items()}
        target = inline(defs[name], stack + (name,))
        rest = {key: inline(value, stack) for key, value in node.items() if key != "$ref"}
        return {"allOf": [target], **rest} if rest else target

    return inline(schema, ())


def _check_schema(doc: Any, check: SchemaCheck) -> None:
    if check.is_valid(doc):  # the common case, fast; the message of an invalid one comes from the whole validator
        return
    errors = list(check.validator.iter_errors(doc))
    if not errors:
        return

    def key(error: Any) -> tuple:
        parts = tuple((0, p, "") if isinstance(p, int) else (1, 0, str(p)) for p in error.absolute_path)
        return (parts, str(error.validator), error.message)

    first = min(errors, key=key)
    raise _invalid(first.absolute_path, first.message)


def _numbers_ok(value: Any) -> bool:
    """True when every number in value is finite and within a double; False also for any unusual type (a subclass),
    which _check_numbers then looks at. No JSON path is built: the common case."""
    kind = type(value)
    if kind is dict:
        return all(map(_numbers_ok, value.values()))
    if kind is list:
        return all(map(_numbers_ok, value))
    if kind is float:
        return math.isfinite(value)
    if kind is int:
        return abs(value) <= sys.float_info.max
    return kind is str or kind is bool or value is None


def _check_numbers(value: Any, parts: tuple = ()) -> None:
    """Every number finite and within a double (JSON readers elsewhere hold no more); NaN passes the schema's bounds."""
    if (isinstance(value, float) and not math.isfinite(value)) or (
        is_integer(value) and abs(value) > sys.float_info.max
    ):
        raise _invalid(parts, "is not a finite number (NaN, Infinity or beyond a double)")
    if isinstance(value, dict):
        for key, item in value.items():
            _check_numbers(item, parts + (key,))
    elif isinstance(value, list):
        for i, item in enumerate(value):
            _check_numbers(item, parts + (i,))


def _check_ids_and_ranks(doc: Mapping[str, Any], catalog_ids: Collection[str] | None, task_prefix: str) -> None:
    seen: dict[str, tuple[str, int]] = {}
    for section in ("models", "unranked"):
        for i, entry in enumerate(doc[section]):
            mid = entry["id"]
            if mid in seen:
                first = json_path((*seen[mid], "id"))
                raise _invalid((section, i, "id"), f"{mid!r} is listed twice (first at {first})")
            seen[mid] = (section, i)
            if catalog_ids is not None and mid not in catalog_ids:
                raise _invalid(
                    (section, i, "id"),
                    f"{mid!r} is not a free model in the catalog cache; run `doit {task_prefix}pools`",
                )
    models = doc["models"]
    for i, entry in enumerate(models):
        if entry["rank"] != i + 1:
            raise _invalid(
                ("models", i, "rank"), f"rank {entry['rank']} at position {i + 1}; ranks must be 1..n in order"
            )
        if i and rank_key(entry["codingScore"], entry["contextLength"], entry["id"]) < rank_key(
            models[i - 1]["codingScore"], models[i - 1]["contextLength"], models[i - 1]["id"]
        ):
            raise _invalid(("models", i), f"{entry['id']!r} (coding score {entry['codingScore']}) is out of rank order")
        _check_published_score(entry, i)


def _check_published_score(entry: Mapping[str, Any], i: int) -> None:
    """The contract of a ranked entry's numbers: codingScore is the rank score, estimate - uncertainty (each rounded
    to 0.01 on its own, so within 0.011)."""
    if entry["rankScore"] != entry["codingScore"]:
        raise _invalid(
            ("models", i, "rankScore"), f"{entry['rankScore']} differs from codingScore {entry['codingScore']}"
        )
    if abs(entry["estimate"] - entry["uncertainty"] - entry["codingScore"]) > 0.011:
        raise _invalid(
            ("models", i, "codingScore"),
            f"{entry['codingScore']} is not estimate - uncertainty ({entry['estimate']} - {entry['uncertainty']})",
        )


def _check_tiers(doc: Mapping[str, Any]) -> None:
    models = doc["models"]
    tier_of = {m["id"]: m["tier"] for m in models}
    position = {m["id"]: i for i, m in enumerate(models)}
    placed: dict[str, str] = {}
    expected = 0
    for t, tier in enumerate(doc["tiers"]):
        for j, mid in enumerate(tier["models"]):
            where = ("tiers", t, "models", j)
            if mid not in position:
                raise _invalid(where, f"{mid!r} is not a ranked model")
            if mid in placed:
                raise _invalid(where, f"{mid!r} is in more than one tier ({placed[mid]} and {tier['name']})")
            placed[mid] = tier["name"]
            if tier_of[mid] != tier["name"]:
                raise _invalid(
                    ("models", position[mid], "tier"),
                    f"{mid!r} says tier {tier_of[mid]} but is listed in {tier['name']}",
                )
            if position[mid] != expected:
                raise _invalid(
                    where, f"{mid!r} is out of rank order (rank {position[mid] + 1}, expected rank {expected + 1})"
                )
            expected += 1
    for i, entry in enumerate(models):
        if entry["id"] not in placed:
            raise _invalid(("models", i), f"{entry['id']!r} is in no tier")
    settings = doc["inputs"]["settings"]
    sizes = tier_sizes(len(models), settings["large_cutoff"], settings["medium_cutoff"])
    for t, (tier, size) in enumerate(zip(doc["tiers"], sizes)):  # provisional models are cut like measured ones
        if len(tier["models"]) != size:
            raise _invalid(
                ("tiers", t, "models"), f"{tier['name']} holds {len(tier['models'])} models; the cut-offs give {size}"
            )


def _check_defaults(doc: Mapping[str, Any]) -> None:
    ranked = {m["id"] for m in doc["models"]}
    for key, value in doc["chosenDefaults"].items():
        where = ("chosenDefaults", key)
        if value is None and ranked:
            raise _invalid(where, "is null but there are ranked models")
        if value is not None and value not in ranked:
            raise _invalid(where, f"{value!r} is not a ranked model")
    deprecated = {m["id"] for m in doc["models"] if m["deprecated"]}
    for key, value in doc["chosenDefaults"].items():
        if value in deprecated and deprecated != ranked:
            raise _invalid(("chosenDefaults", key), f"{value!r} is deprecated but non-deprecated models are ranked")
        role = doc["roles"].get(key)
        if role is None or role["model"] != value:
            raise _invalid(("roles", key), f"does not record the chosen default {value!r}")
    unusable = {m["id"] for m in doc["models"] if (m.get("usage") or {}).get("verdict") == "unavailable"}
    for key, value in doc["chosenDefaults"].items():  # the usage ledger's unavailable models give way too
        if value in unusable and unusable != ranked:
            raise _invalid(("chosenDefaults", key), f"{value!r} is unavailable (usage ledger) but others are ranked")


def _check_summary(doc: Mapping[str, Any]) -> None:
    summary = doc["summary"]
    actual = {
        "ranked": len(doc["models"]),
        "unranked": len(doc["unranked"]),
        "excluded": len(doc["excluded"]),
        "freeModels": len(doc["models"]) + len(doc["unranked"]),
    }
    for key in ("freeModels", "ranked", "unranked", "excluded"):
        if summary[key] != actual[key]:
            raise _invalid(("summary", key), f"says {summary[key]} but the file lists {actual[key]}")
    for tier in doc["tiers"]:
        if summary["tiers"][tier["name"]] != len(tier["models"]):
            raise _invalid(
                ("summary", "tiers", tier["name"]),
                f"says {summary['tiers'][tier['name']]} but the tier lists {len(tier['models'])}",
            )


def validate_pools(
    doc: Any, catalog_ids: Collection[str] | None = None, task_prefix: str = "", *, schema: SchemaCheck
) -> None:
    """Raise PoolsInvalid (with the JSON path) at the first schema or invariant violation; None when valid.

    "Only free models" is checked twice: the schema requires every entry's pricing evidence to be zero, and with
    catalog_ids (the free models of the catalog cache) every id must be one of them. task_prefix names the tasks
    in hints (`doit <prefix>pools`). schema: the pools schema's check, ``records.PoolsSchema.installed().check``.
    """
    _check_schema(doc, schema)
    if not _numbers_ok(doc):
        _check_numbers(doc)  # finds the first bad number and its path
    _check_ids_and_ranks(doc, catalog_ids, task_prefix)
    _check_tiers(doc)
    _check_defaults(doc)
    _check_summary(doc)


def describe_pools(doc: Mapping[str, Any], top: int | None = None) -> list[str]:
    """Human lines for a valid pools document: counts, tiers with ids and scores, defaults."""
    summary = doc["summary"]
    scores = {m["id"]: m["codingScore"] for m in doc["models"]}
    provisional = f" ({summary['provisional']} provisional)" if summary.get("provisional") else ""
    lines = [
        f"{summary['freeModels']} free models: {summary['ranked']} ranked{provisional}, {summary['unranked']} unranked"
    ]
    for tier in doc["tiers"]:
        shown = tier["models"] if top is None else tier["models"][:top]
        more = len(tier["models"]) - len(shown)
        listed = ", ".join(f"{mid} ({scores[mid]:.1f})" for mid in shown) or "-"
        lines.append(f"  {tier['name']:<6} {len(tier['models']):>3}: {listed}" + (f", +{more} more" if more else ""))
    defaults = doc["chosenDefaults"]
    lines.append(
        f"defaults: bulk={defaults['bulkModel']} page={defaults['pageModel']} smallTasks={defaults['smallTasksModel']}"
    )
    return lines


def expiry_warning(doc: Mapping[str, Any], warning_days: int, now: float) -> str | None:
    """One line naming the ranked models (with their tier) that expired or expire within warning_days, or None (the
    clock only warns)."""
    found = expiring_models(doc, warning_days, now)
    if not found:
        return None
    parts = [
        f"{mid} ({expiry_tier(doc, mid)}) {'expired' if left < 0 else 'expires'} {date[:10]}"
        + (f" ({-left} d ago)" if left < 0 else f" (in {left} d)")
        for mid, date, left in found
    ]
    return (
        f"{len(found)} ranked model{'s' * (len(found) != 1)} expired or expiring within {warning_days} days: "
        f"{', '.join(parts)}; they stay ranked while the catalog lists them"
    )
