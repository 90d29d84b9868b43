"""Benchmark stage: keep a shallow LLM-Stats checkout, score it and write benchmark-scores.json and its meta file."""

from __future__ import annotations

import time
from typing import Any

from modelpools.io import log
from modelpools.errors import DataError, FetchError
from modelpools.io.files import DEFAULT_READ_LIMIT, dump_json, parse_json_bytes, read_json, write_if_changed
from modelpools.io.git import UnexpectedLayout, sync_checkout
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
from modelpools.stages.freshness import benchmarks_are_fresh, read_meta
from modelpools.io.log import display_url
from modelpools.rules.scoring import LEFT_OUT, canonical_benchmark, coding_score, select_components

__all__ = [
    "MAX_FILE_BYTES",
    "ModelRecord",
    "Problems",
    "benchmarks_are_fresh",
    "detect_layout",
    "hugging_face_id",
    "parse_checkout",
    "refresh_benchmarks",
    "scores_document",
    "unscored_code_benchmarks",
]


def _model_json(model: ModelRecord) -> dict[str, Any]:
    components = select_components(model.results)
    score, coverage = coding_score(components)
    return {
        "id": model.id, "org": model.org, "slug": model.slug, "name": model.name,
        "releaseDate": model.release_date, "paramCount": model.param_count, "contextSize": model.context_size,
        "huggingFaceId": model.hugging_face_id, "weightsUrl": model.weights_url,
        "codingScore": score, "coverage": coverage, "components": [c.to_json() for c in components],
    }


def scores_document(repo: str, commit: str | None, layout: str | None, models: list[ModelRecord]) -> dict[str, Any]:
    """The benchmark-scores.json document (contract in docs/CONTRACTS.md); repo is stored without any password."""
    return {
        "schemaVersion": 1,
        "source": {"repo": display_url(repo), "commit": commit, "layout": layout},
        "models": [_model_json(m) for m in sorted(models, key=lambda m: m.id)],
    }


def unscored_code_benchmarks(root, problems: Problems) -> list[str]:
    """Ids of the checkout's "code" benchmark definitions that no canonical coding benchmark stands for."""
    return [d.id for d in code_benchmarks(root, problems)
            if canonical_benchmark(d.id) is None and canonical_benchmark(d.name) is None]


def _read_meta(settings) -> dict[str, Any]:
    return read_meta(settings.benchmarks_meta_file, "benchmarks meta file")


def _write_meta(settings, previous: dict[str, Any], status: str, attempted: float, error: str | None,
                **fields: Any) -> None:
    """Write the meta file; fields not given (refreshedAt, commit, layout, unscoredCodeBenchmarks) keep their values."""
    meta = {"source": display_url(settings.benchmarks_repo), "ref": settings.benchmarks_ref, "status": status,
            "attemptedAt": attempted, "lastError": error}
    for key in ("refreshedAt", "commit", "layout", "unscoredCodeBenchmarks"):
        meta[key] = fields[key] if key in fields else previous.get(key)
    write_if_changed(settings.benchmarks_meta_file, dump_json(meta))


def _scores_usable(settings) -> bool:
    """True when benchmark-scores.json parses and has a models list."""
    try:
        doc = read_json(settings.benchmark_scores_file, "benchmark scores")
    except DataError:
        return False
    return isinstance(doc, dict) and isinstance(doc.get("models"), list)


def _write_scores(settings, document: dict[str, Any]) -> dict[str, Any]:
    """Write document unless the file holds the same scores from an earlier commit (then keep it); what is on disk.

    A new upstream commit that changes no score leaves benchmark-scores.json byte for byte as it was, so the
    stages after this one stay up to date; its source.commit is the commit of the last content change.
    """
    try:
        with open(settings.benchmark_scores_file, "rb") as handle:
            current = handle.read(DEFAULT_READ_LIMIT + 1)
        old_commit = parse_json_bytes(current, "benchmark scores")["source"]["commit"]
    except (OSError, DataError, TypeError, KeyError):
        old_commit = None
    if isinstance(old_commit, str) and old_commit != document["source"]["commit"]:
        same = dict(document, source=dict(document["source"], commit=old_commit))
        if dump_json(same) == current:
            return same
    write_if_changed(settings.benchmark_scores_file, dump_json(document))
    return document


