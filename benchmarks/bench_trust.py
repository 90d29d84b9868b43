"""How far the pools answer can be trusted, on every real OpenRouter dump with the LLM-Stats snapshot of its time.

Usage: python benchmarks/bench_trust.py [--data /path/to/shared/data] [-v] [--same-line] [--fit]

For each dump in <data>/openrouter (models-YYYY-MM-DD.json) the pipeline runs in-process on real parts: the catalog
rules select the free models and the reference scores, the LLM-Stats snapshot of that time (df1d14e up to
2025-10-15, 24a9ccf from 2025-10-16, its commit date) is parsed and scored, the matcher runs with the shipped
overrides, and build_document fuses, ranks and chooses the defaults. Printed per dump:

- coverage: measured eligible free models / eligible free models (eligible = not a safety, guard, moderation, OCR,
  embedding or rerank model, judged by this script's own name check, independent of the pipeline);
- agreement: Spearman correlation between the dump's rank order of its measured models and the coding_index of the newest catalog
  (models-2026-08-18.json, paid entries included) over the models found in both (joined by base id, canonical
  slug or Hugging Face id); n is the number of models in both;
- a second table for the provisional estimates (rules/provisional.py): coverage as measured / provisional / none
  among the eligible free models; agreement over the measured models (the figure above before provisional estimates
  existed), over every ranked model (provisional ones included), and with the size prior switched off (a flat prior
  and no provisional estimates: the evidence alone); how the provisional priors were made and their sds;
- the three defaults, each flagged when deprecated (its description says so, or its expiration_date is at most
  7 days after the dump date), excluded (not a code-generating model), or thin (measured evidence below the
  documented minimum, counted by this script from the raw inputs: see evidence_units).

The fixed calibration lines in modelpools/rules/calibration.py were fitted on the newest dump, whose coding index is also
the agreement target: --same-line reruns with curated scores on the LLM-Stats line (no curated-specific fit) to show
how much the figures lean on that. --fit prints the lines fitted on the newest dump (the source of FIXED_LINES).
"""

from __future__ import annotations

import argparse
import contextlib
import datetime
import itertools
import json
import re
import sys
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from modelpools.io.llmstats import parse_checkout  # noqa: E402
from modelpools.records import (  # noqa: E402
    BenchmarkScores,
    CatalogCache,
    CuratedScores,
)
from modelpools.resources import PACKAGE_OVERRIDES  # noqa: E402
from modelpools.rules import calibration, evidence, fusion, rawscores  # noqa: E402
from modelpools.rules.freemodels import coding_index, select_free_models, select_reference_scores  # noqa: E402
from modelpools.rules.matching import BenchmarkModel, CatalogModel, Match, match_models  # noqa: E402
from modelpools.settings import Settings  # noqa: E402
from modelpools.slices import RankingSettings  # noqa: E402
from modelpools.stages.benchmarks import build_scores  # noqa: E402
from modelpools.stages.match import load_overrides  # noqa: E402
from modelpools.stages.pools import read_architectures  # noqa: E402
from modelpools.stages.pools_document import PoolsInputs, build_document, pools_provenance  # noqa: E402

DATA = ROOT.parent / "shared" / "data"
NEWEST = "models-2026-08-18.json"
ARCHITECTURES = read_architectures().models  # the shipped architecture table (known total and active parameters)
# LLM-Stats snapshots by commit date: a dump uses the newest one committed on or before its date.
SNAPSHOTS = (("2025-05-22", "JonathanChavezTamales-df1d14e"), ("2025-10-16", "JonathanChavezTamales-24a9ccf"))
# Each snapshot's full commit and committer day (from <data>/README.md): the pools file's provenance.
SNAPSHOT_COMMITS = {
    "JonathanChavezTamales-df1d14e": ("df1d14eda7143f27fd5e7d71d8b14cb0c807de0d", "2025-05-22"),
    "JonathanChavezTamales-24a9ccf": ("24a9ccf7402306f0c3e237213538e4537d64ecc2", "2025-10-16"),
}
NOT_CODE = re.compile(r"guard|safety|moderation|shield|\bocr\b|-ocr|embed|rerank|classif", re.I)
DEPRECATED = re.compile(r"\bdeprecat|\bwill be (?:removed|retired|discontinued|sunset)", re.I)
# Evidence units, as docs/scoring.md defines them: a benchmark result counts its benchmark weight (x0.75 when
# self-reported, x the match confidence), the catalog's coding index 6, a curated Aider result 2.5.
EVIDENCE_MINIMUM = 2.5
AA_UNITS = 6.0
CURATED_UNITS = 2.5


