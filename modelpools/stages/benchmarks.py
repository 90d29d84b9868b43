"""Benchmark stage: keep a shallow LLM-Stats checkout, score it and write benchmark-scores.json and its meta file.

plan_refresh(...)   pure: sync (clone/update) the checkout, keep it, go curated-only, or fail
build_scores(...)   pure: parsed LLM-Stats models -> the BenchmarkScores record
refresh_benchmarks() the runner: git, reading, writing and logging; returns one summary line
"""

from __future__ import annotations

import dataclasses
import time
from pathlib import Path
from typing import Any

from modelpools.errors import DataError, FetchError, ModelPoolsError, UnexpectedLayout
from modelpools.io import log
from modelpools.io.files import write_if_changed
from modelpools.io.gitcheckout import commit_day, sync_checkout
from modelpools.io.llmstats import (
    LAYOUTS,
    MAX_FILE_BYTES,
    ModelRecord,
    Problems,
    code_benchmarks,
    detect_layout,
    hugging_face_id,
    parse_checkout,
)
from modelpools.io.log import redact
from modelpools.meta import BENCHMARK_SCORES_VERSION, BenchmarksMeta
from modelpools.records import BenchmarkScores
from modelpools.rules.scoring import LEFT_OUT, canonical_benchmark, coding_score, select_components
from modelpools.slices import BenchmarkSettings
from modelpools.stages.freshness import benchmarks_are_fresh

__all__ = [
    "MAX_FILE_BYTES",
    "ModelRecord",
    "Problems",
    "benchmarks_are_fresh",
    "build_scores",
    "detect_layout",
    "hugging_face_id",
    "parse_checkout",
    "plan_refresh",
    "refresh_benchmarks",
    "unscored_code_benchmarks",
]

OFFLINE = "offline (MODELPOOLS_OFFLINE=1)"


def _model_json(model: ModelRecord) -> dict[str, Any]:
    components = select_components(model.results)
    score, coverage = coding_score(components)
    return {
        "id": model.id,
        "org": model.org,
        "slug": model.slug,
        "name": model.name,
        "releaseDate": model.release_date,
        "paramCount": model.param_count,
        "contextSize": model.context_size,
        "huggingFaceId": model.hugging_face_id,
        "weightsUrl": model.weights_url,
        "codingScore": score,
        "coverage": coverage,
        "components": [c.to_json() for c in components],
    }


def build_scores(
    repo: str, commit: str | None, layout: str | None, models: list[ModelRecord], commit_date: str | None = None
) -> BenchmarkScores:
    """The benchmark-scores.json record (pure); repo is stored without any password."""
    return BenchmarkScores(
        redact(repo), commit, layout, tuple(_model_json(m) for m in sorted(models, key=lambda m: m.id)), commit_date
    )


def plan_refresh(settings: BenchmarkSettings, has_checkout: bool, error: ModelPoolsError | None = None) -> str:
    """What the stage does next: ``sync`` (clone or update), ``keep`` the checkout, ``curated-only``, or ``fail``.

    Asked before syncing (error None), after a failed sync, and after a checkout failed to parse (has_checkout
    False then: nothing usable is left).
    """
    if error is None and not settings.offline:
        return "sync"
    if settings.strict and (error is not None or not has_checkout):
        return "fail"
    return "keep" if has_checkout else "curated-only"


def unscored_code_benchmarks(root, problems: Problems) -> list[str]:
    """Ids of the checkout's "code" benchmark definitions that no canonical coding benchmark stands for."""
    return [
        d.id
        for d in code_benchmarks(root, problems)
        if canonical_benchmark(d.id) is None and canonical_benchmark(d.name) is None
    ]


def _write_meta(
    settings: BenchmarkSettings,
    previous: BenchmarksMeta,
    status: str,
    attempted: float,
    error: str | None,
    **fields: Any,
) -> None:
    """Write the meta file; fields not given (refreshed_at, commit, layout, unscored_code_benchmarks) keep their values.

    A refresh that failed (an error other than offline mode) counts one more failure in a row, which the up-to-date
    check backs off on (stages/freshness.py); a successful one (status ok) resets the count.
    """
    if status == "ok":
        fields.update(failures=0, failed_at=None)
    elif error is not None and error != OFFLINE:
        fields.update(failures=previous.failures + 1, failed_at=attempted)
    error = redact(error, settings.benchmarks_repo) if error is not None else None  # git may quote the password
    meta = previous._replace(
        source=redact(settings.benchmarks_repo),
        ref=settings.benchmarks_ref,
        status=status,
        attempted_at=attempted,
        last_error=error,
        cache_version=BENCHMARK_SCORES_VERSION,
        **fields,
    )
    write_if_changed(settings.files.benchmarks_meta_file, meta.dump())


def _scores_usable(settings: BenchmarkSettings) -> bool:
    try:
        BenchmarkScores.load(settings.files.benchmark_scores_file)
    except DataError:
        return False
    return True


