"""The probe stage's pure plan: its options (the settings slice it reads), today's request allowance, who is
probed (candidates and anchors from a pools document) and in what order. No file, network or clock: the runner
(``modelpools.stages.probe``) reads the ledger and the pools document and sends the planned requests.

Budget rule (``probe_allowance``, rules.usage.quota_allowance): probe requests count in the usage ledger with the
site's own. The site keeps ``daily_cap - probe_daily_requests`` requests a day for itself; the probe sends a request
only while it has sent fewer than ``probe_daily_requests`` today and today's requests of every kind leave that share
untouched. The plan is made from that allowance, and the ledger checks the same rule again for every request in the
transaction that reserves it, so a site process generating at the same time can never be squeezed out.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from modelpools.rules.usage import quota_allowance
from modelpools.slices import ProbeSettings

if TYPE_CHECKING:
    from modelpools.records import ProbeResults

__all__ = ["ProbeOptions", "probe_allowance", "plan_requests", "candidates_from"]

DAY = 86400


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

    @classmethod
    def of(cls, settings: ProbeSettings) -> ProbeOptions:
        """The options of a settings.ProbeSettings slice (the task exists only when the probe is enabled)."""
        return cls(
            enabled=True,
            daily_requests=settings.probe_daily_requests,
            items_per_request=settings.probe_items_per_request,
            ttl_days=max(1, -(-settings.probe_ttl // DAY)),
            anchors=settings.probe_anchors,
            daily_cap=settings.client.daily_request_cap,
        )


def probe_allowance(options: ProbeOptions, limit: int, used_today: int, probe_used_today: int) -> int:
    """Probe requests allowed now: within probe_daily_requests, leaving the site its share of today's limit.

    limit: today's daily cap (from the ledger: the X-RateLimit-Limit seen, else the setting); used_today: requests of
    every role today; probe_used_today: the probe's own. The site's share is limit - probe_daily_requests
    (rules.usage.quota_allowance; the ledger applies the same rule to every probe request it reserves).
    """
    return quota_allowance(options.daily_requests, limit, used_today, probe_used_today)


def plan_requests(
    candidates: Sequence[str],
    anchors: Sequence[str],
    results: ProbeResults,
    options: ProbeOptions,
    allowance: int,
    today: str,
) -> list[str]:
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


def candidates_from(document: Mapping[str, Any]) -> tuple[list[str], list[str]]:
    """(models to probe, anchors) from a pools document built without the probe.

    To probe: every provisional model (no measurement: its estimate is the listing's prior; in rank order), every
    unranked model, then ranked models with thin evidence (``thinEvidence``: below the evidence
    minimum; least evidence first). Excluded models (not for code) are never probed. Anchors: well-evidenced ranked
    models, spread over the score range (best, worst, middle, ...).
    """
    unranked = sorted(m["id"] for m in document.get("unranked", ()))
    ranked = list(document.get("models", ()))
    provisional = [m["id"] for m in ranked if m.get("provisional")]  # in rank order: the most promising first
    evidence = {m["id"]: float(m.get("evidence") or 0.0) for m in ranked}
    thin = sorted(
        (m["id"] for m in ranked if m.get("thinEvidence") and not m.get("provisional")),
        key=lambda mid: (evidence[mid], mid),
    )
    solid = [m["id"] for m in ranked if not m.get("thinEvidence")]  # in rank order
    return provisional + unranked + thin, _spread(solid)


def _spread(ordered: Sequence[str]) -> list[str]:
    """best, worst, middle, then the quarter points ...: anchors that span the range first."""
    if not ordered:
        return []
    picks: list[int] = [
        0,
        len(ordered) - 1,
        (len(ordered) - 1) // 2,
        (len(ordered) - 1) // 4,
        3 * (len(ordered) - 1) // 4,
    ]
    out = list(dict.fromkeys(ordered[i] for i in picks))
    return out + [m for m in ordered if m not in out]
