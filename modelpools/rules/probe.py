"""The coding probe's item set: generated code-reasoning questions and their true answers.

An item is a short Python function written by one of this module's own templates plus a call, and the question
"what does this call return?". The items are new text every version and never published as a dataset, so no model
can have seen them in training. The true answer comes from running the generated program (only this module's
trusted templates, with a small builtins whitelist). Asking a model and grading its reply is
``modelpools.rules.probegrading``; a model's reply is never run.

Determinism: item ``i`` of version ``v`` is drawn from sha256 counters of ``(v, i)`` (not :mod:`random`, whose
algorithms may change between Python versions), so every user on every machine gets the same items, and
:func:`probe_set_id` (the version plus a digest of the items) changes whenever the items do: results are kept
per probe set id, so a new version invalidates old results.

    items = probe_items(start=0, count=10)
    items[0].program, items[0].call, items[0].answer   # the function, the call, repr() of what it returns
    probe_set_id()                                     # "v1-<12 hex>": results are kept under it
"""

from __future__ import annotations

import ast
import builtins
import hashlib
import textwrap
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

__all__ = [
    "PROBE_VERSION",
    "FAMILIES",
    "ProbeItem",
    "probe_item",
    "probe_items",
    "probe_set_id",
]

# Bump whenever a template, the draw scheme or the prompt (rules.probegrading) changes: results of other versions
# are then ignored.
PROBE_VERSION = 1
# Items hashed for the probe set id: enough to cover every template several times.
_DIGEST_ITEMS = 200

# The only names a generated program can reach: no import, open, getattr, type or object.
_SAFE_BUILTINS = {
    name: getattr(builtins, name)
    for name in (
        "len",
        "range",
        "sorted",
        "sum",
        "min",
        "max",
        "abs",
        "str",
        "int",
        "list",
        "dict",
        "tuple",
        "enumerate",
        "zip",
        "reversed",
        "isinstance",
    )
}


@dataclass(frozen=True)
class ProbeItem:
    """One question: ``program`` defines ``f``; what does ``call`` return? ``answer`` is its repr."""

    version: int
    index: int
    family: str
    level: int
    program: str
    call: str
    answer: str

    @property
    def value(self) -> Any:
        """The true answer as a Python value."""
        return ast.literal_eval(self.answer)


class _Draws:
    """Deterministic integers for one item: sha256 of (version, index, counter), independent of Python's random."""

    def __init__(self, version: int, index: int) -> None:
        self._prefix = f"modelpools-probe:v{version}:{index}:".encode()
        self._counter = 0

    def int(self, low: int, high: int) -> int:
        """An integer in [low, high]."""
        digest = hashlib.sha256(self._prefix + str(self._counter).encode()).digest()
        self._counter += 1
        return low + int.from_bytes(digest[:8], "big") % (high - low + 1)

    def choice(self, options: Sequence[Any]) -> Any:
        return options[self.int(0, len(options) - 1)]

    def word(self, low: builtins.int, high: builtins.int, alphabet: str = "abcdefghijklmnoprstuvy") -> str:
        return "".join(self.choice(alphabet) for _ in range(self.int(low, high)))

    def ints(self, count: builtins.int, low: builtins.int, high: builtins.int) -> list[builtins.int]:  # int: the method
        return [self.int(low, high) for _ in range(count)]


def _code(text: str) -> str:
    return textwrap.dedent(text).strip() + "\n"


# Each template returns (program, call). Level: 1 control flow, 2 strings and lists, 3 dictionaries, 4 recursion.
def _branch_sum(d: _Draws) -> tuple[str, str]:
    b = d.int(3, 7)
    return _code(f"""
        def f(n):
            total = 0
            for i in range(n):
                if i % {d.int(2, 5)} == 0:
                    total += i
                elif i % {b} == {d.int(0, b - 1)}:
                    total -= {d.int(1, 9)}
                else:
                    total += 1
            return total
        """), f"f({d.int(8, 30)})"


def _while_steps(d: _Draws) -> tuple[str, str]:
    return _code(f"""
        def f(n):
            steps = 0
            while n != 1 and steps < {d.int(6, 20)}:
                if n % 2 == 0:
                    n = n // 2
                else:
                    n = {d.choice((3, 5))} * n + 1
                steps += 1
            return (n, steps)
        """), f"f({d.int(5, 250)})"


def _string_filter(d: _Draws) -> tuple[str, str]:
    return _code(f"""
        def f(s):
            out = []
            for i, ch in enumerate(s):
                if ch in "{d.choice(("aeiou", "aei", "ou", "eiy"))}":
                    out.append(ch.upper())
                elif i % {d.int(2, 4)} == 0:
                    out.append(ch * 2)
            return "".join(out)
        """), f'f("{d.word(6, 12)}")'


def _string_slices(d: _Draws) -> tuple[str, str]:
    word = d.word(7, 12)
    old = d.choice(word)
    return _code(f"""
        def f(s):
            head, tail = s[:{d.int(2, 5)}], s[{d.int(2, 5)}:]
            return tail[::-{d.int(1, 2)}] + "{d.choice("-_.")}" + head.replace("{old}", "{d.choice("XYZ")}")
        """), f'f("{word}")'


def _list_pipeline(d: _Draws) -> tuple[str, str]:
    m = d.int(2, 4)
    return _code(f"""
        def f(xs):
            ys = [x * {d.int(2, 5)} - {d.int(1, 9)} for x in xs if x % {m} != {d.int(0, m - 1)}]
            ys.sort(key=lambda v: (v % {d.int(3, 5)}, -v))
            return ys[:{d.int(2, 5)}]
        """), f"f({d.ints(d.int(6, 9), 0, 30)})"


