"""The docs cannot drift from the program: every ``modelpools`` command the README and docs/ name exists, and the
README's sample build lists the tasks in the order a real build runs them."""

from __future__ import annotations

import os
import re
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
PAGES = [ROOT / "README.md", *sorted((ROOT / "docs").glob("*.md"))]
# `modelpools show`, `modelpools --json explain ID`: the first word after the options (an error line such as
# `modelpools catalog: cannot write ...` names a task, not a command: a word followed by ':' is no command)
MENTION = re.compile(r"`(?:\.venv/bin/)?modelpools(?: --?[a-z-]+(?: [A-Z]+)?)* ([a-z][a-z-]*)(?=[\s`])")
# a synopsis block: "modelpools [--cache-dir DIR] ... COMMAND ..." then one "  name  what it does" line a command
SYNOPSIS = re.compile(r"```\n(?:\.venv/bin/)?modelpools \[[^\n]*COMMAND[^\n]*\n(.*?)```", re.S)
# a shell line at a prompt: "$ modelpools usage"
PROMPT = re.compile(r"^\$ (?:\.venv/bin/)?modelpools(?: --?[a-z-]+(?: [A-Z]+)?)* ([a-z][a-z-]*)", re.M)


def documented_commands() -> dict[str, list[str]]:
    """command name -> the pages that name it."""
    named: dict[str, list[str]] = {}
    for page in PAGES:
        text = page.read_text(encoding="utf-8")
        words = MENTION.findall(text) + PROMPT.findall(text)
        for block in SYNOPSIS.findall(text):
            words += re.findall(r"^  ([a-z][a-z-]*)\b", block, re.M)
        for word in words:
            named.setdefault(word, []).append(page.relative_to(ROOT).as_posix())
    return named


COMMANDS = documented_commands()


def test_the_docs_name_the_commands_people_use():
    assert {"show", "explain", "diff", "check", "usage", "report"} <= set(COMMANDS)


@pytest.mark.parametrize("command", sorted(COMMANDS))
def test_each_documented_command_exists(command):
    result = subprocess.run(
        [sys.executable, "-m", "modelpools", command, "--help"], capture_output=True, text=True, timeout=60
    )
    assert result.returncode == 0, f"`modelpools {command}` named in {COMMANDS[command]}: {result.stderr}"
    assert result.stdout.startswith(f"usage: modelpools {command}")


def _task_order(output: str) -> list[str]:
    """The tasks doit ran, in order ('.  name' lines)."""
    return [line[1:].strip() for line in output.splitlines() if line.startswith(". ")]


def test_the_readme_sample_lists_the_tasks_in_the_order_a_real_build_runs_them(tmp_path):
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    sample = re.search(r"`doit pools` on a new site.*?```text\n(.*?)```", readme, re.S).group(1)
    site = tmp_path / "site"
    site.mkdir()
    (site / "dodo.py").write_text("from modelpools.tasks import *\n")
    env = {k: v for k, v in os.environ.items() if not k.startswith("MODELPOOLS_")} | {"MODELPOOLS_OFFLINE": "1"}
    build = subprocess.run(
        [sys.executable, "-m", "doit", "pools"], cwd=site, env=env, capture_output=True, text=True, timeout=300
    )
    assert build.returncode == 0, build.stderr
    assert (
        _task_order(sample)
        == _task_order(build.stdout)
        == ["catalog", "benchmarks", "match", "memory", "usage", "pools"]
    )
