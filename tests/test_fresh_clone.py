"""The suite stands on its own: in a copy of the checkout with no ../shared beside it, collection is clean and the
self-contained tests pass (tests needing the full data skip with one reason line)."""

from __future__ import annotations

import shutil
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
LEFT_BEHIND = shutil.ignore_patterns(
    ".git", ".venv", ".cache", "__pycache__", ".pytest_cache", ".hypothesis", "*.egg-info"
)
# Files that read the data both ways: committed excerpts, and the full data where it is present.
SELECTION = ["tests/test_catalog.py", "tests/test_llmstats.py", "tests/test_freemodels.py", "tests/test_router.py"]


def pytest_in(checkout: Path, *args: str) -> subprocess.CompletedProcess:
    command = [sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider", "-o", "addopts=-rs", *args]
    return subprocess.run(command, cwd=checkout, capture_output=True, text=True, timeout=300, check=False)


def test_a_checkout_with_nothing_beside_it_collects_and_passes(tmp_path: Path):
    checkout = tmp_path / "modelpools"
    shutil.copytree(ROOT, checkout, ignore=LEFT_BEHIND, symlinks=True)
    assert not (tmp_path / "shared").exists()

    collected = pytest_in(checkout, "--collect-only")
    assert collected.returncode == 0, collected.stdout[-2000:] + collected.stderr[-2000:]
    assert "error" not in collected.stdout.splitlines()[-1]

    ran = pytest_in(checkout, *SELECTION)
    summary = ran.stdout.splitlines()[-1]
    assert ran.returncode == 0, ran.stdout[-3000:] + ran.stderr[-2000:]
    assert "passed" in summary and "failed" not in summary and "error" not in summary
    reasons = [line for line in ran.stdout.splitlines() if line.startswith("SKIPPED")]
    assert len(reasons) == 1 and "needs the full real data" in reasons[0], reasons  # one line for all of them