def snapshot_for(day: str) -> str:
    """The LLM-Stats snapshot directory of a dump's time."""
    return [name for date, name in SNAPSHOTS if date <= day][-1] if day >= SNAPSHOTS[0][0] else SNAPSHOTS[0][1]


def base(model_id: str) -> str:
    return model_id.split(":", 1)[0].lstrip("~").lower()


def identities(entry: dict[str, Any]) -> set[str]:
    """The keys one model is known by: base id, canonical slug, Hugging Face id (all lower case)."""
    keys = {"id:" + base(entry["id"])}
    if entry.get("canonical_slug"):
        keys.add("id:" + entry["canonical_slug"].lower())
    if entry.get("hugging_face_id"):
        keys.add("hf:" + entry["hugging_face_id"].lower())
    return keys


def newest_index(path: Path) -> dict[str, float]:
    """identity -> coding_index over every entry of the newest catalog (free and paid)."""
    out: dict[str, float] = {}
    for entry in json.loads(path.read_text(encoding="utf-8"))["data"]:
        value = coding_index(entry)
        if value is not None:
            for key in sorted(identities(entry)):
                out.setdefault(key, float(value))
    return out


def average_ranks(values: list[float]) -> list[float]:
    order = sorted(range(len(values)), key=lambda i: values[i])
    ranks = [0.0] * len(values)
    i = 0
    while i < len(order):
        j = i
        while j + 1 < len(order) and values[order[j + 1]] == values[order[i]]:
            j += 1
        for k in range(i, j + 1):
            ranks[order[k]] = (i + j) / 2 + 1
        i = j + 1
    return ranks


def spearman(xs: list[float], ys: list[float]) -> float | None:
    """Spearman's rho with average ranks for ties (Pearson on ranks); None for fewer than 3 pairs."""
    if len(xs) < 3:
        return None
    rx, ry = average_ranks(xs), average_ranks(ys)
    n = len(xs)
    mx, my = sum(rx) / n, sum(ry) / n
    sxy = sum((a - mx) * (b - my) for a, b in zip(rx, ry))
    sxx = sum((a - mx) ** 2 for a in rx)
    syy = sum((b - my) ** 2 for b in ry)
    return sxy / (sxx * syy) ** 0.5 if sxx and syy else None


def evidence_units(
    model_id: str, catalog: dict[str, dict], scores: dict[str, dict], matches: dict[str, Match], curated_ids: set[str]
) -> float:
    """Measured evidence for one model from the raw inputs (independent of the pools file's own figures)."""
    units = AA_UNITS if coding_index(catalog[model_id]) is not None else 0.0
    match = matches.get(model_id)
    scored = scores.get(match.benchmark_id or "") if match else None
    if match and scored and scored.get("codingScore") is not None:
        units += sum(c["weight"] for c in scored["components"]) * float(match.confidence)
    if base(model_id) in curated_ids:
        units += CURATED_UNITS
    return units


def flags(model_id: str | None, day: str, catalog_raw: dict[str, dict], units: float) -> list[str]:
    if model_id is None:
        return ["none"]
    entry = catalog_raw.get(model_id, {})
    out = []
    expiry = entry.get("expiration_date")
    limit = (datetime.date.fromisoformat(day) + datetime.timedelta(days=7)).isoformat()
    if DEPRECATED.search(entry.get("description") or "") or (isinstance(expiry, str) and expiry[:10] <= limit):
        out.append("deprecated")
    if NOT_CODE.search(model_id) or NOT_CODE.search(entry.get("name") or ""):
        out.append("excluded")
    if units < EVIDENCE_MINIMUM:
        out.append(f"thin({units:.1f})")
    return out


