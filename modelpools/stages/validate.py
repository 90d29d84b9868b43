"""Validate task: check the pools file on disk against the schema, the invariants and the catalog cache (for CI).

It reads under the cache lock (actions.run_stage), so no stage replaces a file while it reads, and it checks the pools
file against the catalog only when they are a pair: the catalog's sha256 is the ``inputs.catalogSha256`` the pools
file was built from. Between the catalog and pools stages of a running build (or after ``doit catalog`` alone) they
are not; then the pools file is checked on its own, with one warning, instead of failing on ids the new catalog lacks.
"""

from __future__ import annotations

import time
from collections.abc import Callable

from modelpools.errors import DataError
from modelpools.io import log
from modelpools.records import CatalogCache, PoolsDocument, PoolsSchema
from modelpools.rules.validation import describe_pools, expiry_warning, validate_pools
from modelpools.slices import ValidateSettings

__all__ = ["validate_pools_file"]


def validate_pools_file(settings: ValidateSettings, *, clock: Callable[[], float] = time.time) -> str:
    """Validate the pools file (against the catalog cache too, when it is the one the pools were built from);
    return a one-screen summary.

    Ranked models that expired or expire within settings.expiry_warning_days are a one-line warning, not an error.
    """
    files = settings.files
    path = files.pools_file
    if not path.exists():
        raise DataError(f"no pools file at {path}; run `{files.task('pools')}` first")
    doc = PoolsDocument.load(path, None, files.task_prefix).doc  # schema and invariants first
    catalog_ids = None
    if files.catalog_file.exists():
        catalog, digest = CatalogCache.load_with_digest(files.catalog_file, advice=f"run `{files.task('catalog')}`")
        if digest == doc["inputs"]["catalogSha256"]:
            catalog_ids = catalog.ids
            validate_pools(
                doc, catalog_ids, files.task_prefix, schema=PoolsSchema.installed().check
            )  # the same bytes, now with the catalog's ids
        else:
            log.warn(
                f"{files.catalog_file} changed after {path.name} was built (a build in progress, or run "
                f"`{files.task('pools')}`); checked the pools file without it"
            )
    warning = expiry_warning(doc, settings.expiry_warning_days, clock())
    if warning:
        log.warn(warning)
    checked = "schema, invariants" + (" and catalog cache" if catalog_ids is not None else "")
    return "\n".join([f"{path}: valid ({checked})"] + describe_pools(doc, top=12))
