"""modelpools: rank OpenRouter's free models for coding and keep tiered model pools for site builds.

The public API is imported lazily so that ``from modelpools.tasks import *`` in a dodo.py stays cheap, and so that
importing a pure rule module (``modelpools.rules``) loads nothing but the rules and the exceptions.
"""

from __future__ import annotations

import importlib
from typing import Any

from modelpools.errors import (
    AccountPaused,
    CompletionFailed,
    DailyCapReached,
    DataError,
    Exhausted,
    FetchError,
    GitError,
    ModelPoolsError,
    PoolsInvalid,
    QuotaReached,
    ResponseTooLarge,
    SettingsError,
)

__version__ = "0.1.0"

# public name -> submodule that defines it (imported on first use)
_LAZY = {
    "Settings": "settings",
    "load_settings": "settings",
    "Pools": "consumer.pools_view",
    "PoolModel": "consumer.pools_view",
    "load_pools": "consumer.pools_view",
    "Decision": "consumer.decision",
    "Router": "consumer.router",
    "ModelSession": "consumer.router",
    "decide": "consumer.decision",
    "Client": "consumer.client",
    "ClientOptions": "consumer.client",
    "Reply": "consumer.completion",
    "TextPiece": "consumer.completion",
    "complete_sync": "consumer.client",
    "Ledger": "consumer.ledger",
    "compare_pools": "rules.changes",
    "format_changes": "rules.changes",
    "validate_pools": "rules.validation",
}

__all__ = [
    "ModelPoolsError",
    "SettingsError",
    "FetchError",
    "ResponseTooLarge",
    "GitError",
    "DataError",
    "PoolsInvalid",
    "Exhausted",
    "CompletionFailed",
    "DailyCapReached",
    "QuotaReached",
    "AccountPaused",
    *_LAZY,
]


def __getattr__(name: str) -> Any:
    if name in _LAZY:
        value = getattr(importlib.import_module(f".{_LAZY[name]}", __name__), name)
        globals()[name] = value
        return value
    raise AttributeError(f"module 'modelpools' has no attribute {name!r}")


def __dir__() -> list[str]:
    return sorted(set(globals()) | set(__all__))
