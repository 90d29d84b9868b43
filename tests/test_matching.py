"""Tests for modelpools.rules.matching: each matching stage, determinism and the labeled set (id guards: test_modelids)."""

from __future__ import annotations

import json
import random
import sys
from pathlib import Path

import pytest

from modelpools.errors import DataError
from modelpools.jsonbytes import dump_json
from modelpools.records import BENCHMARK_SCORES_VERSION, CATALOG_CACHE_VERSION, MATCH_REPORT_VERSION, MatchReport
from modelpools.rules.matching import BenchmarkModel, CatalogModel, match_models
from modelpools.settings import Settings
from modelpools.slices import MatchSettings
from modelpools.stages.match import build_matches, load_overrides

ROOT = Path(__file__).resolve().parents[1]
DATA = Path(__file__).resolve().parents[2] / "shared" / "data"
sys.path.insert(0, str(ROOT / "benchmarks"))
import bench_matching  # noqa: E402

needs_data = pytest.mark.full_data


@pytest.fixture(scope="module")
def old_bench():
    """LLM-Stats df1d14e (2025-05-22, old layout) as benchmark records."""
    return bench_matching.read_llm_stats(DATA / "llm-stats" / "JonathanChavezTamales-df1d14e")


@pytest.fixture(scope="module")
def new_bench():
    """LLM-Stats 24a9ccf (2025-10-16, new layout) as benchmark records."""
    return bench_matching.read_llm_stats(DATA / "llm-stats" / "JonathanChavezTamales-24a9ccf")


def match_one(catalog_model, bench, overrides=None, threshold=70):
    return match_models([catalog_model], bench, overrides or {}, threshold)[0]


# --- stage 1: overrides -------------------------------------------------------------------------------------------


def test_override_maps_id_with_or_without_free_suffix():
    bench = [BenchmarkModel("deepseek/deepseek-v3", "DeepSeek-V3")]
    got = match_one(
        CatalogModel("deepseek/deepseek-chat:free"), bench, {"deepseek/deepseek-chat": "deepseek/deepseek-v3"}
    )
    assert (got.benchmark_id, got.method, got.confidence) == ("deepseek/deepseek-v3", "override", 1.0)


def test_override_null_pins_no_match_even_when_exact_would_hit():
    bench = [BenchmarkModel("openai/gpt-3.5-turbo-0125")]
    assert match_one(CatalogModel("openai/gpt-3.5-turbo-instruct"), bench).benchmark_id == "openai/gpt-3.5-turbo-0125"
    pinned = match_one(CatalogModel("openai/gpt-3.5-turbo-instruct"), bench, {"openai/gpt-3.5-turbo-instruct": None})
    assert (pinned.benchmark_id, pinned.method) == (None, "override")


def test_override_to_unknown_benchmark_falls_back_to_rules():
    bench = [BenchmarkModel("qwen/qwen3-32b")]
    warnings: list[str] = []
    got = match_models([CatalogModel("qwen/qwen3-32b:free")], bench, {"qwen/qwen3-32b": "qwen/gone"}, 70, warnings)[0]
    assert (got.benchmark_id, got.method) == ("qwen/qwen3-32b", "exact")
    assert warnings == ["override qwen/qwen3-32b -> qwen/gone: no such benchmark model; matching by rules"]


def test_the_match_stage_prints_the_override_warnings(tmp_path, capsys):
    settings = write_inputs(tmp_path, {"schemaVersion": 1, "overrides": {"qwen/qwen3-32b": "qwen/gone"}})
    build_matches(MatchSettings.of(settings))
    assert (
        "modelpools: warning: override qwen/qwen3-32b -> qwen/gone: no such benchmark model; matching by rules"
        in capsys.readouterr().err
    )


# --- stage 2: exact on normalized ids -----------------------------------------------------------------------------


