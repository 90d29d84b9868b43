"""The probe stage's records and decisions: per-model probe results with a TTL, which models to probe, how many
requests today's budget allows, and one probing round against any chat function.

``probe-results.json`` (in the cache directory) keeps, per model and for the current probe set only, the batches
answered (UTC day, first item, items, right) and the last day every attempt failed (unreachable, never a zero
score). Batches older than the TTL are dropped when the stage runs, so the file (and the pools file built from it)
depends on its content, not on the clock.

Budget rule (``probe_allowance``): probe requests count in the usage ledger with the site's own. The site keeps
``daily_cap - probe_daily_requests`` requests a day for itself; the probe sends a request only while it has sent
fewer than ``probe_daily_requests`` today and today's requests of every kind leave that share untouched.
"""

from __future__ import annotations

import time as time_module
from datetime import date
from dataclasses import dataclass, field, replace
from typing import Any, Awaitable, Callable, Mapping, Sequence

from modelpools.errors import DataError
from modelpools.rules.numbers import is_integer
from modelpools.rules.probe import build_prompt, grade_reply, probe_items
from modelpools.rules.probestats import ProbeTally
from modelpools.rules.usage import quota_allowance

__all__ = [
    "RESULTS_SCHEMA",
    "PROBE_ROLE",
    "ProbeOptions",
    "Batch",
    "ModelResult",
    "ProbeResults",
    "utc_day",
    "probe_allowance",
    "plan_requests",
    "candidates_from",
    "probe_round",
]

RESULTS_SCHEMA = 1
# The role probe requests carry in the usage ledger.
PROBE_ROLE = "probe"


@dataclass(frozen=True)
class ProbeOptions:
    """The probe stage's slice of the settings."""

    enabled: bool = False
    daily_requests: int = 20
    items_per_request: int = 10
    ttl_days: int = 30
    anchors: int = 3
    target_items: int = 90  # a model with this many fresh items is not probed again until some expire
    daily_cap: int = 50


@dataclass(frozen=True)
class Batch:
    """One answered request: its UTC day, first item index, items asked and items right."""

    day: str
    start: int
    items: int
    correct: int

    def to_json(self) -> dict[str, Any]:
        return {"day": self.day, "start": self.start, "items": self.items, "correct": self.correct}


@dataclass(frozen=True)
class ModelResult:
    """What the probe knows about one model under the current probe set."""

    id: str
    batches: tuple[Batch, ...] = ()
    next_item: int = 0
    unreachable_day: str | None = None  # the last UTC day every attempt failed
    failures: int = 0  # failed requests within the TTL

    @property
    def answered(self) -> int:
        return sum(b.items for b in self.batches)

    @property
    def correct(self) -> int:
        return sum(b.correct for b in self.batches)

    def tally(self, probe_set: str) -> ProbeTally:
        return ProbeTally(self.id, probe_set, self.answered, self.correct)

    def to_json(self) -> dict[str, Any]:
        return {"id": self.id, "nextItem": self.next_item, "batches": [b.to_json() for b in self.batches],
                "unreachableDay": self.unreachable_day, "failures": self.failures}


