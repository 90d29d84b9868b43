"""The tree passes ruff (lint and format) and mypy, configured in pyproject.toml ([tool.ruff], [tool.mypy]).

Each tool runs as a subprocess of this interpreter (both come with the ``test`` extra), with no cache, so the
README's test command (and CI) checks exactly the files in the checkout; a failure shows the tool's own report.
"""

import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
LINTED = ["modelpools", "tests", "benchmarks", "examples", "dodo.py"]


def run_tool(*args: str) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", *args], cwd=ROOT, capture_output=True, text=True, timeout=300)


def fail_with(result: subprocess.CompletedProcess, what: str) -> None:
    if "No module named" in result.stderr:
        pytest.fail(f"{what}: {result.stderr.strip()}; install the test extra: pip install -e '.[test]'")
    pytest.fail(f"{what} failed (exit {result.returncode}):\n{result.stdout}{result.stderr}")


def test_ruff_check_is_clean():
    result = run_tool("ruff", "check", "--no-cache", *LINTED)
    if result.returncode != 0:
        fail_with(result, "ruff check " + " ".join(LINTED))


def test_ruff_format_leaves_every_file_as_it_is():
    result = run_tool("ruff", "format", "--check", "--no-cache", *LINTED)
    if result.returncode != 0:
        fail_with(result, "ruff format --check " + " ".join(LINTED) + " (run `ruff format` to fix)")


def test_mypy_is_clean_on_the_package(tmp_path):
    result = run_tool("mypy", "--cache-dir", str(tmp_path / "mypy-cache"), "modelpools")
    if result.returncode != 0:
        fail_with(result, "mypy modelpools")
    assert "Success: no issues found" in result.stdout


def test_the_checks_fail_on_a_bad_file(tmp_path):
    """The tools run with the project's rules: an unused import, a type error and unformatted code are caught."""
    bad = tmp_path / "bad.py"
    bad.write_text("import os\n\n\ndef half(n: int) -> int:\n    return n/2\n")  # unused import, wrong type, n/2
    lint = run_tool("ruff", "check", "--no-cache", "--config", str(ROOT / "pyproject.toml"), str(bad))
    assert lint.returncode == 1 and "F401" in lint.stdout
    types = run_tool(
        "mypy", "--cache-dir", str(tmp_path / "mypy-cache"), "--config-file", str(ROOT / "pyproject.toml"), str(bad)
    )
    assert types.returncode == 1 and "Incompatible return value type" in types.stdout
    unformatted = run_tool(
        "ruff", "format", "--check", "--no-cache", "--config", str(ROOT / "pyproject.toml"), str(bad)
    )
    assert unformatted.returncode == 1 and "would be reformatted" in unformatted.stdout
