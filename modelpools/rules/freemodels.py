"""Free-model rules: which OpenRouter entries are free text models, their cache records, parsing upstream bodies.

Pure functions, no I/O: the catalog stage (catalog.py) and the snapshot command (snapshot.py) apply them.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from decimal import Decimal, InvalidOperation
from typing import Any

from modelpools.errors import DataError
from modelpools.gcpause import gc_paused
from modelpools.jsonbytes import dump_json, parse_json_bytes
from modelpools.rules.modelids import is_model_id
from modelpools.rules.numbers import is_integer, is_number

__all__ = [
    "ROUTER_IDS",
    "is_free_model",
    "is_router",
    "is_text_model",
    "normalize_model",
    "on_index_scale",
    "parse_body",
    "prices_are_zero",
    "select_free_models",
    "select_reference_scores",
]

_WEB_CATEGORIES = {("models", "website"), ("agents", "webapps")}
# Ids that route to other models: never a model of their own, even when priced at zero.
ROUTER_IDS = frozenset({"openrouter/auto", "openrouter/free"})
_ZERO = Decimal(0)
_MAX_NESTING = 32  # upstream pricing/benchmarks objects nest 3 deep; far deeper is junk (and nears recursion limits)
_MAX_INT = 2**53
_DESCRIPTION_CHARS = 600  # deprecation notices open the text; 2026 listings cut it to about 330 characters anyway
_STRICT_JSON = json.JSONEncoder(ensure_ascii=False, allow_nan=False)


def _price(value: Any) -> Decimal | None:
    """A price as a Decimal; a missing or null price is zero; None if it is not a finite number."""
    if value is None:
        return _ZERO
    if not (isinstance(value, str) or is_number(value)):
        return None
    try:
        number = Decimal(str(value).strip())
    except InvalidOperation:
        return None
    return number if number.is_finite() else None


def _scalar_prices(entry: Mapping[str, Any]) -> dict[str, Any] | None:
    pricing = entry.get("pricing")
    if not isinstance(pricing, dict):
        return None
    return {k: v for k, v in pricing.items() if not isinstance(v, (list, dict))}


def is_router(entry: Mapping[str, Any]) -> bool:
    """True for routers: a known router id or any negative price (OpenRouter marks routers with "-1")."""
    if entry.get("id") in ROUTER_IDS:
        return True
    prices = _scalar_prices(entry) or {}
    return any((p := _price(v)) is not None and p < 0 for v in prices.values())


def prices_are_zero(pricing: Any) -> bool:
    """True when a pricing object's prompt and completion prices are both zero (a missing price counts as zero)."""
    return isinstance(pricing, Mapping) and all(
        not isinstance(pricing.get(key), (list, dict)) and _price(pricing.get(key)) == _ZERO
        for key in ("prompt", "completion")
    )


def is_free_model(entry: Mapping[str, Any]) -> bool:
    """True for a ``:free`` id or zero prompt and completion prices (missing = 0), routers excluded."""
    model_id = entry.get("id")
    prices = _scalar_prices(entry)
    if not isinstance(model_id, str) or prices is None or is_router(entry):
        return False
    if model_id.endswith(":free"):
        return True
    return prices_are_zero(prices)


def _modalities(entry: Mapping[str, Any], key: str, side: int) -> list[str] | None:
    arch = entry.get("architecture")
    if not isinstance(arch, dict):
        return None
    listed = arch.get(key)
    if isinstance(listed, list) and listed and all(isinstance(m, str) for m in listed):
        return sorted(set(listed))
    modality = arch.get("modality")
    if isinstance(modality, str) and "->" in modality:
        part = modality.split("->", 1)[side]
        names = {m.strip() for m in part.split("+") if m.strip()}
        return sorted(names) or None
    return None


def is_text_model(entry: Mapping[str, Any]) -> bool:
    """True when the model outputs text only (unknown modalities count as text, as in the oldest dumps)."""
    outputs = _modalities(entry, "output_modalities", 1)
    return outputs is None or outputs == ["text"]


def _str_or_none(value: Any) -> str | None:
    return value if isinstance(value, str) and value.strip() else None


def _int_or_none(value: Any) -> int | None:
    """A non-negative integer up to 2**53 (what every JSON reader holds exactly), else None."""
    return value if is_integer(value) and 0 <= value <= _MAX_INT else None


def normalize_model(entry: Any) -> dict[str, Any] | None:
    """The cache record for one upstream entry (records.CatalogCache holds them); None when the entry is malformed."""
    if not isinstance(entry, dict):
        return None
    model_id = entry.get("id")
    if not is_model_id(model_id):
        return None
    pricing = entry.get("pricing")
    if not isinstance(pricing, dict):
        return None
    prices: dict[str, Any] = {}
    for key, value in pricing.items():
        if is_number(value):
            value = str(value)
        if isinstance(key, str) and value is not None:
            prices[key] = value
    top = given if isinstance(given := entry.get("top_provider"), dict) else {}
    params = entry.get("supported_parameters")
    record: dict[str, Any] = {
        "id": model_id,
        "name": _str_or_none(entry.get("name")) or model_id,
        "canonical_slug": _str_or_none(entry.get("canonical_slug")),
        "hugging_face_id": _str_or_none(entry.get("hugging_face_id")),
        "created": _int_or_none(entry.get("created")),
        "context_length": _int_or_none(entry.get("context_length")) or _int_or_none(top.get("context_length")),
        "pricing": prices,
        "expiration_date": _str_or_none(entry.get("expiration_date")),
        "supported_parameters": sorted({p for p in params if isinstance(p, str)}) if isinstance(params, list) else [],
        "input_modalities": _modalities(entry, "input_modalities", 0) or ["text"],
        "output_modalities": _modalities(entry, "output_modalities", 1) or ["text"],
    }
    description = _str_or_none(entry.get("description"))
    if description:  # read by the eligibility rules (deprecation notices open the text)
        record["description"] = description[:_DESCRIPTION_CHARS]
    max_output = _int_or_none(top.get("max_completion_tokens"))
    if max_output:
        record["max_completion_tokens"] = max_output
    if isinstance(entry.get("benchmarks"), dict):
        record["benchmarks"] = entry["benchmarks"]
    return record


