"""The roles a pools file fills, in one place: the three rules (coding, page, small), each with its gates, its order,
its target measure and its text; the built-in roles and the names they answer to. The choice itself (pure) is
rules/rolechoice.py.

    rule     measure                order (best first; ties left to right)                 gates of its own
    coding   the coding estimate    rank score, context, max output, id                    -
    page     the website Elo        page rank score, context, max output, id               another vendor than bulk
    small    active parameters      fewest active parameters (unknown: most), rank score   active size known, in
                                                                                           the small-tasks tier

Every role first passes the common gates (requirements, usage ledger, not deprecated, measured rather than
provisional, evidence minimum, not another role's default), then its rule's gates; a gate no candidate passes gives
way. Settings parse ``[tool.modelpools.roles.<name>]`` into RoleRule records (modelpools.setting_values.parse_roles);
the pools stage chooses with them, and ``explain`` and the report print their text from the pools file.

Imported on every doit run (through modelpools.settings, for the built-in roles): standard-library imports only, and
nothing the no-op does not need (the choice's records live in rules/rolechoice.py).
"""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from modelpools.rules.rolechoice import Candidate

__all__ = [
    "TIER_NAMES",
    "BUILTIN_ROLES",
    "CODING",
    "PAGE",
    "RULES",
    "ROLE_ALIASES",
    "SHORT_NAMES",
    "SMALL",
    "SUPPORTED_PARAMETERS",
    "Choosing",
    "Gate",
    "RoleRule",
    "Rule",
]


@dataclass(frozen=True)
class Choosing:
    """What a gate may look at besides the candidate: the role, the models earlier roles took, the bulk model."""

    role: RoleRule
    used: frozenset[str] = frozenset()
    bulk: str | None = None
    other_vendor: bool = True
    small_tier: str = "MEDIUM"


@dataclass(frozen=True)
class Gate:
    """A condition a role's candidates must meet, given up when no candidate meets it.

    name: the gate's key; text(choosing): the gate in words for one choice, None when it does not apply to it;
    keep(choosing): the test for one choice, None when it does not apply to it; note: what the role's notes say when
    the gate was given up ("{role}" is the role's name), None for a preference that gives way silently.
    """

    name: str
    text: Callable[[Choosing], str | None]
    keep: Callable[[Choosing], Callable[[Candidate], bool] | None]
    note: str | None = None


def _needs(role: RoleRule) -> str | None:
    needs = [f"supports {', '.join(role.requires)}"] if role.requires else []
    needs += [f"context >= {role.min_context}"] if role.min_context else []
    return " and ".join(needs) or None


def _fits(choosing: Choosing) -> Callable[[Candidate], bool] | None:
    role = choosing.role
    if _needs(role) is None:
        return None
    needed = set(role.requires)
    return lambda c: needed <= set(c.supported_parameters) and c.context_length >= role.min_context


def _other_vendor(choosing: Choosing) -> Callable[[Candidate], bool] | None:
    bulk = choosing.bulk
    if not choosing.other_vendor or bulk is None:
        return None
    from modelpools.rules.modelids import vendor_of  # loaded already by the stage that chooses; kept off the import

    bulk_vendor = vendor_of(bulk)
    return lambda c: vendor_of(c.id) != bulk_vendor


TIER_NAMES = ("LARGE", "MEDIUM", "SMALL")  # best first; rules.ranking cuts the ranked models into them
# a tier as a number: a higher tier is the larger number, so a lower tier sorts first
_TIER_RANK = {name: -place for place, name in enumerate(TIER_NAMES)}


def _in_tier(choosing: Choosing) -> Callable[[Candidate], bool]:
    """The small-tasks tier or a higher one: adequate means at least that tier (a cheaper model of a higher tier is
    not passed over for being better; the "not another role's default" gate keeps bulk's and page's models out)."""
    floor = _TIER_RANK.get(choosing.small_tier, 0)
    return lambda c: _TIER_RANK.get(c.tier, -3) >= floor


# The gates every role passes, in order.
COMMON_GATES = (
    Gate(
        "requirements",
        lambda ch: _needs(ch.role),
        _fits,
        "no ranked model meets the requirements; {role} ignores them",
    ),
    Gate(
        "available",
        lambda _: "available (usage ledger)",
        lambda _: lambda c: c.usage != "unavailable",
        "every candidate is unavailable (usage ledger)",
    ),
    Gate(
        "notDemoted",
        lambda _: "not demoted (usage ledger)",
        lambda _: lambda c: c.usage != "demoted",
        "every candidate is demoted by the usage ledger",
    ),
    Gate(
        "notDeprecated",
        lambda _: "not deprecated",
        lambda _: lambda c: c.deprecated is None,
        "every candidate is deprecated",
    ),
    Gate(
        "measured",
        lambda _: "measured (no provisional estimate)",
        lambda _: lambda c: not c.provisional,
        "no candidate is measured; {role} takes a provisional estimate",
    ),
    Gate(
        "evidence",
        lambda _: "evidence >= the minimum",
        lambda _: lambda c: not c.thin,
        "no candidate meets the evidence minimum",
    ),
    Gate(
        "unused",
        lambda _: "not another role's default",
        lambda ch: lambda c: c.id not in ch.used,
    ),
)


