"""Precision, recall and timing of modelpools.rules.matching on the hand-labeled set tests/data/match-labels.json.

Usage: python benchmarks/bench_matching.py [--data /path/to/shared/data] [--scale N] [--search N] [-v]
Reads the real OpenRouter dumps and LLM-Stats snapshots (read-only); --scale times a synthetic N x N run;
--search N times the fuzzy pool search alone (every synthetic catalog id against its vendor's benchmark ids) with
rapidfuzz's process.extract and with thefuzz's process.extractBests, and counts the queries whose results differ.
"""

from __future__ import annotations

import argparse
import json
import sys
import time
from collections import Counter
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from modelpools.resources import PACKAGE_OVERRIDES  # noqa: E402
from modelpools.rules.matching import BenchmarkModel, CatalogModel, match_models  # noqa: E402
from modelpools.stages.match import load_overrides  # noqa: E402

DATA = ROOT.parent / "shared" / "data"
LABELS = ROOT / "tests" / "data" / "match-labels.json"
SNAPSHOTS = {"df1d14e": "JonathanChavezTamales-df1d14e", "24a9ccf": "JonathanChavezTamales-24a9ccf"}


def hf_from_link(link):
    """owner/repo from a https://huggingface.co/<owner>/<repo>[/...] link, else None."""
    if not link or "huggingface.co/" not in link:
        return None
    parts = link.split("huggingface.co/", 1)[1].strip("/").split("/")
    return f"{parts[0]}/{parts[1]}" if len(parts) >= 2 and parts[0] and parts[1] else None


def read_llm_stats(snapshot_dir: Path) -> list[BenchmarkModel]:
    """Benchmark records from an LLM-Stats checkout, old (models/<org>/<model>) or new (data/organizations) layout."""
    old = sorted(snapshot_dir.glob("models/*/*/model.json"))
    new = sorted(snapshot_dir.glob("data/organizations/*/models/*/model.json"))
    out = []
    for path in old:
        d = json.loads(path.read_text(encoding="utf-8"))
        out.append(
            BenchmarkModel(
                f"{path.parent.parent.name}/{path.parent.name}",
                d.get("name", ""),
                hf_from_link(d.get("weights_link")),
                d.get("param_count"),
                d.get("release_date"),
            )
        )
    for path in new:
        d = json.loads(path.read_text(encoding="utf-8"))
        out.append(
            BenchmarkModel(
                f"{path.parents[2].name}/{path.parent.name}",
                d.get("name", ""),
                hf_from_link(d.get("source_weights_link")),
                d.get("param_count"),
                d.get("release_date"),
            )
        )
    return out


def read_catalog(dump: Path) -> list[CatalogModel]:
    """Free entries (':free' id or all-zero prices) of an OpenRouter /models dump."""
    data = json.loads(dump.read_text(encoding="utf-8"))["data"]

    def free(m):
        prices = [v for k, v in (m.get("pricing") or {}).items() if k != "overrides"]
        return m["id"].endswith(":free") or (prices and all(str(v) in ("0", "0.0") for v in prices))

    return [CatalogModel.from_dict(m) for m in data if free(m)]


def evaluate(data: Path = DATA, threshold: int = 70, verbose: bool = False) -> dict:
    """Run the matcher per (dump, snapshot) pair of the labeled set and score it against the labels."""
    labels = json.loads(LABELS.read_text(encoding="utf-8"))["labels"]
    overrides = load_overrides(PACKAGE_OVERRIDES)
    groups: dict[tuple[str, str], list[dict]] = {}
    for label in labels:
        groups.setdefault((label["dump"], label["snapshot"]), []).append(label)
    tp = fp = fn = tn = 0
    methods: Counter = Counter()
    errors = []
    elapsed = 0.0
    for (dump, snap), group in sorted(groups.items()):
        catalog = read_catalog(data / "openrouter" / dump)
        bench = read_llm_stats(data / "llm-stats" / SNAPSHOTS[snap])
        start = time.perf_counter()
        result = {m.id: m for m in match_models(catalog, bench, overrides, threshold)}
        elapsed += time.perf_counter() - start
        for label in group:
            got = result[label["catalogId"]]
            methods[got.method] += 1
            want = label["expected"]
            if got.benchmark_id is not None and got.benchmark_id == want:
                tp += 1
            elif got.benchmark_id is not None:
                fp += 1
                fn += want is not None
                errors.append(f"WRONG  {label['catalogId']} [{snap}] -> {got.benchmark_id} ({got.method}), want {want}")
            elif want is not None:
                fn += 1
                errors.append(f"MISSED {label['catalogId']} [{snap}] want {want}; {got.note} {list(got.candidates)}")
            else:
                tn += 1
    precision = tp / (tp + fp) if tp + fp else 1.0
    recall = tp / (tp + fn) if tp + fn else 1.0
    f1 = 2 * precision * recall / (precision + recall) if precision + recall else 0.0
    return {
        "labels": len(labels),
        "tp": tp,
        "fp": fp,
        "fn": fn,
        "tn": tn,
        "precision": precision,
        "recall": recall,
        "f1": f1,
        "methods": dict(methods),
        "seconds": elapsed,
        "errors": errors,
    }


