"""What an OpenAI-style ``model`` field names in the pools file, and which models to try for it (pure, no I/O).

``resolve_model(pools, spec, params)`` accepts, in this order:

- a model id of the file (``z-ai/glm-5.2:free``), or one without its ``:free`` (``z-ai/glm-5.2``): that model only;
- ``auto``: the bulk role;
- a role: ``page`` / ``pageModel`` (any alias ``Pools.default`` takes) or a site's own role of the file's ``roles``;
- a tier, any case (``MEDIUM``): its models, rotated by ``turn`` so that successive requests spread over the tier.

Only models whose ``supportedParameters`` list every gated parameter the request sets (``tools``, ``tool_choice``,
``response_format``) are kept; a request none of them can serve is refused (``NoCapableModel``).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from modelpools.consumer.pools_view import ROLES, Pools
from modelpools.errors import NoCapableModel, UnknownModel
from modelpools.rules.ranking import TIER_NAMES
from modelpools.rules.roles import ROLE_ALIASES

__all__ = [
    "ModelChoice",
    "GATED_PARAMETERS",
    "AUTO",
    "resolve_model",
    "role_chain",
    "role_names",
    "required_parameters",
    "lacking",
    "estimated_tokens",
    "unfit_reason",
    "CHARS_PER_TOKEN",
]

AUTO = "auto"
# request fields a model must list in supported_parameters to be tried (OpenRouter rejects or ignores them otherwise)
GATED_PARAMETERS = ("tools", "tool_choice", "response_format")
CHARS_PER_TOKEN = 4  # the size estimate of a request: its JSON characters / 4, plus max_tokens


@dataclass(frozen=True)
class ModelChoice:
    """The models to try for one request, in order; ``role`` is what the ledger records the attempts under."""

    spec: str
    kind: str  # "model", "role", "tier" (``auto`` is the bulk role)
    role: str
    models: tuple[str, ...]
    left_out: tuple[tuple[str, str], ...] = ()  # (model id, why) for models the request's parameters rule out


def required_parameters(params: Mapping[str, Any]) -> tuple[str, ...]:
    """The gated parameters a request body sets (a null value sets nothing)."""
    return tuple(name for name in GATED_PARAMETERS if params.get(name) is not None)


def _supported(pools: Pools, model_id: str) -> frozenset[str]:
    for entry in pools.document.get("models") or ():
        if isinstance(entry, Mapping) and entry.get("id") == model_id:
            return frozenset(str(p) for p in entry.get("supportedParameters") or ())
    return frozenset()  # an unranked model: the pools file does not say what it supports


def lacking(pools: Pools, model_id: str, params: Mapping[str, Any]) -> tuple[str, ...]:
    """The gated parameters ``params`` set that the model's ``supportedParameters`` do not list (all of them for a
    model the file does not describe): the one rule for ``resolve_model``, the server and the client."""
    supported = _supported(pools, model_id)
    return tuple(name for name in required_parameters(params) if name not in supported)


def estimated_tokens(messages: Any, params: Mapping[str, Any]) -> int:
    """A request's size in tokens, estimated without a tokenizer: the characters of its messages (and tools, if
    any) as JSON over CHARS_PER_TOKEN, rounded up, plus the ``max_tokens`` it asks room for."""
    import json

    text = json.dumps([messages, params.get("tools")], ensure_ascii=False, default=str)
    room = params.get("max_tokens")
    room = room if isinstance(room, int) and not isinstance(room, bool) and room > 0 else 0
    return -(-len(text) // CHARS_PER_TOKEN) + room


def unfit_reason(pools: Pools, model_id: str, messages: Any, params: Mapping[str, Any]) -> str | None:
    """Why the model cannot take this request, known before sending it (None when nothing says so): gated
    parameters it does not support, or an estimated size beyond its ``context_length``."""
    missing = lacking(pools, model_id, params)
    if missing:
        return f"{model_id} does not support {', '.join(missing)} (supportedParameters); skipped"
    model = pools.model(model_id) or next((u for u in pools.unranked if u.id == model_id), None)
    context = model.context_length if model is not None else None
    if isinstance(context, int) and context > 0:
        size = estimated_tokens(messages, params)
        if size > context:
            return f"the request needs about {size} tokens, more than {model_id}'s context of {context}; skipped"
    return None


def role_names(pools: Pools) -> tuple[str, ...]:
    """Every role of the file: the three built-in ones, then a site's own roles, in the file's order."""
    site = [name for name in pools.document.get("roles") or {} if name not in ROLES.values()]
    return tuple(ROLES.values()) + tuple(site)


def role_chain(pools: Pools, role: str) -> tuple[str, ...]:
    """A role's fallback chain: ``Pools.fallback_chain`` for a built-in role; for a site's role its chosen model, then
    the ranked models that meet its ``requires`` and ``minContext``, by rank (unavailable models left out)."""
    key = ROLE_ALIASES.get(role, role)
    if key in ROLES.values():
        return pools.fallback_chain(key)
    spec = (pools.document.get("roles") or {}).get(key)
    if not isinstance(spec, Mapping):
        raise UnknownModel(f"unknown role {role!r}")
    requires = frozenset(str(p) for p in spec.get("requires") or ())
    min_context = spec.get("minContext") or 0
    first = spec.get("model")
    chain = [first] if isinstance(first, str) and pools.model(first) is not None else []
    for model in pools.models:
        if model.id in chain or model.unavailable:
            continue
        if requires <= _supported(pools, model.id) and (model.context_length or 0) >= min_context:
            chain.append(model.id)
    return tuple(chain)


def _match(pools: Pools, spec: str, turn: int) -> ModelChoice:
    if spec in pools.ids:
        return ModelChoice(spec, "model", "model", (spec,))
    if spec + ":free" in pools.ids:
        return ModelChoice(spec, "model", "model", (spec + ":free",))
    if spec == AUTO:
        return ModelChoice(spec, "role", "bulkModel", role_chain(pools, "bulkModel"))
    key = ROLE_ALIASES.get(spec, spec)
    if key in role_names(pools):
        return ModelChoice(spec, "role", key, role_chain(pools, key))
    if spec.upper() in TIER_NAMES:
        unavailable = {m.id for m in pools.models if m.unavailable}
        ids = tuple(m for m in pools.tier(spec) if m not in unavailable)
        offset = turn % len(ids) if ids else 0
        return ModelChoice(spec, "tier", spec.upper(), ids[offset:] + ids[:offset])
    names = ", ".join((AUTO, *role_names(pools), *TIER_NAMES))
    raise UnknownModel(f"model {spec!r} is not in the pools file; use a model id, or one of: {names}")


def resolve_model(pools: Pools, spec: str, params: Mapping[str, Any] | None = None, *, turn: int = 0) -> ModelChoice:
    """The models to try for ``spec`` (see the module doc); UnknownModel, or NoCapableModel when the request's gated
    parameters rule out every one. ``turn`` rotates a tier (pass a count of earlier requests for it)."""
    choice = _match(pools, str(spec), turn)
    needed = required_parameters(params or {})
    if not needed:
        return choice
    kept, left_out = [], []
    for model_id in choice.models:
        missing = lacking(pools, model_id, params or {})
        if missing:
            left_out.append((model_id, f"does not support {', '.join(missing)}"))
        else:
            kept.append(model_id)
    if not kept:
        raise NoCapableModel(
            f"no model of {spec!r} supports {', '.join(needed)} (by the pools file's supportedParameters); "
            "leave them out or ask for another role, tier or model"
        )
    return ModelChoice(choice.spec, choice.kind, choice.role, tuple(kept), tuple(left_out))
