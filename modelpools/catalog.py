"""Catalog stage: fetch OpenRouter's model list, keep the free text models, cache them with a fallback policy."""

from __future__ import annotations

import json
import re
import sys
import time
from collections.abc import Callable, Mapping
from datetime import datetime, timezone
from decimal import Decimal, InvalidOperation
from pathlib import Path
from typing import Any

from . import log
from .freshness import catalog_is_fresh, read_meta
from .log import display_url
from .errors import DataError, FetchError, ModelPoolsError
from .fileio import DEFAULT_READ_LIMIT, dump_json, read_json, write_if_changed
from .resources import CATALOG_SNAPSHOT

__all__ = [
    "ROUTER_IDS",
    "SCHEMA_VERSION",
    "SNAPSHOT_FILE",
    "build_snapshot",
    "catalog_is_fresh",
    "is_free_model",
    "is_router",
    "is_text_model",
    "main",
    "normalize_model",
    "parse_body",
    "prices_are_zero",
    "refresh_catalog",
    "select_free_models",
    "select_reference_scores",
]

SCHEMA_VERSION = 1
SNAPSHOT_FILE = CATALOG_SNAPSHOT
# Ids that route to other models: never a model of their own, even when priced at zero.
ROUTER_IDS = frozenset({"openrouter/auto", "openrouter/free"})
_ZERO = Decimal(0)
_VALIDATOR_OK = re.compile(r"^[\x20-\x7e]{1,512}$")
_MAX_NESTING = 32  # upstream pricing/benchmarks objects nest 3 deep; far deeper is junk (and nears recursion limits)
_MAX_INT = 2 ** 53
_STRICT_JSON = json.JSONEncoder(ensure_ascii=False, allow_nan=False)
# An OpenRouter id as the pools schema accepts it (<= 200 chars; every id in the 2025-2026 dumps has this shape).
_MODEL_ID = re.compile(r"^~?[A-Za-z0-9][A-Za-z0-9._-]*/[A-Za-z0-9._~-]+(:[A-Za-z0-9._-]+)?\Z")


# ---------------------------------------------------------------- pure rules


def _price(value: Any) -> Decimal | None:
    """A price as a Decimal; a missing or null price is zero; None if it is not a finite number."""
    if value is None:
        return _ZERO
    if isinstance(value, bool) or not isinstance(value, (str, int, float)):
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
        for key in ("prompt", "completion"))


def is_free_model(entry: Mapping[str, Any]) -> bool:
    """True for a ``:free`` id or zero prompt and completion prices (missing = 0), routers excluded."""
    model_id = entry.get("id")
    prices = _scalar_prices(entry)
    if not isinstance(model_id, str) or prices is None or is_router(entry):
        return False
    if model_id.endswith(":free"):
        return True
    return _price(prices.get("prompt")) == _ZERO and _price(prices.get("completion")) == _ZERO


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
    return value if isinstance(value, int) and not isinstance(value, bool) and 0 <= value <= _MAX_INT else None


def normalize_model(entry: Any) -> dict[str, Any] | None:
    """The cache record for one upstream entry (see CONTRACTS.md); None when the entry is malformed."""
    if not isinstance(entry, dict):
        return None
    model_id = entry.get("id")
    if not isinstance(model_id, str) or len(model_id) > 200 or not _MODEL_ID.match(model_id):
        return None
    pricing = entry.get("pricing")
    if not isinstance(pricing, dict):
        return None
    prices: dict[str, Any] = {}
    for key, value in pricing.items():
        if isinstance(value, (int, float)) and not isinstance(value, bool):
            value = str(value)
        if isinstance(key, str) and value is not None:
            prices[key] = value
    top = entry.get("top_provider") if isinstance(entry.get("top_provider"), dict) else {}
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
    return (text.count("[") + text.count("{") <= _MAX_NESTING
            or _shallow(record["pricing"], _MAX_NESTING) and _shallow(record.get("benchmarks"), _MAX_NESTING))


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