@dataclass(frozen=True)
class Rule:
    """How a role picks its model among the candidates that passed the gates.

    measure: what the rule ranks by; order: the sort key, best first; gates: the rule's own gates, after the common
    ones; text: the rule in words (the pools file's ruleText begins with it); latency_breaks_ties: an exact tie on
    the order goes to the model with the lower latency p50 in the usage summary (rules.usage.prefer_faster).
    """

    name: str
    measure: str
    order: Callable[[Candidate], tuple[Any, ...]]
    text: str
    gates: tuple[Gate, ...] = ()
    latency_breaks_ties: bool = False

    def __reduce__(self) -> tuple[Any, ...]:
        """Pickled as its name (its order and gates are functions): Settings cross to other processes."""
        return (_rule_named, (self.name,))


def _rule_named(name: str) -> Rule:
    return RULES[name]


CODING = Rule(
    "coding",
    "coding estimate",
    lambda c: (-c.conservative, -c.context_length, -c.max_output, c.id),
    "highest conservative coding score (estimate - uncertainty); ties: longer context, then longer output",
)
PAGE = Rule(
    "page",
    "website Elo (page scale)",
    lambda c: (-c.page_conservative, -c.context_length, -c.max_output, c.id),
    "highest conservative page score: the Design Arena website Elo (agents/webapps where it has none) on the "
    "coding-index scale through its fixed line, measured directly where the catalog has it, else through the coding "
    "estimate with the line's residual spread; ties: longer context, then longer output",
    (Gate("otherVendor", lambda ch: "another vendor than bulkModel" if ch.other_vendor else None, _other_vendor),),
)
SMALL = Rule(
    "small",
    "active parameters",
    lambda c: (
        c.active_parameters if c.active_parameters is not None else math.inf,
        _TIER_RANK.get(c.tier, 0),  # the lower tier first when the sizes tie (or are unknown): likely the cheaper
        -c.conservative,
        c.id,
    ),
    "cheapest adequate model: fewest active parameters (unknown counts as the most), then the lower tier, then the "
    "higher conservative score",
    (  # a known size comes before the tier: an unknown one wins only when no candidate's size is known
        Gate(
            "knownSize",
            lambda _: "active parameters known (architecture table, id tag, description or a dense size)",
            lambda _: lambda c: c.active_parameters is not None,
            "no candidate's active size is known; {role} goes to the lowest tier's best-scored",
        ),
        Gate("tier", lambda ch: f"in the small-tasks tier ({ch.small_tier}) or above", _in_tier),
    ),
    latency_breaks_ties=True,
)
RULES = {rule.name: rule for rule in (CODING, PAGE, SMALL)}


@dataclass(frozen=True)
class RoleRule:
    """A role to fill: its name, the rule that picks it, and what a model must offer.

    requires: supported_parameters the model must list (e.g. "tools"); min_context: minimum context length.
    """

    name: str
    rule: Rule
    requires: tuple[str, ...] = ()
    min_context: int = 0
    ab_share: float | None = None  # the role's A/B share over the site's ab_share (a client setting: not fingerprinted)

    @property
    def gates(self) -> tuple[Gate, ...]:
        """The gates in the order they apply: the common ones, then the rule's."""
        return COMMON_GATES + self.rule.gates

    def describe(self, other_vendor: bool = True, small_tier: str = "MEDIUM") -> str:
        """The rule in one line, its gates included, as the pools file and `modelpools explain` state it."""
        choosing = Choosing(self, other_vendor=other_vendor, small_tier=small_tier)
        gates = [text for gate in self.gates if (text := gate.text(choosing))]
        return f"{self.rule.text}; among the models that pass these gates in order, each given up only when no " + (
            f"candidate passes it: {', '.join(gates)}"
        )

    def to_json(self) -> list[Any]:
        """The settings form (the pools file's ``inputs.settings.roles`` and the stage's fingerprint)."""
        return [self.name, self.rule.name, list(self.requires), self.min_context]


# The names a role's ``requires`` may list: every OpenRouter ``supported_parameters`` value in the real catalogs this
# project keeps (the nine /v1/models dumps of 2025-05-23 to 2026-08-18, described in ../shared/data/README.md;
# tests/test_roles.py checks the list against them when they are there). A name OpenRouter adds later goes here.
SUPPORTED_PARAMETERS = (
    "frequency_penalty",
    "include_reasoning",
    "logit_bias",
    "logprobs",
    "max_completion_tokens",
    "max_tokens",
    "min_p",
    "parallel_tool_calls",
    "prediction",
    "presence_penalty",
    "reasoning",
    "reasoning_effort",
    "repetition_penalty",
    "response_format",
    "seed",
    "stop",
    "structured_outputs",
    "temperature",
    "tool_choice",
    "tools",
    "top_a",
    "top_k",
    "top_logprobs",
    "top_p",
    "verbosity",
    "web_search_options",
)

# The built-in roles in the order they are filled; a site may give them requirements, or add roles of its own.
BUILTIN_ROLES = (RoleRule("bulkModel", CODING), RoleRule("pageModel", PAGE), RoleRule("smallTasksModel", SMALL))
# The short names of the built-in roles (Pools.default, `explain bulk`), and every name a built-in role answers to.
SHORT_NAMES = {"bulk": "bulkModel", "page": "pageModel", "smallTasks": "smallTasksModel"}
ROLE_ALIASES = {
    **SHORT_NAMES,
    **{role.name: role.name for role in BUILTIN_ROLES},
    "small_tasks": "smallTasksModel",
    "small": "smallTasksModel",
}
