"""The coding probe's item set: deterministic across processes, true answers checked by running each program in a
fresh interpreter, and replies graded strictly: only well-formed final answers count, hostile, enormous or malformed
ones are wrong and nothing in them runs."""

import json
import os
import subprocess
import sys
import time

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from modelpools.rules.probe import (
    FAMILIES,
    MAX_ANSWER_CHARS,
    MAX_REPLY_CHARS,
    PROBE_VERSION,
    build_prompt,
    grade_reply,
    parse_answers,
    probe_item,
    probe_items,
    probe_set_id,
    same_value,
)

# The probe set id of version 1. If a change to the templates, the draws or the grading makes this fail, bump
# PROBE_VERSION (old results must not be mixed with new ones) and record the new id here.
PROBE_SET_V1 = "v1-54da69d62820"

ITEMS_SCRIPT = """
import hashlib, json
from modelpools.rules.probe import probe_items, probe_set_id
items = probe_items(0, 60)
text = json.dumps([[i.index, i.family, i.level, i.program, i.call, i.answer] for i in items])
print(json.dumps({"set": probe_set_id(), "items": hashlib.sha256(text.encode()).hexdigest()}))
"""


def items_digest():
    text = json.dumps([[i.index, i.family, i.level, i.program, i.call, i.answer] for i in probe_items(0, 60)])
    import hashlib

    return hashlib.sha256(text.encode()).hexdigest()


def right_reply(items, thinking="Let me trace each program step by step."):
    return thinking + "\n\n" + "\n".join(f"ANSWER {n}: {item.answer}" for n, item in enumerate(items, 1))


def test_the_probe_set_id_is_pinned_for_this_version():
    assert PROBE_VERSION == 1
    assert probe_set_id() == PROBE_SET_V1


@pytest.mark.parametrize("hash_seed", ["0", "1", "4242"])
def test_other_processes_with_other_hash_seeds_generate_the_same_items(hash_seed):
    env = {**os.environ, "PYTHONHASHSEED": hash_seed}
    out = subprocess.run([sys.executable, "-c", ITEMS_SCRIPT], env=env, capture_output=True, text=True, check=True)
    assert json.loads(out.stdout) == {"set": probe_set_id(), "items": items_digest()}


def test_items_are_addressed_by_index_and_consecutive_items_cover_every_family():
    batch = probe_items(30, 12)
    assert [i.index for i in batch] == list(range(30, 42))
    assert batch[5] == probe_item(35)
    assert (
        {i.family for i in batch} == set(FAMILIES) == {"control flow", "strings", "lists", "dictionaries", "recursion"}
    )
    assert {i.level for i in batch} == {1, 2, 3, 4}
    assert len({i.program + i.call for i in probe_items(0, 200)}) == 200  # no repeated question


def test_other_versions_and_negative_indexes_are_refused():
    with pytest.raises(ValueError, match="probe version 2"):
        probe_item(0, version=2)
    with pytest.raises(ValueError, match=">= 0"):
        probe_item(-1)


def test_true_answers_match_running_each_program_in_a_fresh_interpreter():
    items = probe_items(0, 96)  # every template 8 times
    script = (
        "import json\nout = []\n"
        + "".join(
            f"ns = {{}}\nexec({item.program!r}, ns)\nout.append(repr(eval({item.call!r}, ns)))\n" for item in items
        )
        + "print(json.dumps(out))\n"
    )
    out = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, check=True)
    assert json.loads(out.stdout) == [item.answer for item in items]


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