def _coding_index(entry: Mapping[str, Any]) -> float | int | None:
    """benchmarks.artificial_analysis.coding_index when it is a number in 0-100, else None."""
    benchmarks = entry.get("benchmarks")
    aa = benchmarks.get("artificial_analysis") if isinstance(benchmarks, dict) else None
    value = aa.get("coding_index") if isinstance(aa, dict) else None
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        return None
    return value if 0 <= value <= 100 else None  # also rejects NaN


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
        value = _coding_index(entry)
        if value is None:
            continue
        reference = {key: record[key] for key in ("id", "name", "canonical_slug", "hugging_face_id", "created")}
        reference["coding_index"] = value
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
    try:
        return json.loads(raw.decode("utf-8"))
    except UnicodeDecodeError as exc:
        raise DataError(f"response from {where} is not UTF-8 (byte {exc.start})") from None
    except json.JSONDecodeError as exc:
        raise DataError(
            f"response from {where} is not valid JSON, perhaps truncated "
            f"(line {exc.lineno}, column {exc.colno}: {exc.msg})"
        ) from None
    except RecursionError:
        raise DataError(f"response from {where} nests JSON too deeply to be a model catalog") from None
    except ValueError as exc:  # an integer past Python's int/str conversion limit (4300 digits)
        raise DataError(f"response from {where} is not usable JSON ({str(exc)[:60]})") from None


# ---------------------------------------------------------------- cache and meta files


def _read_meta(settings) -> dict[str, Any]:
    return read_meta(settings.catalog_meta_file, "catalog meta file")


def _valid_models(doc: Any) -> list[dict[str, Any]] | None:
    if not isinstance(doc, dict) or doc.get("schemaVersion") != SCHEMA_VERSION:
        return None
    models = doc.get("models")
    if not isinstance(models, list) or not all(isinstance(m, dict) and isinstance(m.get("id"), str) for m in models):
        return None
    return models


def _read_cache_doc(settings) -> dict[str, Any] | None:
    """The cache document when it is usable (a models list), else None."""
    try:
        # Our own file, pretty-printed, may exceed the response cap (a lowered cap must not discard a good cache).
        limit = max(settings.max_response_bytes, DEFAULT_READ_LIMIT)
        doc = read_json(settings.catalog_file, "cached catalog", max_bytes=limit)
    except DataError:
        return None
    return doc if _valid_models(doc) is not None else None


def _write_cache(settings, models: list[dict[str, Any]], reference: list[dict[str, Any]]) -> None:
    doc = {"schemaVersion": SCHEMA_VERSION, "models": models, "referenceScores": reference}
    write_if_changed(settings.catalog_file, dump_json(doc))


def _source(settings) -> str:
    return display_url(settings.openrouter_url)


def _write_meta(settings, previous: Mapping[str, Any], now: float, **changes: Any) -> None:
    meta = {
        "source": _source(settings),
        "status": previous.get("status", "fallback"),
        "refreshedAt": previous.get("refreshedAt"),
        "attemptedAt": now,
        "etag": previous.get("etag"),
        "lastModified": previous.get("lastModified"),
        "lastError": previous.get("lastError"),
        "includeNonText": previous.get("includeNonText", False),
    }
    meta.update(changes)
    write_if_changed(settings.catalog_meta_file, dump_json(meta))


# ---------------------------------------------------------------- describing ages


def _age(seconds: float) -> str:
    seconds = max(0.0, seconds)
    if seconds < 3600:
        return f"{int(seconds // 60)} min"
    if seconds < 2 * 86400:
        return f"{int(seconds // 3600)} h"
    return f"{int(seconds // 86400)} d"


def _day(epoch: float) -> str:
    return datetime.fromtimestamp(epoch, timezone.utc).strftime("%Y-%m-%d")


def _describe_cache(settings, meta: Mapping[str, Any], now: float) -> tuple[str, float | None]:
    """('the cached catalog from 2026-05-01 (3 d old)', age in seconds or None)."""
    if meta.get("status") == "bundled":
        captured = _snapshot_date()
        when = _parse_day(captured)
        age = f" ({_age(now - when)} old)" if when is not None else ""
        return f"the bundled snapshot captured {captured}{age}", (now - when) if when is not None else None
    refreshed = meta.get("refreshedAt")
    if not isinstance(refreshed, (int, float)) or isinstance(refreshed, bool):
        try:
            refreshed = settings.catalog_file.stat().st_mtime
        except OSError:
            return "the cached catalog (age unknown)", None
    return f"the cached catalog from {_day(refreshed)} ({_age(now - refreshed)} old)", now - refreshed


def _parse_day(text: str) -> float | None:
    try:
        return datetime.strptime(text, "%Y-%m-%d").replace(tzinfo=timezone.utc).timestamp()
    except (TypeError, ValueError):
        return None


# ---------------------------------------------------------------- bundled snapshot


def _load_snapshot() -> dict[str, Any]:
    doc = read_json(SNAPSHOT_FILE, "bundled catalog snapshot")
    if _valid_models(doc) is None or not isinstance(doc.get("capturedAt"), str):
        raise DataError(f"bundled catalog snapshot at {SNAPSHOT_FILE} is malformed; reinstall modelpools")
    return doc


