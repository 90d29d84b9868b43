"""A jsonschema verdict (valid or not) on big documents: the schema's applicators walked with prebuilt validators.

jsonschema builds a new validator object for every sub-schema it descends into (``evolve``), once per field of every
model, and on a large document that, not the checks themselves, is where the time goes (BENCHMARKS.md, section 16).
``SchemaCheck`` compiles the
schema once into a tree: at each node a prebuilt jsonschema validator checks the node's own keywords, with the
sub-schemas of ``properties``, ``prefixItems``, ``items`` and ``allOf`` replaced by ``true``; the walk then applies the
compiled sub-schemas itself, exactly where jsonschema would (``properties`` to the present keys of an object,
``prefixItems``/``items`` to the items of an array, ``allOf`` to the instance). Within one call a verdict is reused
only where its inputs are provably the same:

- any node on a scalar (str, int, float, bool, None; exact types): keyed by the node and (type, value);
- an object node whose own keywords are only ``type``/``required``/``additionalProperties`` (a boolean)/
  ``properties``: keyed by its keys (the ``properties`` values are ``true`` there, so nothing else is read);
- an array node whose own keywords are only ``type``/``minItems``/``maxItems``/``items``/``prefixItems``: by length;
- a node whose only keyword is ``type`` without ``"integer"`` (which looks at a float's value): by the exact type.

A schema using ``$ref``, ``$dynamicRef`` or ``unevaluated*`` (results that depend on other sub-schemas) is not split:
the whole-schema validator decides. Error messages always come from the whole-schema validator (``validator``).
"""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import Any

__all__ = ["SchemaCheck"]

_APPLICATORS = ("properties", "prefixItems", "items", "allOf")
_NOT_SPLIT = ("$ref", "$dynamicRef", "unevaluatedProperties", "unevaluatedItems")
_NOTES = {"description", "title", "$comment"}
_KEYS_ONLY = {"type", "required", "additionalProperties", "properties"} | _NOTES  # object verdict: its keys decide
_LENGTH_ONLY = {"type", "minItems", "maxItems", "items", "prefixItems"} | _NOTES  # array verdict: its length decides
_SCALARS = frozenset({str, int, float, bool, type(None)})

Check = Callable[[Any, list], bool]  # (instance, verdicts of this call: per node number, per exact type)


def _mentions(node: Any, words: tuple[str, ...]) -> bool:
    """True when a sub-schema that validation reaches (not the ``$defs`` store) uses one of words."""
    if isinstance(node, dict):
        return any(w in node for w in words) or any(_mentions(v, words) for k, v in node.items() if k != "$defs")
    if isinstance(node, list):
        return any(_mentions(v, words) for v in node)
    return False


class SchemaCheck:
    """``is_valid(doc)``: the verdict of ``validator_class(schema).is_valid(doc)``, without a validator per node."""

    def __init__(self, schema: Any, validator_class: Any) -> None:
        self.validator = validator_class(schema)
        self._class = validator_class
        self._nodes: dict[str, int] = {}  # canonical sub-schema text -> node number (equal sub-schemas share verdicts)
        self._check = None if _mentions(schema, _NOT_SPLIT) else self._compile(schema)

    def is_valid(self, doc: Any) -> bool:
        """True when the document is valid against the schema."""
        if self._check is None:
            return self.validator.is_valid(doc)
        return self._check(doc, [{} for _ in self._nodes])

    def _compile(self, node: Any) -> Check:
        """The check of one sub-schema: its own keywords by a prebuilt validator, then its applicators, walked."""
        local = node
        props: list[tuple[str, Check]] = []
        prefix: list[Check] = []
        items: Check | None = None
        parts: list[Check] = []
        if isinstance(node, dict) and any(k in node for k in _APPLICATORS):
            local = dict(node)
            if isinstance(node.get("properties"), dict):
                props = [(k, self._compile(s)) for k, s in node["properties"].items()]
                local["properties"] = {k: True for k in node["properties"]}
            if isinstance(node.get("prefixItems"), list):
                prefix = [self._compile(s) for s in node["prefixItems"]]
                local["prefixItems"] = [True] * len(prefix)
            if "items" in node and not isinstance(node["items"], bool):
                items = self._compile(node["items"])
                local["items"] = True
            if isinstance(node.get("allOf"), list):
                parts = [self._compile(s) for s in local.pop("allOf")]
        own = self._own(local)
        if not (props or prefix or items or parts):
            return own

        def check(instance: Any, memo: list) -> bool:
            if not own(instance, memo):
                return False
            if props and isinstance(instance, dict):
                for key, sub in props:
                    if key in instance and not sub(instance[key], memo):
                        return False
            if (prefix or items) and isinstance(instance, list):
                for sub, value in zip(prefix, instance):
                    if not sub(value, memo):
                        return False
                if items is not None:
                    for value in instance[len(prefix) :]:
                        if not items(value, memo):
                            return False
            return all(part(instance, memo) for part in parts)

        return check

    def _own(self, local: Any) -> Check:
        """A node's own keywords (applicators already ``true``): one prebuilt validator, verdicts reused as above."""
        text = json.dumps(local, sort_keys=True)
        number = self._nodes.setdefault(text, len(self._nodes))
        is_valid = self._class(local).is_valid
        keywords = set(local) if isinstance(local, dict) else set()
        keys_only = keywords <= _KEYS_ONLY and isinstance(local.get("additionalProperties", False), bool)
        length_only = keywords <= _LENGTH_ONLY and isinstance(local.get("items", True), bool)
        types = local.get("type") if isinstance(local, dict) else None
        types = [types] if isinstance(types, str) else types
        type_only = keywords <= {"type"} | _NOTES and isinstance(types, list) and "integer" not in types

        def own(instance: Any, memo: list) -> bool:
            kind = type(instance)
            if type_only:  # only "type" (not "integer", which looks at a float's value): the exact type decides
                key: Any = None
            elif kind in _SCALARS:  # one table per exact type, so True, 1 and 1.0 never share a verdict
                key = instance
            elif kind is dict and keys_only:
                key = tuple(instance)
            elif kind is list and length_only:
                key = len(instance)
            else:
                return is_valid(instance)
            tables = memo[number]
            seen = tables.get(kind)
            if seen is None:
                seen = tables[kind] = {}
            found = seen.get(key)
            if found is None:
                found = seen[key] = is_valid(instance)
            return found

        return own
