"""Property-based tests (hypothesis): the catalog parser, the LLM-Stats readers and the pools loader turn any input,
near-valid or junk, into a result or a ModelPoolsError - never another exception.

The inputs are mostly mutations of real excerpts (keys dropped, types swapped, NaN / huge numbers / deep nesting /
odd unicode inserted, bytes truncated or flipped), plus plain random JSON and random bytes.
"""

from __future__ import annotations

import copy
import json
import os
import re
import tempfile
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from modelpools.consumer import pools_view
from modelpools.errors import DataError, ModelPoolsError, PoolsInvalid
from modelpools.jsonbytes import dump_json
from modelpools.records import PoolsSchema
from modelpools.rules.freemodels import parse_body, select_free_models, select_reference_scores
from modelpools.rules.matching import BenchmarkModel, CatalogModel, match_models
from modelpools.rules.validation import validate_pools
from modelpools.slices import RankingSettings
from modelpools.stages.benchmarks import build_scores, parse_checkout
from modelpools.stages.pools_document import PoolsInputs, build_document

# 250 examples per property keeps the file near 15 s; FUZZ_EXAMPLES=5000 for a long hunt.
FUZZ = settings(
    max_examples=int(os.environ.get("FUZZ_EXAMPLES", "250")),
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
)
POOLS_SAMPLE = json.loads((Path(__file__).resolve().parent / "data" / "pools-sample.json").read_text(encoding="utf-8"))

# ---------------------------------------------------------------- real excerpts (trimmed)

# openrouter/models-2026-08-18.json (description cut), plus an entry shaped like 2025-05-23 (modality string only)
# and the router entry.
CATALOG_EXCERPT = {
    "data": [
        {
            "id": "openai/gpt-oss-20b:free",
            "canonical_slug": "openai/gpt-oss-20b",
            "hugging_face_id": "openai/gpt-oss-20b",
            "name": "OpenAI: gpt-oss-20b (free)",
            "created": 1754414229,
            "description": "gpt-oss-20b is an open-weight 21B",
            "context_length": 131072,
            "architecture": {
                "modality": "text->text",
                "input_modalities": ["text"],
                "output_modalities": ["text"],
                "tokenizer": "GPT",
                "instruct_type": None,
            },
            "pricing": {"prompt": "0", "completion": "0"},
            "top_provider": {"context_length": 131072, "max_completion_tokens": 32768, "is_moderated": False},
            "per_request_limits": None,
            "supported_parameters": ["max_tokens", "reasoning", "temperature", "tools"],
            "expiration_date": None,
            "benchmarks": {
                "design_arena": [{"arena": "models", "category": "website", "elo": 864, "win_rate": 27.9, "rank": 122}],
                "artificial_analysis": {"intelligence_index": 15.2, "coding_index": 20.7, "agentic_index": 3.1},
            },
            "reasoning": {
                "mandatory": True,
                "supported_efforts": ["high", "medium", "low"],
                "default_effort": "medium",
            },
        },
        {
            "id": "qwen/qwen3-coder-plus",
            "canonical_slug": "qwen/qwen3-coder-plus",
            "hugging_face_id": "",
            "name": "Qwen: Qwen3 Coder Plus",
            "created": 1758662707,
            "context_length": 1000000,
            "architecture": {"modality": "text->text", "input_modalities": ["text"], "output_modalities": ["text"]},
            "pricing": {
                "prompt": "0.00000065",
                "completion": "0.00000325",
                "overrides": [{"min_prompt_tokens": 32000, "prompt": "0.00000117", "completion": "0.00000585"}],
            },
            "supported_parameters": ["max_tokens", "tools"],
            "expiration_date": None,
        },
        {
            "id": "deepseek/deepseek-chat-v3-0324:free",
            "hugging_face_id": "deepseek-ai/DeepSeek-V3-0324",
            "name": "DeepSeek: DeepSeek V3 0324 (free)",
            "created": 1742824755,
            "context_length": 163840,
            "architecture": {"modality": "text->text", "tokenizer": "DeepSeek", "instruct_type": None},
            "pricing": {"prompt": "0", "completion": "0", "request": "0", "image": "0"},
            "top_provider": {"context_length": 163840, "max_completion_tokens": None, "is_moderated": False},
            "supported_parameters": ["max_tokens", "temperature"],
        },
        {
            "id": "openrouter/auto",
            "name": "Auto Router",
            "created": 1699401600,
            "context_length": 2000000,
            "architecture": {"modality": "text+image->text"},
            "pricing": {"prompt": "-1", "completion": "-1"},
        },
    ]
}

