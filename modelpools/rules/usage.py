"""Pure usage rules: outcome classes, the usage summary of ledger rows, and what the pools make of it.

The summary's window is anchored to the newest finished attempt in the ledger, never to the wall clock: the same
ledger always gives the same summary bytes, and a build that runs later without new requests changes nothing.
Per model it keeps attempts, successes, the success rate, outcome counts, the latency p50/p90 of successful
attempts (nearest rank), the last success, and the "No endpoints" 404s of the hour before the anchor.

Verdicts (``usage_verdicts``), applied by the pools stage:

* **unavailable**: >= ``UNAVAILABLE_404S`` "No endpoints" 404s in the hour before the anchor, no success since the
  last one, and that 404 was recorded under the catalog the pools are built from (a new catalog gives the model
  another chance). Left out of the role defaults and of the fallback chains until it succeeds again.
* **demoted**: success rate below ``DEMOTE_BELOW`` over at least ``MIN_ATTEMPTS`` attempts in the window. Kept in
  the chains, but not chosen as a role default while another model is available.

Every failure has a **scope** (``failure_scope``): ``account`` (the account's settings, credits or caps: the same
answer would come from every model), ``request`` (this request asked for more than the model gives: tools it lacks,
a context it cannot hold, a reasoning budget that ran out) or ``model`` (the model itself failed). Only model-level
failures count against a model: the success rate of the verdicts is successes over successes plus model failures.

``prefer_faster`` breaks an exact score tie for ``smallTasksModel`` by the lower latency p50.

``quota_allowance`` is the rule that lets a side role (the coding probe) share the daily cap with the site: the side
role sends at most its own daily quota, and only while the site keeps ``limit - quota`` requests for itself.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime, timezone
from typing import Any

__all__ = [
    "USAGE_SUMMARY_VERSION",
    "OUTCOMES",
    "SUCCESS",
    "FAILURES",
    "SCOPES",
    "failure_scope",
    "DEMOTE_BELOW",
    "MIN_ATTEMPTS",
    "UNAVAILABLE_404S",
    "Verdict",
    "summarize",
    "empty_summary",
    "usage_verdicts",
    "prefer_faster",
    "quota_allowance",
    "percentile",
    "iso_time",
]

# The usage summary format (records.UsageSummary re-exports it): a change to the format bumps it.
USAGE_SUMMARY_VERSION = 1
SUCCESS = "ok"
# Every outcome class an attempt can end in (ledger column ``outcome``).
FAILURES = (
    "empty",  # 2xx, but no content and no reasoning
    "reasoning_only",  # 2xx, content empty, only reasoning text
    "daily_cap",  # 429 free-models-per-day
    "minute_cap",  # 429 free-models-per-min
    "upstream_429",  # 429 passed through from the provider
    "rate_limited",  # another 429
    "no_endpoints",  # 404 "No endpoints found"
    "invalid_model",  # 400 not a valid model id
    "server_error",  # 5xx, 408, 409, 425
    "network",  # no answer: connection error or timeout
    "too_large",  # the reply exceeded the size cap
    "malformed",  # 2xx whose body is not a chat completion
    "rejected",  # other 4xx: bad request, key, moderation
    "data_policy",  # 404 "No endpoints found matching your data policy" (the account's privacy settings)
    "no_credits",  # 402: negative credit balance (even on free models)
    "unsupported",  # 404 "No endpoints found that support tool use" (or another parameter of the request)
    "too_long",  # 400 context length: the request does not fit the model's context
    "reasoning_exhausted",  # 2xx, content empty, finish_reason "length", reasoning present: thinking used the budget
)
OUTCOMES = (SUCCESS, *FAILURES)
SCOPES = ("account", "model", "request")
_ACCOUNT_OUTCOMES = frozenset({"daily_cap", "minute_cap", "data_policy", "no_credits"})
_REQUEST_OUTCOMES = frozenset({"unsupported", "too_long", "reasoning_exhausted"})

UNAVAILABLE_404S = 2  # "No endpoints" 404s within the hour before the anchor
UNAVAILABLE_WINDOW = 3600.0
DEMOTE_BELOW = 0.5  # success rate below which a model is demoted from the role defaults ...
MIN_ATTEMPTS = 5  # ... once it has at least this many attempts in the window


def failure_scope(outcome: str, status: int | None = None) -> str | None:
    """Who a failed attempt's lesson is about: ``account``, ``model`` or ``request``; None for a success or pending.

    ``rejected`` depends on the status: 401 (the key) is the account's, other 4xx (a bad request, a moderation
    refusal, a body too large) the request's."""
    if outcome == SUCCESS or outcome not in OUTCOMES:
        return None
    if outcome in _ACCOUNT_OUTCOMES or (outcome == "rejected" and status == 401):
        return "account"
    if outcome in _REQUEST_OUTCOMES or outcome == "rejected":
        return "request"
    return "model"


