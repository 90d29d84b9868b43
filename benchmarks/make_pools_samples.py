"""Rebuild the committed sample pools files (tests/data/pools-sample.json, pools-2025-07-25.json) from real data.

Usage: python benchmarks/make_pools_samples.py [--data /path/to/shared/data]

pools-sample.json: every free model of models-2026-08-18.json x LLM-Stats 24a9ccf. pools-2025-07-25.json: the twelve
free models named in JULY below, of models-2025-07-25.json x LLM-Stats df1d14e. The pipeline is the one
benchmarks/bench_trust.py runs; the files keep the `inputs` hashes they were first built with (provenance), with today's ranking settings.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "benchmarks"))

import bench_trust  # noqa: E402

from modelpools.jsonbytes import dump_json  # noqa: E402
from modelpools.slices import RankingSettings  # noqa: E402

JULY = (
    "google/gemini-2.5-pro-exp-03-25",
    "deepseek/deepseek-r1-0528:free",
    "qwen/qwen3-235b-a22b:free",
    "moonshotai/kimi-k2:free",
    "deepseek/deepseek-r1:free",
    "deepseek/deepseek-chat-v3-0324:free",
    "google/gemini-2.0-flash-exp:free",
    "qwen/qwq-32b:free",
    "qwen/qwen-2.5-coder-32b-instruct:free",
    "google/gemma-3-27b-it:free",
    "agentica-org/deepcoder-14b-preview:free",
    "arliai/qwq-32b-arliai-rpr-v1:free",
)


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--data", type=Path, default=bench_trust.DATA)
    args = parser.parse_args(argv)
    for name, dump, keep in (
        ("pools-sample.json", "models-2026-08-18.json", None),
        ("pools-2025-07-25.json", "models-2025-07-25.json", JULY),
    ):
        target = ROOT / "tests" / "data" / name
        inputs = json.loads(target.read_text(encoding="utf-8"))["inputs"]
        inputs["settings"] = RankingSettings().fingerprint()
        inputs["evidenceMemorySha256"] = hashlib.sha256(b"").hexdigest()  # built without a memory
        doc = bench_trust.pools_document(args.data / "openrouter" / dump, args.data, keep, inputs)
        target.write_bytes(dump_json(doc))
        print(f"{target}: {len(doc['models'])} ranked, defaults {doc['chosenDefaults']}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
