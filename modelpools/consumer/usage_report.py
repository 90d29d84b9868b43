"""``modelpools usage``: today's free requests against the cap and per-model figures, from the ledger, and the
account's own counter (``GET /key``) beside them when there is a reading.

``usage_report`` reads the ledger read-only (an absent ledger reports nothing used); ``format_usage`` turns the
report into terminal lines with a small bar chart per model (successes ``#``, failures ``.``) and each model's
failures grouped by scope (account, model, request: rules.usage.failure_scope).
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from pathlib import Path
from typing import TYPE_CHECKING, Any

from modelpools.consumer.ledger import DAY, read_budget, read_experiment_attempts, read_rows
from modelpools.errors import DataError
from modelpools.rules.usage import SCOPES, failure_scope, iso_time, summarize

if TYPE_CHECKING:
    from modelpools.consumer.account import AccountStatus

__all__ = ["usage_report", "format_usage"]

_UNPRINTABLE = re.compile(r"[\x00-\x1f\x7f-\x9f\u2028\u2029\u202a-\u202e\u2066-\u2069]")


def usage_report(
    ledger_file: Path | str, *, days: int, daily_cap: int, now: float, account: AccountStatus | None = None
) -> dict[str, Any]:
    """Today's (UTC) budget and the per-model summary of the last ``days`` days, as a JSON-ready dict; ``account``
    (a reading of GET /key, None without one) is shown beside this machine's ledger."""
    if days < 1:
        raise DataError(f"--days is {days}; expected 1 or more")
    budget = read_budget(ledger_file, daily_cap, now)
    summary = summarize(read_rows(ledger_file, since=now - days * DAY), days)
    return {
        "ledger": str(ledger_file),
        "today": {
            "used": budget.used,
            "limit": budget.limit,
            "limitSource": budget.limit_source,
            "left": budget.left,
            "capped": budget.capped,
            "resetsAt": iso_time(budget.reset_at),
            "resetsInSeconds": max(0, int(budget.reset_at - now)),
        },
        "account": account.to_json() if account is not None else None,
        "days": days,
        "models": summary["models"],
        **_experiments(ledger_file),
    }


def _experiments(ledger_file: Path | str) -> dict[str, Any]:
    """``{"experiments": [...]}`` for the A/B experiments the ledger holds (all it keeps), or {} when none."""
    from modelpools.rules.experiments import experiment_verdicts

    verdicts = experiment_verdicts(read_experiment_attempts(ledger_file))
    found = [{"role": role, **v.to_json()} for role, by_default in verdicts.items() for v in by_default.values()]
    return {"experiments": found} if found else {}


def _safe(text: Any) -> str:
    return _UNPRINTABLE.sub("?", str(text))


def _seconds(ms: int | None) -> str:
    return "-" if ms is None else f"{ms / 1000:.1f}s"


def _duration(seconds: int) -> str:
    hours, minutes = divmod(seconds // 60, 60)
    return f"{hours}h {minutes:02d}m" if hours else f"{minutes}m"


def _experiment_lines(experiments: Any) -> list[str]:
    """The A/B experiments still running first, then the decided ones (all the ledger keeps)."""
    from modelpools.rules.experiments import experiment_lines

    lines = []
    for experiment in sorted(experiments, key=lambda e: (e["verdict"] != "running", e["role"], e["default"])):
        head, *arms = experiment_lines(experiment)
        lines += [f"{_safe(experiment['role'])}: {_safe(head)}"] + [f"  {_safe(line)}" for line in arms]
    return lines


def _account_line(account: Mapping[str, Any] | None) -> str:
    """The account's counter beside this machine's: what GET /key said, or that the ledger alone decides."""
    if account is None:
        return (
            "account (GET /key): no reading (no OPENROUTER_API_KEY, or the endpoint failed); this ledger alone decides"
        )
    tier = {True: "free tier", False: "with credits", None: "tier not reported"}[account.get("isFreeTier")]
    if account.get("limit") is None:
        return f"account (GET /key): no free-model daily counter reported ({tier}); this ledger alone decides"
    return (
        f"account (GET /key): {account['used']} of {account['limit']} free requests used today by every machine, "
        f"{account['remaining']} left ({tier}); this machine: see above"
    )


def _failures(outcomes: Mapping[str, int]) -> str:
    """A model's failures grouped by scope: ``account: data_policy 1; model: no_endpoints 2``, or ``-``."""
    groups: dict[str, list[str]] = {}
    for name, count in outcomes.items():
        scope = failure_scope(name)
        if scope is not None:  # rejected is read as the request's: the summary does not keep statuses
            groups.setdefault(scope, []).append(f"{name} {count}")
    ordered = sorted(groups.items(), key=lambda item: SCOPES.index(item[0]))
    return "; ".join(f"{scope}: {', '.join(names)}" for scope, names in ordered) or "-"


def format_usage(report: Mapping[str, Any], bar_width: int = 20) -> list[str]:
    """Terminal lines for a usage report; model ids from the ledger are shown with control characters replaced."""
    today = report["today"]
    state = "cap reached" if today["capped"] else f"{today['left']} left"
    source = "from OpenRouter's answer" if today["limitSource"] == "header" else "setting daily_request_cap"
    lines = [
        f"today (UTC): {today['used']} of {today['limit']} free requests used ({source}), {state}; "
        f"resets {today['resetsAt']} (in {_duration(today['resetsInSeconds'])})",
        _account_line(report.get("account")),
    ]
    models = report["models"]
    if not models:
        return lines + [f"no attempts recorded in the last {report['days']} day(s) in {report['ledger']}"]
    lines += _experiment_lines(report.get("experiments") or ())
    lines.append(f"last {report['days']} day(s), per model (bar: # success, . failure):")
    most = max(m["attempts"] for m in models.values())
    width = max(len(_safe(model_id)) for model_id in models)
    lines.append(f"  {'model':<{width}}  {'':<{bar_width}}  attempts   ok    p50    p90  failures")
    for model_id, m in sorted(models.items(), key=lambda item: (-item[1]["attempts"], item[0])):
        length = max(1, round(bar_width * m["attempts"] / most))
        good = round(length * m["successes"] / m["attempts"])
        bar = ("#" * good + "." * (length - good)).ljust(bar_width)
        failures = _failures(m["outcomes"])
        lines.append(
            f"  {_safe(model_id):<{width}}  {bar}  {m['attempts']:>8} {m['successRate']:>4.0%} "
            f"{_seconds(m['latencyMs']['p50']):>6} {_seconds(m['latencyMs']['p90']):>6}  {failures}"
        )
    return lines
