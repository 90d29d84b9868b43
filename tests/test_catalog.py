"""Catalog stage: fetch, retries, cache, fallback policy (down to the bundled snapshot), offline mode and freshness."""

from __future__ import annotations

import dataclasses
import hashlib
import json
import random
import socket
import subprocess
import sys
import time

import pytest
from support import Reply, colon_free_ids, dump

from modelpools.errors import DataError, FetchError, ResponseTooLarge
from modelpools.io.http import RetryPolicy, parse_retry_after
from modelpools.meta import CATALOG_CACHE_VERSION
from modelpools.resources import CATALOG_SNAPSHOT
from modelpools.rules.freemodels import select_reference_scores
from modelpools.settings import load_settings
from modelpools.slices import CatalogSettings
from modelpools.stages.catalog import catalog_is_fresh, refresh_catalog
from modelpools.stages.freshness import catalog_up_to_date, retry_interval

NOW = 1_777_593_600.0  # 2026-05-01 00:00 UTC
DAY = 86400.0


class Sleeps:
    """An injectable async sleep that records the delays instead of waiting."""

    def __init__(self) -> None:
        self.delays: list[float] = []

    async def __call__(self, seconds: float) -> None:
        self.delays.append(seconds)


def make_settings(tmp_path, server, **changes):
    env = {"MODELPOOLS_OPENROUTER_URL": f"{server.url}/api/v1/models"}
    return dataclasses.replace(load_settings(tmp_path, environ=env), **changes)


def run(settings, now=NOW, sleeps=None):
    return refresh_catalog(CatalogSettings.of(settings), sleep=sleeps or Sleeps(), clock=lambda: now)


def cached_ids(settings) -> list[str]:
    return [m["id"] for m in json.loads(settings.files.catalog_file.read_bytes())["models"]]


def meta(settings) -> dict:
    return json.loads(settings.files.catalog_meta_file.read_bytes())


def seed_cache(settings, server, raw: bytes, now=NOW - 3 * DAY) -> bytes:
    """Fill the cache with a good fetch of raw (as it was at ``now``); return the cache bytes."""
    server.add(Reply(body=raw, headers={"ETag": '"seed"'}))
    run(settings, now=now)
    return settings.files.catalog_file.read_bytes()


# ---------------------------------------------------------------- happy paths


def test_first_fetch_caches_the_free_text_models(tmp_path, http_server, shared_data, capsys):
    raw = dump(shared_data, "models-2026-08-18.json")
    http_server.add(Reply(body=raw, headers={"ETag": 'W/"abc"', "Last-Modified": "Tue, 18 Aug 2026 20:00:00 GMT"}))
    settings = make_settings(tmp_path, http_server)

    summary = run(settings)

    # 2026-08-18 has no zero-priced text model without ':free' besides the router openrouter/free.
    assert set(cached_ids(settings)) == colon_free_ids(raw)
    assert cached_ids(settings) == sorted(cached_ids(settings)) and len(cached_ids(settings)) == 17
    gpt = next(
        m
        for m in json.loads(settings.files.catalog_file.read_bytes())["models"]
        if m["id"] == "openai/gpt-oss-20b:free"
    )
    assert gpt["pricing"] == {"prompt": "0", "completion": "0"}
    assert gpt["benchmarks"]["artificial_analysis"]["coding_index"] == 20.7
    assert gpt["canonical_slug"] == "openai/gpt-oss-20b" and gpt["context_length"] == 131072
    assert set(gpt) >= {
        "id",
        "name",
        "hugging_face_id",
        "created",
        "expiration_date",
        "supported_parameters",
        "input_modalities",
        "output_modalities",
    }
    assert meta(settings) == {
        "source": settings.openrouter_url,
        "status": "ok",
        "refreshedAt": NOW,
        "attemptedAt": NOW,
        "etag": 'W/"abc"',
        "lastModified": "Tue, 18 Aug 2026 20:00:00 GMT",
        "lastError": None,
        "includeNonText": False,
        "failures": 0,
        "failedAt": None,
        "cacheVersion": 2,
        "cacheSha256": hashlib.sha256(settings.files.catalog_file.read_bytes()).hexdigest(),  # the validators' bytes
    }
    assert summary == f"catalog: 17 free models of 414 listed at {settings.openrouter_url} (first fetch)"
    assert "If-None-Match" not in http_server.requests[0].headers
    assert capsys.readouterr().err == ""


