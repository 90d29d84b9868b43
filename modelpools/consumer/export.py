"""``modelpools export``: the pools as configuration for routers people already run (pure builders, one writer).

- ``litellm_config(pools)``: a LiteLLM proxy/router config. Every model of a role chain is a deployment named by its
  id (``openrouter/<id>``, key ``os.environ/OPENROUTER_API_KEY``); each role (and ``auto``) is a ``model_name`` that
  sends to its chain's first model, with the rest of the chain as its ``router_settings.fallbacks``.
- ``openrouter_fallbacks(pools)``: OpenRouter's own server-side fallback form, a request body's ``models`` list per
  role (free ids only, at most ``OPENROUTER_MODELS_MAX``, the limit OpenRouter documents for that list).

``write_exports(pools, out_dir)`` writes ``litellm-config.yaml`` and ``openrouter-fallbacks.json`` atomically; the
same pools file always gives the same bytes.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from modelpools.consumer.model_spec import AUTO, role_chain, role_names
from modelpools.consumer.pools_view import Pools

__all__ = [
    "litellm_config",
    "litellm_yaml",
    "openrouter_fallbacks",
    "write_exports",
    "LITELLM_FILE",
    "OPENROUTER_FILE",
    "OPENROUTER_MODELS_MAX",
]

LITELLM_FILE = "litellm-config.yaml"
OPENROUTER_FILE = "openrouter-fallbacks.json"
OPENROUTER_MODELS_MAX = 3
_KEY = "os.environ/OPENROUTER_API_KEY"  # LiteLLM reads the key from the environment: none is written


def _chains(pools: Pools) -> list[tuple[str, tuple[str, ...]]]:
    chains = [(name, role_chain(pools, name)) for name in role_names(pools)]
    return [(AUTO, role_chain(pools, "bulkModel")), *chains]


def _deployment(name: str, model_id: str, context: int | None) -> dict[str, Any]:
    entry: dict[str, Any] = {
        "model_name": name,
        "litellm_params": {"model": f"openrouter/{model_id}", "api_key": _KEY},
    }
    if context:
        entry["model_info"] = {"max_input_tokens": context}
    return entry


def litellm_config(pools: Pools) -> dict[str, Any]:
    """The LiteLLM config as data (see the module doc); roles without a model are left out."""
    context = {m.id: m.context_length for m in pools.models}
    model_list: list[dict[str, Any]] = []
    fallbacks: list[dict[str, list[str]]] = []
    listed: set[str] = set()
    chains = [(name, chain) for name, chain in _chains(pools) if chain]
    for name, chain in chains:
        model_list.append(_deployment(name, chain[0], context.get(chain[0])))
        if len(chain) > 1:
            fallbacks.append({name: list(chain[1:])})
    for model in pools.models:  # each model of a chain, by rank, under its own id (the fallbacks' targets)
        if model.id not in listed and any(model.id in chain for _, chain in chains):
            listed.add(model.id)
            model_list.append(_deployment(model.id, model.id, model.context_length))
    return {"model_list": model_list, "router_settings": {"fallbacks": fallbacks}}


def _scalar(value: Any) -> str:
    return json.dumps(value, ensure_ascii=False)  # a JSON string or number is a YAML flow scalar


def _yaml(value: Any, indent: int) -> list[str]:
    pad = " " * indent
    lines: list[str] = []
    if isinstance(value, Mapping):
        for key, item in value.items():
            if isinstance(item, (Mapping, list)) and item:
                lines.append(f"{pad}{_scalar(str(key))}:")
                lines += _yaml(item, indent + 2)
            else:
                lines.append(f"{pad}{_scalar(str(key))}: {_scalar(item)}")
    else:
        for item in value:
            if isinstance(item, (Mapping, list)) and item:
                nested = _yaml(item, indent + 2)
                lines.append(f"{pad}- {nested[0].lstrip()}")
                lines += nested[1:]
            else:
                lines.append(f"{pad}- {_scalar(item)}")
    return lines


def litellm_yaml(config: Mapping[str, Any], source: str = "") -> str:
    """The config as YAML (block style, every scalar JSON-quoted), with a header comment naming its source."""
    head = [
        "# LiteLLM proxy/router config written by `modelpools export`; rewrite it after `doit pools`.",
        f"# source: {source}" if source else "# source: the pools file",
        "# Each role is a model_name sending to its first model, with the rest of its chain as fallbacks.",
    ]
    return "\n".join(head + _yaml(config, 0)) + "\n"


def openrouter_fallbacks(pools: Pools) -> dict[str, Any]:
    """``{"roles": {role: {"models": [...]}}}``: bodies for OpenRouter's own fallback (free ids only)."""
    roles: dict[str, Any] = {}
    for name, chain in _chains(pools):
        free = [m for m in chain if m.endswith(":free")][:OPENROUTER_MODELS_MAX]
        if free:
            roles[name] = {"models": free}
    return {"roles": roles}


def write_exports(pools: Pools, out_dir: Path) -> tuple[Path, Path]:
    """Write both files into ``out_dir`` (atomic replace); return their paths."""
    from modelpools.io.files import atomic_write

    out_dir = Path(out_dir)
    out_dir.mkdir(parents=True, exist_ok=True)
    source = pools.path.name if pools.path is not None else ""
    litellm = out_dir / LITELLM_FILE
    atomic_write(litellm, litellm_yaml(litellm_config(pools), source).encode("utf-8"))
    openrouter = out_dir / OPENROUTER_FILE
    atomic_write(openrouter, (json.dumps(openrouter_fallbacks(pools), indent=2, sort_keys=True) + "\n").encode())
    return litellm, openrouter
