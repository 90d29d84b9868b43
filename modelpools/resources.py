"""Paths of the files shipped with modelpools (package data, the pools schema), defined once; imports only pathlib."""

from __future__ import annotations

from pathlib import Path

__all__ = [
    "PACKAGE_DIR",
    "PACKAGE_DATA",
    "PACKAGE_OVERRIDES",
    "PACKAGE_ARCHITECTURES",
    "PACKAGE_CURATED",
    "CURATED_SCHEMA",
    "CATALOG_SNAPSHOT",
    "POOLS_SCHEMA_NAME",
    "pools_schema_path",
]

PACKAGE_DIR = Path(__file__).resolve().parent
PACKAGE_DATA = PACKAGE_DIR / "data"
PACKAGE_OVERRIDES = PACKAGE_DATA / "model-id-overrides.json"
PACKAGE_CURATED = PACKAGE_DATA / "curated-scores.json"
PACKAGE_ARCHITECTURES = PACKAGE_DATA / "model-architectures.json"
CURATED_SCHEMA = PACKAGE_DATA / "curated-scores.schema.json"
CATALOG_SNAPSHOT = PACKAGE_DATA / "openrouter-snapshot.json"
POOLS_SCHEMA_NAME = "model-pools.schema.json"


def pools_schema_path() -> Path:
    """The pools JSON Schema: the copy a wheel installs in the package, else the checkout's schemas/ directory."""
    packaged = PACKAGE_DIR / "schemas" / POOLS_SCHEMA_NAME
    return packaged if packaged.is_file() else PACKAGE_DIR.parent / "schemas" / POOLS_SCHEMA_NAME
