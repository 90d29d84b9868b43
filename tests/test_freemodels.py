"""Free-model rules: prices, routers, modalities, malformed entries, selection order and reference scores."""

from __future__ import annotations

import json

import pytest
from hypothesis import given
from hypothesis import settings as hypothesis_settings
from hypothesis import strategies as st
from support import TEST_DATA, dump

from modelpools.errors import DataError
from modelpools.rules.freemodels import (
    coding_index,
    is_free_model,
    is_router,
    is_text_model,
    normalize_model,
    prices_are_zero,
    select_free_models,
    select_reference_scores,
)


def test_prices_are_zero_reads_missing_prices_as_zero():
    assert prices_are_zero({}) and prices_are_zero({"prompt": "0", "completion": "0.0", "image": "0.01"})
    assert not prices_are_zero({"prompt": "0", "completion": "0.000001"})
    assert not prices_are_zero({"prompt": "-1", "completion": "-1"}) and not prices_are_zero(None)


def test_missing_price_keys_count_as_zero():
    assert is_free_model({"id": "x/y", "pricing": {}})
    assert is_free_model({"id": "x/y", "pricing": {"prompt": "0"}})
    assert not is_free_model({"id": "x/y", "pricing": {"completion": "0.000001"}})
    assert not is_free_model({"id": "x/y"})  # no pricing object at all: malformed


def test_routers_are_never_free(test_data):
    data = json.loads(dump(test_data, "models-2026-08-18.json"))["data"]
    by_id = {e["id"]: e for e in data}
    assert by_id["openrouter/auto"]["pricing"]["prompt"] == "-1" and is_router(by_id["openrouter/auto"])
    assert by_id["openrouter/free"]["pricing"] == {"prompt": "0", "completion": "0"}
    assert not is_free_model(by_id["openrouter/free"]) and not is_free_model(by_id["openrouter/auto"])
    assert not is_free_model({"id": "someone/router:free", "pricing": {"prompt": "-1", "completion": "-1"}})


def test_non_text_models_are_left_out_unless_asked_for(test_data):
    body = json.loads(dump(test_data, "extra/models-2026-08-18-output_modalities-all.json"))
    default = {m["id"] for m in select_free_models(body)}
    everything = {m["id"] for m in select_free_models(body, include_non_text=True)}

    assert "qwen/qwen3-reranker-8b" not in default and "qwen/qwen3-reranker-8b" in everything
    assert "nvidia/nemotron-3-embed-1b:free" not in default and "nvidia/nemotron-3-embed-1b:free" in everything
    assert "google/lyria-3-pro-preview" not in default  # outputs text and audio
    assert default == {m["id"] for m in select_free_models(json.loads(dump(test_data, "models-2026-08-18.json")))}
    assert len(everything) - len(default) > 60


def test_modality_string_is_used_when_the_lists_are_missing():
    assert not is_text_model({"architecture": {"modality": "text->image"}})
    assert is_text_model({"architecture": {"modality": "text+image->text"}})
    record = normalize_model(
        {"id": "a/b:free", "pricing": {"prompt": 0}, "architecture": {"modality": "text+image->text"}}
    )
    assert record["input_modalities"] == ["image", "text"] and record["pricing"] == {"prompt": "0"}


def test_malformed_entries_are_skipped_not_fatal():
    good = {"id": "a/good:free", "name": "Good", "pricing": {"prompt": "0", "completion": "0"}}
    body = {
        "data": [
            None,
            "text",
            {"name": "no id"},
            {"id": 42, "pricing": {}},
            {"id": " a/pad ", "pricing": {}},
            {"id": "a/b", "pricing": "free"},
            {"id": "a/c", "pricing": {"prompt": "abc"}},
            good,
        ]
    }
    assert [m["id"] for m in select_free_models(body)] == ["a/good:free"]
    with pytest.raises(DataError, match="no 'data' list"):
        select_free_models({"models": []})


def test_duplicate_ids_resolve_the_same_way_in_any_order():
    one = {"id": "a/b:free", "name": "One", "pricing": {}}
    two = {"id": "a/b:free", "name": "Two", "pricing": {}}
    assert select_free_models({"data": [one, two]}) == select_free_models({"data": [two, one]})


@hypothesis_settings(max_examples=8, deadline=None)
@given(order=st.randoms(use_true_random=False))
def test_selection_ignores_upstream_order(order):
    raw = (TEST_DATA / "openrouter" / "models-2025-05-23.json").read_bytes()
    body = json.loads(raw)
    expected = select_free_models(body)
    order.shuffle(body["data"])
    assert select_free_models(body) == expected


def test_reference_scores_skip_routers_non_text_models_and_junk_values():
    def entry(model_id, value, modality="text->text", price="0.000001"):
        return {
            "id": model_id,
            "pricing": {"prompt": price, "completion": price},
            "architecture": {"modality": modality},
            "benchmarks": {"artificial_analysis": {"coding_index": value}},
        }

    body = {
        "data": [
            entry("a/ok", 41.5),
            entry("a/int", 12),
            entry("a/image", 30, "text->image"),
            entry("a/router", 30, price="-1"),
            entry("a/bool", True),
            entry("a/nan", float("nan")),
            entry("a/high", 140),
            entry("a/text", "41"),
            {"id": "a/none", "pricing": {}},
        ]
    }
    assert [(r["id"], r["coding_index"]) for r in select_reference_scores(body)] == [("a/int", 12), ("a/ok", 41.5)]
    # a free model's own index off the 0-100 scale is no score at all (a fuzzed catalog once ranked 1e308)
    assert [coding_index(entry(mid, v)) for mid, v in (("a/huge", 1e308), ("a/neg", -1), ("a/ok", 41.5))] == [
        None,
        None,
        41.5,
    ]


def test_the_selected_records_are_the_normalized_entries_value_for_value(test_data):
    body = json.loads(dump(test_data, "models-2026-08-18.json"))
    selected = select_free_models(body)
    alone = {r["id"]: r for r in (normalize_model(e) for e in body["data"]) if r is not None}
    assert len(selected) > 1 and selected == [alone[r["id"]] for r in selected]
