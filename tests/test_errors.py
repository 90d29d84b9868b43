"""One exception tree: every exception modelpools raises on purpose is in modelpools.errors, drawn in its docstring."""

from __future__ import annotations

import inspect
import subprocess
import sys
from pathlib import Path

import modelpools
from modelpools import errors
from modelpools.consumer.decision import Decision
from modelpools.errors import CompletionFailed, DailyCapReached, ModelPoolsError, QuotaReached

PACKAGE = Path(errors.__file__).resolve().parent

DEFINED = [obj for obj in vars(errors).values() if inspect.isclass(obj) and obj.__module__ == errors.__name__]


def drawn_columns(tree: str) -> dict[str, int]:
    """Name -> the column it is drawn at, for each line of the tree drawing ("    ├── FetchError    upstream ...")."""
    out = {}
    for line in tree.splitlines():
        drawn = line.lstrip(" │├└─")
        name = drawn.split(" ")[0]
        if line.startswith("    ") and name[:1].isupper() and name.isidentifier():
            out[name] = len(line) - len(drawn)
    return out


def test_every_exception_is_public_and_drawn_in_the_tree_under_its_base():
    assert {cls.__name__ for cls in DEFINED} == set(errors.__all__)
    assert all(issubclass(cls, ModelPoolsError) for cls in DEFINED)
    columns = drawn_columns(errors.__doc__ or "")
    assert set(columns) == set(errors.__all__)
    for cls in DEFINED:
        if cls is not ModelPoolsError:  # one level (4 columns) right of the class it derives from
            assert columns[cls.__name__] - columns[cls.__mro__[1].__name__] == 4, cls.__name__


def test_no_other_module_defines_a_public_modelpools_error():
    """The exceptions elsewhere are private control flow (a leading underscore) or not ModelPoolsErrors."""
    import ast

    stray = []
    for path in sorted(PACKAGE.rglob("*.py")):
        if path.name == "errors.py":
            continue
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.ClassDef) and not node.name.startswith("_"):
                bases = {getattr(b, "id", getattr(b, "attr", "")) for b in node.bases}
                if bases & set(errors.__all__):
                    stray.append(f"{path.relative_to(PACKAGE)}: {node.name}")
    assert stray == []


def test_the_public_api_names_the_same_classes():
    for name in ("Exhausted", "CompletionFailed", "DailyCapReached", "QuotaReached", "PoolsInvalid"):
        assert getattr(modelpools, name) is getattr(errors, name)
        assert name in modelpools.__all__


def test_a_quota_stop_is_caught_as_a_daily_cap_and_keeps_what_was_tried():
    decision = Decision("stop", None, 1_767_225_600.0, False, "daily quota of the probe role is used up")
    stop = QuotaReached("the probe's 20 requests today are used up", 1_767_225_600.0, (), decision)
    assert isinstance(stop, DailyCapReached) and isinstance(stop, CompletionFailed)
    assert (str(stop), stop.reset_at, stop.attempts, stop.decision) == (
        "the probe's 20 requests today are used up",
        1_767_225_600.0,
        (),
        decision,
    )


def test_importing_the_errors_loads_no_other_modelpools_module():
    code = "import sys, modelpools.errors; print(' '.join(m for m in sys.modules if m.startswith('modelpools')))"
    done = subprocess.run([sys.executable, "-c", code], cwd=PACKAGE.parent, capture_output=True, text=True, check=True)
    assert sorted(done.stdout.split()) == ["modelpools", "modelpools.errors"]