def synthetic(n: int) -> tuple[list[CatalogModel], list[BenchmarkModel]]:
    """n catalog and n benchmark models over 50 vendors, ids shaped like real ones."""
    fams = ["qwen", "llama", "gemma", "mistral", "phi", "glm", "deepseek", "kimi", "grok", "nemotron"]
    cats, benches = [], []
    for i in range(n):
        vendor, fam = f"vendor{i % 50}", fams[i % len(fams)]
        ver, size = f"{i % 7}.{i % 3}", f"{(i * 7) % 400 + 1}b"
        benches.append(BenchmarkModel(f"{vendor}/{fam}-{ver}-{size}-instruct-{i}", f"{fam} {ver}"))
        cats.append(CatalogModel(f"{vendor}/{fam}{ver}-{size}-x{i}:free", f"{fam} {ver} (free)"))
    return cats, benches


def search_timing(n: int, threshold: int) -> None:
    """The fuzzy pool search alone, rapidfuzz's batch extract against thefuzz's extractBests, on the same queries."""
    from rapidfuzz import fuzz as rapid
    from rapidfuzz import process as rapid_process
    from thefuzz import fuzz, process

    from modelpools.rules.modelids import signature

    cats, benches = synthetic(n)
    pools: dict[str, dict[str, str]] = {}
    for b in benches:
        sig = signature(b.id)
        pools.setdefault(sig.vendor, {})[b.id] = sig.text
    queries = [(signature(c.id).text, pools.get(signature(c.id).vendor, {})) for c in cats]
    cutoff = min(threshold, 50)
    runs = {
        "rapidfuzz process.extract": lambda q, ch: rapid_process.extract(
            q, ch, scorer=rapid.token_set_ratio, processor=None, score_cutoff=cutoff, limit=10
        ),
        "thefuzz process.extractBests": lambda q, ch: process.extractBests(
            q, ch, scorer=fuzz.token_set_ratio, processor=None, score_cutoff=cutoff, limit=10
        ),
    }
    results = {}
    for name, run in runs.items():
        start = time.perf_counter()
        results[name] = [[(key, round(score)) for _t, score, key in run(q, ch)] for q, ch in queries]
        print(f"search {n} x {n}, {name}: {time.perf_counter() - start:.2f} s")
    a, b = results.values()
    print(f"  results differ for {sum(x != y for x, y in zip(a, b))} of {len(queries)} queries")


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--data", type=Path, default=DATA)
    parser.add_argument("--threshold", type=int, default=70)
    parser.add_argument("--scale", type=int, nargs="*", default=[1000, 4000])
    parser.add_argument("--search", type=int, nargs="*", default=[])
    parser.add_argument("-v", "--verbose", action="store_true")
    args = parser.parse_args(argv)
    r = evaluate(args.data, args.threshold, args.verbose)
    print(f"labels {r['labels']}: tp {r['tp']} fp {r['fp']} fn {r['fn']} tn {r['tn']}")
    print(f"precision {r['precision']:.3f}  recall {r['recall']:.3f}  F1 {r['f1']:.3f}")
    print("methods " + ", ".join(f"{k} {v}" for k, v in sorted(r["methods"].items())))
    print(f"matching time on the real pairs: {r['seconds'] * 1000:.0f} ms")
    for line in r["errors"] if args.verbose else []:
        print("  " + line)
    for n in args.scale:
        cats, benches = synthetic(n)
        start = time.perf_counter()
        match_models(cats, benches, {}, args.threshold)
        print(f"synthetic {n} x {n}: {time.perf_counter() - start:.2f} s")
    for n in args.search:
        search_timing(n, args.threshold)
    return 0


if __name__ == "__main__":
    sys.exit(main())