@dataclass(frozen=True)
class ProbeResults:
    """The probe results file: the probe set they belong to and one ModelResult per probed model (by id)."""

    probe_set: str
    models: Mapping[str, ModelResult] = field(default_factory=dict)

    def to_json(self) -> dict[str, Any]:
        return {"schemaVersion": RESULTS_SCHEMA, "probeSet": self.probe_set,
                "models": [self.models[k].to_json() for k in sorted(self.models)]}

    def tallies(self) -> dict[str, ProbeTally]:
        return {mid: r.tally(self.probe_set) for mid, r in sorted(self.models.items()) if r.answered}

    def expire(self, today: str, ttl_days: int) -> "ProbeResults":
        """Batches and failures from more than ttl_days before today dropped; models left empty removed."""
        cutoff = _day_number(today) - ttl_days
        kept: dict[str, ModelResult] = {}
        for mid, result in self.models.items():
            batches = tuple(b for b in result.batches if _day_number(b.day) > cutoff)
            unreachable = result.unreachable_day
            if unreachable is not None and _day_number(unreachable) <= cutoff:
                unreachable = None
            failures = result.failures if unreachable is not None else 0
            if batches or unreachable is not None:
                kept[mid] = replace(result, batches=batches, unreachable_day=unreachable, failures=failures)
        return ProbeResults(self.probe_set, kept)

    @classmethod
    def from_json(cls, doc: Any, where: str, probe_set: str) -> "ProbeResults":
        """The results in doc; empty when they belong to another probe set (a new version invalidates them)."""
        if not isinstance(doc, dict) or doc.get("schemaVersion") != RESULTS_SCHEMA:
            raise DataError(f"probe results at {where} are not a schemaVersion {RESULTS_SCHEMA} object; "
                            "delete the file (the next probe starts afresh)")
        if doc.get("probeSet") != probe_set:
            return cls(probe_set)
        models: dict[str, ModelResult] = {}
        try:
            for entry in doc["models"]:
                batches = tuple(Batch(str(b["day"]), _count(b["start"]), _count(b["items"]), _count(b["correct"]))
                                for b in entry["batches"])
                if any(b.correct > b.items for b in batches):
                    raise ValueError("more right than asked")
                _day_number_checked(*(b.day for b in batches))
                unreachable = entry.get("unreachableDay")
                if unreachable is not None:
                    _day_number_checked(unreachable)
                models[str(entry["id"])] = ModelResult(str(entry["id"]), batches, _count(entry["nextItem"]),
                                                       unreachable, _count(entry.get("failures", 0)))
        except (KeyError, TypeError, ValueError) as exc:
            raise DataError(f"probe results at {where} are malformed ({exc}); delete the file (the next probe "
                            "starts afresh)") from None
        return cls(probe_set, models)


def _count(value: Any) -> int:
    if not is_integer(value) or value < 0:
        raise ValueError(f"expected a count, got {value!r}")
    return value


def _day_number(day: str) -> int:
    """Days since 0001-01-01 of a YYYY-MM-DD string (ValueError otherwise)."""
    return date.fromisoformat(day).toordinal()


def _day_number_checked(*days: str) -> None:
    for day in days:
        _day_number(day)  # ValueError when not YYYY-MM-DD


def utc_day(now: float) -> str:
    """YYYY-MM-DD of now in UTC."""
    return time_module.strftime("%Y-%m-%d", time_module.gmtime(now))


def probe_allowance(options: ProbeOptions, limit: int, used_today: int, probe_used_today: int) -> int:
    """Probe requests allowed now: within probe_daily_requests, leaving the site its share of today's limit.

    limit: today's daily cap (from the ledger: the X-RateLimit-Limit seen, else the setting); used_today: requests of
    every role today; probe_used_today: the probe's own. The site's share is limit - probe_daily_requests
    (rules.usage.quota_allowance; the ledger applies the same rule to every probe request it reserves).
    """
    return quota_allowance(options.daily_requests, limit, used_today, probe_used_today)