def test_not_modified_keeps_the_cache_bytes_and_counts_as_a_refresh(tmp_path, http_server, test_data):
    raw = dump(test_data, "models-2026-05-01.json")

    def honour_etag(request):
        if request.headers.get("If-None-Match") == '"v1"':
            return Reply(status=304, headers={"ETag": '"v1"'})
        return Reply(body=raw, headers={"ETag": '"v1"'})

    http_server.handler = honour_etag
    settings = make_settings(tmp_path, http_server)
    run(settings, now=NOW)
    before = settings.files.catalog_file.read_bytes()
    mtime = settings.files.catalog_file.stat().st_mtime_ns

    summary = run(settings, now=NOW + DAY)

    assert http_server.requests[1].headers["If-None-Match"] == '"v1"'
    assert (
        settings.files.catalog_file.read_bytes() == before and settings.files.catalog_file.stat().st_mtime_ns == mtime
    )
    assert meta(settings)["status"] == "ok" and meta(settings)["refreshedAt"] == NOW + DAY
    assert "not modified" in summary


def test_real_day_to_day_change_2026_04_30_to_05_01(tmp_path, http_server, test_data):
    old, new = dump(test_data, "models-2026-04-30.json"), dump(test_data, "models-2026-05-01.json")
    http_server.add(Reply(body=old), Reply(body=new))
    settings = make_settings(tmp_path, http_server)

    run(settings, now=NOW - DAY)
    assert set(cached_ids(settings)) == colon_free_ids(old)  # lyria (audio) and openrouter/free are left out
    summary = run(settings, now=NOW)

    # The ':free' set is the same on both days; the stealth model openrouter/owl-alpha appears at price 0.
    assert colon_free_ids(old) == colon_free_ids(new)
    assert set(cached_ids(settings)) == colon_free_ids(new) | {"openrouter/owl-alpha"}
    assert "(+1 -0)" in summary
    for absent in ("openrouter/free", "openrouter/auto", "google/lyria-3-pro-preview", "openrouter/pareto-code"):
        assert absent not in cached_ids(settings)


def test_real_catalog_change_2025_12_04_to_2026_01_29(tmp_path, http_server, test_data):
    old, new = dump(test_data, "models-2025-12-04.json"), dump(test_data, "models-2026-01-29.json")
    http_server.add(Reply(body=old), Reply(body=new))
    settings = make_settings(tmp_path, http_server)

    run(settings, now=NOW - DAY)
    assert set(cached_ids(settings)) == colon_free_ids(old)
    assert "kwaipilot/kat-coder-pro:free" in cached_ids(settings)
    summary = run(settings, now=NOW)

    assert set(cached_ids(settings)) == colon_free_ids(new)  # 2026 dumps omit zero price keys: still free
    assert "openai/gpt-oss-120b:free" in cached_ids(settings)
    assert "kwaipilot/kat-coder-pro:free" not in cached_ids(settings)
    added, removed = colon_free_ids(new) - colon_free_ids(old), colon_free_ids(old) - colon_free_ids(new)
    assert (len(added), len(removed)) == (11, 7)
    assert "(+11 -7)" in summary


