"""The maintainer command that regenerates modelpools/data/curated-scores.json from Aider's polyglot leaderboard."""

from __future__ import annotations

import subprocess
import sys

import yaml
from support import TEST_DATA

from modelpools.maintainer.curate import curate_from_aider, main
from modelpools.resources import PACKAGE_CURATED as CURATED_FILE

AIDER = TEST_DATA / "aider" / "polyglot_leaderboard.yml"


def test_curated_file_is_reproducible_from_the_aider_leaderboard(tmp_path):
    out = tmp_path / "curated.json"
    assert main(["--aider", str(AIDER), "--out", str(out)]) == 0
    assert out.read_bytes() == CURATED_FILE.read_bytes()
    document = curate_from_aider(yaml.safe_load(AIDER.read_text()))
    names = {m["name"] for m in document["models"]}
    assert "DeepSeek R1 + claude-3-5-sonnet-20241022" not in names  # architect pairs are left out
    assert not any(i.startswith("openrouter/") for m in document["models"] for i in m["openrouterIds"])
    qwen_coder = next(m for m in document["models"] if m["openrouterIds"] == ["qwen/qwen-2.5-coder-32b-instruct"])
    assert "16.4%" in qwen_coder["source"]  # the better of the two runs (8.0% and 16.4%)
    # 16.4% -> 0.164/0.9 = 0.182222; (2.5 * 0.182222 + 0.9) / 5.5 = 1.355556 / 5.5 = 0.246465 -> 24.65
    assert qwen_coder["codingScore"] == 24.65


def test_the_command_line_prints_one_line(tmp_path):
    out = tmp_path / "curated.json"
    result = subprocess.run(
        [sys.executable, "-m", "modelpools.maintainer.curate", "--aider", str(AIDER), "--out", str(out)],
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert result.returncode == 0, result.stderr
    assert result.stderr == f"{out}: 41 curated scores\n"
    assert out.read_bytes() == CURATED_FILE.read_bytes()
