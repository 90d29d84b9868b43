"""``gc_paused``: a pure build that allocates many small objects runs with Python's cyclic garbage collector paused.

Building the records of a large catalog allocates millions of small containers and no reference cycles. CPython
runs a collection each time the young generations fill and, every so often, a full one over the whole heap, inputs
included; the pause keeps the 50k-model run within its time budget (BENCHMARKS.md, section 16). Nothing is kept
longer by the pause: objects are freed by reference counting as always, and any cycle is collected by the first
collection after it.
"""

from __future__ import annotations

import functools
import gc
from collections.abc import Callable
from typing import TypeVar

__all__ = ["gc_paused"]

F = TypeVar("F", bound=Callable)


def gc_paused(fn: F) -> F:
    """fn, run with the cyclic garbage collector disabled (and enabled again after, if it was on)."""

    @functools.wraps(fn)
    def paused(*args, **kwargs):
        if not gc.isenabled():
            return fn(*args, **kwargs)
        gc.disable()
        try:
            return fn(*args, **kwargs)
        finally:
            gc.enable()

    return paused  # type: ignore[return-value]