@needs_data
@pytest.mark.parametrize(
    "catalog_id, expected",
    [
        ("meta-llama/llama-3.3-70b-instruct:free", "meta/llama-3.3-70b-instruct"),  # vendor map, :free
        ("x-ai/grok-3-mini:beta", "xai/grok-3-mini"),  # x-ai -> xai, :beta
        (
            "anthropic/claude-3.7-sonnet:thinking",
            "anthropic/claude-3-7-sonnet-20250219",
        ),  # 3.7 = 3-7, only dated release
        ("anthropic/claude-3.5-haiku-20241022", "anthropic/claude-3-5-haiku-20241022"),  # YYYYMMDD
        ("openai/gpt-4o-2024-08-06", "openai/gpt-4o-2024-08-06"),  # YYYY-MM-DD, not the 05-13 release
        ("mistralai/mistral-nemo", "mistral/mistral-nemo-instruct-2407"),  # 'instruct' is neutral, YYMM date
        ("mistralai/pixtral-large-2411", "mistral/pixtral-large"),  # dated id vs undated entry released 2024-11
        ("qwen/qwen-2.5-vl-7b-instruct:free", "qwen/qwen2.5-vl-7b"),  # qwen-2.5 = qwen2.5
        ("google/gemini-2.5-flash:batch", "google/gemini-2.5-flash"),
    ],
)
def test_exact_normalizations_old_snapshot(old_bench, catalog_id, expected):
    got = match_one(CatalogModel(catalog_id), old_bench)
    assert (got.benchmark_id, got.method, got.confidence) == (expected, "exact", 1.0)


@needs_data
@pytest.mark.parametrize(
    "catalog_id, expected",
    [
        ("z-ai/glm-4.6:exacto", "zai-org/glm-4.6"),  # z-ai -> zai-org, :exacto
        ("qwen/qwen3-235b-a22b-07-25:free", "qwen/qwen3-235b-a22b-instruct-2507"),  # MM-YY tag vs YYMM tag
        ("deepseek/deepseek-r1-0528:free", "deepseek/deepseek-r1-0528"),  # MMDD
        ("deepseek/deepseek-r1:free", "deepseek/deepseek-r1"),  # undated id prefers the undated entry over r1-0528
        ("moonshotai/kimi-k2:free", "moonshotai/kimi-k2-instruct"),  # not kimi-k2-0905 nor kimi-k2-base
        ("deepseek/deepseek-chat-v3.1:free", "deepseek/deepseek-v3.1"),  # 'chat' neutral
        ("google/gemma-3n-e2b-it:free", "google/gemma-3n-e2b-it"),  # not the base gemma-3n-e2b
        ("anthropic/claude-opus-4.1", "anthropic/claude-opus-4-1-20250805"),
    ],
)
def test_exact_normalizations_new_snapshot(new_bench, catalog_id, expected):
    got = match_one(CatalogModel(catalog_id), new_bench)
    assert (got.benchmark_id, got.method) == (expected, "exact")


def test_canonical_slug_used_only_when_it_agrees_with_the_id():
    bench = [BenchmarkModel("qwen/qwen3-next-80b-a3b-instruct"), BenchmarkModel("qwen/qwen2-vl-7b")]
    via_slug = match_one(
        CatalogModel("qwen/qwen3-next-instruct", canonical_slug="qwen/qwen3-next-80b-a3b-instruct-2509"), bench
    )
    assert (via_slug.benchmark_id, via_slug.method) == ("qwen/qwen3-next-80b-a3b-instruct", "exact")
    # Real quirk: the 2026-01 dump gives qwen-2.5-vl-7b-instruct the slug qwen-2-vl-7b-instruct; 2 != 2.5, so ignored.
    misleading = match_one(
        CatalogModel("qwen/qwen-2.5-vl-7b-instruct:free", canonical_slug="qwen/qwen-2-vl-7b-instruct"), bench
    )
    assert misleading.benchmark_id is None


def test_undated_id_listed_long_before_the_only_dated_release_is_not_matched():
    bench = [BenchmarkModel("mistral/mistral-small-2409")]
    got = match_one(CatalogModel("mistralai/mistral-small", created=1704844800), bench)  # listed 2024-01-10
    assert got.benchmark_id is None and "after the id was listed" in got.note


# --- stage 3: Hugging Face id -------------------------------------------------------------------------------------


@needs_data
def test_huggingface_id_matches_case_insensitively(old_bench):
    got = match_one(
        CatalogModel(
            "meta-llama/llama-3.2-11b-vision-instruct:free", hugging_face_id="META-LLAMA/Llama-3.2-11B-Vision-Instruct"
        ),
        old_bench,
    )
    assert (got.benchmark_id, got.method, got.confidence) == ("meta/llama-3.2-11b-instruct", "huggingface", 0.95)


@needs_data
def test_huggingface_id_shared_by_several_benchmark_models_is_not_trusted(new_bench):
    # LLM-Stats links deepseek-r1, deepseek-r1-zero and deepseek-r1-0528 all to deepseek-ai/DeepSeek-R1.
    got = match_one(CatalogModel("deepseek/deepseek-reasoner", hugging_face_id="deepseek-ai/DeepSeek-R1"), new_bench)
    assert got.benchmark_id is None


