"""Which free models may enter the coding pools, and which may be a role default (pure).

- ``not_for_code``: safety/moderation classifiers, guard models, OCR, embedding and rerank models do not write
  code: they are left out of the pools (listed under ``excluded`` with the reason) and out of coverage.
- ``deprecation``: a model whose description says it is deprecated, or whose ``expiration_date`` has passed or
  falls within ``expiry_warning_days`` of the catalog's date, stays in the pools (marked) but is never a default.

The catalog's date is content, not the clock: the newest ``created`` in the catalog (``catalog_date``), so the
same catalog always gives the same pools file.
"""

from __future__ import annotations

import datetime
import re
from collections.abc import Iterable, Mapping
from typing import Any

__all__ = ["NOT_FOR_CODE", "DEPRECATED_TEXT", "catalog_date", "deprecation", "not_for_code"]

# Words in an id or name that mark a model made for something other than writing code.
NOT_FOR_CODE = re.compile(
    r"(?<![a-z])(guard|content[- ]safety|safety|moderation|shieldgemma|prompt[- ]guard|ocr|embed(?:ding)?s?|rerank(?:er)?"
    r"|classifier)(?![a-z])",
    re.IGNORECASE,
)
DEPRECATED_TEXT = re.compile(
    r"\b(?:has been|is|was) deprecated\b|\bdeprecated\b(?: by| in favou?r)|\bwill be (?:removed|retired|"
    r"discontinued|sunset|deprecated)\b|\bno longer (?:available|supported)\b",
    re.IGNORECASE,
)
_NON_CODE_OUTPUTS = {"embeddings", "embedding", "audio", "image", "video"}


def not_for_code(model: Mapping[str, Any]) -> str | None:
    """Why a catalog model is not a code-writing model, or None."""
    outputs = model.get("output_modalities")
    if isinstance(outputs, list) and outputs and set(outputs) <= _NON_CODE_OUTPUTS:
        return f"outputs {'+'.join(sorted(outputs))}, not text"
    for field in ("id", "name"):
        text = model.get(field)
        found = NOT_FOR_CODE.search(text) if isinstance(text, str) else None
        if found:
            return f"not a code-writing model ({found.group(1).lower()} model, by its {field})"
    return None


def catalog_date(models: Iterable[Mapping[str, Any]]) -> datetime.date | None:
    """The catalog's date: the day of its newest ``created`` (UTC), or None when no model has one."""
    created = [m.get("created") for m in models]
    stamps = [c for c in created if isinstance(c, int) and not isinstance(c, bool) and 0 < c < 2**40]
    if not stamps:
        return None
    return datetime.datetime.fromtimestamp(max(stamps), datetime.timezone.utc).date()


def _day(text: Any) -> datetime.date | None:
    if not isinstance(text, str):
        return None
    try:
        return datetime.date.fromisoformat(text[:10])
    except ValueError:
        return None


def deprecation(model: Mapping[str, Any], as_of: datetime.date | None, warning_days: int) -> str | None:
    """Why a model counts as deprecated (its description, or its expiration date near as_of), or None."""
    description = model.get("description")
    if isinstance(description, str):
        found = DEPRECATED_TEXT.search(description)
        if found:
            return f"description says {found.group(0).strip()!r}"
    expires = _day(model.get("expiration_date"))
    if expires is not None and as_of is not None:
        left = (expires - as_of).days
        if left < 0:
            return f"expired on {expires.isoformat()}"
        if left <= warning_days:
            return f"expires on {expires.isoformat()}, within {warning_days} days of the catalog date {as_of}"
    return None
