"""SchemaCheck gives the whole jsonschema validator's verdict: every value of a real pools document, broken in turn."""

import copy
import json
import math

import pytest
from jsonschema import Draft202012Validator
from test_validation import INPUTS, PROVENANCE, catalog

from modelpools.records import PoolsSchema
from modelpools.resources import pools_schema_path
from modelpools.rules.schemacheck import SchemaCheck
from modelpools.rules.validation import inline_refs
from modelpools.slices import RankingSettings
from modelpools.stages.pools_document import PoolsInputs, build_document

# Stand-ins of every JSON type, including the ones Python confuses (True == 1 == 1.0) and non-finite numbers.
ODD_VALUES = [
    None,
    True,
    False,
    0,
    1,
    -1,
    1.0,
    0.5,
    101,
    math.nan,
    -math.inf,
    "",
    "x",
    "0",
    "LARGE",
    "openai/gpt-4o",
    [],
    ["x"],
    {},
    {"x": 1},
]


@pytest.fixture(scope="module")
def schema_check():
    return SchemaCheck(inline_refs(PoolsSchema.load(pools_schema_path()).document), Draft202012Validator)


@pytest.fixture(scope="module")
def doc():
    """A real document cut to 3 ranked and 2 unranked models (the schema alone does not check the invariants)."""
    full = build_document(PoolsInputs(catalog(), PROVENANCE, INPUTS), RankingSettings())
    return dict(full, models=full["models"][:3], unranked=full["unranked"][:2])


def places(value, path=()):
    """Every (path, value) in a document, containers included."""
    yield path, value
    children = value.items() if isinstance(value, dict) else enumerate(value) if isinstance(value, list) else ()
    for key, item in children:
        yield from places(item, path + (key,))


def changed(doc, path, new):
    out = json.loads(json.dumps(doc))  # a deep copy: the next case starts from the whole document
    parent = out
    for key in path[:-1]:
        parent = parent[key]
    if new is KeyError:
        del parent[path[-1]]
    else:
        parent[path[-1]] = new
    return out


def test_the_real_document_is_valid_both_ways(schema_check, doc):
    assert schema_check.is_valid(doc) and schema_check.validator.is_valid(doc)


def test_every_value_replaced_or_removed_gets_the_whole_validators_verdict(schema_check, doc):
    verdicts = set()
    for path, _value in list(places(doc))[1:]:
        for new in ODD_VALUES + [KeyError]:
            bad = changed(doc, path, new)
            expected = schema_check.validator.is_valid(bad)
            assert schema_check.is_valid(bad) == expected, (path, new)
            verdicts.add(expected)
    assert verdicts == {True, False}


def test_an_extra_key_anywhere_is_judged_the_same(schema_check, doc):
    for path, value in places(doc):
        if isinstance(value, dict):
            bad = changed(doc, path + ("extra",), 1) if path else dict(doc, extra=1)
            assert schema_check.is_valid(bad) == schema_check.validator.is_valid(bad), path


def test_a_verdict_is_not_reused_across_look_alike_values(schema_check, doc):
    """Equal in Python but not in JSON: rank True next to rank 1, a pricing "0" next to 0."""
    twin = copy.deepcopy(doc["models"][0])
    assert twin["rank"] == 1
    bad = dict(doc, models=doc["models"] + [dict(twin, rank=True)])
    assert not schema_check.is_valid(bad) and not schema_check.validator.is_valid(bad)
    bad = dict(doc, models=doc["models"] + [dict(twin, pricing={"prompt": 0, "completion": "0"})])
    assert not schema_check.is_valid(bad) and not schema_check.validator.is_valid(bad)


@pytest.mark.parametrize(
    "schema, instance",
    [
        ({"type": "array", "items": {"type": "integer"}}, [1, 1.0, 1.5]),  # 1.0 is an integer, 1.5 is not
        ({"type": "array", "items": {"type": ["string", "null"]}}, ["a", None, True]),
        ({"type": "array", "items": {"type": "number", "maximum": 1}}, [0.5, 0.5, 2]),
        ({"type": "array", "items": {"type": "object", "required": ["a"]}}, [{"a": 1}, {"a": 2}, {"b": 1}]),
        ({"type": "array", "items": {"type": "array", "minItems": 2}}, [[1, 2], [3, 4], [5]]),
        ({"type": "array", "items": {"$ref": "#/$defs/x"}, "$defs": {"x": {"const": 1}}}, [1, 1, True]),
    ],
)
def test_the_last_item_alone_is_invalid_and_found(schema, instance):
    check = SchemaCheck(schema, Draft202012Validator)
    assert check.is_valid(instance[:-1]) and check.validator.is_valid(instance[:-1])
    assert not check.is_valid(instance) and not check.validator.is_valid(instance)