# llm-stats/JonathanChavezTamales-df1d14e models/deepseek/deepseek-r1/model.json (trimmed).
OLD_MODEL = {
    "canonical_model_id": None,
    "fine_tuned_from_model_id": "deepseek-v3",
    "name": "DeepSeek-R1",
    "release_date": "2025-01-20",
    "input_context_size": 131072,
    "output_context_size": 131072,
    "license": "MIT License",
    "multimodal": False,
    "repo_link": "https://github.com/deepseek-ai/DeepSeek-R1",
    "weights_link": "https://huggingface.co/deepseek-ai/DeepSeek-R1",
    "param_count": 671000000000,
    "qualitative_metrics": [
        {"dataset_name": "MMLU", "score": 0.908, "is_self_reported": False, "analysis_method": "Pass@1"},
        {"dataset_name": "LiveCodeBench", "score": 0.659, "is_self_reported": False},
        {"dataset_name": "SWE-bench Verified", "score": 0.492, "is_self_reported": True},
        {"dataset_name": "Aider-Polyglot", "score": 0.533, "is_self_reported": False},
    ],
}

# llm-stats/JonathanChavezTamales-24a9ccf data/organizations/deepseek/models/deepseek-r1-0528/ (trimmed).
NEW_MODEL = {
    "model_id": "deepseek-r1-0528",
    "name": "DeepSeek-R1-0528",
    "organization_id": "deepseek",
    "fine_tuned_from_model_id": "deepseek-r1",
    "release_date": "2025-05-28",
    "license_id": "mit",
    "multimodal": False,
    "param_count": 671000000000,
    "source_repo_link": None,
    "source_weights_link": "https://huggingface.co/deepseek-ai/DeepSeek-R1",
}
NEW_SCORES = [
    {
        "model_benchmark_id": 9608,
        "benchmark_id": "livecodebench",
        "model_id": "deepseek-r1-0528",
        "score": 0.733,
        "normalized_score": 0.733,
        "is_self_reported": True,
        "analysis_method": "Pass@1, 2408-2505",
        "benchmark_name": "LiveCodeBench",
    },
    {
        "model_benchmark_id": 9609,
        "benchmark_id": "codeforces",
        "model_id": "deepseek-r1-0528",
        "score": 0.6433,
        "normalized_score": 0.6433,
        "is_self_reported": True,
        "benchmark_name": "Codeforces",
    },
    {
        "model_benchmark_id": 9601,
        "benchmark_id": "mmlu-redux",
        "model_id": "deepseek-r1-0528",
        "score": 0.934,
        "normalized_score": 0.934,
        "is_self_reported": True,
        "benchmark_name": "MMLU-Redux",
    },
]
NEW_PROVIDER_MODELS = [
    {
        "model_provider_id": 290,
        "model_id": "deepseek-r1-0528",
        "provider_id": "deepinfra",
        "max_input_tokens": 131072,
        "max_output_tokens": 131072,
        "throughput": 0.9,
    }
]

# ---------------------------------------------------------------- strategies

ODD_TEXT = st.sampled_from(
    [
        "",
        " ",
        "\x00",
        "\ud800",
        "a\udcffb",
        "\u202egnp.exe",
        "ｑｗｅｎ３",
        "ǅ",
        "İstanbul",
        "🦙" * 40,
        "\ufeff",
        "x" * 3000,
        "1e999",
        "NaN",
        "null",
        "<html>",
        "../../etc/passwd",
        "qwen/qwen3:free",
        "a/b/c:d:e",
        "~/",
        ":free",
    ]
)
ODD_NUMBERS = st.sampled_from(
    [float("nan"), float("inf"), float("-inf"), -0.0, 1e308, 5e-324, -1, 0, 2**63, 10**400, -(10**40), True, False]
)
SCALARS = st.none() | st.booleans() | st.integers() | st.floats() | st.text(max_size=12) | ODD_TEXT | ODD_NUMBERS
JSON_VALUES = st.recursive(
    SCALARS,
    lambda inner: st.lists(inner, max_size=4) | st.dictionaries(st.text(max_size=8) | ODD_TEXT, inner, max_size=4),
    max_leaves=12,
)
# Text-level splices (the Python json module cannot write these): nesting past the parser's recursion limit and an
# integer past the int/str conversion limit (4300 digits).
_SPLICE = re.compile(r'"@@(deep|bigint)(\d*)@@"')
DEPTHS = st.sampled_from([5, 60, 400, 900, 990, 1500, 3000])


