"""Pure: how many parameters a model has, total and active, from evidence rather than a guess from its id.

A mixture-of-experts model runs only part of its weights per token: gpt-oss-120b is 117B with 5.1B active, DeepSeek
V3/R1 671B with 37B, Kimi K2 1T with 32B. ``model_size`` takes each number from the best evidence there is:

1. the architecture table (modelpools/data/model-architectures.json, the site's ``architectures_file`` merged
   over it): total and active from the model card named beside each entry;
2. the id or name's own tags: ``a22b`` is an active count, ``e4b`` an effective one (rules.evidence.parameter_counts);
3. the catalog description: "117B-parameter MoE ... activates 5.1B parameters", "671B parameters, 37B active",
   "1 trillion total parameters with 32 billion active";
4. a plain size in the id or name (``-32b``), else LLM-Stats' ``param_count`` (a total), for a dense model taken as
   active too; a model its description calls a mixture of experts without saying how much is active has an
   unknown active size (None), and an unknown active size never wins "fewest active parameters" (rules.roles).

The size-class prior (rules.evidence.prior_for) reads the same total.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from modelpools.rules.evidence import parameter_counts

__all__ = ["Architecture", "ModelSize", "described_sizes", "model_size", "table_key"]


@dataclass(frozen=True)
class Architecture:
    """One entry of the architecture table: total and active parameters in billions, and where they were read."""

    total: float
    active: float
    source: str


@dataclass(frozen=True)
class ModelSize:
    """A model's total and active parameters in billions (None: unknown) and where the active count came from:
    ``table`` (with its source URL), ``id``, ``description``, ``dense`` (the total, no sign of experts) or None."""

    total: float | None
    active: float | None
    source: str | None = None

    def to_json(self) -> dict[str, Any]:
        return {"total": self.total, "active": self.active, "activeFrom": self.source}


_NUMBER = r"(\d+(?:\.\d+)?)\s*(b|billion|t|trillion)\b"
# "37B active", "32 billion activated", "(22B activated)", "13B active parameter", "3B active parameters out of"
_ACTIVE_AFTER = re.compile(_NUMBER + r"[\s-]*(?:active|activated)\b", re.I)
# "activates 5.1B parameters", "activating only 3 billion", "activating just 12B parameters"
_ACTIVE_BEFORE = re.compile(r"\bactivat(?:es|ing)\s+(?:only\s+|just\s+)?" + _NUMBER, re.I)
# "671B total", "1 trillion total parameters", "117B-parameter", "a 685B-parameter", "671B parameters in size"
_TOTAL = re.compile(
    _NUMBER + r"(?:\s+total\b|[\s-]+parameters?\s+(?:in size|total|model)\b|-parameters?\b|\s+parameters,)", re.I
)
_EXPERTS = re.compile(r"mixture[\s-]of[\s-]experts|\bMoE\b", re.I)


def _billions(number: str, unit: str) -> float:
    return float(number) * (1000.0 if unit.lower() in ("t", "trillion") else 1.0)


def described_sizes(description: str | None) -> tuple[float | None, float | None, bool]:
    """(total, active, mixture of experts) as a catalog or LLM-Stats description states them (None: not stated)."""
    text = description or ""
    active_match = _ACTIVE_AFTER.search(text) or _ACTIVE_BEFORE.search(text)
    total_match = _TOTAL.search(text)
    active = _billions(*active_match.groups()) if active_match else None
    total = _billions(*total_match.groups()) if total_match else None
    if total is not None and active is not None and active >= total:
        total = None  # "5.1B parameters" read as a total next to its own active count: keep the active one only
    return total, active, bool(_EXPERTS.search(text)) or active is not None


def table_key(model_id: str) -> str:
    """The architecture table's key for a catalog id: the id without its variant (``:free``)."""
    return model_id.split(":", 1)[0]


def model_size(
    model: Mapping[str, Any], known_total: float | None = None, table: Mapping[str, Architecture] | None = None
) -> ModelSize:
    """The total and active parameters of a catalog model, from the best evidence (see the module's docstring).

    known_total is a benchmark source's total parameter count (LLM-Stats ``param_count``, in parameters)."""
    mid = str(model.get("id") or "")
    entry = (table or {}).get(table_key(mid))
    if entry is not None:
        return ModelSize(entry.total, entry.active, f"table: {entry.source}")
    names = (mid, str(model.get("name") or ""), model.get("hugging_face_id"))
    tagged_total, tagged_active = parameter_counts(*names, known_total=known_total)
    plain_total = tagged_total
    said_total, said_active, experts = described_sizes(model.get("description"))
    total = said_total if said_total is not None else plain_total
    if _has_active_tag(names):
        return ModelSize(tagged_total if tagged_total is not None else total, tagged_active, "id")
    if said_active is not None:
        return ModelSize(total, said_active, "description")
    if experts or total is None:
        return ModelSize(total, None, None)
    return ModelSize(total, total, "dense")


_TAG = re.compile(r"(?:^|[-_/ ])[ae]\d+(?:\.\d+)?b\b", re.I)


def _has_active_tag(names: tuple[Any, ...]) -> bool:
    """True when an id or name carries an ``a22b``/``e4b`` tag (the active or effective count is its own)."""
    return any(isinstance(n, str) and _TAG.search(n.split("/", 1)[-1].split(":", 1)[0]) for n in names)
