"""Choosing a model for each role (pure): the candidates' records, the walk through a role's gates (rules/roles.py)
and what each gate did; the built-in roles' models as the pools file's ``chosenDefaults``."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Any

from modelpools.rules.roles import BUILTIN_ROLES, CODING, Choosing, Gate, RoleRule

__all__ = ["Candidate", "GateResult", "RoleChoice", "choose_role", "choose_roles", "chosen_defaults"]


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
    provisional: bool = False  # no source measured it: its estimate is the listing's prior (rules/provisional.py)


@dataclass(frozen=True)
class GateResult:
    """What one gate did in a choice: passed (the winner passed it), given up (no candidate passed it) or not applied;
    set_aside: the models it kept out that the rule's order puts ahead of the winner (the best two)."""

    gate: str
    text: str
    result: str
    set_aside: tuple[str, ...] = ()

    def to_json(self) -> dict[str, Any]:
        """The pools-file form (``roles.<name>.gates``)."""
        return {"gate": self.gate, "text": self.text, "result": self.result, "setAside": list(self.set_aside)}


@dataclass(frozen=True)
class RoleChoice:
    """The model chosen for a role, the rule, the two runners-up, notes on what had to give way, the rule in words
    (with the settings the choice used) and what each gate did."""

    role: RoleRule
    model: str | None
    runners_up: tuple[str, ...] = ()
    notes: tuple[str, ...] = ()
    rule_text: str = ""
    gates: tuple[GateResult, ...] = ()


def choose_role(
    role: RoleRule,
    ranked: Sequence[Candidate],
    used: Iterable[str] = (),
    bulk: str | None = None,
    other_vendor: bool = True,
    small_tier: str = "MEDIUM",
) -> RoleChoice:
    """One role's model (pure): filter by the role's gates in order, giving a gate up only when nothing passes it,
    then take the first in the rule's order. Each given-up gate that has a note leaves it."""
    notes: list[str] = []
    pool = list(ranked)
    rule_text = role.describe(other_vendor, small_tier)
    if not pool:
        return RoleChoice(role, None, (), ("no ranked models",), rule_text)
    choosing = Choosing(role, frozenset(used), bulk, other_vendor, small_tier)
    outcomes: list[tuple[Gate, str, list[Candidate]]] = []
    for gate in role.gates:
        keep = gate.keep(choosing)
        if keep is None:
            outcomes.append((gate, "not applied", []))
            continue
        kept: list[Candidate] = []
        dropped: list[Candidate] = []
        for c in pool:
            (kept if keep(c) else dropped).append(c)
        if kept:
            pool = kept
            outcomes.append((gate, "passed", dropped))
        else:
            outcomes.append((gate, "given up", []))
            if gate.note:
                notes.append(gate.note.format(role=role.name))
    order = role.rule.order
    ordered = sorted(pool, key=order)
    chosen = ordered[0].id
    runners = [c.id for c in ordered[1:3]]
    everyone = sorted(ranked, key=order)
    for c in everyone:
        if len(runners) < 2 and c.id != chosen and c.id not in runners:
            runners.append(c.id)
    place = {c.id: i for i, c in enumerate(everyone)}
    won = place[chosen]

    def ahead(dropped: list[Candidate]) -> tuple[str, ...]:
        return tuple(sorted((c.id for c in dropped if place[c.id] < won), key=place.__getitem__)[:2])

    results = tuple(
        GateResult(gate.name, gate.text(choosing) or gate.name, result, ahead(dropped))
        for gate, result, dropped in outcomes
    )
    return RoleChoice(role, chosen, tuple(runners), tuple(notes), rule_text, results)


def choose_roles(
    ranked: Sequence[Candidate],
    roles: Sequence[RoleRule] = BUILTIN_ROLES,
    page_model_other_vendor: bool = True,
    small_tasks_tier: str = "MEDIUM",
) -> list[RoleChoice]:
    """Every role's choice, in order; a later role avoids the models earlier ones took while others remain. The first
    coding role's model is the bulk model the page rule keeps away from."""
    out: list[RoleChoice] = []
    used: list[str] = []
    bulk = None
    for role in roles:
        choice = choose_role(role, ranked, used, bulk, page_model_other_vendor, small_tasks_tier)
        if role.rule is CODING and bulk is None:
            bulk = choice.model
        if choice.model is not None:
            used.append(choice.model)
        out.append(choice)
    return out


def chosen_defaults(choices: Sequence[RoleChoice]) -> dict[str, str | None]:
    """The pools file's ``chosenDefaults``: the built-in roles' models by name, in their order (None when unfilled)."""
    by_name = {c.role.name: c.model for c in choices}
    return {role.name: by_name.get(role.name) for role in BUILTIN_ROLES}
