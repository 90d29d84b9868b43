"""Maintainer command: regenerate modelpools/data/curated-scores.json from Aider's polyglot leaderboard."""

from __future__ import annotations

import re
import sys
from pathlib import Path
from typing import Any

from modelpools.records import CuratedScores
from modelpools.resources import PACKAGE_CURATED
from modelpools.rules.scoring import Result, coding_score, select_components

__all__ = ["AIDER_COMMIT", "AIDER_NAMES", "AIDER_URL", "curate_from_aider", "main"]

AIDER_COMMIT = "cb6a152e"
AIDER_URL = "https://aider.chat/docs/leaderboards/"
# Leaderboard `model` names that map unambiguously to one OpenRouter id (the default, non-thinking variant only).
AIDER_NAMES = {
    "claude-3-5-sonnet-20241022": "anthropic/claude-3.5-sonnet",
    "claude-3-5-haiku-20241022": "anthropic/claude-3.5-haiku-20241022",
    "claude-3-7-sonnet-20250219 (no thinking)": "anthropic/claude-3.7-sonnet",
    "claude-sonnet-4-20250514 (no thinking)": "anthropic/claude-sonnet-4",
    "claude-opus-4-20250514 (no think)": "anthropic/claude-opus-4",
    "gpt-4o-2024-11-20": "openai/gpt-4o-2024-11-20",
    "gpt-4o-2024-08-06": "openai/gpt-4o-2024-08-06",
    "gpt-4o-mini-2024-07-18": "openai/gpt-4o-mini-2024-07-18",
    "o1-mini-2024-09-12": "openai/o1-mini-2024-09-12",
    "o3-mini (medium)": "openai/o3-mini",
    "o3-mini (high)": "openai/o3-mini-high",
    "o4-mini (high)": "openai/o4-mini-high",
    "o3": "openai/o3",
    "o3-pro (high)": "openai/o3-pro",
    "gpt-4.1": "openai/gpt-4.1",
    "gpt-4.1-mini": "openai/gpt-4.1-mini",
    "gpt-4.1-nano": "openai/gpt-4.1-nano",
    "gpt-5 (medium)": "openai/gpt-5",
    "gemini-2.0-flash-exp": "google/gemini-2.0-flash-exp",
    "Gemini 2.5 Pro Preview 03-25": "google/gemini-2.5-pro-exp-03-25",
    "Gemini 2.5 Pro Preview 05-06": "google/gemini-2.5-pro-preview-05-06",
    "gemini-2.5-flash-preview-05-20 (no think)": "google/gemini-2.5-flash-preview-05-20",
    "Qwen2.5-Coder-32B-Instruct": "qwen/qwen-2.5-coder-32b-instruct",
    "QwQ-32B": "qwen/qwq-32b",
    "Qwen3 235B A22B diff, no think, Alibaba API": "qwen/qwen3-235b-a22b",
    "Codestral 25.01": "mistralai/codestral-2501",
    "command-a-03-2025-quality": "cohere/command-a",
    "Llama 4 Maverick": "meta-llama/llama-4-maverick",
    "DeepSeek R1": "deepseek/deepseek-r1",
    "DeepSeek R1 (0528)": "deepseek/deepseek-r1-0528",
    "DeepSeek V3 (0324)": "deepseek/deepseek-chat-v3-0324",
    "DeepSeek-V3.2-Exp (Chat)": "deepseek/deepseek-v3.2-exp",
}
_OPENROUTER_CMD = re.compile(r"aider\s+--model\s+openrouter/([\w.-]+/[\w.:-]+)")


def curate_from_aider(entries: list[dict[str, Any]]) -> dict[str, Any]:
    """The curated-scores document from Aider polyglot entries (best pass_rate_2 per OpenRouter id)."""
    best: dict[str, dict[str, Any]] = {}
    for entry in entries:
        match = _OPENROUTER_CMD.search(str(entry.get("command", "")))
        or_id = match.group(1) if match else AIDER_NAMES.get(str(entry.get("model")))
        if not or_id or or_id.startswith("openrouter/") or " + " in str(entry.get("model")):
            continue  # unmapped, an anonymous stealth model, or an architect/editor pair
        rate = float(entry["pass_rate_2"])
        if or_id not in best or rate > float(best[or_id]["pass_rate_2"]):
            best[or_id] = entry
    models = []
    for or_id, entry in sorted(best.items()):
        rate = float(entry["pass_rate_2"])
        # Aider runs the leaderboard itself: an independent (not self-reported) result, full weight.
        result = Result("aider-polyglot", round(rate / 100, 4), False)
        score, _coverage = coding_score(select_components([result]))
        models.append(
            {
                "openrouterIds": [or_id],
                "name": str(entry["model"]),
                "codingScore": score,
                "source": f"Aider polyglot leaderboard (Aider-AI/aider@{AIDER_COMMIT}): pass_rate_2 {rate}%",
                "sourceUrl": AIDER_URL,
                "date": str(entry["date"]),
                "components": [{"benchmark": result.dataset, "score": result.score, "selfReported": False}],
            }
        )
    return {"schemaVersion": 1, "models": models}


def main(argv: list[str] | None = None) -> int:
    """``python -m modelpools.maintainer.curate --aider polyglot_leaderboard.yml [--out FILE]``."""
    import argparse

    import yaml

    from modelpools.io.files import write_if_changed
    from modelpools.jsonbytes import dump_json

    parser = argparse.ArgumentParser(
        prog="python -m modelpools.maintainer.curate",
        description="regenerate curated-scores.json from Aider's polyglot leaderboard",
    )
    parser.add_argument("--aider", required=True, type=Path, help="aider/website/_data/polyglot_leaderboard.yml")
    parser.add_argument("--out", type=Path, default=PACKAGE_CURATED)
    args = parser.parse_args(argv)
    with open(args.aider, encoding="utf-8") as handle:
        document = curate_from_aider(yaml.safe_load(handle))
    write_if_changed(args.out, dump_json(document))
    CuratedScores.load(args.out)  # the file just written passes its schema and checks
    print(f"{args.out}: {len(document['models'])} curated scores", file=sys.stderr)
    return 0


if __name__ == "__main__":
    sys.exit(main())