# --- stage 4: fuzzy -------------------------------------------------------------------------------------------------


@needs_data
def test_fuzzy_matches_reordered_words_with_candidates(old_bench):
    got = match_one(CatalogModel("google/gemini-flash-1.5"), old_bench)  # a real OpenRouter id
    assert (got.benchmark_id, got.method) == ("google/gemini-1.5-flash", "fuzzy")
    assert 0 < got.confidence < 0.95
    assert got.candidates[0] == ("google/gemini-1.5-flash", 100) and len(got.candidates) == 3


@needs_data
def test_fuzzy_refuses_a_tie_between_dated_releases(old_bench):
    got = match_one(CatalogModel("openai/gpt-4o"), old_bench)  # 2024-05-13 and 2024-08-06 both exist
    assert got.benchmark_id is None and got.note.startswith("ambiguous")


@needs_data
def test_unmatched_records_candidates_and_reason(old_bench):
    got = match_one(CatalogModel("deepseek/deepseek-r1-0528:free"), old_bench)
    assert (got.benchmark_id, got.method) == (None, "none")
    assert got.candidates[0][0] == "deepseek/deepseek-r1" and "date" in got.note


def test_fuzzy_threshold_is_respected():
    bench = [BenchmarkModel("google/gemini-1.5-flash")]
    assert match_one(CatalogModel("google/gemini-flash-1.5"), bench, threshold=100).method == "fuzzy"
    bench = [BenchmarkModel("google/gemini-1.5-flash-extra-words-here")]
    assert match_one(CatalogModel("google/gemini-flash-1.5"), bench, threshold=100).benchmark_id is None


# --- determinism, output file, overrides file -----------------------------------------------------------------------


@needs_data
def test_shuffled_input_gives_identical_output(new_bench):
    catalog = bench_matching.read_catalog(DATA / "openrouter" / "models-2025-08-31.json")
    first = match_models(catalog, new_bench, {}, 70)
    rng = random.Random(7)
    shuffled_catalog, shuffled_bench = catalog[:], new_bench[:]
    rng.shuffle(shuffled_catalog)
    rng.shuffle(shuffled_bench)
    assert match_models(shuffled_catalog, shuffled_bench, {}, 70) == first
    assert [m.id for m in first] == sorted(m.id for m in first)


def write_inputs(tmp_path, overrides=None):
    settings = Settings(
        project_dir=tmp_path,
        cache_dir=Path("cache"),
        overrides_file="my-overrides.json" if overrides is not None else "",
    )
    catalog = {
        "schemaVersion": CATALOG_CACHE_VERSION,
        "origin": {"source": "live", "url": "https://openrouter.ai/api/v1/models"},
        "models": [
            {
                "id": "qwen/qwen3-32b:free",
                "name": "Qwen: Qwen3 32B (free)",
                "canonical_slug": "qwen/qwen3-32b-04-28",
                "hugging_face_id": "Qwen/Qwen3-32B",
                "created": 1745875945,
            },
            {
                "id": "deepseek/deepseek-chat:free",
                "name": "DeepSeek: DeepSeek V3 (free)",
                "canonical_slug": None,
                "hugging_face_id": "deepseek-ai/DeepSeek-V3",
                "created": 1740000000,
            },
            {
                "id": "openrouter/free",
                "name": "Free Models Router",
                "canonical_slug": "openrouter/free",
                "hugging_face_id": "",
                "created": 1760000000,
            },
        ],
        "referenceScores": [],
    }
    scores = {
        "schemaVersion": BENCHMARK_SCORES_VERSION,
        "source": {"repo": "x", "commit": None, "layout": "old"},
        "models": [
            {
                "id": "qwen/qwen3-32b",
                "name": "Qwen3 32B",
                "huggingFaceId": "Qwen/Qwen3-32B",
                "paramCount": 32800000000,
                "releaseDate": "2025-04-29",
            },
            {
                "id": "deepseek/deepseek-v3",
                "name": "DeepSeek-V3",
                "huggingFaceId": "deepseek-ai/DeepSeek-V3",
                "paramCount": 671000000000,
                "releaseDate": "2024-12-25",
            },
        ],
    }
    settings.cache_path.mkdir(parents=True)
    settings.files.catalog_file.write_bytes(dump_json(catalog))
    settings.files.benchmark_scores_file.write_bytes(dump_json(scores))
    if overrides is not None:
        (tmp_path / "my-overrides.json").write_text(overrides if isinstance(overrides, str) else json.dumps(overrides))
    return settings