def _scope(row: Any) -> str | None:
    """A ledger row's scope: the stored one, else (a row written before scopes were stored) the outcome's."""
    stored = getattr(row, "scope", None)
    return stored if stored in SCOPES else failure_scope(row.outcome, getattr(row, "status", None))


def iso_time(epoch: float | None) -> str | None:
    """``2026-05-20T11:02:03Z`` (whole seconds, UTC) or None."""
    if epoch is None:
        return None
    return datetime.fromtimestamp(int(epoch), tz=timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ")


def _epoch(text: str | None) -> float | None:
    if not text:
        return None
    return datetime.strptime(text, "%Y-%m-%dT%H:%M:%SZ").replace(tzinfo=timezone.utc).timestamp()


def percentile(values: Sequence[int], fraction: float) -> int | None:
    """Nearest-rank percentile of values (None when empty): the smallest value with >= fraction of them at or below."""
    if not values:
        return None
    ordered = sorted(values)
    return ordered[max(0, math.ceil(fraction * len(ordered)) - 1)]


def empty_summary(window_days: int) -> dict[str, Any]:
    """The summary of an empty (or absent) ledger."""
    return {"schemaVersion": USAGE_SUMMARY_VERSION, "window": {"days": window_days, "end": None}, "models": {}}


def summarize(rows: Iterable[Any], window_days: int) -> dict[str, Any]:
    """The usage summary of finished ledger rows (objects with started, model, outcome, latency_ms, catalog).

    The window is the ``window_days`` days up to the newest row's start (inclusive); older rows are ignored.
    """
    rows = [r for r in rows if r.outcome in OUTCOMES]
    if not rows:
        return empty_summary(window_days)
    end = max(r.started for r in rows)
    end = float(int(end))  # whole seconds, as written in the file
    start = end - window_days * 86400.0
    models: dict[str, dict[str, Any]] = {}
    per_model: dict[str, list[Any]] = {}
    for row in sorted(rows, key=lambda r: (r.started, r.model, r.outcome)):
        if start < row.started < end + 1:
            per_model.setdefault(row.model, []).append(row)
    for model_id in sorted(per_model):
        attempts = per_model[model_id]
        outcomes: dict[str, int] = {}
        scopes: dict[str, int] = {}
        for row in attempts:
            outcomes[row.outcome] = outcomes.get(row.outcome, 0) + 1
            if (scope := _scope(row)) is not None:
                scopes[scope] = scopes.get(scope, 0) + 1
        ok = [r for r in attempts if r.outcome == SUCCESS]
        latencies = [int(r.latency_ms) for r in ok if r.latency_ms is not None]
        not_found = [r for r in attempts if r.outcome == "no_endpoints"]
        last_404 = not_found[-1] if not_found else None
        models[model_id] = {
            "attempts": len(attempts),
            "successes": len(ok),
            "successRate": round(len(ok) / len(attempts), 4),
            "outcomes": dict(sorted(outcomes.items())),
            "failureScopes": dict(sorted(scopes.items())),
            "latencyMs": {"p50": percentile(latencies, 0.5), "p90": percentile(latencies, 0.9)},
            "lastSuccess": iso_time(ok[-1].started) if ok else None,
            "last404": iso_time(last_404.started) if last_404 else None,
            "last404Catalog": last_404.catalog if last_404 else None,
            "noEndpointsLastHour": sum(1 for r in not_found if r.started > end - UNAVAILABLE_WINDOW),
        }
    return {
        "schemaVersion": USAGE_SUMMARY_VERSION,
        "window": {"days": window_days, "end": iso_time(end)},
        "models": models,
    }


@dataclass(frozen=True)
class Verdict:
    """What usage says about one model: ``unavailable`` or ``demoted``, and the figures behind it."""

    verdict: str
    reason: str
    figures: tuple[tuple[str, Any], ...]

    def to_json(self) -> dict[str, Any]:
        """The pools-file ``usage`` entry of the model."""
        return {"verdict": self.verdict, "reason": self.reason, **dict(self.figures)}


def usage_verdicts(summary: Mapping[str, Any], catalog_sha256: str | None) -> dict[str, Verdict]:
    """Model id -> Verdict for the models the usage summary holds against; models it does not are absent."""
    verdicts: dict[str, Verdict] = {}
    for model_id, m in (summary.get("models") or {}).items():
        last_404, last_ok = _epoch(m.get("last404")), _epoch(m.get("lastSuccess"))
        catalog = m.get("last404Catalog")
        same_catalog = catalog is None or catalog_sha256 is None or str(catalog_sha256).startswith(str(catalog))
        if (
            m.get("noEndpointsLastHour", 0) >= UNAVAILABLE_404S
            and last_404 is not None
            and (last_ok is None or last_ok < last_404)
            and same_catalog
        ):
            verdicts[model_id] = Verdict(
                "unavailable",
                f"{m['noEndpointsLastHour']} 'No endpoints found' answers in the hour before {m['last404']}, "
                "no success since",
                (("last404", m["last404"]), ("noEndpoints", m["noEndpointsLastHour"])),
            )
            continue
        judged, rate = _model_rate(m)
        if judged >= MIN_ATTEMPTS and rate < DEMOTE_BELOW:
            verdicts[model_id] = Verdict(
                "demoted",
                f"success rate {rate:.0%} over {judged} attempts is below {DEMOTE_BELOW:.0%}",
                (("attempts", judged), ("successRate", round(rate, 2))),
            )
    return verdicts


def _model_rate(m: Mapping[str, Any]) -> tuple[int, float]:
    """(attempts that judge the model, success rate among them): successes and model-level failures only. A summary
    without ``failureScopes`` (written before scopes) counts every attempt, as it was then."""
    scopes = m.get("failureScopes")
    if not isinstance(scopes, Mapping):
        return int(m.get("attempts", 0)), float(m.get("successRate", 1.0))
    successes = int(m.get("successes", 0))
    judged = successes + int(scopes.get("model", 0))
    return judged, (successes / judged if judged else 1.0)


def prefer_faster(candidates: Sequence[tuple[str, float]], summary: Mapping[str, Any]) -> str | None:
    """Among (id, score) candidates best first: the first one, or an equally scored one with a lower latency p50.

    The tie is broken only when every tied model has a measured p50; None when there are no candidates.
    """
    if not candidates:
        return None
    best_id, best_score = candidates[0]
    tied = [model_id for model_id, score in candidates if score == best_score]
    measured = [
        (p50, model_id)
        for model_id in tied
        if (p50 := ((summary.get("models") or {}).get(model_id) or {}).get("latencyMs", {}).get("p50")) is not None
    ]
    if len(tied) < 2 or len(measured) < len(tied):  # only a tie where every model has a measured latency
        return best_id
    return min(measured)[1]


def quota_allowance(quota: int, limit: int, used_today: int, quota_used_today: int) -> int:
    """Requests a side role (the probe) may still send today: within its ``quota``, leaving the site its share.

    ``limit``: today's daily cap; ``used_today``: today's requests of every role; ``quota_used_today``: the side
    role's own. The site's share is ``limit - quota``: the side role never takes a request the site could still need
    under it, and when the site uses more than its share, the side role gets only what is left.
    """
    site_used = max(0, used_today - quota_used_today)
    site_share = max(0, limit - quota)
    left = limit - max(site_used, site_share) - quota_used_today
    return max(0, min(quota - quota_used_today, left))
