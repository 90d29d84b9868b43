"""The pools stage: read catalog, benchmark scores, matches and curated scores; write a validated model-pools.json.

stages/pools_document.build_document(inputs, ranking)  pure: the PoolsInputs + ranking settings -> the pools document
read_inputs(files, settings)  the PoolsInputs, read once from the cache
build_pools(settings)  the runner: reads the inputs, builds and validates, writes the pools file and the change report
ranking_document(files)  the document of the cached records with default settings (what the probe stage plans from)
"""

from __future__ import annotations

import hashlib
import time
from collections.abc import Callable, Mapping, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any

from modelpools.errors import DataError, PoolsInvalid
from modelpools.io import log
from modelpools.io.files import write_if_changed
from modelpools.io.log import printable
from modelpools.records import (
    Architectures,
    BenchmarkScores,
    CatalogCache,
    ChangeReport,
    CuratedScores,
    MatchReport,
    PoolsDocument,
    PoolsSchema,
    UsageSummary,
)
from modelpools.resources import PACKAGE_ARCHITECTURES, PACKAGE_CURATED, PACKAGE_OVERRIDES
from modelpools.rules.changes import compare_pools, format_changes
from modelpools.rules.validation import describe_pools, expiry_warning, validate_pools
from modelpools.slices import PoolsSettings, RankingSettings
from modelpools.stages.memory import memory_document
from modelpools.stages.pools_document import PoolsInputs, build_document, is_zero_priced, pools_provenance

if TYPE_CHECKING:
    from modelpools.rules.probestats import ProbeTally

__all__ = ["architecture_files", "build_pools", "read_architectures", "read_inputs", "ranking_document", "sha256_bytes"]


def sha256_bytes(data: bytes) -> str:
    """Hex sha256 of data."""
    return hashlib.sha256(data).hexdigest()


def _read_bytes(path: Path | None) -> bytes:
    try:
        return Path(path).read_bytes() if path is not None else b""
    except FileNotFoundError:
        return b""


def read_inputs(files: Any, settings: PoolsSettings | None = None) -> PoolsInputs:
    """The pools inputs, read once from the cache.

    With the pools stage's settings: a missing benchmark-scores or match file warns (a DataError when strict), and
    the inputs' fingerprints, the probe's results (while the probe is enabled) and the usage summary are read too.
    Without (ranking_document): the records present, without fingerprints, probe or usage.
    """
    if not files.catalog_file.exists():
        raise DataError(
            f"OpenRouter catalog cache not found at {files.catalog_file}; run `{files.task('catalog')}` first"
        )
    catalog = CatalogCache.load(files.catalog_file, advice=f"run `{files.task('catalog')}`")
    if settings is not None:
        _warn_priced(catalog.models)
    scores = _read_optional(BenchmarkScores, files.benchmark_scores_file, files, "benchmarks", settings)
    matches = _read_optional(MatchReport, files.matches_file, files, "match", settings)
    memory_bytes = _read_bytes(files.memory_file)
    memory = memory_document(memory_bytes, files.memory_file) if memory_bytes else None
    fingerprints, probe, usage = (
        _stage_inputs(files, settings, scores, memory_bytes) if settings is not None else ({}, None, None)
    )
    return PoolsInputs(
        catalog.models,
        pools_provenance(catalog.origin, scores),
        fingerprints,
        benchmark_models=scores.models if scores else (),
        matches=matches.matches if matches else (),
        curated=CuratedScores.load().scores,
        reference_scores=catalog.reference_scores,
        reference_matches=matches.reference if matches else (),
        memory=memory,
        usage_summary=usage,
        probe=probe,
        architectures=read_architectures(settings).models,
    )


def architecture_files(settings: PoolsSettings | None) -> list[Path]:
    """The architecture tables, in the order they are merged: the shipped one, then the site's (if set)."""
    site = settings.architectures_path if settings is not None else None
    return [PACKAGE_ARCHITECTURES] + ([site] if site is not None else [])


def read_architectures(settings: PoolsSettings | None = None) -> Architectures:
    """The shipped architecture table with the site's ``architectures_file`` merged over it."""
    table = Architectures()
    for path in architecture_files(settings):
        table = table.merged(Architectures.load(path))
    return table


def _stage_inputs(
    files: Any, settings: PoolsSettings, scores: BenchmarkScores | None, memory_bytes: bytes
) -> tuple[dict[str, Any], dict[str, ProbeTally] | None, Mapping[str, Any]]:
    """What only the pools stage reads: the fingerprints of its inputs, the probe's tallies (None unless the probe
    is enabled) and the usage summary."""
    overrides = [PACKAGE_OVERRIDES] + ([settings.overrides_path] if settings.overrides_path else [])
    fingerprints: dict[str, Any] = {
        "catalogSha256": sha256_bytes(_read_bytes(files.catalog_file)),
        "benchmarkScoresSha256": sha256_bytes(_read_bytes(files.benchmark_scores_file if scores else None)),
        "benchmarkCommit": scores.commit if scores else None,
        "overridesSha256": sha256_bytes(b"".join(sha256_bytes(_read_bytes(p)).encode() for p in overrides)),
        "architecturesSha256": sha256_bytes(
            b"".join(sha256_bytes(_read_bytes(p)).encode() for p in architecture_files(settings))
        ),
        "curatedScoresSha256": sha256_bytes(_read_bytes(PACKAGE_CURATED)),
        "evidenceMemorySha256": sha256_bytes(memory_bytes),
        "settings": settings.ranking.fingerprint(),
    }
    probe = None
    if settings.probe:  # the probe's results count only while it is enabled
        from modelpools.records import ProbeResults
        from modelpools.rules.probe import probe_set_id

        fingerprints["probeResultsSha256"] = sha256_bytes(_read_bytes(files.probe_results_file))
        probe = ProbeResults.load_or_empty(files.probe_results_file, probe_set_id()).tallies()
    usage = UsageSummary.load_or_empty(files.usage_summary_file, f"run `{files.task('usage')}`").doc
    return fingerprints, probe, usage


