"""Pure ranking: order scored models, cut them into LARGE/MEDIUM/SMALL tiers and choose the default models."""

from __future__ import annotations

import math
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from fractions import Fraction
from typing import Any, Protocol, TypeVar

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
    "DEFAULT_ROLES",
    "ROLE_RULES",
    "Candidate",
    "RoleChoice",
    "RoleRule",
    "choose_role",
    "choose_roles",
    "defaults_of",
]

TIER_NAMES = ("LARGE", "MEDIUM", "SMALL")


class _Rankable(Protocol):
    @property
    def id(self) -> str: ...
    @property
    def conservative(self) -> float | None: ...
    @property
    def context_length(self) -> int: ...


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


@dataclass(frozen=True)
class RoleRule:
    """A role to fill: which rule picks it and what a model must offer.

    rule: "coding" (best conservative coding estimate; longer context, then longer output break ties),
    "page" (best conservative page estimate: coding evidence updated with Design Arena web Elo),
    "small" (the cheapest adequate model: fewest active parameters among models in the small-tasks tier).
    requires: supported_parameters the model must list (e.g. "tools"); min_context: minimum context length.
    """

    name: str
    rule: str
    requires: tuple[str, ...] = ()
    min_context: int = 0

    def describe(self) -> str:
        """The rule in one line, as the pools file and `modelpools explain` state it."""
        text = {
            "coding": "highest conservative coding score (estimate - uncertainty); ties: longer context, "
            "then longer output",
            "page": "highest conservative page score (coding evidence updated with Design Arena website/"
            "webapps Elo where the catalog has it); another vendor than bulkModel first",
            "small": "cheapest adequate model: fewest active parameters in the small-tasks tier, then the "
            "higher conservative score",
        }[self.rule]
        needs = [f"supports {', '.join(self.requires)}"] if self.requires else []
        needs += [f"context >= {self.min_context}"] if self.min_context else []
        return (
            text
            + "; not deprecated; evidence >= the minimum while a candidate has it"
            + (f"; requires {' and '.join(needs)}" if needs else "")
        )


ROLE_RULES = ("coding", "page", "small")
DEFAULT_ROLES = (RoleRule("bulkModel", "coding"), RoleRule("pageModel", "page"), RoleRule("smallTasksModel", "small"))


@dataclass(frozen=True)
class Candidate:
    """What the role rules know about one ranked model."""

    id: str
    tier: str
    conservative: float
    page_conservative: float
    context_length: int = 0
    max_output: int = 0
    active_parameters: float | None = None
    thin: bool = False
    deprecated: str | None = None
    supported_parameters: tuple[str, ...] = ()
    usage: str | None = None  # the usage ledger's verdict: "unavailable", "demoted", "preferred" or None


@dataclass(frozen=True)
class RoleChoice:
    """The model chosen for a role, the rule, the two runners-up, and notes on what had to give way."""

    role: RoleRule
    model: str | None
    runners_up: tuple[str, ...] = ()
    notes: tuple[str, ...] = ()


def _coding_order(c: Candidate) -> tuple[Any, ...]:
    return (-c.conservative, -c.context_length, -c.max_output, c.id)


def _page_order(c: Candidate) -> tuple[Any, ...]:
    return (-c.page_conservative, -c.context_length, -c.max_output, c.id)


def _small_order(c: Candidate) -> tuple[Any, ...]:
    return (c.active_parameters if c.active_parameters is not None else math.inf, -c.conservative, c.id)


def _order(rule: str, candidates: Sequence[Candidate]) -> list[Candidate]:
    key = {"page": _page_order, "small": _small_order}.get(rule, _coding_order)
    return sorted(candidates, key=key)


def _fits(role: RoleRule, c: Candidate) -> bool:
    return set(role.requires) <= set(c.supported_parameters) and c.context_length >= role.min_context


def choose_role(
    role: RoleRule,
    ranked: Sequence[Candidate],
    used: Iterable[str] = (),
    bulk: str | None = None,
    other_vendor: bool = True,
    small_tier: str = "MEDIUM",
) -> RoleChoice:
    """One role's model (pure): filter by the gates in order, relaxing a gate only when nothing passes it.

    Gates: requirements, available and not demoted by the usage ledger, not deprecated, evidence minimum, not already
    used by another role (and, for page, another vendor than bulk when asked; for small, within small_tier). Each
    relaxed gate leaves a note.
    """
    notes: list[str] = []
    pool = list(ranked)
    if not pool:
        return RoleChoice(role, None, (), ("no ranked models",))
    # (predicate, note when no candidate passes it: None for preferences that give way silently)
    gates: list[tuple[Callable[[Candidate], bool], str | None]] = [
        (lambda c: _fits(role, c), f"no ranked model meets the requirements; {role.name} ignores them"),
        (lambda c: c.usage != "unavailable", "every candidate is unavailable (usage ledger)"),
        (lambda c: c.usage != "demoted", "every candidate is demoted by the usage ledger"),
        (lambda c: c.deprecated is None, "every candidate is deprecated"),
        (lambda c: not c.thin, "no candidate meets the evidence minimum"),
        (lambda c: c.id not in set(used), None),
    ]
    if role.rule == "page" and other_vendor and bulk is not None:
        gates.append((lambda c: vendor_of(c.id) != vendor_of(bulk), None))
    if role.rule == "small":
        gates.append((lambda c: c.tier == small_tier, None))
    for keep, note in gates:
        kept = [c for c in pool if keep(c)]
        if kept:
            pool = kept
        elif note:
            notes.append(note)
    ordered = _order(role.rule, pool)
    chosen = ordered[0].id
    runners = [c.id for c in ordered[1:3]]
    for c in _order(role.rule, ranked):
        if len(runners) < 2 and c.id != chosen and c.id not in runners:
            runners.append(c.id)
    return RoleChoice(role, chosen, tuple(runners), tuple(notes))


def choose_roles(
    ranked: Sequence[Candidate],
    roles: Sequence[RoleRule] = DEFAULT_ROLES,
    page_model_other_vendor: bool = True,
    small_tasks_tier: str = "MEDIUM",
) -> list[RoleChoice]:
    """Every role's choice, in order; a later role avoids the models earlier ones took while others remain."""
    out: list[RoleChoice] = []
    used: list[str] = []
    bulk = None
    for role in roles:
        choice = choose_role(role, ranked, used, bulk, page_model_other_vendor, small_tasks_tier)
        if role.rule == "coding" and bulk is None:
            bulk = choice.model
        if choice.model is not None:
            used.append(choice.model)
        out.append(choice)
    return out


def defaults_of(choices: Sequence[RoleChoice]) -> Defaults:
    """The contract's three defaults from the role choices (by role name)."""
    by_name = {c.role.name: c.model for c in choices}
    return Defaults(by_name.get("bulkModel"), by_name.get("pageModel"), by_name.get("smallTasksModel"))
