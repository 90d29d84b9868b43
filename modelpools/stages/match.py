"""Match stage: read the catalog cache, benchmark scores and overrides; write model-matches.json.

build_match_report(...)  pure: catalog + scores + overrides + settings -> MatchReport (rules/matching.py)
build_matches(settings)  the runner: reads the records, writes the report, returns one summary line
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Mapping
from pathlib import Path

from modelpools.gcpause import gc_paused
from modelpools.io import log
from modelpools.io.files import write_if_changed
from modelpools.records import BenchmarkScores, CatalogCache, MatchReport, Overrides
from modelpools.resources import PACKAGE_OVERRIDES
from modelpools.rules.matching import BenchmarkModel, CatalogModel, match_models
from modelpools.slices import MatchSettings

__all__ = ["METHODS", "build_match_report", "build_matches", "load_overrides", "summarize"]

METHODS = ("override", "exact", "huggingface", "fuzzy", "none")


def load_overrides(path: Path, required: bool = True) -> dict[str, str | None]:
    """{OpenRouter id: benchmark id or None} from an overrides file; {} for a missing optional file."""
    if not required and not path.exists():
        return {}
    return dict(Overrides.load(path).targets)


@gc_paused
def build_match_report(
    catalog: CatalogCache,
    scores: BenchmarkScores,
    overrides: Mapping[str, str | None],
    settings: MatchSettings,
    warnings: list[str] | None = None,
) -> MatchReport:
    """Match every free model, and the catalog's referenceScores entries that are not free models (pure).

    The reference entries go through the same rules and one index; the matched ones are kept under ``reference``
    (calibration points for the pools stage).
    """
    cats = [CatalogModel.from_dict(m) for m in catalog.models]
    free_ids = {c.id for c in cats}
    refs = [CatalogModel.from_dict(m) for m in catalog.reference_scores if m["id"] not in free_ids]
    benches = [BenchmarkModel.from_dict(m) for m in scores.models]
    found = match_models(cats + refs, benches, overrides, settings.fuzzy_threshold, warnings)
    matches = tuple(m for m in found if m.id in free_ids)
    reference = tuple(m for m in found if m.id not in free_ids and m.benchmark_id is not None)
    return MatchReport(settings.fuzzy_threshold, matches, reference)


def summarize(report: MatchReport, catalog: CatalogCache) -> str:
    """``matched 12 of 17 catalog models (0 override, 9 exact, ...); 41 of 156 other models ... matched``."""
    counts = Counter(m.method for m in report.matches)
    parts = ", ".join(f"{counts[k]} {k}" for k in METHODS)
    line = f"matched {len(report.matches) - counts['none']} of {len(report.matches)} catalog models ({parts})"
    free_ids = catalog.ids
    others = sum(1 for m in catalog.reference_scores if m["id"] not in free_ids)
    if others:
        line += f"; {len(report.reference)} of {others} other models with a catalog coding_index matched (calibration)"
    return line


def build_matches(settings: MatchSettings) -> str:
    """Read catalog, benchmark scores and overrides; write model-matches.json; return a one-line summary."""
    files = settings.files
    catalog = CatalogCache.load(files.catalog_file, advice=f"run `{files.task('catalog')}`")
    scores = BenchmarkScores.load(files.benchmark_scores_file, advice=f"run `{files.task('benchmarks')}`")
    overrides = load_overrides(PACKAGE_OVERRIDES)
    if settings.overrides_path is not None:
        overrides.update(load_overrides(settings.overrides_path))
    warnings: list[str] = []
    report = build_match_report(catalog, scores, overrides, settings, warnings)
    for line in warnings:
        log.warn(line)
    write_if_changed(files.matches_file, report.dump())
    return summarize(report, catalog)
