"""Catalog stage: fetch OpenRouter's model list, keep the free text models, cache them with a fallback policy.

The free-model rules live in freemodels.py; ``python -m modelpools.catalog snapshot`` runs snapshot.py.
"""

from __future__ import annotations

import re
import time
from collections.abc import Callable, Mapping
from datetime import datetime, timezone
from pathlib import Path
from typing import Any

from . import log
from .errors import DataError, FetchError, ModelPoolsError
from .fileio import DEFAULT_READ_LIMIT, dump_json, read_json, write_if_changed
from .freemodels import parse_body, select_free_models, select_reference_scores
from .freshness import catalog_is_fresh, read_meta
from .log import display_url
from .resources import CATALOG_SNAPSHOT

__all__ = ["SCHEMA_VERSION", "catalog_is_fresh", "parse_day", "refresh_catalog"]

SCHEMA_VERSION = 1
_VALIDATOR_OK = re.compile(r"^[\x20-\x7e]{1,512}$")


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
        when = parse_day(captured)
        age = f" ({_age(now - when)} old)" if when is not None else ""
        return f"the bundled snapshot captured {captured}{age}", (now - when) if when is not None else None
    refreshed = meta.get("refreshedAt")
    if not isinstance(refreshed, (int, float)) or isinstance(refreshed, bool):
        try:
            refreshed = settings.catalog_file.stat().st_mtime
        except OSError:
            return "the cached catalog (age unknown)", None
    return f"the cached catalog from {_day(refreshed)} ({_age(now - refreshed)} old)", now - refreshed


def parse_day(text: str) -> float | None:
    """Midnight UTC of a YYYY-MM-DD date in epoch seconds; None when text is no such date."""
    try:
        return datetime.strptime(text, "%Y-%m-%d").replace(tzinfo=timezone.utc).timestamp()
    except (TypeError, ValueError):
        return None


# ---------------------------------------------------------------- bundled snapshot


def _load_snapshot() -> dict[str, Any]:
    doc = read_json(CATALOG_SNAPSHOT, "bundled catalog snapshot")
    if _valid_models(doc) is None or not isinstance(doc.get("capturedAt"), str):
        raise DataError(f"bundled catalog snapshot at {CATALOG_SNAPSHOT} is malformed; reinstall modelpools")
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


def _write_refreshed(settings, meta: Mapping[str, Any], now: float, response, *, keep_validators: bool = False,
                     **changes: Any) -> None:
    """Record a successful fetch: status ok, refreshed now, the response's validators (or, if kept, the old ones)."""
    old = meta if keep_validators else {}
    _write_meta(
        settings,
        meta,
        now,
        status="ok",
        refreshedAt=now,
        lastError=None,
        etag=_clean_validator(response.header("ETag")) or old.get("etag"),
        lastModified=_clean_validator(response.header("Last-Modified")) or old.get("lastModified"),
        **changes,
    )


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
            _write_refreshed(settings, meta, now, response, keep_validators=True)
            return f"catalog: not modified since the last fetch; {len(cache)} free models from {where}"
        body = parse_body(response.body, where)
        models = select_free_models(body, settings.include_non_text)
        _check_shrink(models, cache, meta, where, settings.catalog_file)
        reference = select_reference_scores(body)
    except ModelPoolsError as exc:
        return _fall_back(settings, meta, cache, now, exc)
    _write_cache(settings, models, reference)
    _write_refreshed(settings, meta, now, response, includeNonText=settings.include_non_text)
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


if __name__ == "__main__":  # the maintainer command, kept under its documented name
    from .snapshot import main

    raise SystemExit(main())