def pipeline(dump: Path, data: Path, overrides, curated, keep=None, inputs=None):
    """(free models, LLM-Stats scores, matches, pools document) for one dump with the snapshot of its time; keep
    limits the free models to those ids (the paid reference models still calibrate)."""
    day = dump.stem.split("-", 1)[1]
    body = json.loads(dump.read_text(encoding="utf-8"))
    free = select_free_models(body)
    if keep is not None:
        free = [m for m in free if m["id"] in set(keep)]
    references = select_reference_scores(body)
    snapshot = snapshot_for(day)
    layout, records, _problems = parse_checkout(data / "llm-stats" / snapshot)
    scores = list(build_scores("llm-stats", snapshot, layout, records).models)
    free_ids = {m["id"] for m in free}
    cats = [CatalogModel.from_dict(m) for m in free]
    refs = [CatalogModel.from_dict(m) for m in references if m["id"] not in free_ids]
    found = match_models(cats + refs, [BenchmarkModel.from_dict(m) for m in scores], overrides, 70)
    matches = [m for m in found if m.id in free_ids]
    reference = [m for m in found if m.id not in free_ids and m.benchmark_id is not None]
    commit, commit_date = SNAPSHOT_COMMITS[snapshot]
    provenance = pools_provenance(
        CatalogCache.live((), (), Settings.openrouter_url).origin,
        BenchmarkScores(Settings.benchmarks_repo, commit, layout, (), commit_date),
    )
    records = PoolsInputs(
        free, provenance, inputs or {}, scores, matches, curated, references, reference, architectures=ARCHITECTURES
    )
    doc = build_document(records, RankingSettings())
    return body, free, scores, matches, doc, snapshot


def pools_document(dump: Path, data: Path, keep=None, inputs=None) -> dict[str, Any]:
    """The pools document of one dump (the shipped overrides and curated scores)."""
    return pipeline(dump, data, load_overrides(PACKAGE_OVERRIDES), CuratedScores.load().scores, keep, inputs)[4]


def run_dump(dump: Path, data: Path, newest: dict[str, float], overrides, curated, verbose: bool) -> dict[str, Any]:
    day = dump.stem.split("-", 1)[1]
    body, free, scores, matches, doc, snapshot = pipeline(dump, data, overrides, curated)
    catalog_raw = {e["id"]: e for e in body["data"] if isinstance(e, dict) and isinstance(e.get("id"), str)}
    eligible = [m["id"] for m in free if not (NOT_CODE.search(m["id"]) or NOT_CODE.search(m.get("name") or ""))]
    ranked = [m["id"] for m in doc["models"] if not m.get("provisional")]  # measured: the figure before provisionals
    covered = sum(1 for mid in ranked if mid in set(eligible))
    pairs = []
    for position, mid in enumerate(ranked):
        keys = identities(catalog_raw[mid])
        value = next((newest[k] for k in sorted(keys) if k in newest), None)
        if value is not None:
            pairs.append((mid, -position, value))
    rho = spearman([p[1] for p in pairs], [p[2] for p in pairs])
    by_score = {m["id"]: m for m in scores}
    by_match = {m.id: m for m in matches}
    curated_ids = {base(i) for c in curated for i in c.openrouter_ids}
    defaults = {}
    for role, mid in doc["chosenDefaults"].items():
        units = evidence_units(mid, {m["id"]: m for m in free}, by_score, by_match, curated_ids) if mid else 0.0
        defaults[role] = (mid, flags(mid, day, catalog_raw, units))
    if verbose:
        print(f"--- {dump.name} x {snapshot}")
        for mid, position, value in pairs:
            print(f"   {-position + 1:>3}. {mid:<55} newest coding_index {value:5.1f}")
    return {
        "dump": dump.name,
        "snapshot": snapshot[-7:],
        "free": len(free),
        "eligible": len(eligible),
        "covered": covered,
        "rho": rho,
        "n": len(pairs),
        "defaults": defaults,
        "contract": contract_and_sizes(doc),
    }


@contextlib.contextmanager
def size_prior_off():
    """Within: every measured model's estimate is its evidence alone (a flat prior) and no model gets a provisional
    estimate, so the figures show what the measurements alone rank."""
    saved = fusion.prior_for, fusion._provisional
    fusion.prior_for = lambda _total: evidence.Prior("off", 0.0, 1e6)
    fusion._provisional = lambda fused, _evidence: fused
    try:
        yield
    finally:
        fusion.prior_for, fusion._provisional = saved


