"""The health of a build cache, as ``modelpools check`` reports it: files present, pools valid, caches fresh.

A check is ``ok``, ``warn`` (the build goes on, something is worth a look) or ``fail`` (the pools file cannot be
used). Freshness applies the same rule as doit's up-to-date checks (stages/freshness.py).
"""

from __future__ import annotations

from dataclasses import asdict, dataclass
from typing import Any

from modelpools.errors import ModelPoolsError
from modelpools.io.log import describe_duration, redact
from modelpools.settings import Settings

__all__ = ["HealthCheck", "health_checks"]


@dataclass(frozen=True)
class HealthCheck:
    """One line of ``modelpools check``."""

    name: str
    status: str  # ok | warn | fail
    detail: str

    def to_json(self) -> dict[str, str]:
        """The ``--json`` form."""
        return asdict(self)


def health_checks(settings: Settings, now: float) -> list[HealthCheck]:
    """Every check, in report order: input and output files, the pools file's validity, role defaults, expiry,
    then the freshness of the catalog and benchmarks caches."""
    return _file_checks(settings) + _pools_checks(settings, now) + _cache_checks(settings, now)


def _file_checks(settings: Settings) -> list[HealthCheck]:
    files = (
        ("pools", settings.files.pools_file, "pools", "fail"),
        ("catalog", settings.files.catalog_file, "catalog", "fail"),
        ("benchmark scores", settings.files.benchmark_scores_file, "benchmarks", "warn"),
        ("matches", settings.files.matches_file, "match", "warn"),
    )
    return [
        HealthCheck(f"{name} file", "ok", str(path))
        if path.is_file()
        else HealthCheck(f"{name} file", severity, f"missing: {path}; run `doit {settings.task_prefix}{task}`")
        for name, path, task, severity in files
    ]


def _pools_checks(settings: Settings, now: float) -> list[HealthCheck]:
    from modelpools.consumer.overview import site_provenance_line
    from modelpools.consumer.pools_view import load_pools
    from modelpools.rules.changes import expiring_models, expiry_tier
    from modelpools.slices import ValidateSettings
    from modelpools.stages.validate import validate_pools_file

    if not settings.files.pools_file.is_file():
        return []
    try:
        summary = validate_pools_file(ValidateSettings.of(settings))
    except ModelPoolsError as exc:
        return [HealthCheck("pools valid", "fail", str(exc))]
    checks = [HealthCheck("pools valid", "ok", summary.splitlines()[0])]
    try:
        pools = load_pools(settings=settings, validate=False)  # validated just above
    except ModelPoolsError as exc:
        return checks + [HealthCheck("pools readable", "fail", str(exc))]
    checks.append(HealthCheck("provenance", "ok", site_provenance_line(pools, settings.files, now)))
    unset = [key for key, value in pools.defaults if not value]
    checks.append(
        HealthCheck(
            "role defaults",
            "warn" if unset else "ok",
            f"unset: {', '.join(unset)}" if unset else ", ".join(v for _, v in pools.defaults if v),
        )
    )
    # the ranked models (those the pools hand out) with their tier, as `doit pools`, `doit validate` and the change
    # report name them: README, expiry_warning_days
    doc = pools.document
    expiring = sorted(expiring_models(doc, settings.expiry_warning_days, now))
    checks.append(
        HealthCheck(
            "expiry",
            "warn" if expiring else "ok",
            "; ".join(_expiry(mid, expiry_tier(doc, mid), date, left) for mid, date, left in expiring)
            or f"no ranked model expires within {settings.expiry_warning_days} days",
        )
    )
    return checks


def _expiry(model_id: str, tier: str, expiration_date: str, left: int) -> str:
    when = f"expired {-left}d ago" if left < 0 else f"expires in {left}d"
    return f"{model_id} ({tier}) {when} ({expiration_date})"


def _cache_checks(settings: Settings, now: float) -> list[HealthCheck]:
    from modelpools.meta import BenchmarksMeta, CatalogMeta
    from modelpools.slices import BenchmarkSettings, CatalogSettings
    from modelpools.stages.freshness import benchmarks_are_fresh, catalog_is_fresh

    # a bare `doit forget` crashes in doit 0.37: name the network stages' tasks
    retry_now = f"doit forget {settings.task_prefix}catalog {settings.task_prefix}benchmarks"
    checks = []
    for name, path, ttl, source, fresh, record, kw in (
        (
            "catalog cache",
            settings.files.catalog_meta_file,
            settings.catalog_ttl,
            settings.openrouter_url,
            catalog_is_fresh,
            CatalogMeta,
            CatalogSettings.of(settings),
        ),
        (
            "benchmarks cache",
            settings.files.benchmarks_meta_file,
            settings.benchmarks_ttl,
            settings.benchmarks_repo,
            benchmarks_are_fresh,
            BenchmarksMeta,
            BenchmarkSettings.of(settings),
        ),
    ):
        if not path.is_file():
            checks.append(HealthCheck(name, "warn", f"no meta file at {path}"))
            continue
        meta = record.load(path)
        if meta == record():
            checks.append(
                HealthCheck(name, "warn", f"unreadable meta file at {path}; the next `doit` run refreshes it")
            )
            continue
        checks.append(HealthCheck(name, *_freshness(kw, meta, ttl, redact(source), fresh, now, retry_now)))
    return checks


def _freshness(kw: Any, meta: Any, ttl: int, source: str, fresh: Any, now: float, retry_now: str) -> tuple[str, str]:
    from modelpools.stages.freshness import next_retry

    refreshed = meta.refreshed_at
    age = max(0.0, now - refreshed) if refreshed is not None else None
    age_text = "never refreshed" if age is None else f"age {describe_duration(age)} (ttl {describe_duration(ttl)})"
    if fresh(kw, now):  # the same rule doit's up-to-date check applies
        return "ok", age_text
    if meta.source != source:
        return "warn", f"built from {meta.source}, not the configured {source}; the next run refreshes it"
    if meta.status != "ok":
        error = f"; last error: {meta.last_error}" if meta.last_error else ""
        retry = next_retry(meta, kw.retry_after, ttl)
        when = (
            f"; {meta.failures} failed refresh{'es' if meta.failures != 1 else ''} in a row, next try in {describe_duration(retry - now)} "
            f"(or `{retry_now}`)"
            if retry is not None and retry > now
            else ""
        )
        return "warn", f"fallback in use (status {meta.status}), {age_text}{error}{when}"
    return "warn", f"stale or built with other settings: {age_text}; the next `doit` run refreshes it"
