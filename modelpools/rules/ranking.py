"""Pure ranking: order scored models and cut them into LARGE/MEDIUM/SMALL tiers (the roles: rules.roles)."""

from __future__ import annotations

import math
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from fractions import Fraction
from typing import Protocol, TypeVar

from modelpools.rules.roles import TIER_NAMES  # the tier vocabulary, beside the role rules that read it

__all__ = [
    "TIER_NAMES",
    "rank_key",
    "rank_models",
    "TierCut",
    "tier_cut",
    "tier_sizes",
    "assign_tiers",
]


class _Rankable(Protocol):
    @property
    def id(self) -> str: ...
    @property
    def conservative(self) -> float | None: ...
    @property
    def context_length(self) -> int: ...


R = TypeVar("R", bound=_Rankable)


def rank_key(rank_score: float, context_length: int, model_id: str) -> tuple[float, int, str]:
    """Sort key: rank score (the conservative estimate) descending, then context length descending, then id."""
    return (-rank_score, -(context_length or 0), model_id)


def rank_models(models: Iterable[R]) -> list[R]:
    """The models that have an estimate, best conservative score first; models without one are left out."""
    keyed = [(rank_key(m.conservative, m.context_length, m.id), m) for m in models if m.conservative is not None]
    return [m for _key, m in sorted(keyed, key=lambda pair: pair[0])]


def _ceil_fraction(n: int, cutoff: float) -> int:
    # Fraction(str(0.15)) == 3/20 exactly, so 20 * 0.15 is 3, never 3.0000000000000004 -> 4.
    return min(n, math.ceil(n * Fraction(str(cutoff))))


@dataclass(frozen=True)
class TierCut:
    """Where the tiers of n ranked models end, and the rounded-up cut-offs behind those ends."""

    n: int
    large_ceil: int  # min(n, ceil(n * large_cutoff))
    medium_ceil: int  # min(n, ceil(n * medium_cutoff))
    large_end: int  # LARGE holds ranks 1..large_end
    medium_end: int  # MEDIUM holds ranks large_end+1..medium_end; SMALL the rest

    @property
    def sizes(self) -> tuple[int, int, int]:
        """(LARGE, MEDIUM, SMALL) counts."""
        return (self.large_end, self.medium_end - self.large_end, self.n - self.medium_end)


def tier_cut(n: int, large_cutoff: float = 0.15, medium_cutoff: float = 0.50) -> TierCut:
    """The tier boundaries for n ranked models.

    LARGE = ceil(n * large_cutoff); MEDIUM ends at ceil(n * medium_cutoff), but at least one model past LARGE
    while models remain (tiers fill from the top, so only SMALL can be empty once n >= 2); SMALL is the rest.
    """
    if n <= 0:
        return TierCut(0, 0, 0, 0, 0)
    large_ceil, medium_ceil = _ceil_fraction(n, large_cutoff), _ceil_fraction(n, medium_cutoff)
    medium_end = max(large_ceil, medium_ceil, min(n, large_ceil + 1))
    return TierCut(n, large_ceil, medium_ceil, large_ceil, medium_end)


def tier_sizes(n: int, large_cutoff: float = 0.15, medium_cutoff: float = 0.50) -> tuple[int, int, int]:
    """(LARGE, MEDIUM, SMALL) counts for n ranked models (see tier_cut)."""
    return tier_cut(n, large_cutoff, medium_cutoff).sizes


def assign_tiers(
    ranked_ids: Sequence[str], large_cutoff: float = 0.15, medium_cutoff: float = 0.50
) -> dict[str, list[str]]:
    """Tier name -> ids (in rank order), for ids already in rank order; keys in order LARGE, MEDIUM, SMALL."""
    large, medium, _ = tier_sizes(len(ranked_ids), large_cutoff, medium_cutoff)
    ids = list(ranked_ids)
    return dict(zip(TIER_NAMES, (ids[:large], ids[large : large + medium], ids[large + medium :])))