def _warn_priced(models: Sequence[Mapping[str, Any]]) -> None:
    priced = sorted(m["id"] for m in models if not is_zero_priced(m))
    if priced:
        log.warn(
            f"left out {len(priced)} catalog model(s) listed as free but with a non-zero prompt or completion "
            f"price: {', '.join(priced[:3])}{', ...' if len(priced) > 3 else ''}"
        )


def ranking_document(files: Any) -> dict[str, Any]:
    """The pools document of the cached records with default ranking settings, without usage data or the probe.

    What the probe stage plans from: which models are unranked or thinly scored, and the ranked order of the rest.
    """
    return build_document(read_inputs(files), RankingSettings())


def _read_optional(record: Any, path: Path, files: Any, task: str, settings: PoolsSettings | None) -> Any:
    """The record at path; None when the file is missing: with the pools stage's settings, with a warning (a
    DataError when strict)."""
    if not path.exists():
        if settings is None:
            return None
        what = record.WHAT
        if settings.strict:
            raise DataError(f"{what} not found at {path}; run `{files.task(task)}`")
        log.warn(f"{what} not found at {path}; ranking without it")
        return None
    return record.load(path, advice=f"run `{files.task(task)}`")


def _previous(path: Path) -> Mapping[str, Any] | None:
    """The previous pools document for the change report; None (first build) when absent or unusable."""
    try:
        previous = PoolsDocument.load_previous(path)
    except DataError:
        log.warn(f"previous {path} is unreadable or malformed; replacing it, the change report starts afresh")
        return None
    return previous.doc if previous is not None else None


def build_pools(settings: PoolsSettings, *, clock: Callable[[], float] = time.time) -> str:
    """Build, validate and (only if valid) write the pools file and the change report; return a multi-line summary.

    The clock is used only for the expiry warning and the change report's days left, never for the pools file.
    """
    files = settings.files
    inputs = read_inputs(files, settings)
    doc = build_document(inputs, settings.ranking)
    catalog_ids = {m["id"] for m in inputs.catalog_models}
    pools_file = files.pools_file
    try:
        validate_pools(doc, catalog_ids, files.task_prefix, schema=PoolsSchema.installed().check)
    except PoolsInvalid as exc:
        kept = f"kept the previous {pools_file}" if pools_file.exists() else "nothing written"
        raise PoolsInvalid(f"{exc}; {kept}", exc.path) from None
    now = clock()
    report = compare_pools(_previous(pools_file), doc, settings.expiry_warning_days, now=now)  # before it is replaced
    written = write_if_changed(pools_file, PoolsDocument(doc).dump())
    warning = expiry_warning(doc, settings.expiry_warning_days, now)
    if warning:
        log.warn(warning)
    write_if_changed(files.changes_file, ChangeReport(report).dump())
    # One printable line each: names, ids and dates come from upstream data (run_stage prints the lines as given).
    return "\n".join(printable(line) for line in _summary(doc, pools_file, written) + list(format_changes(report)))


def _summary(doc: Mapping[str, Any], path: Path, written: bool) -> list[str]:
    lines = [f"{path}: {'written' if written else 'unchanged'}"]
    for model in doc["models"][:5]:
        lines.append(
            f"  {model['rank']:>2}. {model['id']} {model['codingScore']:.1f} "
            f"({model['tier']}, {model['contextLength'] // 1000}k ctx)"
        )
    described = describe_pools(doc, top=0)
    tiers = "tiers: " + ", ".join(f"{name} {n}" for name, n in doc["summary"]["tiers"].items())
    return lines + [described[0], tiers, _calibration_line(doc["calibration"]), described[-1]]


def _calibration_line(calibration: Mapping[str, Mapping[str, Any]]) -> str:
    """``scale: artificial_analysis (reference); llm-stats fixed line (26 common models); ...``: a line the
    common models sit off (the drift check, docs/scoring.md section 3) says so and how to refit it."""
    parts = []
    for name, c in calibration.items():
        if c["method"] == "reference":
            parts.append(f"{name} (reference)")
        elif c["method"] in ("linear", "offset"):  # the coding probe: a line of its own on its anchors
            parts.append(f"{name} {c['method']} on {c['points']} anchors")
        elif (c.get("drift") or {}).get("drifted"):
            drift = c["drift"]
            parts.append(
                f"{name} fixed line DRIFTED: {c['points']} common models sit {drift['shift']:+.1f} "
                f"(se {drift['se']:.1f}) off it; refit: python benchmarks/bench_trust.py --fit"
            )
        elif c["method"] == "fitted":  # a file written by an older version
            parts.append(f"{name} fitted on {c['points']} common models")
        else:
            parts.append(f"{name} fixed line ({c['points']} common models)")
    return "scale: " + ("; ".join(parts) or "no scores")
