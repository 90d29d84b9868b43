"""The README's shell blocks run as written (those marked as needing the network are skipped, saying so), and its
test command is the one CI runs."""

from __future__ import annotations

import os
import re
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
README = (ROOT / "README.md").read_text(encoding="utf-8")
# A fenced sh block, and whether the line before it says it needs the network.
BLOCK = re.compile(r"(?P<before>[^\n]*)\n```sh\n(?P<body>.*?)\n```", re.DOTALL)
BLOCKS = [(m["body"], "needs network" in m["before"]) for m in BLOCK.finditer(README)]


def test_the_readme_test_command_is_the_one_ci_runs():
    ci = (ROOT / ".ci" / "run").read_text(encoding="utf-8").splitlines()[-1]
    tests = [body for body, _ in BLOCKS if "pytest" in body]
    assert tests == ["python3 -m venv .venv && .venv/bin/pip install -e '.[test]' && .venv/bin/python -m pytest -q"]
    assert ci.endswith(tests[0])


def test_the_readme_is_short():
    assert len(README.encode()) <= 10_000
    for page in re.findall(r"\]\((docs/[^)#]+)\)", README):
        assert (ROOT / page).is_file(), page


@pytest.mark.parametrize("body, needs_network", BLOCKS, ids=[f"block{n}" for n in range(1, len(BLOCKS) + 1)])
def test_a_readme_shell_block_runs_as_written(tmp_path, body, needs_network):
    if needs_network:
        pytest.skip("README block marked as needing the network")
    doit = Path(sys.prefix) / "bin" / "doit"
    if not doit.exists():
        pytest.skip("the tests do not run from a virtual environment with doit installed")
    site = tmp_path / "site"
    site.mkdir()
    (site / ".venv").symlink_to(sys.prefix)  # the README's .venv/ is the environment running these tests
    env = {k: v for k, v in os.environ.items() if not k.startswith("MODELPOOLS_")} | {"MODELPOOLS_OFFLINE": "1"}
    result = subprocess.run(
        ["bash", "-e", "-c", body], cwd=site, env=env, capture_output=True, text=True, timeout=300, check=False
    )
    assert result.returncode == 0, result.stdout + result.stderr
    assert "Traceback" not in result.stdout + result.stderr
    if "doit pools" in body:
        assert (site / ".cache" / "model-pools.json").is_file()
