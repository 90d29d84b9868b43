"""modelpools.rules.numbers: a JSON number is an int or a float, never a bool."""

from __future__ import annotations

import math

import pytest

from modelpools.io.log import describe_duration
from modelpools.rules.numbers import finite_number, is_integer, is_number


@pytest.mark.parametrize(
    "value, number, integer, finite",
    [
        (3, True, True, 3.0),
        (2.5, True, False, 2.5),
        (True, False, False, None),
        (False, False, False, None),
        ("3", False, False, None),
        (None, False, False, None),
        (math.nan, True, False, None),
        (math.inf, True, False, None),
        (10**400, True, True, None),
    ],
)
def test_numbers_exclude_bools(value, number, integer, finite):
    assert (is_number(value), is_integer(value), finite_number(value)) == (number, integer, finite)


@pytest.mark.parametrize(
    "seconds, text",
    [
        (-5, "0 s"),
        (59.9, "59 s"),
        (60, "1 min"),
        (3599, "59 min"),
        (3600, "1 h"),
        (47 * 3600, "47 h"),
        (2 * 86400, "2 d"),
        (7 * 86400 + 5, "7 d"),
    ],
)
def test_one_duration_format_for_every_message(seconds, text):
    assert describe_duration(seconds) == text