def plan_requests(candidates: Sequence[str], anchors: Sequence[str], results: ProbeResults, options: ProbeOptions,
                  allowance: int, today: str) -> list[str]:
    """Model ids in request order (one request each time a model appears), at most ``allowance`` of them.

    ``candidates``: models with no score or thin evidence, most needed first; ``anchors``: well-scored models for
    the calibration. Models at target_items fresh items and models unreachable today are left out. Requests go
    round-robin (every queued model once per pass); when a pass does not fit, anchors keep their place.
    """
    def needs(mid: str) -> int:
        result = results.models.get(mid)
        if result is not None and result.unreachable_day == today:
            return 0
        answered = result.answered if result is not None else 0
        return max(0, -(-(options.target_items - answered) // options.items_per_request))

    queue = [m for m in dict.fromkeys(anchors[: options.anchors]) if needs(m)]
    queue += [m for m in dict.fromkeys(candidates) if m not in queue and needs(m)]
    left = {m: needs(m) for m in queue}
    plan: list[str] = []
    while len(plan) < allowance and any(left.values()):
        for mid in queue:
            if left[mid] and len(plan) < allowance:
                plan.append(mid)
                left[mid] -= 1
    return plan


Chat = Callable[[str, str], Awaitable[str | None]]


async def probe_round(plan: Sequence[str], results: ProbeResults, chat: Chat, options: ProbeOptions,
                      today: str) -> ProbeResults:
    """Send one request per planned model id through ``chat(model, prompt)`` and grade the replies.

    ``chat`` returns the reply text, or None when every attempt failed (the model is then unreachable today, never
    scored zero); it raises to stop the round (for example when the daily cap is reached). Requests to one model
    run one after the other (each asks the next items); different models run concurrently.
    """
    import asyncio

    models = dict(results.models)

    async def probe_model(mid: str, count: int) -> None:
        for _ in range(count):
            current = models.get(mid) or ModelResult(mid)
            if current.unreachable_day == today:
                return
            items = probe_items(current.next_item, options.items_per_request)
            text = await chat(mid, build_prompt(items))
            current = models.get(mid) or ModelResult(mid)
            if text is None:
                models[mid] = replace(current, unreachable_day=today, failures=current.failures + 1)
                return
            right = sum(grade_reply(items, text))
            batch = Batch(today, current.next_item, len(items), right)
            models[mid] = replace(current, batches=current.batches + (batch,),
                                  next_item=current.next_item + len(items), unreachable_day=None)

    counts: dict[str, int] = {}
    for mid in plan:
        counts[mid] = counts.get(mid, 0) + 1
    outcomes = await asyncio.gather(*(probe_model(mid, n) for mid, n in counts.items()), return_exceptions=True)
    stopped = next((o for o in outcomes if isinstance(o, BaseException)), None)
    final = ProbeResults(results.probe_set, models)
    if stopped is not None:
        raise _RoundStopped(final) from stopped
    return final


class _RoundStopped(Exception):
    """A round ended early; ``results`` holds what was measured before."""

    def __init__(self, results: ProbeResults) -> None:
        super().__init__("probe round stopped")
        self.results = results


def candidates_from(document: Mapping[str, Any], thin_weight: float = 0.5) -> tuple[list[str], list[str]]:
    """(models to probe, anchors) from a pools document built without the probe.

    To probe: every unranked model, then ranked models whose score-source weights sum below thin_weight (thinnest
    first). Anchors: well-evidenced ranked models, spread over the score range (best, middle, worst, ...).
    """
    unranked = sorted(m["id"] for m in document.get("unranked", ()))
    ranked = list(document.get("models", ()))
    weight = {m["id"]: sum(float(s.get("weight") or 0) for s in m.get("scoreSources", ())
                           if s.get("source") != "probe") for m in ranked}
    thin = sorted((m["id"] for m in ranked if weight[m["id"]] < thin_weight), key=lambda mid: (weight[mid], mid))
    solid = [m["id"] for m in ranked if weight[m["id"]] >= thin_weight]  # in rank order
    return unranked + thin, _spread(solid)


def _spread(ordered: Sequence[str]) -> list[str]:
    """best, worst, middle, then the quarter points ...: anchors that span the range first."""
    if not ordered:
        return []
    picks: list[int] = [0, len(ordered) - 1, (len(ordered) - 1) // 2, (len(ordered) - 1) // 4,
                        3 * (len(ordered) - 1) // 4]
    out = list(dict.fromkeys(ordered[i] for i in picks))
    return out + [m for m in ordered if m not in out]