def _snapshot_date() -> str:
    try:
        return _load_snapshot()["capturedAt"]
    except DataError:
        return "an unknown date"


def _install_snapshot(settings, meta: Mapping[str, Any], now: float, reason: str) -> str:
    snapshot = _load_snapshot()
    _write_cache(settings, snapshot["models"], snapshot.get("referenceScores") or [])
    _write_meta(
        settings,
        meta,
        now,
        status="bundled",
        refreshedAt=None,
        etag=None,
        lastModified=None,
        lastError=reason,
        includeNonText=settings.include_non_text,
    )
    captured = snapshot["capturedAt"]
    log.warn(
        f"{reason}; no cached catalog, so using the BUNDLED SNAPSHOT captured {captured} "
        f"({len(snapshot['models'])} free models) - it may be out of date"
    )
    return f"catalog: {len(snapshot['models'])} free models from the bundled snapshot captured {captured}"


# ---------------------------------------------------------------- the refresh


def _validators(settings, meta: Mapping[str, Any], cache) -> dict[str, str]:
    """If-None-Match / If-Modified-Since when the cache came from this URL with this filter."""
    if cache is None or meta.get("source") != _source(settings) or meta.get("status") == "bundled":
        return {}
    if meta.get("includeNonText", False) != settings.include_non_text:
        return {}
    headers = {}
    for key, header in (("etag", "If-None-Match"), ("lastModified", "If-Modified-Since")):
        value = meta.get(key)
        if isinstance(value, str) and _VALIDATOR_OK.match(value):
            headers[header] = value
    return headers


def _clean_validator(value: str | None) -> str | None:
    return value if isinstance(value, str) and _VALIDATOR_OK.match(value) else None


def _check_shrink(models, cache, meta, where: str, cache_file: Path) -> None:
    if not models:
        raise DataError(f"the catalog from {where} lists no free models")
    if cache and meta.get("status") != "bundled" and len(models) * 2 < len(cache):
        raise DataError(
            f"the catalog from {where} lists only {len(models)} free models, under half of the "
            f"{len(cache)} cached; if this is real, delete {cache_file} and rebuild"
        )


def refresh_catalog(settings, *, sleep=None, policy=None, clock: Callable[[], float] = time.time) -> str:
    """Fetch the catalog and update the cache; on failure keep the cache (or install the snapshot) and warn."""
    from .http import RetryPolicy, fetch_sync

    now = clock()
    meta = _read_meta(settings)
    cache_doc = _read_cache_doc(settings)
    cache = cache_doc["models"] if cache_doc is not None else None
    if settings.offline:
        return _offline(settings, meta, cache, now)
    where = _source(settings)
    # A cache written before referenceScores existed is refetched in full, so a 304 cannot keep it without them.
    sent = _validators(settings, meta, cache) if cache_doc and "referenceScores" in cache_doc else {}
    try:
        response = fetch_sync(
            settings.openrouter_url,
            timeout=settings.http_timeout,
            max_bytes=settings.max_response_bytes,
            headers=sent,
            policy=policy or RetryPolicy(),
            sleep=sleep,
        )
        if response.status == 304:
            if not sent:
                raise FetchError(f"{where} answered 304 Not Modified to an unconditional request")
            _write_meta(
                settings,
                meta,
                now,
                status="ok",
                refreshedAt=now,
                lastError=None,
                etag=_clean_validator(response.header("ETag")) or meta.get("etag"),
                lastModified=_clean_validator(response.header("Last-Modified")) or meta.get("lastModified"),
            )
            return f"catalog: not modified since the last fetch; {len(cache)} free models from {where}"
        body = parse_body(response.body, where)
        models = select_free_models(body, settings.include_non_text)
        _check_shrink(models, cache, meta, where, settings.catalog_file)
        reference = select_reference_scores(body)
    except ModelPoolsError as exc:
        return _fall_back(settings, meta, cache, now, exc)
    _write_cache(settings, models, reference)
    _write_meta(
        settings,
        meta,
        now,
        status="ok",
        refreshedAt=now,
        lastError=None,
        etag=_clean_validator(response.header("ETag")),
        lastModified=_clean_validator(response.header("Last-Modified")),
        includeNonText=settings.include_non_text,
    )
    old = {m["id"] for m in cache or ()}
    new = {m["id"] for m in models}
    change = f"+{len(new - old)} -{len(old - new)}" if cache is not None else "first fetch"
    return f"catalog: {len(models)} free models of {len(body['data'])} listed at {where} ({change})"