def agreement(doc: dict[str, Any], catalog_raw: dict[str, dict], newest: dict[str, float], measured_only: bool):
    """(Spearman rho, n) of the document's rank order against the newest index: over the measured models (the
    figure before provisional estimates existed) or over every ranked model, provisional ones included."""
    pairs = []
    models = [m for m in doc["models"] if not (measured_only and m.get("provisional"))]
    for position, m in enumerate(models):
        keys = identities(catalog_raw[m["id"]])
        value = next((newest[k] for k in sorted(keys) if k in newest), None)
        if value is not None:
            pairs.append((-position, value))
    return spearman([p[0] for p in pairs], [p[1] for p in pairs]), len(pairs)


def coverage(doc: dict[str, Any], eligible: list[str]) -> tuple[int, int, int]:
    """(measured, provisional, none) among the eligible free models."""
    entries = {m["id"]: m for m in doc["models"]}
    measured = sum(1 for mid in eligible if mid in entries and not entries[mid].get("provisional"))
    provisional = sum(1 for mid in eligible if mid in entries and entries[mid].get("provisional"))
    return measured, provisional, len(eligible) - measured - provisional


def run_prior(dump: Path, data: Path, newest: dict[str, float], overrides, curated) -> dict[str, Any]:
    """Per dump: coverage (measured / provisional / none), agreement over the measured models, over every ranked
    model, and with the size prior switched off (evidence alone), and how the provisional estimates were made."""
    body, free, _scores, _matches, doc, _snapshot = pipeline(dump, data, overrides, curated)
    catalog_raw = {e["id"]: e for e in body["data"] if isinstance(e, dict) and isinstance(e.get("id"), str)}
    eligible = [m["id"] for m in free if not (NOT_CODE.search(m["id"]) or NOT_CODE.search(m.get("name") or ""))]
    with size_prior_off():
        alone = pipeline(dump, data, overrides, curated)[4]
    methods = sorted({(m["provisional"]["method"], m["provisional"]["points"]) for m in doc["models"]
                      if m.get("provisional")})  # fmt: skip
    sds = sorted({m["prior"]["sd"] for m in doc["models"] if m.get("provisional")})
    return {
        "dump": dump.name,
        "coverage": coverage(doc, eligible),
        "measured": agreement(doc, catalog_raw, newest, True),
        "all": agreement(doc, catalog_raw, newest, False),
        "alone": agreement(alone, catalog_raw, newest, True),
        "prior": ", ".join(f"{m} ({n} values)" if n else m for m, n in methods) or "-",
        "sd": sds,
    }


def print_prior(rows: list[dict[str, Any]]) -> None:
    def rho(pair):
        return "   -" if pair[0] is None else f"{pair[0]:.2f}"

    print()
    print("provisional estimates: coverage of eligible free models and agreement with the newest index")
    print(f"{'dump':<24}{'measured/prov/none':>20}  {'measured':>8} {'n':>3}  {'all':>5} {'n':>3}  "
          f"{'evidence alone':>14} {'n':>3}  prior (sd)")  # fmt: skip
    for r in rows:
        m, p, none = r["coverage"]
        sd = "/".join(f"{x:g}" for x in r["sd"]) or "-"
        print(
            f"{r['dump']:<24}{f'{m} / {p} / {none}':>20}  {rho(r['measured']):>8} {r['measured'][1]:>3}  "
            f"{rho(r['all']):>5} {r['all'][1]:>3}  {rho(r['alone']):>14} {r['alone'][1]:>3}  {r['prior']} ({sd})"
        )
    print(f"eligible free models without an estimate: {sum(r['coverage'][2] for r in rows)}")


def contract_and_sizes(doc: dict[str, Any]) -> dict[str, Any]:
    """Issue 19 items 1 and 3 on one pools document: the pairs where codingScore rises with rank (the reference
    contract: none), and the small-tasks default's active parameters with where they came from."""
    scores = [m["codingScore"] for m in doc["models"]]
    rises = sum(1 for a, b in itertools.pairwise(scores) if b > a)
    small = next((m for m in doc["models"] if m["id"] == doc["chosenDefaults"]["smallTasksModel"]), None)
    size = (small or {}).get("parameters") or {}
    known = sum(1 for m in doc["models"] if m["parameters"]["active"] is not None)
    return {
        "rises": rises,
        "small": (small or {}).get("id"),
        "active": size.get("active"),
        "from": (size.get("activeFrom") or "unknown").split(":", 1)[0],
        "known": f"{known}/{len(doc['models'])}",
    }


