"""Memory stage: remember the catalog's evidence blocks across refreshes (evidence-memory.json).

build_memory(settings)  reads the catalog cache and the previous memory, writes the new memory
                        (rules/memory.py decides what is kept); the pools stage reads it
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from modelpools.errors import DataError
from modelpools.io import log
from modelpools.io.files import write_if_changed
from modelpools.records import CatalogCache, EvidenceMemory
from modelpools.rules.memory import empty_memory, remember
from modelpools.slices import MemorySettings

__all__ = ["build_memory", "memory_document"]


def memory_document(data: bytes, path: Path) -> dict[str, Any]:
    """The memory in data (read from path); an empty memory, with a warning, when it is damaged."""
    try:
        return EvidenceMemory.from_bytes(data, path).to_json()
    except DataError as exc:
        log.warn(f"{exc}; starting the evidence memory afresh")
        return empty_memory()


def build_memory(settings: MemorySettings) -> str:
    """Update the memory file from the catalog cache; one summary line."""
    files = settings.files
    catalog = CatalogCache.load(files.catalog_file, advice=f"run `{files.task('catalog')}`")
    try:
        previous = memory_document(files.memory_file.read_bytes(), files.memory_file)
    except FileNotFoundError:
        previous = empty_memory()
    memory = remember(previous, catalog.models)
    record = EvidenceMemory(memory["asOf"], tuple(memory["models"]))
    written = write_if_changed(files.memory_file, record.dump())
    return (
        f"{files.memory_file}: {'written' if written else 'unchanged'}; {len(record.models)} models "
        f"remembered as of {record.as_of or 'no catalog date'}"
    )
