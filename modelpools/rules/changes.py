"""Compare two pools documents: free models added or removed, tier moves, changed defaults, models about to expire."""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from typing import Any

from modelpools.rules.roles import BUILTIN_ROLES

__all__ = ["EXPIRY_WARNING_DAYS", "compare_pools", "format_changes", "days_left", "expiring_models", "expiry_tier"]

# Models expiring within this many days are listed (the default of the expiry_warning_days setting).
EXPIRY_WARNING_DAYS = 7
_ROLE_KEYS = tuple(role.name for role in BUILTIN_ROLES)


def _entries(doc: Mapping[str, Any] | None) -> dict[str, dict]:
    """id -> {"tier": name|None, "name", "expirationDate"} for every ranked and unranked model of a document."""
    out: dict[str, dict] = {}
    if not doc:
        return out
    for model in doc.get("unranked") or ():
        out[model["id"]] = {"tier": None, "name": model.get("name"), "expirationDate": model.get("expirationDate")}
    for model in doc.get("models") or ():
        out[model["id"]] = {
            "tier": model.get("tier"),
            "name": model.get("name"),
            "expirationDate": model.get("expirationDate"),
        }
    return out


def days_left(expiration_date: str, now: float) -> int | None:
    """Whole days from the UTC date of ``now`` to an ``expirationDate`` (YYYY-MM-DD or ISO time); None if unparsable."""
    try:
        day = dt.date.fromisoformat(str(expiration_date)[:10])
    except ValueError:
        return None
    today = dt.datetime.fromtimestamp(now, tz=dt.timezone.utc).date()
    return (day - today).days


def expiring_models(doc: Mapping[str, Any], warning_days: int, now: float) -> list[tuple[str, str, int]]:
    """(id, expirationDate, days left) of the measured ranked models (those the pools hand out as defaults; rank order)
    expired or within warning_days: the one set the change report, ``check``, ``doit pools`` and ``doit validate``
    warn about. Provisional models (no measurement, docs/scoring.md section 4) are left out: no default rests on one
    while a measured model is eligible, and their entries carry their expirationDate."""
    dates = {
        model["id"]: model.get("expirationDate") for model in doc.get("models") or () if not model.get("provisional")
    }
    out = []
    for model_id, date in dates.items():
        left = days_left(date, now) if isinstance(date, str) and date else None
        if left is not None and left <= warning_days:
            out.append((model_id, date, left))
    return out


def expiry_tier(doc: Mapping[str, Any], model_id: str) -> str:
    """The tier of a model in doc (``unranked`` if none): what an expiry line says beside the id."""
    return _tier(_entries(doc).get(model_id, {}).get("tier"))


def compare_pools(
    old_doc: Mapping[str, Any] | None,
    new_doc: Mapping[str, Any],
    warning_days: int = EXPIRY_WARNING_DAYS,
    *,
    now: float,
) -> dict:
    """A deterministic change report from old_doc (None for a first build) to new_doc; models expiring within
    warning_days (counted from ``now``, epoch seconds) are listed."""
    old, new = _entries(old_doc), _entries(new_doc)
    added = [{"id": i, "tier": new[i]["tier"]} for i in sorted(set(new) - set(old))]
    removed = [{"id": i, "tier": old[i]["tier"]} for i in sorted(set(old) - set(new))]
    moves = [
        {"id": i, "from": old[i]["tier"], "to": new[i]["tier"]}
        for i in sorted(set(old) & set(new))
        if old[i]["tier"] != new[i]["tier"]
    ]
    old_defaults = (old_doc or {}).get("chosenDefaults") or {}
    new_defaults = new_doc.get("chosenDefaults") or {}
    defaults = [
        {"role": key, "from": old_defaults.get(key), "to": new_defaults.get(key)}
        for key in _ROLE_KEYS
        if old_defaults.get(key) != new_defaults.get(key)
    ]
    expiring = [
        {"id": model_id, "tier": new[model_id]["tier"], "expirationDate": date, "daysLeft": left}
        for model_id, date, left in sorted(expiring_models(new_doc, warning_days, now))
    ]
    return {
        "schemaVersion": 1,
        "firstBuild": old_doc is None,
        "changed": bool(added or removed or moves or defaults),
        "added": added,
        "removed": removed,
        "tierMoves": moves,
        "defaultChanges": defaults,
        "expiring": expiring,
        "expiryWarningDays": warning_days,
    }


def _tier(name: str | None) -> str:
    return name or "unranked"


def format_changes(report: Mapping[str, Any]) -> list[str]:
    """Short human lines for a compare_pools report: ``no changes`` first when no model was added, removed or moved
    and no default changed (identical files), then any expiring ranked models with their tier (about the date, not
    a change)."""
    lines: list[str] = []
    if not report.get("firstBuild") and not report.get("changed"):
        expiring = len(report.get("expiring") or ())
        lines.append(
            f"no changes; {expiring} ranked model{'s' * (expiring != 1)} in both expired or expiring "
            f"within {report.get('expiryWarningDays')} days:"
            if expiring
            else "no changes"
        )
    if report.get("firstBuild"):
        lines.append(f"first build: {len(report.get('added', ()))} free models")
    else:
        lines += [f"+ {a['id']} ({_tier(a['tier'])})" for a in report.get("added", ())]
        lines += [f"- {r['id']} (was {_tier(r['tier'])})" for r in report.get("removed", ())]
    lines += [f"~ {m['id']}: {_tier(m['from'])} -> {_tier(m['to'])}" for m in report.get("tierMoves", ())]
    if not report.get("firstBuild"):
        lines += [
            f"* {d['role']}: {d['from'] or 'none'} -> {d['to'] or 'none'}" for d in report.get("defaultChanges", ())
        ]
    for e in report.get("expiring", ()):
        left = e["daysLeft"]
        when = "expired" if left < 0 else "expires today" if left == 0 else f"expires in {left} day{'s' * (left != 1)}"
        tier = f" ({_tier(e['tier'])})" if "tier" in e else ""  # a report written before the tier was recorded
        lines.append(f"! {e['id']}{tier} {when} ({e['expirationDate']})")
    return lines