def test_build_matches_writes_sorted_deterministic_file(tmp_path):
    settings = write_inputs(tmp_path)
    summary = build_matches(MatchSettings.of(settings))
    assert summary == "matched 2 of 3 catalog models (1 override, 1 exact, 0 huggingface, 0 fuzzy, 1 none)"
    doc = json.loads(settings.files.matches_file.read_text())
    assert doc["fuzzyThreshold"] == 70 and [m["id"] for m in doc["matches"]] == sorted(m["id"] for m in doc["matches"])
    assert doc["matches"][0] == {
        "id": "deepseek/deepseek-chat:free",
        "benchmarkId": "deepseek/deepseek-v3",
        "method": "override",
        "confidence": 1.0,
        "candidates": [],
        "note": None,
    }
    before = settings.files.matches_file.read_bytes()
    build_matches(MatchSettings.of(settings))
    assert settings.files.matches_file.read_bytes() == before


def test_the_match_report_loads_as_typed_matches_and_dumps_the_same_bytes(tmp_path):
    settings = write_inputs(tmp_path)
    build_matches(MatchSettings.of(settings))
    report = MatchReport.load(settings.files.matches_file)
    chat = next(m for m in report.matches if m.id == "deepseek/deepseek-chat:free")
    assert (chat.benchmark_id, chat.method, chat.confidence, chat.candidates) == (
        "deepseek/deepseek-v3",
        "override",
        1.0,
        (),
    )
    assert report.dump() == settings.files.matches_file.read_bytes()


@pytest.mark.parametrize(
    "entry, where",
    [
        ({"benchmarkId": 7, "method": "exact", "confidence": 1.0}, "$.matches[0].benchmarkId"),
        ({"benchmarkId": None, "confidence": 0.0}, "$.matches[0]"),
        ({"benchmarkId": None, "method": "none", "confidence": True}, "$.matches[0].confidence"),
        (
            {"benchmarkId": None, "method": "none", "confidence": 0, "candidates": [{"id": "a/b"}]},
            "$.matches[0].candidates[0]",
        ),
    ],
)
def test_a_malformed_match_entry_is_one_data_error_naming_its_json_path(tmp_path, entry, where):
    path = tmp_path / "model-matches.json"
    doc = {"schemaVersion": MATCH_REPORT_VERSION, "fuzzyThreshold": 70, "matches": [{"id": "a/b:free", **entry}]}
    path.write_bytes(dump_json(doc))
    with pytest.raises(DataError) as info:
        MatchReport.load(path)
    assert where in str(info.value) and str(path) in str(info.value) and "\n" not in str(info.value)


def test_reference_entries_are_matched_under_their_own_key(tmp_path):
    settings = write_inputs(tmp_path)
    catalog = json.loads(settings.files.catalog_file.read_text())
    catalog["referenceScores"] = [  # as the catalog task lists them: every model with a coding_index
        {
            "id": "deepseek/deepseek-chat",
            "name": "DeepSeek: DeepSeek V3",
            "canonical_slug": "deepseek/deepseek-chat-v3",
            "hugging_face_id": "deepseek-ai/DeepSeek-V3",
            "created": 1735241320,
            "coding_index": 21.2,
        },
        {
            "id": "poolside/laguna-m",
            "name": "Poolside: Laguna M",
            "canonical_slug": None,
            "hugging_face_id": None,
            "created": 1780000000,
            "coding_index": 30.0,
        },
        {
            "id": "qwen/qwen3-32b",
            "name": "Qwen: Qwen3 32B",
            "canonical_slug": "qwen/qwen3-32b-04-28",
            "hugging_face_id": "Qwen/Qwen3-32B",
            "created": 1745875945,
            "coding_index": 15.3,
        },
        {
            "id": "qwen/qwen3-32b:free",
            "name": "Qwen: Qwen3 32B (free)",
            "canonical_slug": "qwen/qwen3-32b-04-28",
            "hugging_face_id": "Qwen/Qwen3-32B",
            "created": 1745875945,
            "coding_index": 15.3,
        },
    ]
    settings.files.catalog_file.write_bytes(dump_json(catalog))
    summary = build_matches(MatchSettings.of(settings))
    doc = json.loads(settings.files.matches_file.read_text())
    assert summary == (
        "matched 2 of 3 catalog models (1 override, 1 exact, 0 huggingface, 0 fuzzy, 1 none); "
        "2 of 3 other models with a catalog coding_index matched (calibration)"
    )
    assert [m["id"] for m in doc["matches"]] == [
        "deepseek/deepseek-chat:free",
        "openrouter/free",
        "qwen/qwen3-32b:free",
    ]
    assert doc["reference"] == [  # matched ones only; free models stay in "matches"
        {
            "id": "deepseek/deepseek-chat",
            "benchmarkId": "deepseek/deepseek-v3",
            "method": "override",
            "confidence": 1.0,
        },
        {"id": "qwen/qwen3-32b", "benchmarkId": "qwen/qwen3-32b", "method": "exact", "confidence": 1.0},
    ]