def _splice(text: str) -> str:
    def put(m: re.Match) -> str:
        if m.group(1) == "bigint":
            return "9" * 5000
        depth = int(m.group(2))
        return "[" * depth + "]" * depth if depth % 2 else '{"a":' * depth + "1" + "}" * depth

    return _SPLICE.sub(put, text)


def _nested(depth: int) -> Any:
    value: Any = 1
    for i in range(depth):
        value = [value] if i % 2 else {"a": value}
    return value


def _slots(doc: Any, path: tuple = ()) -> list[tuple]:
    """Every path into doc (dict keys and list indexes), the root first."""
    out = [path]
    if isinstance(doc, dict):
        for key, value in doc.items():
            out += _slots(value, path + (key,))
    elif isinstance(doc, list):
        for i, value in enumerate(doc):
            out += _slots(value, path + (i,))
    return out


def _swap_type(value: Any) -> Any:
    """A value of another JSON type that carries the same content, as broken producers write it."""
    if isinstance(value, bool):
        return "true" if value else 0
    if isinstance(value, (int, float)):
        return str(value)
    if isinstance(value, str):
        try:
            return int(value)  # "131072" -> 131072
        except ValueError:
            return [value]
    if isinstance(value, dict):
        return list(value.values())
    if isinstance(value, list):
        return {str(i): v for i, v in enumerate(value)}
    return {}


OPS = ("drop", "replace", "swap", "odd_number", "odd_text", "deep", "bigint", "duplicate", "rekey", "empty")


@st.composite
def mutated(draw, base: Any, text: bool = True) -> Any:
    """base with 1-4 mutations; text=True may use splice markers (serialize with as_bytes)."""
    doc = copy.deepcopy(base)
    for _ in range(draw(st.integers(1, 4))):
        path = draw(st.sampled_from(_slots(doc)))
        op = draw(st.sampled_from(OPS))
        parent = doc
        for part in path[:-1]:
            parent = parent[part]
        old = parent[path[-1]] if path else doc
        if op == "drop" and path:
            del parent[path[-1]]
            continue
        if op == "rekey" and path and isinstance(parent, dict):
            parent[draw(ODD_TEXT | st.text(max_size=6))] = parent.pop(path[-1])
            continue
        if op == "duplicate" and isinstance(old, list) and old:
            old.append(copy.deepcopy(draw(st.sampled_from(old))))
            continue
        if op == "deep":
            depth = draw(DEPTHS)
            new = f"@@deep{depth}@@" if text else _nested(min(depth, 400))
        elif op == "bigint":
            new = "@@bigint@@" if text else 10**400
        elif op == "swap":
            new = _swap_type(old)
        elif op == "odd_number":
            new = draw(ODD_NUMBERS)
        elif op == "odd_text":
            new = draw(ODD_TEXT)
        elif op == "empty":
            new = type(old)() if isinstance(old, (dict, list, str)) else None
        else:
            new = draw(JSON_VALUES)
        if path:
            parent[path[-1]] = new
        else:
            doc = new
    return doc


@st.composite
def as_bytes(draw, doc: Any) -> bytes:
    """doc as JSON bytes (either escaping), splices applied, sometimes truncated, a byte flipped or a BOM added."""
    ascii_only = draw(st.booleans())
    raw = _splice(json.dumps(doc, ensure_ascii=ascii_only, allow_nan=True)).encode("utf-8", "surrogatepass")
    damage = draw(st.sampled_from(["none", "none", "none", "truncate", "flip", "bom", "html"]))
    if damage == "truncate" and raw:
        raw = raw[: draw(st.integers(0, len(raw) - 1))]
    elif damage == "flip" and raw:
        at = draw(st.integers(0, len(raw) - 1))
        raw = raw[:at] + bytes([raw[at] ^ draw(st.integers(1, 255))]) + raw[at + 1 :]
    elif damage == "bom":
        raw = b"\xef\xbb\xbf" + raw
    elif damage == "html":
        raw = b"<!DOCTYPE html><title>502</title>" + raw[:50]
    return raw


def documents(base: Any) -> st.SearchStrategy[bytes]:
    """Bytes of near-valid documents (mostly), random JSON or random bytes."""
    near_valid = mutated(base).flatmap(as_bytes)
    return st.one_of(near_valid, near_valid, near_valid, JSON_VALUES.flatmap(as_bytes), st.binary(max_size=300))