def test_same_upstream_content_gives_identical_bytes(tmp_path, http_server, test_data):
    raw = dump(test_data, "models-2025-08-31.json")
    body = json.loads(raw)
    random.Random(7).shuffle(body["data"])
    shuffled = json.dumps(body, separators=(",", ":")).encode()
    http_server.add(Reply(body=raw), Reply(body=raw), Reply(body=shuffled))
    first, second = make_settings(tmp_path / "a", http_server), make_settings(tmp_path / "b", http_server)

    run(first, now=NOW)
    original = first.files.catalog_file.read_bytes()
    run(first, now=NOW + DAY)
    run(second, now=NOW + 2 * DAY)

    assert first.files.catalog_file.read_bytes() == original
    assert second.files.catalog_file.read_bytes() == original
    assert "google/gemini-2.5-pro-exp-03-25" in cached_ids(first)  # zero-priced text model without ':free'
    assert "google/gemini-2.5-flash-image-preview:free" not in cached_ids(first)  # outputs images


# ---------------------------------------------------------------- retries


def test_500_twice_then_200_succeeds_after_backoff(tmp_path, http_server, test_data):
    http_server.add(Reply(status=500), Reply(status=502), Reply(body=dump(test_data, "models-2026-05-01.json")))
    settings = make_settings(tmp_path, http_server)
    sleeps = Sleeps()

    run(settings, sleeps=sleeps)

    assert http_server.hits == 3
    assert sleeps.delays == [1.0, 2.0]
    assert meta(settings)["status"] == "ok"


def test_429_honours_retry_after(tmp_path, http_server, test_data):
    http_server.add(
        Reply(status=429, body=dump(test_data, "errors/429-free-models-per-min.json"), headers={"Retry-After": "7"}),
        Reply(status=503, headers={"Retry-After": "3600"}),
        Reply(body=dump(test_data, "models-2026-05-01.json")),
    )
    settings = make_settings(tmp_path, http_server)
    sleeps = Sleeps()

    run(settings, sleeps=sleeps)

    assert sleeps.delays == [7.0, 60.0]  # the second wait is capped at 60 s
    assert meta(settings)["status"] == "ok"


def test_parse_retry_after_accepts_seconds_and_http_dates():
    assert parse_retry_after("120") == 120.0
    assert parse_retry_after("Fri, 01 May 2026 00:00:30 GMT", now=NOW) == 30.0
    assert parse_retry_after("Fri, 01 May 2026 00:00:00 GMT", now=NOW + 5) == 0.0
    assert parse_retry_after("soon") is None and parse_retry_after(None) is None


def test_other_4xx_is_not_retried(tmp_path, http_server, test_data, capsys):
    settings = make_settings(tmp_path, http_server)
    cache = seed_cache(settings, http_server, dump(test_data, "models-2026-05-01.json"))
    http_server.add(Reply(status=404))

    run(settings)

    assert http_server.hits == 2
    assert settings.files.catalog_file.read_bytes() == cache
    assert "HTTP 404" in capsys.readouterr().err


def test_timeout_falls_back_after_three_attempts(tmp_path, http_server, test_data, capsys):
    settings = make_settings(tmp_path, http_server)
    cache = seed_cache(settings, http_server, dump(test_data, "models-2026-05-01.json"))
    capsys.readouterr()
    http_server.default = Reply(stall=30)
    settings = dataclasses.replace(settings, http_timeout=0.3)

    started = time.monotonic()
    summary = run(settings)

    assert time.monotonic() - started < 5
    assert http_server.hits == 1 + 3
    assert settings.files.catalog_file.read_bytes() == cache
    err = capsys.readouterr().err
    assert "timed out (limit 0.3 s) after 3 attempts" in err
    assert "refresh failed" in summary


# ---------------------------------------------------------------- bad bodies and the fallback policy


def test_fallback_keeps_cache_and_warns_once_with_its_age(tmp_path, http_server, test_data, capsys):
    settings = make_settings(tmp_path, http_server)
    cache = seed_cache(settings, http_server, dump(test_data, "models-2026-05-01.json"), now=NOW - 3 * DAY)
    capsys.readouterr()
    http_server.default = Reply(status=500)

    run(settings, now=NOW)

    err = capsys.readouterr().err
    assert err.count("\n") == 1
    assert err == (
        f"modelpools: warning: catalog refresh failed (HTTP 500 after 3 attempts from {settings.openrouter_url}); "
        "keeping the cached catalog from 2026-04-28 (3 d old)\n"
    )
    assert settings.files.catalog_file.read_bytes() == cache
    assert meta(settings)["status"] == "fallback"
    assert meta(settings)["refreshedAt"] == NOW - 3 * DAY and meta(settings)["attemptedAt"] == NOW
    assert meta(settings)["etag"] == '"seed"'
    assert not catalog_is_fresh(CatalogSettings.of(settings), NOW)