def _report_unscored(unscored: list[str], previous: dict[str, Any]) -> None:
    """One line when the list of unscored code benchmarks changed: a warning when some are not reviewed yet."""
    if not unscored or unscored == previous.get("unscoredCodeBenchmarks"):
        return
    new = [b for b in unscored if b not in LEFT_OUT]
    if new:
        log.warn(f"LLM-Stats code benchmarks not in the coding score and not reviewed yet: {', '.join(new)}; "
                 "they are ignored (maintainers: weigh them or list them in scoring.LEFT_OUT)")
    else:
        log.notice(f"LLM-Stats code benchmarks left out of the coding score (reasons in scoring.LEFT_OUT): "
                   f"{', '.join(unscored)}")


def _curated_only(settings, previous: dict[str, Any], attempted: float, error: str | None) -> str:
    document = scores_document(settings.benchmarks_repo, None, None, [])
    write_if_changed(settings.benchmark_scores_file, dump_json(document))
    _write_meta(settings, previous, "curated-only", attempted, error, refreshedAt=None, commit=None, layout=None)
    log.warn(f"no LLM-Stats data ({error}): no LLM-Stats scores; "
             "ranking uses the catalog's own coding index and curated scores")
    return "benchmarks: no LLM-Stats data, curated scores only"


def refresh_benchmarks(settings, now: float | None = None) -> str:
    """Clone/update LLM-Stats (unless offline), score it and write benchmark-scores.json; one summary line."""
    attempted = time.time() if now is None else now
    checkout = settings.clone_dir
    repo = display_url(settings.benchmarks_repo)
    previous = _read_meta(settings)
    error: str | None = None
    commit: str | None = None
    if settings.offline:
        if settings.strict and not (checkout / ".git").is_dir():
            raise FetchError(f"offline and no LLM-Stats checkout at {checkout}; run once without MODELPOOLS_OFFLINE "
                             "(or unset strict to rank with the catalog's coding index and curated scores)")
        error = "offline (MODELPOOLS_OFFLINE=1)"
    else:
        try:
            commit = sync_checkout(settings.benchmarks_repo, settings.benchmarks_ref, checkout,
                                   settings.clone_timeout, settings.max_checkout_bytes, LAYOUTS)
        except (FetchError, UnexpectedLayout) as exc:  # the checkout on disk is as it was
            error = str(exc)
            if settings.strict:
                _write_meta(settings, previous, "fallback", attempted, error)
                raise
    if commit is None and not (checkout / ".git").is_dir():
        return _curated_only(settings, previous, attempted, error)
    if commit is None:  # keep the previous checkout and its scores untouched
        _write_meta(settings, previous, "fallback", attempted, error)
        if not settings.offline:
            log.warn(f"could not update {repo} ({error}); keeping the previous checkout")
        if _scores_usable(settings):  # a damaged scores file is rebuilt from the kept checkout below
            return f"benchmarks: kept previous scores (commit {str(previous.get('commit') or '?')[:12]})"
        commit = previous.get("commit") if isinstance(previous.get("commit"), str) else None
    try:
        layout, models, problems = parse_checkout(checkout)
    except DataError as exc:  # only a checkout left by an older version can be in neither layout
        if settings.strict:
            _write_meta(settings, previous, "fallback", attempted, str(exc))
            raise
        return _curated_only(settings, previous, attempted, str(exc))
    unscored = unscored_code_benchmarks(checkout, problems)
    problems.report()
    _report_unscored(unscored, previous)
    document = _write_scores(settings, scores_document(settings.benchmarks_repo, commit, layout, models))
    status, refreshed = ("ok", attempted) if error is None else ("fallback", previous.get("refreshedAt"))
    _write_meta(settings, previous, status, attempted, error, refreshedAt=refreshed, commit=commit, layout=layout,
                unscoredCodeBenchmarks=unscored)
    scored = sum(1 for m in document["models"] if m["codingScore"] is not None)
    return (f"benchmarks: {len(document['models'])} models, {scored} with a coding score "
            f"({layout} layout, commit {(commit or '?')[:12]})")