# ---------------------------------------------------------------- catalog parser


def _assert_cacheable(models: list[dict[str, Any]]) -> None:
    """What the catalog stage writes: canonical JSON, sorted unique ids, typed fields the later stages read."""
    data = dump_json({"schemaVersion": 2, "models": models})
    assert json.loads(data)["models"] == json.loads(json.dumps(models))
    ids = [m["id"] for m in models]
    assert ids == sorted(set(ids))
    for m in models:
        assert isinstance(m["name"], str) and isinstance(m["pricing"], dict)
        assert m["context_length"] is None or (isinstance(m["context_length"], int) and m["context_length"] >= 0)
        assert all(isinstance(p, str) for p in m["supported_parameters"] + m["output_modalities"])
        CatalogModel.from_dict(m)


def test_the_excerpt_itself_parses():
    models = select_free_models(parse_body(json.dumps(CATALOG_EXCERPT).encode(), "excerpt"))
    assert [m["id"] for m in models] == ["deepseek/deepseek-chat-v3-0324:free", "openai/gpt-oss-20b:free"]
    _assert_cacheable(models)


@FUZZ
@given(raw=documents(CATALOG_EXCERPT), include_non_text=st.booleans())
def test_any_catalog_body_gives_free_models_or_a_data_error(raw, include_non_text):
    try:
        body = parse_body(raw, "http://127.0.0.1/models")
        models = select_free_models(body, include_non_text)
        reference = select_reference_scores(body)
    except DataError as exc:
        assert "\n" not in str(exc)
        return
    _assert_cacheable(models)
    dump_json(reference)
    assert all(0 <= r["coding_index"] <= 100 for r in reference)


# What the fuzzer found in the catalog parser, as examples: each entry is skipped, the rest of the body is kept.
def _free_entry(**changes: Any) -> dict[str, Any]:
    entry = copy.deepcopy(CATALOG_EXCERPT["data"][0])
    entry.update(changes)
    return entry


@pytest.mark.parametrize(
    "bad",
    [
        _free_entry(id="1000000000000000000000"),  # not vendor/model: the pools schema would refuse the whole file
        _free_entry(id="openai/" + "x" * 200 + ":free"),  # longer than the schema's 200 characters
        _free_entry(name="OpenAI: gpt\ud800"),  # a lone surrogate: the UTF-8 cache file cannot hold it
        _free_entry(benchmarks={"artificial_analysis": {"coding_index": float("nan")}}),  # NaN is not JSON
        _free_entry(benchmarks={"design_arena": _nested(40)}),  # nested deeper than any real catalog field
    ],
    ids=["id-not-vendor-model", "id-too-long", "lone-surrogate", "nan", "deep-nesting"],
)
def test_an_entry_that_cannot_be_cached_is_skipped(bad):
    body = {"data": [bad, CATALOG_EXCERPT["data"][2]]}
    raw = json.dumps(body).encode()  # ensure_ascii writes the surrogate as the "\\ud800" escape a body would carry
    assert [m["id"] for m in select_free_models(parse_body(raw, "excerpt"))] == ["deepseek/deepseek-chat-v3-0324:free"]


def test_json_past_the_parser_limits_is_a_data_error():
    for raw in (b'{"data": ' + b"[" * 100_000 + b"]" * 100_000 + b"}", b'{"data": [' + b"9" * 5000 + b"]}"):
        with pytest.raises(DataError, match=r"127\.0\.0\.1"):
            parse_body(raw, "http://127.0.0.1/models")


def test_a_huge_created_or_context_length_counts_as_missing():
    [model] = select_free_models(
        {"data": [_free_entry(created=10**400, context_length=2**60, top_provider={"context_length": 131072})]}
    )
    assert model["created"] is None and model["context_length"] == 131072


BENCH = [
    BenchmarkModel("openai/gpt-oss-20b", "gpt-oss-20b", "openai/gpt-oss-20b", 21_000_000_000, "2025-08-05"),
    BenchmarkModel("deepseek/deepseek-v3-0324", "DeepSeek-V3-0324", None, None, "2025-03-24"),
]
BENCH_SCORES = [
    {"id": "openai/gpt-oss-20b", "codingScore": 48.0, "coverage": 0.5},
    {"id": "deepseek/deepseek-v3-0324", "codingScore": 52.5, "coverage": 1.0},
]


