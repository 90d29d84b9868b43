"""Pure ranking: order scored models, cut them into LARGE/MEDIUM/SMALL tiers and choose the default models."""

from __future__ import annotations

import math
from dataclasses import dataclass
from fractions import Fraction
from typing import Iterable, Protocol, Sequence, TypeVar

from modelpools.rules.modelids import vendor_of

__all__ = [
    "TIER_NAMES",
    "Defaults",
    "rank_key",
    "rank_models",
    "TierCut",
    "tier_cut",
    "tier_sizes",
    "assign_tiers",
    "choose_defaults",
]

TIER_NAMES = ("LARGE", "MEDIUM", "SMALL")


class _Rankable(Protocol):
    id: str
    coding_score: float | None
    context_length: int


R = TypeVar("R", bound=_Rankable)


@dataclass(frozen=True)
class Defaults:
    """The chosen default models (None only when nothing is ranked)."""

    bulk_model: str | None = None
    page_model: str | None = None
    small_tasks_model: str | None = None

    def to_json(self) -> dict[str, str | None]:
        """The pools-file ``chosenDefaults`` form."""
        return {"bulkModel": self.bulk_model, "pageModel": self.page_model, "smallTasksModel": self.small_tasks_model}


def rank_key(coding_score: float, context_length: int, model_id: str) -> tuple[float, int, str]:
    """Sort key: codingScore descending, then context length descending, then id ascending."""
    return (-coding_score, -(context_length or 0), model_id)


def rank_models(models: Iterable[R]) -> list[R]:
    """The models that have a coding score, best first; models without one are left out."""
    scored = [m for m in models if m.coding_score is not None]
    return sorted(scored, key=lambda m: rank_key(m.coding_score, m.context_length, m.id))


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
    return dict(zip(TIER_NAMES, (ids[:large], ids[large:large + medium], ids[large + medium:])))


def choose_defaults(
    ranked_ids: Sequence[str],
    tiers: dict[str, list[str]],
    page_model_other_vendor: bool = True,
    small_tasks_tier: str = "MEDIUM",
) -> Defaults:
    """bulk = best; page = next best (another vendor first if asked); small tasks = best unused of small_tasks_tier.

    With one ranked model every default is that model; with none every default is None.
    """
    if not ranked_ids:
        return Defaults()
    bulk = ranked_ids[0]
    rest = list(ranked_ids[1:])
    page = bulk
    if rest:
        page = rest[0]
        if page_model_other_vendor:
            page = next((m for m in rest if vendor_of(m) != vendor_of(bulk)), rest[0])
    used = {bulk, page}
    small = next((m for m in tiers.get(small_tasks_tier, []) if m not in used), None)
    if small is None:
        small = next((m for m in ranked_ids if m not in used), bulk)
    return Defaults(bulk, page, small)
