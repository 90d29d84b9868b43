"""Which free models may enter the coding pools (not classifiers, guards, OCR, embeddings) and which may be defaults
(not deprecated), on real catalog entries."""

import datetime
import json

import pytest
from support import TEST_DATA

from modelpools.rules.eligibility import catalog_date, deprecation, not_for_code


def entry(dump, model_id):
    data = json.loads((TEST_DATA / "openrouter" / dump).read_text(encoding="utf-8"))["data"]
    return next(m for m in data if m["id"] == model_id)


@pytest.mark.parametrize(
    "model_id, word",
    [
        ("nvidia/nemotron-3.5-content-safety:free", "content-safety"),
        ("meta-llama/llama-guard-4-12b", "guard"),
        ("baidu/qianfan-ocr-fast:free", "ocr"),
        ("nvidia/llama-nemotron-rerank-vl-1b-v2:free", "rerank"),
        ("qwen/qwen3-reranker-8b", "reranker"),
    ],
)
def test_classifiers_guards_ocr_and_rerankers_are_not_for_code(model_id, word):
    assert not_for_code({"id": model_id, "name": ""}) == f"not a code-writing model ({word} model, by its id)"


def test_embedding_outputs_are_not_for_code():
    assert not_for_code({"id": "nvidia/nemotron-3-embed-1b:free", "output_modalities": ["embeddings"]}) == (
        "outputs embeddings, not text"
    )


@pytest.mark.parametrize(
    "model_id",
    [
        "qwen/qwen3-coder:free",
        "nvidia/nemotron-nano-12b-v2-vl:free",
        "google/gemma-3n-e4b-it:free",
        "mistralai/devstral-small:free",
    ],
)
def test_code_models_stay(model_id):
    assert not_for_code({"id": model_id, "name": model_id, "output_modalities": ["text"]}) is None


def test_deprecated_by_description():
    gemini = entry("models-2025-07-25.json", "google/gemini-2.5-pro-exp-03-25")
    assert deprecation(gemini, None, 7) == "description says 'has been deprecated'"
    coder = entry("models-2025-07-25.json", "qwen/qwen3-coder:free")
    assert deprecation(coder, None, 7) is None


def test_deprecated_by_expiration_date_relative_to_the_catalog_date():
    model = {"id": "a/b:free", "expiration_date": "2026-08-24"}
    assert deprecation(model, datetime.date(2026, 8, 14), 7) is None
    assert deprecation(model, datetime.date(2026, 8, 17), 7) == (
        "expires on 2026-08-24, within 7 days of the catalog date 2026-08-17"
    )
    assert deprecation(model, datetime.date(2026, 8, 25), 7) == "expired on 2026-08-24"
    assert deprecation({"expiration_date": "soon"}, datetime.date(2026, 8, 25), 7) is None


def test_catalog_date_is_content_not_the_clock():
    data = json.loads((TEST_DATA / "openrouter" / "models-2026-08-18.json").read_text(encoding="utf-8"))["data"]
    assert catalog_date(data) == datetime.date(2026, 8, 14)  # its newest `created`, per the data README
    assert catalog_date([]) is None