@FUZZ
@given(doc=mutated(CATALOG_EXCERPT, text=False))
def test_free_models_from_a_mangled_catalog_rank_into_a_valid_pools_file(doc):
    try:
        models = select_free_models(doc)
    except DataError:
        return
    matches = match_models([CatalogModel.from_dict(m) for m in models], BENCH, {}, 70)
    inputs = PoolsInputs(
        models, POOLS_SAMPLE["provenance"], POOLS_SAMPLE["inputs"], benchmark_models=BENCH_SCORES, matches=list(matches)
    )
    pools = build_document(inputs, RankingSettings())
    validate_pools(pools, {m["id"] for m in models}, schema=PoolsSchema.installed().check)
    dump_json(pools)


# ---------------------------------------------------------------- LLM-Stats readers

_NAMES = st.sampled_from(["deepseek", "qwen", "a b", "ü", "-x", ".hidden", "1"]) | st.text(
    st.characters(min_codepoint=0x20, max_codepoint=0x2FF, exclude_characters="/\\"), min_size=1, max_size=8
)
NAME_BYTES = st.sampled_from([b"\xff\xfe", b"caf\xe9", b"ok\x80"]) | _NAMES.map(os.fsencode)


def _write(path: bytes, raw: bytes | None) -> None:
    if raw is not None:
        os.makedirs(os.path.dirname(path), exist_ok=True)
        with open(path, "wb") as handle:
            handle.write(raw)


@st.composite
def checkouts(draw) -> tuple[str, list[tuple[bytes, bytes | None]]]:
    """A layout and its files (relative byte paths, contents): one or two model dirs with mangled JSON."""
    layout = draw(st.sampled_from(["old", "new"]))
    files: list[tuple[bytes, bytes | None]] = []
    for _ in range(draw(st.integers(1, 2))):
        org, model = draw(NAME_BYTES), draw(NAME_BYTES)
        if org in (b".", b"..") or model in (b".", b".."):
            continue
        if layout == "old":
            files.append((b"models/" + org + b"/" + model + b"/model.json", draw(documents(OLD_MODEL))))
        else:
            base = b"data/organizations/" + org + b"/models/" + model + b"/"
            files.append((base + b"model.json", draw(documents(NEW_MODEL))))
            files.append((base + b"benchmarks.json", draw(st.none() | documents(NEW_SCORES))))
            files.append((b"data/providers/p/models.json", draw(st.none() | documents(NEW_PROVIDER_MODELS))))
    if layout == "new":
        files.append((b"data/benchmarks/livecodebench.json", b'{"benchmark_id": "livecodebench"}'))
    return layout, files


@FUZZ
@given(checkout=checkouts())
def test_any_llm_stats_checkout_gives_scored_models_or_a_data_error(checkout):
    layout, files = checkout
    with tempfile.TemporaryDirectory() as tmp:
        for rel, raw in files:
            _write(os.path.join(os.fsencode(tmp), rel), raw)
        root = Path(tmp)
        try:
            found, models, problems = parse_checkout(root)
        except DataError:
            return
        assert found == layout
        document = build_scores("file:///fuzz", None, found, models).to_json()
        problems.report()  # the warning lines name skipped files, whatever bytes their names hold
    dump_json(document)  # what refresh_benchmarks writes
    for entry in document["models"]:
        assert entry["codingScore"] is None or 0.0 <= entry["codingScore"] <= 100.0
        assert entry["paramCount"] is None or isinstance(entry["paramCount"], int)
        BenchmarkModel.from_dict(entry)
    assert len(problems.items) <= 10 * len(files) + 10


def test_the_llm_stats_excerpts_themselves_score(tmp_path):
    _write(os.fsencode(tmp_path / "models/deepseek/deepseek-r1/model.json"), json.dumps(OLD_MODEL).encode())
    layout, models, problems = parse_checkout(tmp_path)
    document = build_scores("file:///fuzz", None, layout, models).to_json()
    assert layout == "old" and not problems.items
    assert document["models"][0]["id"] == "deepseek/deepseek-r1" and document["models"][0]["codingScore"] is not None