def _list_windows(d: _Draws) -> tuple[str, str]:
    return _code(f"""
        def f(xs):
            out = []
            for a, b in zip(xs, xs[1:]):
                if a < b:
                    out.append(b - a)
                else:
                    out.insert(0, a % {d.int(3, 7)})
            return out
        """), f"f({d.ints(d.int(5, 8), 0, 20)})"


def _dict_groups(d: _Draws) -> tuple[str, str]:
    words = [d.word(2, 6) for _ in range(d.int(4, 6))]
    return _code(f"""
        def f(words):
            groups = {{}}
            for w in words:
                key = len(w) % {d.int(2, 3)}
                groups.setdefault(key, []).append(w[::-1])
            return {{key: sorted(v) for key, v in groups.items()}}
        """), f"f({words!r})"


def _dict_counts(d: _Draws) -> tuple[str, str]:
    return _code(f"""
        def f(s):
            counts = {{}}
            for ch in s:
                counts[ch] = counts.get(ch, 0) + {d.int(1, 3)}
            best = max(sorted(counts), key=lambda c: counts[c])
            return [best, counts[best], len(counts)]
        """), f'f("{d.word(8, 14, "abcde")}")'


def _dict_ledger(d: _Draws) -> tuple[str, str]:
    names = ["ann", "bo", "cy", "dee"][: d.int(2, 4)]
    moves = [(d.choice(names), d.int(-5, 9)) for _ in range(d.int(4, 7))]
    return _code(f"""
        def f(moves):
            balance = {{}}
            for name, amount in moves:
                if amount < 0 and balance.get(name, 0) + amount < 0:
                    continue
                balance[name] = balance.get(name, 0) + amount
            return {{name: total for name, total in balance.items() if total % {d.int(2, 3)} != 0}}
        """), f"f({moves!r})"


def _recursive_numbers(d: _Draws) -> tuple[str, str]:
    return _code(f"""
        def f(n):
            if n <= {d.int(1, 2)}:
                return n + {d.int(1, 5)}
            return f(n - 1) + {d.int(2, 4)} * f(n - {d.int(2, 3)}) % {d.int(5, 13)}
        """), f"f({d.int(5, 10)})"


def _recursive_strings(d: _Draws) -> tuple[str, str]:
    return _code(f"""
        def f(s, depth=0):
            if len(s) <= 1:
                return s
            mid = len(s) // 2
            if depth % 2 == 0:
                return f(s[mid:], depth + 1) + f(s[:mid], depth + 1)
            return f(s[:mid], depth + 1) + "{d.choice("-+*")}" + f(s[mid:], depth + 1)
        """), f'f("{d.word(5, 8)}")'


def _nested_list(d: _Draws) -> list[Any]:
    out: list[Any] = []
    for _ in range(d.int(2, 4)):
        out.append([d.int(0, 9) for _ in range(d.int(1, 3))] if d.int(0, 2) == 0 else d.int(0, 9))
    if d.int(0, 1):
        out.insert(d.int(0, len(out)), [d.int(1, 5), [d.int(1, 5), d.int(1, 5)]])
    return out


def _recursive_depth(d: _Draws) -> tuple[str, str]:
    return _code("""
        def f(xs, depth=1):
            total = 0
            for x in xs:
                if isinstance(x, list):
                    total += f(x, depth + 1)
                else:
                    total += x * depth
            return total
        """), f"f({_nested_list(d)!r})"


_TEMPLATES: tuple[tuple[str, int, Callable[[_Draws], tuple[str, str]]], ...] = (
    ("control flow", 1, _branch_sum),
    ("strings", 2, _string_filter),
    ("lists", 2, _list_pipeline),
    ("dictionaries", 3, _dict_groups),
    ("recursion", 4, _recursive_numbers),
    ("control flow", 1, _while_steps),
    ("strings", 2, _string_slices),
    ("lists", 2, _list_windows),
    ("dictionaries", 3, _dict_counts),
    ("recursion", 4, _recursive_strings),
    ("dictionaries", 3, _dict_ledger),
    ("recursion", 4, _recursive_depth),
)
FAMILIES = tuple(sorted({family for family, _level, _template in _TEMPLATES}))


def _run_own_program(program: str, call: str) -> Any:
    """The value of call after program, both written by this module's templates (never model text)."""
    namespace: dict[str, Any] = {"__builtins__": _SAFE_BUILTINS}
    exec(compile(program + f"__result__ = {call}\n", "<probe item>", "exec"), namespace)
    return namespace["__result__"]


def probe_item(index: int, version: int = PROBE_VERSION) -> ProbeItem:
    """Item ``index`` of a probe version: the same on every machine, every run."""
    if version != PROBE_VERSION:
        raise ValueError(f"probe version {version} is not this module's version {PROBE_VERSION}")
    if index < 0:
        raise ValueError(f"probe item index must be >= 0, got {index}")
    family, level, template = _TEMPLATES[index % len(_TEMPLATES)]
    program, call = template(_Draws(version, index))
    value = _run_own_program(program, call)
    return ProbeItem(version, index, family, level, program, call, repr(value))


def probe_items(start: int, count: int, version: int = PROBE_VERSION) -> tuple[ProbeItem, ...]:
    """Items start .. start+count-1: consecutive items cover every template in turn."""
    return tuple(probe_item(i, version) for i in range(start, start + count))


def probe_set_id(version: int = PROBE_VERSION) -> str:
    """``v<version>-<12 hex>``: the version plus a digest of its first items; results are kept under this id."""
    digest = hashlib.sha256()
    for item in probe_items(0, _DIGEST_ITEMS, version):
        digest.update(f"{item.index}\0{item.program}\0{item.call}\0{item.answer}\0".encode())
    return f"v{version}-{digest.hexdigest()[:12]}"
