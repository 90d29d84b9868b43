"""Cut the committed test excerpts in tests/data/ from the full real data (see tests/data/README.md).

Usage: python tests/data/cut_excerpts.py /path/to/shared/data
Re-running it on the same input rewrites the same bytes.
"""

from __future__ import annotations

import json
import shutil
import sys
from pathlib import Path

HERE = Path(__file__).resolve().parent

PAID_KEPT = 40  # paid entries without a coding index kept per dump, in API order
OLD_LAYOUT = ("models/deepseek", "models/openai", "models/qwen/qwen3-235b-a22b")
NEW_ORGS = ("deepseek", "google", "meta", "mistral", "nvidia", "openai", "qwen", "zai-org")


def is_zero_priced(entry: dict) -> bool:
    pricing = entry.get("pricing") or {}
    return all(str(pricing.get(key, "0")) == "0" for key in ("prompt", "completion"))


def coding_index(entry: dict) -> object:
    return ((entry.get("benchmarks") or {}).get("artificial_analysis") or {}).get("coding_index")


def keep(entries: list[dict], also: set[str]) -> list[dict]:
    """Every ':free', zero-priced or router entry, every entry with a coding index, ids in ``also``, and the
    first PAID_KEPT other entries; the dump's own order is kept."""
    chosen = [
        e["id"].endswith(":free")
        or is_zero_priced(e)
        or e["id"].startswith("openrouter/")
        or coding_index(e) is not None
        or e["id"] in also
        for e in entries
    ]
    for index in [i for i, kept in enumerate(chosen) if not kept][:PAID_KEPT]:
        chosen[index] = True
    return [e for e, kept in zip(entries, chosen) if kept]


def cut_openrouter(shared: Path, out: Path) -> None:
    source = shared / "openrouter"
    dumps = sorted(p.relative_to(source) for p in source.rglob("models-*.json"))
    for name in dumps:
        body = json.loads((source / name).read_bytes())
        also: set[str] = set()
        if name.name == "models-2026-05-01.json":  # keep the real day-to-day change: the ids added since 04-30
            also = {e["id"] for e in body["data"]} - {
                e["id"] for e in json.loads((source / "models-2026-04-30.json").read_bytes())["data"]
            }
        body["data"] = keep(body["data"], also)
        if "total_count" in body:
            body["total_count"] = len(body["data"])
        (out / "openrouter" / name).parent.mkdir(parents=True, exist_ok=True)
        text = json.dumps(body, ensure_ascii=False, separators=(",", ":")) + "\n"
        (out / "openrouter" / name).write_text(text, encoding="utf-8")
    shutil.copytree(source / "errors", out / "openrouter" / "errors")


def cut_llm_stats(shared: Path, out: Path) -> None:
    old = shared / "llm-stats" / "JonathanChavezTamales-df1d14e"
    for part in OLD_LAYOUT:
        shutil.copytree(old / part, out / "llm-stats" / "old-layout" / part)
    new = shared / "llm-stats" / "JonathanChavezTamales-24a9ccf" / "data"
    target = out / "llm-stats" / "new-layout" / "data"
    for org in NEW_ORGS:
        shutil.copytree(new / "organizations" / org, target / "organizations" / org)
    (target / "benchmarks").mkdir(parents=True)
    for definition in sorted((new / "benchmarks").glob("*.json")):
        if "code" in json.loads(definition.read_bytes()).get("categories", []) or definition.stem == "mmlu":
            shutil.copy(definition, target / "benchmarks")
    models = {p.name for org in NEW_ORGS for p in (new / "organizations" / org / "models").iterdir()}
    for provider in sorted((new / "providers").iterdir()):
        listed = json.loads((provider / "models.json").read_bytes()) if (provider / "models.json").is_file() else []
        if any(isinstance(m, dict) and m.get("model_id") in models for m in listed):
            shutil.copytree(provider, target / "providers" / provider.name)


def writable(root: Path) -> None:
    """The source tree is read-only; the excerpt must not be (git keeps no modes but the x bit)."""
    for path in [root, *root.rglob("*")]:
        path.chmod(0o755 if path.is_dir() else 0o644)


def main(argv: list[str]) -> int:
    shared = Path(argv[0]) if argv else HERE.parents[2] / "shared" / "data"
    for folder in ("openrouter", "llm-stats", "aider"):
        if (HERE / folder).exists():
            writable(HERE / folder)
            shutil.rmtree(HERE / folder)
    (HERE / "openrouter").mkdir()
    cut_openrouter(shared, HERE)
    cut_llm_stats(shared, HERE)
    (HERE / "aider").mkdir()
    shutil.copy(shared / "aider" / "polyglot_leaderboard.yml", HERE / "aider")
    for folder in ("openrouter", "llm-stats", "aider"):
        writable(HERE / folder)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