def _write_scores(settings: BenchmarkSettings, scores: BenchmarkScores) -> BenchmarkScores:
    """Write scores unless the file holds the same scores from an earlier commit (then keep it); what is on disk.

    A new upstream commit that changes no score leaves benchmark-scores.json byte for byte as it was, so the
    stages after this one stay up to date; its source.commit is the commit of the last content change.
    """
    path = settings.files.benchmark_scores_file
    try:
        old = BenchmarkScores.load(path)
    except DataError:
        old = None
    if old is not None and old.commit is not None and old.commit != scores.commit:
        same = dataclasses.replace(scores, commit=old.commit, commit_date=old.commit_date)
        if _holds(path, same.dump()):
            return same
    write_if_changed(path, scores.dump())
    return scores


def _holds(path: Path, data: bytes) -> bool:
    try:
        return path.stat().st_size == len(data) and path.read_bytes() == data
    except OSError:
        return False


def _report_unscored(unscored: list[str], previous: BenchmarksMeta) -> None:
    """One line when the list of unscored code benchmarks changed: a warning when some are not reviewed yet."""
    if not unscored or tuple(unscored) == previous.unscored_code_benchmarks:
        return
    new = [b for b in unscored if b not in LEFT_OUT]
    if new:
        log.warn(
            f"LLM-Stats code benchmarks not in the coding score and not reviewed yet: {', '.join(new)}; "
            "they are ignored (maintainers: weigh them or list them in scoring.LEFT_OUT)"
        )
    else:
        log.notice(
            f"LLM-Stats code benchmarks left out of the coding score (reasons in scoring.LEFT_OUT): "
            f"{', '.join(unscored)}"
        )


def _curated_only(settings: BenchmarkSettings, previous: BenchmarksMeta, attempted: float, error: str | None) -> str:
    write_if_changed(
        settings.files.benchmark_scores_file, build_scores(settings.benchmarks_repo, None, None, []).dump()
    )
    _write_meta(settings, previous, "curated-only", attempted, error, refreshed_at=None, commit=None, layout=None)
    log.warn(
        f"no LLM-Stats data ({error}): no LLM-Stats scores; "
        "ranking uses the catalog's own coding index and curated scores"
    )
    return "benchmarks: no LLM-Stats data, curated scores only"


def _has_checkout(checkout: Path) -> bool:
    return (checkout / ".git").is_dir()


def refresh_benchmarks(settings: BenchmarkSettings, now: float | None = None) -> str:
    """Clone/update LLM-Stats (unless offline), score it and write benchmark-scores.json; one summary line."""
    attempted = time.time() if now is None else now
    checkout = settings.files.clone_dir
    previous = BenchmarksMeta.load(settings.files.benchmarks_meta_file)
    commit: str | None = None
    failure: ModelPoolsError | None = None
    plan = plan_refresh(settings, _has_checkout(checkout))
    if plan == "sync":
        try:
            commit = sync_checkout(
                settings.benchmarks_repo,
                settings.benchmarks_ref,
                checkout,
                settings.clone_timeout,
                settings.max_checkout_bytes,
                LAYOUTS,
            )
        except (FetchError, UnexpectedLayout) as exc:  # the checkout on disk is as it was
            failure = exc
            plan = plan_refresh(settings, _has_checkout(checkout), exc)
    error = str(failure) if failure is not None else OFFLINE if settings.offline else None
    if plan == "fail":
        if failure is None:
            raise FetchError(
                f"offline and no LLM-Stats checkout at {checkout}; run once without MODELPOOLS_OFFLINE "
                "(or unset strict to rank with the catalog's coding index and curated scores)"
            )
        _write_meta(settings, previous, "fallback", attempted, error)
        raise failure
    if plan == "curated-only":
        return _curated_only(settings, previous, attempted, error)
    if plan == "keep":  # the previous checkout and its scores stay untouched
        _write_meta(settings, previous, "fallback", attempted, error)
        if not settings.offline:
            log.warn(f"could not update {redact(settings.benchmarks_repo)} ({error}); keeping the previous checkout")
        if _scores_usable(settings):  # a damaged scores file is rebuilt from the kept checkout below
            return f"benchmarks: kept previous scores (commit {str(previous.commit or '?')[:12]})"
        commit = previous.commit
    try:
        layout, models, problems = parse_checkout(checkout)
    except DataError as exc:  # only a checkout left by an older version can be in neither layout
        if plan_refresh(settings, False, exc) == "fail":
            _write_meta(settings, previous, "fallback", attempted, str(exc))
            raise
        return _curated_only(settings, previous, attempted, str(exc))
    unscored = unscored_code_benchmarks(checkout, problems)
    problems.report()
    _report_unscored(unscored, previous)
    day = commit_day(checkout, commit) if commit is not None else None
    written = _write_scores(settings, build_scores(settings.benchmarks_repo, commit, layout, models, day))
    status, refreshed = ("ok", attempted) if error is None else ("fallback", previous.refreshed_at)
    _write_meta(
        settings,
        previous,
        status,
        attempted,
        error,
        refreshed_at=refreshed,
        commit=commit,
        layout=layout,
        unscored_code_benchmarks=tuple(unscored),
    )
    scored = sum(1 for m in written.models if m["codingScore"] is not None)
    return (
        f"benchmarks: {len(written.models)} models, {scored} with a coding score "
        f"({layout} layout, commit {(commit or '?')[:12]})"
    )