@pytest.mark.parametrize(
    "reply, message",
    [
        (Reply(body=b"<!DOCTYPE html><html><body>Bad gateway</body></html>", content_type="text/html"), "HTML"),
        (Reply(body=b'{"data": []}'), "no free models"),
        (Reply(body=b'{"error": {"code": 401, "message": "no"}}'), "no 'data' list"),
        (Reply(body=b'{"data": [{"id": "a/b:free", "pricing": {}}'), "not valid JSON, perhaps truncated"),
    ],
    ids=["html", "empty-data", "no-data-list", "cut-json"],
)
def test_bad_bodies_fall_back_without_retry(tmp_path, http_server, test_data, capsys, reply, message):
    settings = make_settings(tmp_path, http_server)
    cache = seed_cache(settings, http_server, dump(test_data, "models-2026-05-01.json"))
    http_server.add(reply)

    run(settings)

    assert http_server.hits == 2
    assert settings.files.catalog_file.read_bytes() == cache
    assert message in capsys.readouterr().err
    assert meta(settings)["status"] == "fallback" and message in meta(settings)["lastError"]


def test_connection_cut_mid_body_is_retried_then_falls_back(tmp_path, http_server, test_data, capsys):
    raw = dump(test_data, "models-2026-05-01.json")
    settings = make_settings(tmp_path, http_server)
    cache = seed_cache(settings, http_server, raw)
    http_server.default = Reply(body=raw, truncate_at=len(raw) // 2)

    run(settings)

    assert http_server.hits == 1 + 3
    assert settings.files.catalog_file.read_bytes() == cache
    assert "body cut off" in capsys.readouterr().err


def test_shrink_below_half_is_rejected(tmp_path, http_server, test_data, capsys):
    raw = dump(test_data, "models-2025-05-23.json")
    settings = make_settings(tmp_path, http_server)
    cache = seed_cache(settings, http_server, raw)
    body = json.loads(raw)
    free = [e for e in body["data"] if e["id"].endswith(":free")]
    body["data"] = [e for e in body["data"] if not e["id"].endswith(":free")] + free[:30]  # 31 of 69 left
    http_server.add(Reply(body=json.dumps(body).encode()))

    run(settings)

    assert settings.files.catalog_file.read_bytes() == cache
    err = capsys.readouterr().err
    assert "only 31 free models, under half of the 69 cached" in err and str(settings.files.catalog_file) in err


def test_real_halving_to_exactly_half_is_accepted(tmp_path, http_server, test_data):
    settings = make_settings(tmp_path, http_server)
    seed_cache(settings, http_server, dump(test_data, "models-2025-08-31.json"))
    before = len(cached_ids(settings))
    http_server.add(Reply(body=dump(test_data, "models-2025-12-04.json")))

    run(settings)

    assert (before, len(cached_ids(settings))) == (58, 29)
    assert meta(settings)["status"] == "ok"


@pytest.mark.parametrize("content_length", [True, False], ids=["declared", "streamed"])
def test_size_cap(tmp_path, http_server, test_data, content_length):
    settings = make_settings(tmp_path, http_server, max_response_bytes=100_000, strict=True)
    http_server.add(Reply(body=dump(test_data, "models-2026-08-18.json"), content_length=content_length))

    with pytest.raises(ResponseTooLarge, match="100000-byte limit"):
        run(settings)
    assert http_server.hits == 1
    assert not settings.files.catalog_file.exists()


def test_strict_mode_raises_and_leaves_the_cache_untouched(tmp_path, http_server, test_data):
    settings = make_settings(tmp_path, http_server)
    cache = seed_cache(settings, http_server, dump(test_data, "models-2026-05-01.json"))
    strict = dataclasses.replace(settings, strict=True)
    http_server.add(Reply(status=500), Reply(status=500), Reply(status=500), Reply(body=b"<html>login</html>"))

    with pytest.raises(FetchError, match="HTTP 500 after 3 attempts"):
        run(strict)
    with pytest.raises(DataError, match="HTML"):
        run(strict)

    assert settings.files.catalog_file.read_bytes() == cache
    assert meta(settings)["status"] == "fallback" and meta(settings)["refreshedAt"] == NOW - 3 * DAY


def test_failure_without_cache_installs_the_bundled_snapshot(tmp_path, http_server, capsys):
    settings = make_settings(tmp_path, http_server)
    http_server.default = Reply(status=503)

    summary = run(settings)

    snapshot = json.loads(CATALOG_SNAPSHOT.read_bytes())
    assert json.loads(settings.files.catalog_file.read_bytes()) == {
        "schemaVersion": 2,
        "models": snapshot["models"],
        "referenceScores": snapshot["referenceScores"],
        "origin": {"source": "bundled-snapshot", "capturedAt": "2026-08-18"},
    }
    assert meta(settings)["status"] == "bundled" and meta(settings)["refreshedAt"] is None
    assert "BUNDLED SNAPSHOT captured 2026-08-18" in capsys.readouterr().err
    assert "bundled snapshot" in summary


# ---------------------------------------------------------------- offline mode


def test_offline_with_cache_touches_nothing(tmp_path, http_server, test_data, capsys):
    settings = make_settings(tmp_path, http_server)
    cache = seed_cache(settings, http_server, dump(test_data, "models-2026-05-01.json"), now=NOW - 3 * DAY)
    meta_bytes = settings.files.catalog_meta_file.read_bytes()
    capsys.readouterr()
    offline = dataclasses.replace(settings, offline=True)

    run(offline, now=NOW - 3 * DAY + 60)
    assert capsys.readouterr().err == ""  # fresh: nothing to say
    summary = run(offline, now=NOW)

    assert http_server.hits == 1
    assert settings.files.catalog_file.read_bytes() == cache
    assert settings.files.catalog_meta_file.read_bytes() == meta_bytes  # a stale cache is not marked refreshed
    assert capsys.readouterr().err == ""  # offline was asked for: the summary says it is stale, no warning
    assert "from 2026-04-28 (3 d old), stale" in summary
    assert not catalog_is_fresh(CatalogSettings.of(offline), NOW)
    assert catalog_up_to_date(CatalogSettings.of(offline), NOW)  # doit does not even run the stage offline


def test_offline_without_cache_installs_the_snapshot_or_fails_in_strict_mode(tmp_path, http_server, capsys):
    settings = make_settings(tmp_path, http_server, offline=True)

    with pytest.raises(FetchError, match="offline and no cached catalog"):
        run(dataclasses.replace(settings, strict=True))
    assert not settings.files.catalog_file.exists()
    run(settings)

    assert http_server.hits == 0
    assert meta(settings)["status"] == "bundled"
    assert "openai/gpt-oss-20b:free" in cached_ids(settings)
    assert "captured 2026-08-18" in capsys.readouterr().err


# ---------------------------------------------------------------- freshness rule


def test_catalog_is_fresh_follows_the_meta_file(tmp_path, http_server, test_data):
    settings = make_settings(tmp_path, http_server, catalog_ttl=3600)
    assert not catalog_is_fresh(CatalogSettings.of(settings), NOW)
    http_server.add(Reply(body=dump(test_data, "models-2026-05-01.json")))
    run(settings, now=NOW)

    assert catalog_is_fresh(CatalogSettings.of(settings), NOW + 3599)
    assert not catalog_is_fresh(CatalogSettings.of(settings), NOW + 3600)
    assert not catalog_is_fresh(
        CatalogSettings.of(dataclasses.replace(settings, openrouter_url="https://example.org/models")), NOW
    )
    assert not catalog_is_fresh(CatalogSettings.of(dataclasses.replace(settings, include_non_text=True)), NOW)


# ---------------------------------------------------------------- reference scores, filters and other stage details


def test_reference_scores_keep_every_text_model_with_a_coding_index(tmp_path, http_server, test_data):
    raw = dump(test_data, "models-2026-08-18.json")
    http_server.add(Reply(body=raw))
    settings = make_settings(tmp_path, http_server)
    run(settings)

    reference = json.loads(settings.files.catalog_file.read_bytes())["referenceScores"]
    by_id = {r["id"]: r for r in reference}
    # Paid models too: they are the common points on which the pools stage calibrates LLM-Stats onto this index.
    assert len(reference) == 166 and [r["id"] for r in reference] == sorted(by_id)
    assert by_id["anthropic/claude-sonnet-4.5"] == {
        "id": "anthropic/claude-sonnet-4.5",
        "name": "Anthropic: Claude Sonnet 4.5",
        "canonical_slug": "anthropic/claude-4.5-sonnet-20250929",
        "hugging_face_id": None,
        "created": by_id["anthropic/claude-sonnet-4.5"]["created"],
        "coding_index": 52.1,
        # only the web categories: the points on which the page role calibrates web Elo onto the coding index
        "benchmarks": {
            "design_arena": [
                {"arena": "models", "category": "website", "elo": 1201, "win_rate": 51.7, "rank": 53},
                {"arena": "agents", "category": "webapps", "elo": 1100, "win_rate": 43.6, "rank": 31},
            ]
        },
    }
    assert by_id["openai/gpt-oss-20b:free"]["coding_index"] == 20.7  # free ones are listed as well
    assert sum(r["id"] in cached_ids(settings) for r in reference) == 10
    body = json.loads(raw)
    random.Random(3).shuffle(body["data"])
    assert select_reference_scores(body) == reference  # deterministic whatever the upstream order


def test_a_cache_without_reference_scores_is_fetched_in_full(tmp_path, http_server, test_data):
    raw = dump(test_data, "models-2026-05-01.json")
    settings = make_settings(tmp_path, http_server)
    seed_cache(settings, http_server, raw)
    doc = json.loads(settings.files.catalog_file.read_bytes())
    del doc["referenceScores"]  # as an older modelpools wrote it
    settings.files.catalog_file.write_text(json.dumps(doc))
    http_server.add(Reply(body=raw, headers={"ETag": '"seed"'}))

    run(settings)

    assert "If-None-Match" not in http_server.requests[-1].headers  # a 304 would keep the old form
    assert "referenceScores" in json.loads(settings.files.catalog_file.read_bytes())


def test_meta_never_stores_credentials_from_the_url(tmp_path, http_server, test_data):
    http_server.add(Reply(body=dump(test_data, "models-2026-05-01.json")))
    host = http_server.url.split("://", 1)[1]
    settings = make_settings(tmp_path, http_server, openrouter_url=f"http://user:s3cret@{host}/api/v1/models")

    run(settings)

    assert "s3cret" not in settings.files.catalog_meta_file.read_text()
    assert meta(settings)["source"] == f"http://***@{host}/api/v1/models"


def test_importing_the_stage_and_checking_freshness_stays_cheap(tmp_path):
    code = (
        "import sys; from pathlib import Path; import modelpools.stages.catalog as c; from modelpools.settings import Settings; from modelpools.slices import CatalogSettings;"
        f"c.catalog_is_fresh(CatalogSettings.of(Settings(project_dir=Path({str(tmp_path)!r}))), 0.0);"
        "assert 'aiohttp' not in sys.modules, 'aiohttp imported'"
    )
    subprocess.run([sys.executable, "-c", code], check=True)


def test_retry_policy_repeats_its_last_delay():
    assert [RetryPolicy(attempts=5).delay(n) for n in range(1, 5)] == [1.0, 2.0, 4.0, 4.0]


def test_connection_refused_is_retried_then_falls_back(tmp_path, http_server, test_data, capsys):
    settings = make_settings(tmp_path, http_server)
    cache = seed_cache(settings, http_server, dump(test_data, "models-2026-05-01.json"))
    with socket.socket() as probe:  # a port with nobody listening
        probe.bind(("127.0.0.1", 0))
        closed = f"http://127.0.0.1:{probe.getsockname()[1]}/api/v1/models"
    sleeps = Sleeps()

    run(dataclasses.replace(settings, openrouter_url=closed), sleeps=sleeps)

    assert sleeps.delays == [1.0, 2.0]
    assert settings.files.catalog_file.read_bytes() == cache
    assert "connection failed" in capsys.readouterr().err


def test_changing_the_filter_forces_a_full_download(tmp_path, http_server, test_data):
    raw = dump(test_data, "extra/models-2026-08-18-output_modalities-all.json")
    http_server.add(Reply(body=raw, headers={"ETag": '"all"'}), Reply(body=raw, headers={"ETag": '"all"'}))
    settings = make_settings(tmp_path, http_server)
    run(settings)

    run(dataclasses.replace(settings, include_non_text=True), now=NOW + 60)

    assert "If-None-Match" not in http_server.requests[1].headers  # a 304 would keep the text-only cache
    assert "nvidia/nemotron-3-embed-1b:free" in cached_ids(settings)
    assert meta(settings)["includeNonText"] is True


def test_a_failed_refresh_backs_off_doubling_up_to_the_ttl(tmp_path, http_server, test_data):
    settings = make_settings(tmp_path, http_server, catalog_ttl=6 * 3600, retry_after=3600)
    kw = CatalogSettings.of(settings)
    seed_cache(settings, http_server, dump(test_data, "models-2026-05-01.json"), now=NOW - DAY)
    assert not catalog_up_to_date(kw, NOW)  # the TTL has passed

    failed_at = NOW
    for failures, wait in ((1, 3600), (2, 7200), (3, 4 * 3600), (4, 6 * 3600), (5, 6 * 3600)):  # capped at the TTL
        http_server.add(Reply(status=500, body=b"{}"), Reply(status=500, body=b"{}"), Reply(status=500, body=b"{}"))
        assert run(settings, now=failed_at).startswith("catalog: refresh failed")
        assert (meta(settings)["failures"], meta(settings)["failedAt"]) == (failures, failed_at)
        assert retry_interval(failures, 3600, 6 * 3600) == wait
        assert catalog_up_to_date(kw, failed_at + wait - 1)
        assert not catalog_up_to_date(kw, failed_at + wait)
        assert not catalog_up_to_date(CatalogSettings.of(dataclasses.replace(settings, strict=True)), failed_at + 1)
        failed_at += wait

    http_server.add(Reply(body=dump(test_data, "models-2026-05-01.json")))
    assert run(settings, now=failed_at).startswith("catalog: ")
    assert (meta(settings)["status"], meta(settings)["failures"], meta(settings)["failedAt"]) == ("ok", 0, None)
    assert catalog_is_fresh(kw, failed_at + 1) and catalog_up_to_date(kw, failed_at + 1)


def test_a_cache_written_in_another_format_is_rebuilt_even_within_its_ttl(tmp_path, http_server, test_data):
    settings = make_settings(tmp_path, http_server)
    seed_cache(settings, http_server, dump(test_data, "models-2026-05-01.json"), now=NOW)
    kw = CatalogSettings.of(settings)
    assert catalog_up_to_date(kw, NOW + 60) and meta(settings)["cacheVersion"] == CATALOG_CACHE_VERSION
    older = {**meta(settings), "cacheVersion": CATALOG_CACHE_VERSION - 1}  # as an older modelpools left it
    settings.files.catalog_meta_file.write_text(json.dumps(older))
    assert not catalog_up_to_date(kw, NOW + 60)
    assert not catalog_up_to_date(CatalogSettings.of(dataclasses.replace(settings, offline=True)), NOW + 60)
