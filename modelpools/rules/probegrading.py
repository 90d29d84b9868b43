"""The coding probe's prompt and the grading of a model's reply: the ``ANSWER <n>: <literal>`` lines, both ways.

:func:`build_prompt` asks for every item's return value, one final ``ANSWER <n>:`` line each; :func:`grade_reply`
reads a model's reply against the items' true answers (``modelpools.rules.probe``). A reply is untrusted text and is
never run: each answer is read with ``ast.literal_eval`` under size limits and compared with the truth, type for type
(``True`` is not ``1``, a list is not a tuple). Hostile, enormous or malformed answers are wrong, never an error.

    prompt = build_prompt(items)          # ask for one final line "ANSWER <n>: <python literal>" per item
    grades = grade_reply(items, reply)    # one bool per item; hostile, enormous or malformed answers are False

A change to the prompt is a change of the probe: bump ``rules.probe.PROBE_VERSION`` with it.
"""

from __future__ import annotations

import ast
import re
from collections.abc import Sequence
from typing import Any

from modelpools.rules.probe import ProbeItem

__all__ = [
    "MAX_REPLY_CHARS",
    "MAX_ANSWER_CHARS",
    "build_prompt",
    "parse_answers",
    "same_value",
    "grade_reply",
]

# A reply longer than this is graded all wrong without being scanned.
MAX_REPLY_CHARS = 200_000
# An answer literal longer than this is wrong (every true answer here is far shorter).
MAX_ANSWER_CHARS = 1_000


def build_prompt(items: Sequence[ProbeItem]) -> str:
    """One user message asking for every item's return value, each on a final ``ANSWER <n>:`` line."""
    parts = [
        "Work out, without running any code, what each final call below returns.",
        "You may reason first. Then end your reply with exactly one line per program, in this form,",
        "where the value is written as a Python literal (as repr() would print it):",
        "",
    ]
    parts += [f"ANSWER {n}: <value>" for n in range(1, len(items) + 1)]
    for n, item in enumerate(items, 1):
        parts += ["", f"Program {n}:", "```python", item.program.rstrip("\n"), item.call, "```"]
    return "\n".join(parts) + "\n"


# Linear time: one [\s*_]* between the number and the colon, where "\s*[*_]*\s*" (three loops over the same
# characters) backtracked quadratically on "ANSWER 1" and 200,000 spaces (benchmarks/bench_probe.py, section 4).
_ANSWER_LINE = re.compile(r"^[\s>*_#-]*answer\s*(\d{1,4})[\s*_]*[:=]\s*(.*)$", re.IGNORECASE)


def _literal(text: str) -> Any:
    """The answer text as a Python literal, or raise ValueError; never evaluates code."""
    text = text.strip().strip("*_").strip()
    if text.startswith("`") and text.endswith("`"):
        text = text.strip("`").strip()
        if text.lower().startswith("python "):
            text = text[7:]
    if not text or len(text) > MAX_ANSWER_CHARS:
        raise ValueError("empty or oversized answer")
    try:
        return ast.literal_eval(text)
    except (SyntaxError, ValueError, TypeError, MemoryError, RecursionError) as exc:
        raise ValueError("not a Python literal") from exc


def parse_answers(reply: str, count: int) -> dict[int, Any]:
    """Item number (1-based) -> the model's answer: the last well-formed ``ANSWER n:`` line for each n.

    Thinking text, code fences and markdown around the lines are ignored; a line that is not a literal is skipped
    (an earlier well-formed line for the same n stays). A reply over MAX_REPLY_CHARS yields no answers.
    """
    if not isinstance(reply, str) or len(reply) > MAX_REPLY_CHARS:
        return {}
    answers: dict[int, Any] = {}
    for line in reply.splitlines():
        match = _ANSWER_LINE.match(line)
        if not match:
            continue
        number = int(match.group(1))
        if not 1 <= number <= count:
            continue
        try:
            answers[number] = _literal(match.group(2))
        except ValueError:
            continue
    return answers


def same_value(given: Any, truth: Any) -> bool:
    """Equal and of the same types throughout: ``True`` is not ``1``, ``[1]`` is not ``(1,)``."""
    if type(given) is not type(truth):
        return False
    if isinstance(truth, (list, tuple)):
        return len(given) == len(truth) and all(same_value(g, t) for g, t in zip(given, truth))
    if isinstance(truth, dict):
        return given.keys() == truth.keys() and all(same_value(given[k], truth[k]) for k in truth)
    return given == truth


def grade_reply(items: Sequence[ProbeItem], reply: str) -> tuple[bool, ...]:
    """One bool per item: did the reply's final answer for it equal the true value?"""
    answers = parse_answers(reply, len(items))
    return tuple(n in answers and same_value(answers[n], item.value) for n, item in enumerate(items, 1))