def _shallow(value: Any, levels: int) -> bool:
    """True when lists and objects in value nest at most levels deep."""
    if isinstance(value, dict):
        return levels > 0 and all(_shallow(v, levels - 1) for v in value.values())
    if isinstance(value, list):
        return levels > 0 and all(_shallow(v, levels - 1) for v in value)
    return True


def _cacheable(record: dict[str, Any]) -> bool:
    """True when record can go into the cache as canonical JSON: finite numbers, UTF-8 text, shallow nesting."""
    try:
        text = _STRICT_JSON.encode(record)
        text.encode("utf-8")
    except (ValueError, RecursionError):  # NaN/Infinity, a lone surrogate (UnicodeEncodeError), absurd nesting
        return False
    # Nesting never exceeds the number of brackets, so only a bracket-heavy record needs the walk.
    return text.count("[") + text.count("{") <= _MAX_NESTING or (
        _shallow(record["pricing"], _MAX_NESTING) and _shallow(record.get("benchmarks"), _MAX_NESTING)
    )


@gc_paused
def select_free_models(body: Any, include_non_text: bool = False) -> list[dict[str, Any]]:
    """Normalized free models of an upstream body, sorted by id; malformed entries skipped; DataError if no data list."""
    if not isinstance(body, dict) or not isinstance(body.get("data"), list):
        raise DataError("the catalog body has no 'data' list")
    chosen: dict[str, dict[str, Any]] = {}
    for entry in body["data"]:
        record = normalize_model(entry)
        if record is None or not is_free_model(entry):
            continue
        if not include_non_text and not is_text_model(entry):
            continue
        if not _cacheable(record):  # NaN/Infinity, lone surrogates (\ud800) or absurd nesting
            continue
        previous = chosen.get(record["id"])
        # Duplicate ids: keep the same one whatever the upstream order.
        if previous is None or dump_json(record) < dump_json(previous):
            chosen[record["id"]] = record
    return [chosen[key] for key in sorted(chosen)]


def coding_index(entry: Mapping[str, Any]) -> float | int | None:
    """benchmarks.artificial_analysis.coding_index when it is a number (not a bool) on its 0-100 scale, else None."""
    benchmarks = entry.get("benchmarks")
    aa = benchmarks.get("artificial_analysis") if isinstance(benchmarks, Mapping) else None
    return on_index_scale(aa.get("coding_index") if isinstance(aa, Mapping) else None)


def on_index_scale(value: Any) -> float | int | None:
    """value when it is a number (not a bool, not NaN) on the coding index's 0-100 scale, else None: every path that
    reads a coding index (the listing, the evidence memory, a memory file an older version wrote) drops the rest."""
    return value if is_number(value) and 0 <= value <= 100 else None


def select_reference_scores(body: Any) -> list[dict[str, Any]]:
    """Every text model of an upstream body (free or paid) with an Artificial Analysis coding_index, sorted by id.

    Compact records {id, name, canonical_slug, hugging_face_id, created, coding_index}: the common points on which
    the pools stage calibrates the other score sources onto the catalog's index.
    """
    if not isinstance(body, dict) or not isinstance(body.get("data"), list):
        raise DataError("the catalog body has no 'data' list")
    chosen: dict[str, dict[str, Any]] = {}
    for entry in body["data"]:
        record = normalize_model(entry)
        if record is None or is_router(entry) or not is_text_model(entry):
            continue
        value = coding_index(entry)
        if value is None or not 0 <= value <= 100:  # also rejects NaN
            continue
        reference = {key: record[key] for key in ("id", "name", "canonical_slug", "hugging_face_id", "created")}
        reference["coding_index"] = value
        arena = (record.get("benchmarks") or {}).get("design_arena")
        web = (
            [
                e
                for e in arena
                if isinstance(e, dict)
                and isinstance(e.get("arena"), str)
                and isinstance(e.get("category"), str)
                and (e["arena"], e["category"]) in _WEB_CATEGORIES
            ]
            if isinstance(arena, list)
            else []
        )
        if web:  # calibration points of the page role's web Elo
            reference["benchmarks"] = {"design_arena": web}
        try:
            text = dump_json(reference)
        except (ValueError, UnicodeEncodeError):  # a lone surrogate in a name
            continue
        previous = chosen.get(reference["id"])
        if previous is None or text < dump_json(previous):  # duplicate ids: the same one whatever the order
            chosen[reference["id"]] = reference
    return [chosen[key] for key in sorted(chosen)]


def parse_body(raw: bytes, where: str) -> Any:
    """JSON from an upstream body; DataError naming where for empty, HTML, non-UTF-8 or malformed bodies."""
    head = raw[:512].lstrip().lower()
    if not head:
        raise DataError(f"empty response body from {where}")
    if head.startswith(b"<"):
        raise DataError(f"{where} returned HTML, not JSON (a proxy or error page?)")
    return parse_json_bytes(raw, f"response from {where}")
