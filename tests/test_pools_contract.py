"""The pools file keeps the reference system's output contract: a reader who sorts the ranked models by
``codingScore`` (then context length) gets the published ranks, scores never rise with rank, and the tiers
partition the ranked models with the 15 % / 50 % cut (docs/scoring.md, section 4).

``contract_problems`` restates the contract's invariants independently of rules/validation.py: a property test
holds it for generated catalogs, a full-data test for every real listing.
"""

from __future__ import annotations

import json
import math
import sys
from collections.abc import Collection, Mapping
from itertools import pairwise
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from modelpools.records import PoolsSchema
from modelpools.rules.validation import validate_pools
from modelpools.slices import RankingSettings
from modelpools.stages.pools_document import PoolsInputs, build_document

ROOT = Path(__file__).resolve().parents[1]
ROLE_KEYS = ("bulkModel", "pageModel", "smallTasksModel")
SAMPLE = json.loads((ROOT / "tests" / "data" / "pools-sample.json").read_text(encoding="utf-8"))


def contract_problems(doc: Mapping[str, Any], catalog_ids: Collection[str]) -> list[str]:
    """What breaks the reference contract in a pools document (empty when it holds)."""
    problems = []
    defaults = doc["chosenDefaults"]
    problems += [f"chosenDefaults.{k} missing" for k in ROLE_KEYS if k not in defaults]
    if [t["name"] for t in doc["tiers"]] != ["LARGE", "MEDIUM", "SMALL"]:
        problems.append("tier names")
    ranked = doc["models"]
    ids = [m["id"] for m in ranked]
    if len(set(ids)) != len(ids):
        problems.append("duplicate ranked ids")
    if [m["rank"] for m in ranked] != list(range(1, len(ranked) + 1)):
        problems.append("models not in rank order")
    scores = [m["codingScore"] for m in ranked]
    if any(later > earlier for earlier, later in pairwise(scores)):
        problems.append("scores not descending by rank")
    resorted = sorted(ranked, key=lambda m: (-m["codingScore"], -(m["contextLength"] or 0)))  # a stable sort
    if [m["id"] for m in resorted] != ids:
        problems.append("sorting by codingScore, then context length, does not give the ranks")
    if sorted(mid for t in doc["tiers"] for mid in t["models"]) != sorted(ids):
        problems.append("tiers do not partition the ranked models")
    n = len(ids)
    large = math.ceil(n * 0.15)
    medium = math.ceil(n * 0.50) - large
    if n != 2:  # two ranked models: MEDIUM keeps the second (rules.ranking.tier_cut), the contract would leave it empty
        expected = [ids[:large], ids[large : large + medium], ids[large + medium :]]
        if [t["models"] for t in doc["tiers"]] != expected:
            problems.append(f"tier sizes {[len(t['models']) for t in doc['tiers']]} for {n} ranked")
    problems += [f"default {k}={v} is not ranked" for k, v in defaults.items() if v is not None and v not in ids]
    problems += [f"{mid} is not in the catalog" for mid in ids if mid not in catalog_ids]
    return problems


# ---------------------------------------------------------------- generated catalogs

_VENDORS = st.sampled_from(["acme", "zeta", "qwen", "openai"])
_SIZES = st.sampled_from(["", "-7b", "-32b", "-120b", "-235b-a22b", "-30b-a3b"])
_CONTEXT = st.sampled_from([0, 8192, 32768, 131072, 131072, 262144])
_INDEX = st.none() | st.floats(0, 80, allow_nan=False).map(lambda v: round(v, 1)) | st.sampled_from([20.0, 20.0])


@st.composite
def catalogs(draw: st.DrawFn) -> list[dict[str, Any]]:
    """Free catalog models, most with a catalog coding index (the 2026 listings' evidence): equal indices and equal
    context lengths come up often, so ties are exercised."""
    count = draw(st.integers(0, 24))
    models = []
    for i in range(count):
        index = draw(_INDEX)
        entry: dict[str, Any] = {
            "id": f"{draw(_VENDORS)}/model-{i}{draw(_SIZES)}:free",
            "name": f"Model {i}",
            "created": 1754414231,
            "context_length": draw(_CONTEXT),
            "architecture": {"modality": "text->text", "input_modalities": ["text"], "output_modalities": ["text"]},
            "pricing": {"prompt": "0", "completion": "0"},
            "supported_parameters": ["max_tokens", "temperature"],
        }
        if index is not None:
            entry["benchmarks"] = {"artificial_analysis": {"coding_index": index}}
        models.append(entry)
    return models


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(models=catalogs())
def test_generated_catalogs_keep_the_contract(models):
    doc = build_document(PoolsInputs(models, SAMPLE["provenance"], SAMPLE["inputs"]), RankingSettings())
    ids = {m["id"] for m in models}
    assert contract_problems(doc, ids) == []
    validate_pools(doc, schema=PoolsSchema.installed().check)
    for entry in doc["models"]:
        assert entry["codingScore"] == entry["rankScore"]
        assert entry["codingScore"] == pytest.approx(entry["estimate"] - entry["uncertainty"], abs=0.011)


def test_the_published_score_falls_with_rank_where_the_estimate_does_not():
    """2026-08-18 (the committed sample): gpt-oss-20b (estimate 20.5 ± 2.9) ranks above nemotron-nano-9b-v2 (24.9 ±
    7.8, one self-reported result). Up to schemaVersion 3 codingScore was the estimate and rose from rank 8 to 9;
    now it is the score the ranking sorts by."""
    doc = SAMPLE
    eighth, ninth = doc["models"][7:9]
    assert (eighth["id"], ninth["id"]) == ("openai/gpt-oss-20b:free", "nvidia/nemotron-nano-9b-v2:free")
    assert eighth["estimate"] < ninth["estimate"]  # the estimate alone would put them the other way round
    assert (eighth["codingScore"], ninth["codingScore"]) == (17.63, 17.14)  # 20.54 - 2.91, 24.95 - 7.81
    assert contract_problems(doc, {m["id"] for m in doc["models"]}) == []


# ---------------------------------------------------------------- every real listing


def test_every_real_listing_keeps_the_contract(shared_data):
    sys.path.insert(0, str(ROOT / "benchmarks"))
    import bench_trust

    dumps = sorted((shared_data / "openrouter").glob("models-*.json"))
    assert len(dumps) >= 8
    broken = {}
    for dump in dumps:
        doc = bench_trust.pools_document(
            dump, shared_data, inputs=SAMPLE["inputs"]
        )  # with the LLM-Stats snapshot of its time
        validate_pools(doc, schema=PoolsSchema.installed().check)
        listed = {m["id"] for m in json.loads(dump.read_text(encoding="utf-8"))["data"]}
        problems = contract_problems(doc, listed)
        assert len(doc["models"]) >= 5, dump.name
        if problems:
            broken[dump.name] = problems
    assert broken == {}
