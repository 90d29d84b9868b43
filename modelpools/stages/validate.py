"""Validate task: check the pools file on disk against the schema, the invariants and the catalog cache (for CI)."""

from __future__ import annotations

import time
from typing import Callable

from modelpools.errors import DataError
from modelpools.io import log
from modelpools.records import CatalogCache, PoolsDocument
from modelpools.rules.validation import describe_pools, expiry_warning
from modelpools.settings import ValidateSettings

__all__ = ["validate_pools_file"]


def validate_pools_file(settings: ValidateSettings, *, clock: Callable[[], float] = time.time) -> str:
    """Validate the pools file (against the catalog cache too, when present); return a one-screen summary.

    Ranked models that expired or expire within settings.expiry_warning_days are a one-line warning, not an error.
    """
    files = settings.files
    path = files.pools_file
    if not path.exists():
        raise DataError(f"no pools file at {path}; run `{files.task('pools')}` first")
    catalog_ids = None
    if files.catalog_file.exists():
        catalog_ids = CatalogCache.load(files.catalog_file, advice=f"run `{files.task('catalog')}`").ids
    doc = PoolsDocument.load(path, catalog_ids, files.task_prefix).doc
    warning = expiry_warning(doc, settings.expiry_warning_days, clock())
    if warning:
        log.warn(warning)
    checked = "schema, invariants" + (" and catalog cache" if catalog_ids is not None else "")
    return "\n".join([f"{path}: valid ({checked})"] + describe_pools(doc, top=12))
