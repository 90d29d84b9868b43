"""The probe's prompt and grading: replies graded strictly, only well-formed final answers count; hostile,
enormous or malformed ones are wrong and nothing in them runs."""

import subprocess
import sys
import time
from pathlib import Path

from hypothesis import given, settings
from hypothesis import strategies as st

from modelpools.rules.probe import probe_items
from modelpools.rules.probegrading import (
    MAX_ANSWER_CHARS,
    MAX_REPLY_CHARS,
    build_prompt,
    grade_reply,
    parse_answers,
    same_value,
)


def right_reply(items, thinking="Let me trace each program step by step."):
    return thinking + "\n\n" + "\n".join(f"ANSWER {n}: {item.answer}" for n, item in enumerate(items, 1))


def test_the_prompt_shows_every_program_and_the_answer_form():
    items = probe_items(0, 3)
    prompt = build_prompt(items)
    for n, item in enumerate(items, 1):
        assert f"Program {n}:\n```python\n{item.program}{item.call}\n```" in prompt
        assert f"ANSWER {n}: <value>" in prompt
    assert "Program 4" not in prompt


def test_a_right_reply_with_thinking_fences_and_markdown_scores_every_item():
    items = probe_items(0, 6)
    reply = (
        "<think>Program 1 loops... ANSWER 1: 0 maybe? no.</think>\n```\n"
        + "\n".join(f"**ANSWER {n}:** `{item.answer}`" for n, item in enumerate(items, 1))
        + "\n```\n"
    )
    assert grade_reply(items, reply) == (True,) * 6


def test_the_last_well_formed_answer_for_an_item_wins():
    items = probe_items(0, 2)
    wrong = repr("not it")
    reply = (
        f"ANSWER 1: {items[0].answer}\nANSWER 2: {items[1].answer}\nOn reflection:\nANSWER 1: {wrong}\n"
        f"answer 2 = not a literal (\n"
    )
    assert grade_reply(items, reply) == (False, True)


def test_missing_extra_and_out_of_range_answers():
    items = probe_items(0, 3)
    reply = f"ANSWER 2: {items[1].answer}\nANSWER 4: {items[0].answer}\nANSWER 0: {items[0].answer}"
    assert grade_reply(items, reply) == (False, True, False)
    assert set(parse_answers(reply, 3)) == {2}


def test_types_must_match_exactly():
    assert same_value({"a": [1, (2, "x")]}, {"a": [1, (2, "x")]})
    assert not same_value(True, 1)
    assert not same_value(1.0, 1)
    assert not same_value([1, 2], (1, 2))
    assert not same_value({"a": [1, True]}, {"a": [1, 1]})
    assert not same_value({"a": 1}, {"a": 1, "b": 2})


def test_hostile_answers_are_wrong_and_never_run(tmp_path):
    items = probe_items(0, 5)
    marker = tmp_path / "ran"
    payloads = [
        f"__import__('os').system('touch {marker}')",
        f"open({str(marker)!r}, 'w')",
        items[2].call,  # a call, not a value
        "(lambda: 1)()",
        "[x for x in range(10**9)]",
    ]
    reply = "\n".join(f"ANSWER {n}: {payload}" for n, payload in enumerate(payloads, 1))
    assert grade_reply(items, reply) == (False,) * 5
    assert not marker.exists()


def test_enormous_and_malformed_answers_are_wrong_quickly():
    items = probe_items(0, 6)
    start = time.perf_counter()
    replies = {
        "huge number": "ANSWER 1: " + "9" * 5000,
        "power tower": "ANSWER 1: 10**10**10**10",
        "deep nesting": "ANSWER 1: " + "[" * 100_000 + "]" * 100_000,
        "long literal": "ANSWER 1: '" + "a" * (MAX_ANSWER_CHARS + 1) + "'",
        "too long a reply": right_reply(items) + " " * MAX_REPLY_CHARS,
        "unclosed": "ANSWER 1: [1, 2",
        "binary noise": "ANSWER 1: \x00\xff\ud800",
        "empty": "ANSWER 1:",
    }
    for name, reply in replies.items():
        assert grade_reply(items, reply) == (False,) * 6, name
    assert grade_reply(items, None) == (False,) * 6
    assert time.perf_counter() - start < 5  # linear scans, bounded literal parsing: no blow-up


def test_many_lines_of_junk_before_the_answers_still_grade():
    items = probe_items(0, 2)
    junk = "ANSWER x: ???\n" * 10_000
    assert grade_reply(items, junk + right_reply(items)) == (True, True)


@settings(max_examples=200, deadline=None)
@given(st.text(max_size=400))
def test_any_text_grades_without_error(text):
    items = probe_items(0, 3)
    grades = grade_reply(items, text + "\nANSWER 1: " + text)
    assert len(grades) == 3 and all(isinstance(g, bool) for g in grades)


ADVERSARIAL = {  # replies within MAX_REPLY_CHARS on which a backtracking line pattern takes minutes
    "spaces after the number": "ANSWER 1" + " " * 199_000,
    "stars and spaces after the number": "ANSWER 1" + " *" * 99_000,
    "underscores after the number": "answer 12" + "_ " * 99_000 + "x",
    "markup before the word": "> *" * 66_000 + "answe",
}


def test_grading_an_adversarial_reply_is_linear():
    # In a child process with a timeout: the quadratic pattern this replaces took 0.09 s for "ANSWER 1" and 4,000
    # spaces, 5.45 s for 32,000, minutes for 199,000 (the figures are in benchmarks/bench_probe.py, section 4).
    script = (
        "import sys; sys.path.insert(0, sys.argv[1])\n"
        "from test_probegrading import ADVERSARIAL\n"
        "from modelpools.rules.probe import probe_items\n"
        "from modelpools.rules.probegrading import grade_reply\n"
        "items = probe_items(0, 3)\n"
        "print(all(grade_reply(items, reply) == (False,) * 3 for reply in ADVERSARIAL.values()))\n"
    )
    result = subprocess.run(
        [sys.executable, "-c", script, str(Path(__file__).parent)], capture_output=True, text=True, timeout=30
    )
    assert result.stdout.strip() == "True", result.stderr