@pytest.mark.parametrize(
    "content, reason",
    [
        (b'{"name": "X", "param_count": NaN, "qualitative_metrics": []}', None),
        (b'{"name": "X", "param_count": Infinity, "qualitative_metrics": []}', None),
        (b'{"name": "X\\ud800", "qualitative_metrics": []}', "lone UTF-16 surrogate"),
        (b'{"name": "X", "param_count": ' + b"7" * 5000 + b"}", "not valid JSON"),
        (b'{"name": ' + b"[" * 5000 + b"]" * 5000 + b"}", "nests JSON too deeply"),
    ],
    ids=["nan-params", "infinite-params", "lone-surrogate", "5000-digits", "5000-deep"],
)
def test_an_unreadable_model_file_is_skipped_and_reported(tmp_path, content, reason):
    _write(os.fsencode(tmp_path / "models/deepseek/deepseek-r1/model.json"), json.dumps(OLD_MODEL).encode())
    _write(os.fsencode(tmp_path / "models/deepseek/x/model.json"), content)
    _layout, models, problems = parse_checkout(tmp_path)
    dump_json(build_scores("file:///fuzz", None, "old", models).to_json())
    if reason is None:  # kept, with the bad number left out
        assert [(m.id, m.param_count) for m in models] == [("deepseek/deepseek-r1", 671000000000), ("deepseek/x", None)]
    else:
        assert [m.id for m in models] == ["deepseek/deepseek-r1"]
        assert reason in problems.items[0] and problems.items[0].startswith("models/deepseek/x/model.json")


def test_a_directory_name_that_is_not_utf8_is_skipped_and_reported(tmp_path):
    _write(os.fsencode(tmp_path / "models/deepseek/deepseek-r1/model.json"), json.dumps(OLD_MODEL).encode())
    _write(os.fsencode(tmp_path) + b"/models/deepseek/caf\xe9/model.json", json.dumps(OLD_MODEL).encode())
    _layout, models, problems = parse_checkout(tmp_path)
    assert [m.id for m in models] == ["deepseek/deepseek-r1"]
    assert problems.items[0].endswith("name is not UTF-8")


# ---------------------------------------------------------------- pools loader


@FUZZ
@given(doc=mutated(POOLS_SAMPLE, text=False) | JSON_VALUES)
def test_any_pools_document_validates_or_raises_pools_invalid(doc):
    try:
        validate_pools(doc, schema=PoolsSchema.installed().check)
    except PoolsInvalid as exc:
        assert exc.path.startswith("$") and "\n" not in str(exc)
        with pytest.raises(ModelPoolsError):  # the loader refuses what the validator refuses
            pools_view.pools_from_document(doc)
        return
    pools = pools_view.pools_from_document(doc)
    assert [m.rank for m in pools.models] == list(range(1, len(pools.models) + 1))


@FUZZ
@given(doc=mutated(POOLS_SAMPLE, text=False) | JSON_VALUES)
def test_the_unvalidated_loader_gives_pools_or_pools_invalid(doc):
    try:
        pools = pools_view.pools_from_document(doc, validate=False)
    except PoolsInvalid:
        return
    assert all(model_id in pools.ids for _name, ids in pools.tiers for model_id in ids)


@FUZZ
@given(raw=documents(POOLS_SAMPLE), validate=st.booleans())
def test_any_pools_file_loads_or_raises_our_error(raw, validate):
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "model-pools.json"
        path.write_bytes(raw)
        try:
            pools = pools_view.load_pools(path, validate=validate)
        except ModelPoolsError as exc:
            assert "\n" not in str(exc)
            return
    assert pools.path == path


@pytest.mark.parametrize(
    "raw",
    [b"[" * 100_000 + b"]" * 100_000, b'{"schemaVersion": ' + b"1" * 5000 + b"}"],
    ids=["nested-100000-deep", "5000-digit-integer"],
)
def test_a_pools_file_past_the_json_parser_limits_is_a_data_error(tmp_path, raw):
    path = tmp_path / "model-pools.json"
    path.write_bytes(raw)
    with pytest.raises(DataError):
        pools_view.load_pools(path)


@pytest.mark.parametrize(
    "where, value",
    [
        (("models", 0, "codingScore"), float("nan")),  # NaN passes the schema's 0-100 bounds
        (("models", 0, "scoreSources", 0, "raw"), 10**400),  # no bound in the schema, too big for any reader
        (("calibration", "llm-stats", "intercept"), float("-inf")),
    ],
    ids=["nan-score", "huge-raw", "infinite-intercept"],
)
def test_non_finite_numbers_in_a_pools_document_are_invalid(where, value):
    doc = copy.deepcopy(POOLS_SAMPLE)
    target = doc
    for part in where[:-1]:
        target = target[part]
    target[where[-1]] = value
    with pytest.raises(PoolsInvalid) as caught:
        validate_pools(doc, schema=PoolsSchema.installed().check)
    assert caught.value.path.startswith("$." + where[0]) and "not a finite number" in str(caught.value)