def test_user_overrides_win_over_package_overrides(tmp_path):
    settings = write_inputs(
        tmp_path,
        {"schemaVersion": 1, "overrides": {"deepseek/deepseek-chat:free": {"benchmarkId": None, "why": "I disagree"}}},
    )
    build_matches(MatchSettings.of(settings))
    doc = json.loads(settings.files.matches_file.read_text())
    chat = next(m for m in doc["matches"] if m["id"] == "deepseek/deepseek-chat:free")
    assert (chat["benchmarkId"], chat["method"]) == (None, "override")


@pytest.mark.parametrize(
    "content, message",
    [
        ("{not json", "not valid JSON"),
        ('{"schemaVersion": 1, "overrides": []}', '"overrides" object'),
        ('{"schemaVersion": 2, "overrides": {}}', "schemaVersion"),
        ('{"overrides": {"qwen/qwen3-32b": {"why": "x"}}}', "'qwen/qwen3-32b' needs \"benchmarkId\""),
        ('{"overrides": {"qwen/qwen3-32b": {"benchmarkId": "no-slash"}}}', 'needs "benchmarkId"'),
        ('{"overrides": {"not an id": {"benchmarkId": null}}}', "not an OpenRouter id"),
    ],
)
def test_malformed_overrides_file_is_one_line_data_error(tmp_path, content, message):
    settings = write_inputs(tmp_path, content)
    with pytest.raises(DataError) as err:
        build_matches(MatchSettings.of(settings))
    text = str(err.value)
    assert message in text and "my-overrides.json" in text and "\n" not in text


def test_package_overrides_file_is_valid_and_explained():
    raw = json.loads((ROOT / "modelpools" / "data" / "model-id-overrides.json").read_text())
    assert load_overrides(ROOT / "modelpools" / "data" / "model-id-overrides.json")
    assert all(entry["why"] for entry in raw["overrides"].values())


# --- the hand-labeled set -------------------------------------------------------------------------------------------


@needs_data
def test_labeled_set_precision_and_recall():
    result = bench_matching.evaluate(DATA)
    assert result["labels"] >= 80
    assert result["precision"] >= 0.95, result["errors"]
    assert result["recall"] >= 0.90, result["errors"]


def test_an_override_from_a_dated_id_to_a_later_release_is_rejected():
    """gemini-2.5-pro-exp-03-25 -> LLM-Stats gemini-2.5-pro (released 2025-05-20) is a later checkpoint's numbers."""
    catalog = [CatalogModel("google/gemini-2.5-pro-exp-03-25", "Gemini 2.5 Pro Experimental", created=1742922000)]
    bench = [BenchmarkModel("google/gemini-2.5-pro", "Gemini 2.5 Pro", release_date="2025-05-20")]
    warnings: list[str] = []
    found = match_models(
        catalog, bench, {"google/gemini-2.5-pro-exp-03-25": "google/gemini-2.5-pro"}, warnings=warnings
    )[0]
    assert (found.benchmark_id, found.method) == (None, "none")
    assert found.note == (
        "override rejected: google/gemini-2.5-pro was released 2025-05-20, after the id's own date 2025-03-25"
    )
    assert "override google/gemini-2.5-pro-exp-03-25 -> google/gemini-2.5-pro ignored" in warnings[0]
    same_month = [BenchmarkModel("google/gemini-2.5-pro", "Gemini 2.5 Pro", release_date="2025-03-25")]
    kept = match_models(catalog, same_month, {"google/gemini-2.5-pro-exp-03-25": "google/gemini-2.5-pro"})[0]
    assert (kept.benchmark_id, kept.method) == ("google/gemini-2.5-pro", "override")