def _fall_back(settings, meta, cache, now: float, exc: ModelPoolsError) -> str:
    reason = f"catalog refresh failed ({exc})"
    if settings.strict:
        _write_meta(
            settings, meta, now, status="bundled" if meta.get("status") == "bundled" else "fallback", lastError=str(exc)
        )
        raise exc
    if cache is None:
        return _install_snapshot(settings, meta, now, reason)
    status = "bundled" if meta.get("status") == "bundled" else "fallback"
    _write_meta(settings, meta, now, status=status, lastError=str(exc))
    described, _ = _describe_cache(settings, meta, now)
    log.warn(f"{reason}; keeping {described}")
    return f"catalog: refresh failed; using {described}, {len(cache)} free models"


def _offline(settings, meta, cache, now: float) -> str:
    if cache is None:
        if settings.strict:
            raise FetchError(
                f"offline and no cached catalog at {settings.catalog_file}; run once without "
                "MODELPOOLS_OFFLINE (or unset strict to use the bundled snapshot)"
            )
        return _install_snapshot(settings, meta, now, "offline mode")
    described, age = _describe_cache(settings, meta, now)
    if meta.get("status") == "bundled" or age is None or age >= settings.catalog_ttl:
        log.warn(f"offline mode: not refreshing the catalog; using {described}, which is stale")
    return f"catalog: offline; using {described}, {len(cache)} free models"


# ---------------------------------------------------------------- snapshot maintenance command


def build_snapshot(body: Any, captured: str, source: str) -> dict[str, Any]:
    """The bundled-snapshot document: the cache form (free models and referenceScores) plus capturedAt and source."""
    if _parse_day(captured) is None:
        raise DataError(f"capture date {captured!r} is not YYYY-MM-DD")
    models = select_free_models(body, include_non_text=False)
    if not models:
        raise DataError(f"the catalog from {source} lists no free models; refusing to write an empty snapshot")
    return {"schemaVersion": SCHEMA_VERSION, "capturedAt": captured, "source": source, "models": models,
            "referenceScores": select_reference_scores(body)}


def main(argv: list[str] | None = None) -> int:
    """``python -m modelpools.catalog snapshot [--from FILE_OR_URL] [--captured YYYY-MM-DD]``."""
    import argparse

    from .settings import load_settings

    parser = argparse.ArgumentParser(prog="python -m modelpools.catalog", description=__doc__)
    commands = parser.add_subparsers(dest="command", required=True)
    snap = commands.add_parser("snapshot", help="regenerate the bundled catalog snapshot")
    snap.add_argument("--from", dest="origin", help="a catalog dump file or URL (default: the configured URL)")
    snap.add_argument("--captured", help="capture date YYYY-MM-DD (default: from the file name, else today)")
    snap.add_argument("--source", help="text for the snapshot's source key (default: the URL or file name)")
    snap.add_argument("--output", type=Path, default=SNAPSHOT_FILE, help="where to write (default: %(default)s)")
    args = parser.parse_args(argv)
    try:
        settings = load_settings()
        origin = args.origin or settings.openrouter_url
        if re.match(r"^https?://", origin, re.IGNORECASE):
            from .http import fetch_sync

            response = fetch_sync(origin, timeout=settings.http_timeout, max_bytes=settings.max_response_bytes)
            raw, source = response.body, display_url(origin)
            captured = args.captured or datetime.now(timezone.utc).strftime("%Y-%m-%d")
        else:
            path = Path(origin)
            try:
                raw = path.read_bytes()
            except OSError as exc:
                raise DataError(f"cannot read catalog dump {path}: {exc.strerror}") from None
            source = path.name
            found = re.search(r"\d{4}-\d{2}-\d{2}", path.name)
            captured = args.captured or (found.group(0) if found else None)
            if captured is None:
                raise DataError(f"no date in the file name {path.name}; pass --captured YYYY-MM-DD")
        snapshot = build_snapshot(parse_body(raw, source), captured, args.source or source)
        written = write_if_changed(args.output, dump_json(snapshot))
    except ModelPoolsError as exc:
        print(f"modelpools: error: {exc}", file=sys.stderr, flush=True)
        return 1
    state = "written" if written else "unchanged"
    print(f"snapshot {state}: {args.output} ({len(snapshot['models'])} free models, "
          f"{len(snapshot['referenceScores'])} reference scores, captured {captured})")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
