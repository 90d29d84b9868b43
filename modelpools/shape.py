"""Shape checks for a JSON document read from a file: each failure is a DataError naming the file and the JSON path.

Used by the record loaders (records.py, meta.py); stays light because the TTL checks load meta records on every run.
"""

from __future__ import annotations

from collections.abc import Collection, Mapping
from pathlib import Path
from typing import Any

from modelpools.errors import DataError

__all__ = ["Shape"]

_KINDS = {"list": list, "object": dict, "string": str}


class Shape:
    """Shape checks for one file: each failure is a DataError naming the file, the JSON path and what to do."""

    def __init__(self, what: str, path: Path | str, advice: str) -> None:
        self.what, self.path, self.advice = what, path, advice

    def fail(self, where: str, problem: str) -> DataError:
        return DataError(f"{self.what} at {self.path}: {where} {problem}; {self.advice}")

    def document(self, doc: Any, version: int | None) -> dict[str, Any]:
        """doc as an object of this schemaVersion (None: the caller checks the version itself)."""
        if not isinstance(doc, dict):
            raise self.fail("$", f"is a {type(doc).__name__}, not an object")
        if version is not None and doc.get("schemaVersion") != version:
            raise self.fail("$.schemaVersion", f"is {doc.get('schemaVersion')!r}, expected {version}")
        return doc

    def get(self, doc: Mapping[str, Any], key: str, kind: str, where: str = "$") -> Any:
        if key not in doc:
            raise self.fail(where, f"has no '{key}' {kind}")
        value = doc[key]
        if not isinstance(value, _KINDS[kind]):
            raise self.fail(f"{where}.{key}", f"is not a{'n' * (kind[0] == 'o')} {kind}")
        return value

    def entries(self, doc: Mapping[str, Any], key: str, where: str = "$") -> tuple[dict[str, Any], ...]:
        """doc[key]: a list of objects, each with a string id."""
        items = self.get(doc, key, "list", where)
        for i, item in enumerate(items):
            if not isinstance(item, dict) or not isinstance(item.get("id"), str):
                raise self.fail(f"{where}.{key}[{i}]", "is not an object with a string 'id'")
        return tuple(items)

    def optional(self, doc: Mapping[str, Any], key: str, *types: type, where: str = "$") -> Any:
        """doc[key] when it is None or of one of types (a missing key is None); bools are no numbers."""
        value = doc.get(key)
        if value is None or (isinstance(value, types) and not (isinstance(value, bool) and bool not in types)):
            return value
        raise self.fail(f"{where}.{key}", f"is {value!r}, expected {' or '.join(t.__name__ for t in types)} or null")

    def choice(self, doc: Mapping[str, Any], key: str, allowed: Collection[str], where: str = "$") -> str | None:
        value = doc.get(key)
        if value is not None and value not in allowed:
            raise self.fail(f"{where}.{key}", f"is {value!r}, expected one of {', '.join(sorted(allowed))}")
        return value
