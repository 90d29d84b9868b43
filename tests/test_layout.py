"""The package layout shows the design, and the imports keep to it (read from the source with ``ast``).

    rules/      pure: imports nothing from io/, stages/, consumer/, records, settings, slices, meta, tasks, actions,
                uptodate or cli (no file, network, clock, terminal), not even transitively: importing every rule
                module loads no io module (checked in a fresh interpreter too)
    consumer/   the site generator's side: never imports stages/, tasks, actions or uptodate (the doit build internals)
    io/         the I/O edges: never import stages/ or consumer/
and no import cycle among modelpools modules (module-level imports: what runs when a module is imported).
"""

import ast
import subprocess
import sys
from pathlib import Path

import pytest

PACKAGE = Path(__file__).resolve().parents[1] / "modelpools"


def module_name(path: Path) -> str:
    parts = path.relative_to(PACKAGE.parent).with_suffix("").parts
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


MODULES = {module_name(p): p for p in sorted(PACKAGE.rglob("*.py"))}


def _type_checking_block(node: ast.AST) -> bool:
    test = getattr(node, "test", None)
    return isinstance(node, ast.If) and (
        (isinstance(test, ast.Name) and test.id == "TYPE_CHECKING")
        or (isinstance(test, ast.Attribute) and test.attr == "TYPE_CHECKING")
    )


def imported(module: str, *, module_level_only: bool = False) -> set[str]:
    """The modelpools modules that ``module`` imports: anywhere in it (lazy imports and type-only ones included),
    or only those run when it is imported (module level, outside ``if TYPE_CHECKING:``)."""
    tree = ast.parse(MODULES[module].read_text(encoding="utf-8"))
    package = module if MODULES[module].name == "__init__.py" else module.rpartition(".")[0]
    found: set[str] = set()

    def visit(node: ast.AST) -> None:
        for child in ast.iter_child_nodes(node):
            if module_level_only and (
                isinstance(child, (ast.FunctionDef, ast.AsyncFunctionDef, ast.Lambda)) or _type_checking_block(child)
            ):
                continue
            if isinstance(child, ast.Import):
                found.update(alias.name for alias in child.names)
            elif isinstance(child, ast.ImportFrom):
                base = child.module or ""
                if child.level:
                    base = ".".join(package.split(".")[: len(package.split(".")) - child.level + 1] + [base]).strip(".")
                found.add(base)
                found.update(f"{base}.{alias.name}" for alias in child.names)  # `from pkg import module`
            visit(child)

    visit(tree)
    return {name for name in found if name in MODULES and name != module}


def under(name: str, *places: str) -> bool:
    return any(name == f"modelpools.{p}" or name.startswith(f"modelpools.{p}.") for p in places)


# The layers above the pure rules: a rule that imported one (records for a version number, Settings for a default)
# would load io/ with it.
RULES_MUST_NOT_IMPORT = (
    "io",
    "stages",
    "consumer",
    "records",
    "settings",
    "slices",
    "meta",
    "tasks",
    "actions",
    "uptodate",
    "cli",
)
RULE_MODULES = sorted(m for m in MODULES if under(m, "rules"))

RULES = [
    ("rules", RULES_MUST_NOT_IMPORT),
    ("consumer", ("stages", "tasks", "actions", "uptodate")),
    ("io", ("stages", "consumer")),
]


def test_the_parser_sees_the_imports_it_checks():
    """A check that finds no imports could not fail: these known ones must be seen."""
    assert "modelpools.rules.scoring" in imported("modelpools.records")
    assert "modelpools.io.lock" in imported("modelpools.actions")  # a lazy import inside run_stage
    assert "modelpools.io.lock" not in imported("modelpools.actions", module_level_only=True)
    assert "modelpools.settings" in imported("modelpools.cli")  # a type-only import counts for the layering
    assert "modelpools.settings" not in imported("modelpools.cli", module_level_only=True)


@pytest.mark.parametrize(("place", "forbidden"), RULES, ids=[place for place, _ in RULES])
def test_a_layer_imports_nothing_from_the_places_it_must_not(place, forbidden):
    wrong = {
        f"{module} imports {name}"
        for module in MODULES
        if under(module, place)
        for name in imported(module)
        if under(name, *forbidden)
    }
    assert not wrong, sorted(wrong)


def test_no_import_cycle_among_modelpools_modules():
    graph = {module: imported(module, module_level_only=True) for module in MODULES}
    state: dict[str, int] = {}  # 1: on the current path, 2: done
    cycles = []

    def walk(module: str, path: list[str]) -> None:
        state[module] = 1
        for name in sorted(graph[module]):
            if state.get(name) == 1:
                cycles.append(" -> ".join(path[path.index(name) :] + [name]))
            elif name not in state:
                walk(name, path + [name])
        state[module] = 2

    for module in sorted(graph):
        if module not in state:
            walk(module, [module])
    assert not cycles, cycles


def test_rules_reach_no_higher_layer_through_the_modules_they_import():
    """Transitively: the module-level imports of a rule, and theirs, stay out of io/ and the layers above the rules."""
    graph = {module: imported(module, module_level_only=True) for module in MODULES}
    reached: set[str] = set()
    todo = list(RULE_MODULES)
    while todo:
        module = todo.pop()
        if module not in reached:
            reached.add(module)
            todo.extend(graph[module])
    assert "modelpools.errors" in reached  # the walk sees what the rules import (validation raises PoolsInvalid)
    assert not sorted(m for m in reached if under(m, *RULES_MUST_NOT_IMPORT))


def test_importing_every_rule_module_loads_no_io_module():
    """At run time, in a fresh interpreter: lazy imports and package __init__ files included."""
    code = (
        "import importlib, sys\n"
        f"for name in {RULE_MODULES!r}: importlib.import_module(name)\n"
        "print('\\n'.join(sorted(m for m in sys.modules if m.startswith('modelpools'))))"
    )
    done = subprocess.run([sys.executable, "-c", code], cwd=PACKAGE.parent, capture_output=True, text=True, check=True)
    loaded = done.stdout.split()
    assert "modelpools.rules.memory" in loaded and "modelpools.rules.usage" in loaded
    assert [m for m in loaded if under(m, *RULES_MUST_NOT_IMPORT)] == []