def print_contract_and_sizes(rows: list[dict[str, Any]]) -> None:
    """Per dump: codingScore pairs out of rank order, ranked models with a known active size, the small default."""
    print(f"\n{'dump':<24}{'llm-stats':<10}{'score rises':>11}  {'active known':>12}  smallTasks (active B, from)")
    for r in rows:
        c = r["contract"]
        active = "?" if c["active"] is None else f"{c['active']:g}"
        print(
            f"{r['dump']:<24}{r['snapshot']:<10}{c['rises']:>11}  {c['known']:>12}  {c['small']} ({active}, {c['from']})"
        )


def fit(data: Path, overrides, curated) -> None:
    """Print the least-squares lines of the newest dump's common points (every paid model a point): FIXED_LINES."""
    body = json.loads((data / "openrouter" / NEWEST).read_text(encoding="utf-8"))
    references = select_reference_scores(body)
    layout, records, _problems = parse_checkout(data / "llm-stats" / snapshot_for(NEWEST[7:17]))
    scores = list(build_scores("llm-stats", None, layout, records).models)
    found = match_models(
        [CatalogModel.from_dict(m) for m in references], [BenchmarkModel.from_dict(m) for m in scores], overrides, 70
    )
    matches = {m.id: rawscores.MatchInfo(m.benchmark_id, m.method, m.confidence) for m in found}
    lines = calibration.calibrate(
        [], {}, {m["id"]: m for m in scores}, rawscores.curated_index(curated), references, matches
    )
    lines.update(calibration.web_calibrations([], references))
    for key, line in sorted(lines.items()):
        fitted = calibration.least_squares(key, line.points) if line.method != "reference" else None
        if fitted is not None:
            slope, intercept, residual_sd = fitted
            print(
                f"{key:<22} slope {slope:.4f} intercept {intercept:.2f} points {len(line.points)} "
                f"residual sd {residual_sd:.2f}"
            )


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--data", type=Path, default=DATA)
    parser.add_argument("-v", "--verbose", action="store_true", help="list each dump's ranked models in both")
    parser.add_argument("--same-line", action="store_true", help="map curated scores with the LLM-Stats line")
    parser.add_argument("--fit", action="store_true", help="print the lines fitted on the newest dump and exit")
    args = parser.parse_args(argv)
    if args.fit:
        fit(args.data, load_overrides(PACKAGE_OVERRIDES), CuratedScores.load().scores)
        return 0
    if args.same_line:
        calibration.FIXED_LINES["curated"] = calibration.FIXED_LINES["llm-stats"]
    dumps = sorted((args.data / "openrouter").glob("models-*.json"))
    if not dumps:
        print(f"no dumps under {args.data / 'openrouter'}; pass --data", file=sys.stderr)
        return 2
    newest = newest_index(args.data / "openrouter" / NEWEST)
    overrides = load_overrides(PACKAGE_OVERRIDES)
    curated = CuratedScores.load().scores
    rows = [run_dump(d, args.data, newest, overrides, curated, args.verbose) for d in dumps]
    print(f"{'dump':<24}{'llm-stats':<10}{'coverage':>14}  {'agreement':>9} {'n':>3}  defaults (flags)")
    flagged = 0
    for r in rows:
        cover = f"{r['covered']}/{r['eligible']} {100 * r['covered'] / max(1, r['eligible']):3.0f}%"
        rho = "   -" if r["rho"] is None else f"{r['rho']:.2f}"
        parts = []
        for role, (mid, marks) in r["defaults"].items():
            flagged += bool(marks)
            parts.append(f"{role[:-5]}={mid}" + (f" [{','.join(marks)}]" if marks else ""))
        print(f"{r['dump']:<24}{r['snapshot']:<10}{cover:>14}  {rho:>9} {r['n']:>3}  {'; '.join(parts)}")
    late = [r["rho"] for r in rows if r["dump"] >= "models-2025-12" and r["rho"] is not None]
    print(f"flagged defaults: {flagged}; lowest agreement from 2025-12 on: {min(late):.2f}" if late else "")
    print_prior([run_prior(d, args.data, newest, overrides, curated) for d in dumps])
    print_contract_and_sizes(rows)
    return 0


if __name__ == "__main__":
    sys.exit(main())
