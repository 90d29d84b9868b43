"""What a ``model`` field names in the pools file (tests/data/pools-sample.json), and which models are tried for it."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from modelpools.consumer.model_spec import resolve_model, role_chain, role_names
from modelpools.consumer.pools_view import load_pools, pools_from_document
from modelpools.errors import NoCapableModel, UnknownModel

SAMPLE = Path(__file__).resolve().parent / "data" / "pools-sample.json"
POOLS = load_pools(SAMPLE)


def test_a_model_id_with_or_without_free_is_that_model_only():
    assert resolve_model(POOLS, "openai/gpt-oss-20b:free").models == ("openai/gpt-oss-20b:free",)
    assert resolve_model(POOLS, "openai/gpt-oss-20b").models == ("openai/gpt-oss-20b:free",)
    assert resolve_model(POOLS, "openai/gpt-oss-20b").role == "model"


def test_a_role_by_any_name_is_its_fallback_chain_and_auto_is_the_bulk_role():
    for name in ("page", "pageModel"):
        choice = resolve_model(POOLS, name)
        assert (choice.kind, choice.role, choice.models) == ("role", "pageModel", POOLS.fallback_chain("page"))
    assert resolve_model(POOLS, "auto").models == POOLS.fallback_chain("bulk")
    assert resolve_model(POOLS, "auto").role == "bulkModel"


def test_a_tier_rotates_with_the_turn():
    tier = POOLS.tier("MEDIUM")
    assert resolve_model(POOLS, "medium", turn=0).models == tier
    assert resolve_model(POOLS, "MEDIUM", turn=1).models == tier[1:] + tier[:1]
    assert resolve_model(POOLS, "MEDIUM", turn=len(tier)).models == tier


def test_gated_parameters_leave_out_the_models_that_do_not_list_them():
    choice = resolve_model(POOLS, "pageModel", {"response_format": {"type": "json_object"}})
    assert choice.models[0] == "z-ai/glm-5.2:free"
    assert ("nvidia/nemotron-3-ultra-550b-a55b:free", "does not support response_format") in choice.left_out
    assert resolve_model(POOLS, "pageModel", {"response_format": None}).left_out == ()  # null sets nothing
    with pytest.raises(NoCapableModel, match="cohere/north-mini-code:free"):
        resolve_model(POOLS, "cohere/north-mini-code:free", {"response_format": {"type": "json_object"}})


def test_an_unknown_name_says_what_exists():
    with pytest.raises(UnknownModel, match=r"auto, bulkModel, pageModel, smallTasksModel, .*LARGE"):
        resolve_model(POOLS, "gpt-4o")


def test_a_sites_own_role_walks_the_models_that_meet_its_requirements():
    document = json.loads(SAMPLE.read_text())
    document["roles"]["summaryModel"] = {
        "model": "google/gemma-4-31b-it:free",
        "requires": ["response_format"],
        "minContext": 200000,
    }
    pools = pools_from_document(document, validate=False)
    assert role_names(pools)[-1] == "summaryModel"
    chain = role_chain(pools, "summaryModel")
    assert chain[0] == "google/gemma-4-31b-it:free"
    for model_id in chain:
        model = pools.model(model_id)
        assert model is not None and model.context_length >= 200000
    assert "nvidia/nemotron-3-ultra-550b-a55b:free" not in chain  # 1M context, but no response_format
    assert resolve_model(pools, "summaryModel").models == chain


def test_a_model_is_unfit_for_a_request_it_lacks_a_parameter_for_or_cannot_hold():
    from modelpools.consumer.model_spec import estimated_tokens, unfit_reason

    ultra, glm = "nvidia/nemotron-3-ultra-550b-a55b:free", "z-ai/glm-5.2:free"  # 1,000,000 and 256,000 tokens
    short = [{"role": "user", "content": "hi"}]
    assert unfit_reason(POOLS, glm, short, {"response_format": {"type": "json_object"}}) is None
    assert "does not support response_format" in unfit_reason(POOLS, ultra, short, {"response_format": {}})
    assert estimated_tokens(short, {}) == 11 and estimated_tokens(short, {"max_tokens": 100}) == 111
    assert unfit_reason(POOLS, glm, short, {"max_tokens": 255_000}) is None
    too_long = unfit_reason(POOLS, glm, short, {"max_tokens": 256_000})
    assert too_long == "the request needs about 256011 tokens, more than z-ai/glm-5.2:free's context of 256000; skipped"
    assert unfit_reason(POOLS, ultra, short, {"max_tokens": 256_000}) is None
