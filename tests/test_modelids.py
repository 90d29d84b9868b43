"""Tests for modelpools.rules.modelids: id normalisation, date tags and the guard that keeps different models apart."""

from __future__ import annotations

import pytest

from modelpools.rules.modelids import base_id, disagreement, is_model_id, normalize_id, signature, vendor_of


def test_normalize_id_handles_alias_and_suffixes():
    assert normalize_id("~anthropic/claude-sonnet-latest") == ("anthropic", "claude-sonnet")
    assert normalize_id("mistralai/devstral-small:free") == ("mistral", "devstral-small")
    assert normalize_id("qwen/qwen3-coder:exacto") == ("qwen", "qwen3-coder")
    assert signature("google/gemini-2.5-flash-lite-preview-09-2025").dates == ((2025, 9, None),)
    assert signature("openai/gpt-4o-2024-08-06").dates == ((2024, 8, 6),)
    assert signature("qwen/qwen3-235b-a22b-instruct-2507").dates == ((2025, 7, None),)


def test_ids_and_vendors():
    assert base_id("qwen/qwen3-coder:free") == "qwen/qwen3-coder"
    assert base_id("z-ai/glm-4.6:exacto") == "z-ai/glm-4.6"
    assert vendor_of("~anthropic/claude-sonnet-latest") == "anthropic"
    assert vendor_of("nvidia/nemotron-nano-9b-v2:free") == "nvidia"


@pytest.mark.parametrize(
    "value, ok",
    [
        ("qwen/qwen3-coder:free", True),
        ("~anthropic/claude-sonnet-latest", True),
        ("openai/gpt-4o:extended", True),
        ("not an id", False),
        ("qwen/", False),
        ("/qwen3", False),
        ("qwen/qwen3:free:free", False),
        ("a/" + "b" * 199, False),
        ("a/" + "b" * 198, True),
        (None, False),
        (42, False),
    ],
)
def test_one_id_shape_for_catalog_entries_and_override_keys(value, ok):
    assert is_model_id(value) is ok


# --- precision guards on real id pairs ------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "catalog_id, benchmark_id, reason",
    [
        ("deepseek/deepseek-r1-0528", "deepseek/deepseek-r1", "date"),
        ("deepseek/deepseek-r1-0528-qwen3-8b", "deepseek/deepseek-r1-0528", "version"),
        ("deepseek/deepseek-r1-distill-qwen-14b", "deepseek/deepseek-r1", "variant"),
        ("deepseek/deepseek-r1-distill-qwen-14b", "deepseek/deepseek-r1-distill-qwen-32b", "size"),
        ("meta-llama/llama-3.1-8b-instruct", "meta/llama-3.1-70b-instruct", "size"),
        ("meta-llama/llama-3.3-8b-instruct", "meta/llama-3.1-8b-instruct", "version"),
        ("qwen/qwen-2.5-coder-32b-instruct", "qwen/qwen-2.5-32b-instruct", "variant"),
        ("qwen/qwen2.5-vl-72b-instruct", "qwen/qwen-2.5-72b-instruct", "variant"),
        ("qwen/qwq-32b", "qwen/qwq-32b-preview", "variant"),
        ("mistralai/mistral-small-3.2-24b-instruct", "mistral/mistral-small-3.1-24b-instruct-2503", "version"),
        ("mistralai/devstral-small-2505", "mistral/devstral-small-2507", "date"),
        ("z-ai/glm-4.5-air", "zai-org/glm-4.5", "variant"),
        ("qwen/qwen3-235b-a22b", "qwen/qwen3-235b-a22b-thinking-2507", "variant"),
        ("google/gemma-4-31b-it", "google/gemma-3-27b-it", "version"),
        ("google/medgemma-4b-it", "google/gemma-3-4b-it", "version"),
        ("openai/gpt-4-32k", "openai/gpt-4-0613", "variant"),
        ("amazon/nova-2-lite-v1", "amazon/nova-lite", "version"),
    ],
)
def test_guard_rejects_different_models(catalog_id, benchmark_id, reason):
    why = disagreement(signature(catalog_id), signature(benchmark_id), "2025-01-20")
    assert why is not None and why.startswith(reason), why


@pytest.mark.parametrize(
    "catalog_id, benchmark_id",
    [
        ("qwen/qwen3-235b-a22b-07-25", "qwen/qwen3-235b-a22b-instruct-2507"),
        ("google/gemini-flash-1.5", "google/gemini-1.5-flash"),
        ("anthropic/claude-3.5-sonnet", "anthropic/claude-3-5-sonnet-20241022"),
        ("nvidia/llama-3.1-nemotron-ultra-253b-v1", "nvidia/llama-3.1-nemotron-ultra-253b-v1"),
    ],
)
def test_guard_accepts_same_model(catalog_id, benchmark_id):
    assert disagreement(signature(catalog_id), signature(benchmark_id)) is None
