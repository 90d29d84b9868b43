"""What counts as a number in a JSON document: an int or a float, never a bool (``True`` is an int in Python)."""

from __future__ import annotations

import math
from typing import Any, TypeGuard

__all__ = ["is_number", "is_integer", "finite_number"]


def is_number(value: Any) -> TypeGuard[int | float]:
    """True for an int or float that is not a bool (NaN and infinities included; see finite_number)."""
    return isinstance(value, (int, float)) and not isinstance(value, bool)


def is_integer(value: Any) -> TypeGuard[int]:
    """True for an int that is not a bool."""
    return isinstance(value, int) and not isinstance(value, bool)


def finite_number(value: Any) -> float | None:
    """value as a float when it is a number within a double's finite range, else None."""
    if not is_number(value):
        return None
    try:
        number = float(value)
    except OverflowError:  # an integer beyond a double
        return None
    return number if math.isfinite(number) else None
