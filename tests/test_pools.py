"""The pools stage end to end: golden ranking from the 2026-08-18 catalog, determinism, atomic replace, change report,
calibration on the catalog's reference scores, the zero-price evidence and the expiry warning."""

import hashlib
import json
import random
from dataclasses import replace
from pathlib import Path

import pytest
from support import TEST_DATA

from modelpools.io import files
from modelpools.settings import PoolsSettings
from modelpools.stages import pools
from modelpools.rules.freemodels import select_reference_scores
from modelpools.errors import DataError, PoolsInvalid
from modelpools.rules.scoring import CuratedScore, load_curated_scores
from modelpools.settings import RankingSettings, Settings
from modelpools.rules.validation import validate_pools

DATA = TEST_DATA
CATALOG_KEYS = ("id", "name", "canonical_slug", "hugging_face_id", "created", "context_length", "pricing",
                "expiration_date", "supported_parameters", "benchmarks")

BENCH = [
    # LLM-Stats-like scores: exactly 30 above the catalog's coding_index for three models.
    {"id": "openai/gpt-oss-20b", "codingScore": 50.7, "coverage": 1.0},
    {"id": "nvidia/nemotron-3-nano-30b-a3b", "codingScore": 44.4, "coverage": 1.0},
    {"id": "google/gemma-4-31b-it", "codingScore": 73.4, "coverage": 0.5},
    {"id": "liquid/lfm2-2.6b", "codingScore": 45.0, "coverage": 0.5},
]
MATCHES = [
    {"id": "openai/gpt-oss-20b:free", "benchmarkId": "openai/gpt-oss-20b", "method": "exact", "confidence": 1.0},
    {"id": "nvidia/nemotron-3-nano-30b-a3b:free", "benchmarkId": "nvidia/nemotron-3-nano-30b-a3b",
     "method": "huggingface", "confidence": 1.0},
    {"id": "google/gemma-4-31b-it:free", "benchmarkId": "google/gemma-4-31b-it", "method": "exact", "confidence": 1.0},
    {"id": "liquid/lfm-2.5-2.6b:free", "benchmarkId": "liquid/lfm2-2.6b", "method": "fuzzy", "confidence": 0.8},
    {"id": "dots-studio/dots-3-note-preview:free", "benchmarkId": None, "method": "none", "confidence": 0.0},
]
CURATED = [
    # 20 above the catalog index for three models, plus one model the catalog does not score.
    CuratedScore(("z-ai/glm-5.2",), "GLM 5.2", 88.8, "test fixture", "", "2026-08-01"),
    CuratedScore(("nvidia/nemotron-3-ultra-550b-a55b",), "Nemotron 3 Ultra", 69.3, "test fixture", "", "2026-08-01"),
    CuratedScore(("google/gemma-4-26b-a4b-it",), "Gemma 4 26B", 59.3, "test fixture", "", "2026-08-01"),
    CuratedScore(("poolside/laguna-s-2.1",), "Laguna S 2.1", 65.0, "test fixture", "", "2026-08-01"),
]
NOW = 1_786_752_000.0  # 2026-08-15 00:00 UTC: the clock only warns about expiry, it never changes the file
EXPECTED_RANKING = [  # worked out by hand from the fixture above
    ("z-ai/glm-5.2:free", 68.8, "LARGE"),
    ("nvidia/nemotron-3-ultra-550b-a55b:free", 49.3, "LARGE"),
    ("poolside/laguna-s-2.1:free", 45.0, "MEDIUM"),  # curated 65 - 20
    ("google/gemma-4-31b-it:free", 43.4, "MEDIUM"),
    ("google/gemma-4-26b-a4b-it:free", 39.3, "MEDIUM"),
    ("nvidia/nemotron-3-super-120b-a12b:free", 37.7, "MEDIUM"),
    ("cohere/north-mini-code:free", 36.5, "SMALL"),
    ("nvidia/nemotron-3.5-lightning:free", 26.8, "SMALL"),
    ("openai/gpt-oss-20b:free", 20.7, "SMALL"),
    ("liquid/lfm-2.5-2.6b:free", 15.0, "SMALL"),  # LLM-Stats 45 - 30
    ("nvidia/nemotron-3-nano-30b-a3b:free", 14.4, "SMALL"),
    ("nvidia/nemotron-3-nano-omni-30b-a3b-reasoning:free", 13.8, "SMALL"),
]


def catalog_models(name="models-2026-08-18.json"):
    """Free entries of a real dump in openrouter-models.json form, sorted by id."""
    raw = json.loads((DATA / "openrouter" / name).read_text())["data"]
    free = [{k: m[k] for k in CATALOG_KEYS if k in m and (k != "benchmarks" or m[k])}
            for m in raw if m["id"].endswith(":free")]
    return sorted(free, key=lambda m: m["id"])


COMMIT = "24a9ccf7402306f0c3e237213538e4537d64ecc2"


def write_inputs(settings, models=None, bench=BENCH, matches=MATCHES, commit=COMMIT, reference=(),
                 reference_matches=()):
    models = catalog_models() if models is None else models
    files.write_if_changed(settings.catalog_file, files.dump_json(
        {"schemaVersion": 1, "models": models, "referenceScores": list(reference)}))
    files.write_if_changed(settings.benchmark_scores_file, files.dump_json(
        {"schemaVersion": 1, "source": {"repo": "file:///llm-stats", "commit": commit, "layout": "new"},
         "models": sorted(bench, key=lambda m: m["id"])}))
    files.write_if_changed(settings.matches_file, files.dump_json(
        {"schemaVersion": 1, "fuzzyThreshold": 70, "matches": sorted(matches, key=lambda m: m["id"]),
         "reference": list(reference_matches)}))


def build(settings):
    return pools.build_pools(PoolsSettings.of(settings), clock=lambda: NOW)


@pytest.fixture
def settings(tmp_path, monkeypatch):
    monkeypatch.setattr(pools, "load_curated_scores", lambda path=None: list(CURATED))
    s = Settings(project_dir=tmp_path)
    write_inputs(s)
    return s


def test_golden_pools_from_the_2026_08_18_catalog(settings, capsys):
    summary = build(settings)
    doc = json.loads(settings.pools_file.read_text())
    assert [(m["id"], m["codingScore"], m["tier"]) for m in doc["models"]] == EXPECTED_RANKING
    assert [m["rank"] for m in doc["models"]] == list(range(1, 13))
    assert [len(t["models"]) for t in doc["tiers"]] == [2, 4, 6]
    assert doc["chosenDefaults"] == {
        "bulkModel": "z-ai/glm-5.2:free",
        "pageModel": "nvidia/nemotron-3-ultra-550b-a55b:free",  # another vendor than z-ai
        "smallTasksModel": "poolside/laguna-s-2.1:free",  # best MEDIUM not already used
    }
    assert doc["summary"] == {"freeModels": 17, "ranked": 12, "unranked": 5,
                              "tiers": {"LARGE": 2, "MEDIUM": 4, "SMALL": 6}}
    assert [u["id"] for u in doc["unranked"]] == [
        "dots-studio/dots-3-note-preview:free", "nvidia/nemotron-3.5-content-safety:free",
        "nvidia/nemotron-nano-12b-v2-vl:free", "nvidia/nemotron-nano-9b-v2:free", "poolside/laguna-xs-2.1:free"]
    assert doc["calibration"]["artificial_analysis"]["method"] == "reference"
    assert doc["calibration"]["llm-stats"]["method"] == "linear"
    assert doc["calibration"]["curated"]["intercept"] == pytest.approx(-20.0)
    inputs = doc["inputs"]
    assert inputs["catalogSha256"] == hashlib.sha256(settings.catalog_file.read_bytes()).hexdigest()
    assert inputs["benchmarkScoresSha256"] == hashlib.sha256(settings.benchmark_scores_file.read_bytes()).hexdigest()
    assert inputs["benchmarkCommit"] == "24a9ccf7402306f0c3e237213538e4537d64ecc2"
    assert inputs["settings"] == {"large_cutoff": 0.15, "medium_cutoff": 0.5, "page_model_other_vendor": True,
                                  "small_tasks_tier": "MEDIUM"}
    lfm = next(m for m in doc["models"] if m["id"] == "liquid/lfm-2.5-2.6b:free")
    assert lfm["expirationDate"] is None and lfm["contextLength"] == 128000
    assert lfm["match"] == {"benchmarkId": "liquid/lfm2-2.6b", "method": "fuzzy", "confidence": 0.8}
    assert all(m["pricing"] == {"prompt": "0", "completion": "0"} for m in doc["models"] + doc["unranked"])
    lines = summary.splitlines()
    assert lines[1] == "   1. z-ai/glm-5.2:free 68.8 (LARGE, 256k ctx)"
    assert "tiers: LARGE 2, MEDIUM 4, SMALL 6" in lines
    assert ("scale: artificial_analysis (reference, 10 models); curated linear on 3 common models; "
            "llm-stats linear on 3 common models") in lines
    assert lines[-2:] == ["defaults: bulk=z-ai/glm-5.2:free page=nvidia/nemotron-3-ultra-550b-a55b:free "
                          "smallTasks=poolside/laguna-s-2.1:free", "first build: 17 free models"]
    assert capsys.readouterr().err == ""  # nothing expires within 7 days of 2026-08-15 among the ranked


def test_two_runs_are_byte_identical_and_the_second_leaves_the_file_alone(settings):
    build(settings)
    first = settings.pools_file.read_bytes()
    mtime = settings.pools_file.stat().st_mtime_ns
    assert "unchanged" in build(settings).splitlines()[0]
    assert settings.pools_file.read_bytes() == first
    assert settings.pools_file.stat().st_mtime_ns == mtime
    assert b"refreshedAt" not in first and b"attemptedAt" not in first  # no wall-clock time


def test_shuffled_inputs_give_the_same_bytes():
    s = RankingSettings()
    inputs = {"catalogSha256": "0" * 64, "benchmarkScoresSha256": "1" * 64, "benchmarkCommit": None,
              "overridesSha256": "2" * 64, "curatedScoresSha256": "3" * 64,
              "settings": {"large_cutoff": 0.15, "medium_cutoff": 0.5, "page_model_other_vendor": True,
                           "small_tasks_tier": "MEDIUM"}}
    expected = files.dump_json(pools.build_document(catalog_models(), BENCH, MATCHES, CURATED, s, inputs))
    for seed in range(4):
        rng = random.Random(seed)
        shuffled = [rng.sample(x, len(x)) for x in (catalog_models(), BENCH, MATCHES, CURATED)]
        assert files.dump_json(pools.build_document(*shuffled, s, inputs)) == expected


def test_settings_change_tiers_and_defaults(settings):
    s = replace(settings, large_cutoff=0.25, medium_cutoff=0.75, page_model_other_vendor=False,
                small_tasks_tier="SMALL")
    build(s)
    doc = json.loads(s.pools_file.read_text())
    assert doc["summary"]["tiers"] == {"LARGE": 3, "MEDIUM": 6, "SMALL": 3}
    assert doc["chosenDefaults"]["pageModel"] == "nvidia/nemotron-3-ultra-550b-a55b:free"
    assert doc["chosenDefaults"]["smallTasksModel"] == "liquid/lfm-2.5-2.6b:free"  # best SMALL: ranks 10-12
    assert doc["inputs"]["settings"]["small_tasks_tier"] == "SMALL"


def test_invalid_document_leaves_the_previous_file_byte_for_byte(settings, monkeypatch):
    build(settings)
    before = settings.pools_file.read_bytes()
    write_inputs(settings, bench=BENCH[:1])  # inputs change, so a valid build would rewrite the file
    real = pools.build_document

    def broken(*args, **kwargs):
        doc = real(*args, **kwargs)
        doc["tiers"] = doc["tiers"][:2]  # schema violation: tiers must have exactly three items
        return doc

    monkeypatch.setattr(pools, "build_document", broken)
    with pytest.raises(PoolsInvalid) as info:
        build(settings)
    assert info.value.path == "$.tiers"
    assert "kept the previous" in str(info.value) and "\n" not in str(info.value)
    assert settings.pools_file.read_bytes() == before
    assert not list(settings.pools_file.parent.glob(".model-pools.json.*"))  # no temp file left behind


def test_change_report_compares_with_the_previous_file(settings):
    build(settings)
    assert json.loads(settings.changes_file.read_text())["firstBuild"] is True
    write_inputs(settings, matches=MATCHES[:3])  # lfm loses its only score source
    summary = build(settings)
    report = json.loads(settings.changes_file.read_text())
    assert report["firstBuild"] is False
    assert {"id": "liquid/lfm-2.5-2.6b:free", "from": "SMALL", "to": None} in report["tierMoves"]
    assert summary.splitlines()[-1] == "~ liquid/lfm-2.5-2.6b:free: SMALL -> unranked"


def test_paid_models_with_a_coding_index_calibrate_llm_stats(settings):
    """nemotron-nano-9b-v2:free has only an LLM-Stats score; no free model has both, the paid models do."""
    raw = json.loads((DATA / "openrouter" / "models-2026-08-18.json").read_text())
    bench = [{"id": "nvidia/nvidia-nemotron-nano-9b-v2", "codingScore": 47.88, "coverage": 0.3},
             {"id": "openai/gpt-5-2025-08-07", "codingScore": 67.04, "coverage": 0.4},
             {"id": "google/gemma-3-27b-it", "codingScore": 32.43, "coverage": 0.3},
             {"id": "zai-org/glm-4.6", "codingScore": 64.22, "coverage": 0.3}]
    matches = [{"id": "nvidia/nemotron-nano-9b-v2:free", "benchmarkId": "nvidia/nvidia-nemotron-nano-9b-v2",
                "method": "exact", "confidence": 1.0}]
    reference_matches = [{"id": i, "benchmarkId": b, "method": "exact", "confidence": 1.0} for i, b in (
        ("google/gemma-3-27b-it", "google/gemma-3-27b-it"), ("openai/gpt-5", "openai/gpt-5-2025-08-07"),
        ("z-ai/glm-4.6", "zai-org/glm-4.6"))]
    write_inputs(settings, bench=bench, matches=matches)
    build(settings)
    doc = json.loads(settings.pools_file.read_text())
    nano = next(u for u in doc["unranked"] if u["id"] == "nvidia/nemotron-nano-9b-v2:free")
    assert nano["reason"] == ("score only on an uncalibrated scale "
                              "(llm-stats: 0 common models with artificial_analysis, need 3)")
    assert doc["calibration"]["llm-stats"] == {"method": "uncalibrated", "points": 0, "slope": 1.0, "intercept": 0.0}

    write_inputs(settings, bench=bench, matches=matches, reference=select_reference_scores(raw),
                 reference_matches=reference_matches)
    build(settings)
    doc = json.loads(settings.pools_file.read_text())
    calibration = doc["calibration"]["llm-stats"]
    assert (calibration["method"], calibration["points"]) == ("linear", 3)
    nano = next(m for m in doc["models"] if m["id"] == "nvidia/nemotron-nano-9b-v2:free")
    assert nano["scoreSources"][0]["raw"] == 47.88
    assert nano["codingScore"] == 24.99
    assert nano["codingScore"] == pytest.approx(calibration["slope"] * 47.88 + calibration["intercept"], abs=0.01)
    assert nano["rank"] == 9  # below the index's 26.8 for nemotron-3.5-lightning, not #2 on a raw 47.88


def test_priced_models_are_left_out_and_every_entry_carries_zero_prices(settings, capsys):
    models = catalog_models()
    glm = next(m for m in models if m["id"] == "z-ai/glm-5.2:free")
    glm["pricing"] = {"prompt": "0.0000004", "completion": "0"}  # a ':free' id with a price: not evidence of free
    next(m for m in models if m["id"] == "openai/gpt-oss-20b:free")["pricing"] = {}  # missing prices count as zero
    write_inputs(settings, models=models)
    build(settings)
    doc = json.loads(settings.pools_file.read_text())
    ids = [m["id"] for m in doc["models"] + doc["unranked"]]
    assert "z-ai/glm-5.2:free" not in ids and "openai/gpt-oss-20b:free" in ids and len(ids) == 16
    assert {json.dumps(m["pricing"]) for m in doc["models"] + doc["unranked"]} == {
        '{"completion": "0", "prompt": "0"}'}
    assert ("left out 1 catalog model(s) listed as free but with a non-zero prompt or completion price: "
            "z-ai/glm-5.2:free") in capsys.readouterr().err


def test_expiring_ranked_models_are_one_warning_line_and_do_not_change_the_file(settings, capsys):
    models = catalog_models()
    next(m for m in models if m["id"] == "z-ai/glm-5.2:free")["expiration_date"] = "2026-08-20"
    next(m for m in models if m["id"] == "google/gemma-4-31b-it:free")["expiration_date"] = "2026-08-01"
    write_inputs(settings, models=models)
    build(settings)
    first = settings.pools_file.read_bytes()
    err = capsys.readouterr().err.splitlines()
    assert err == ["modelpools: warning: 2 ranked models expired or expiring within 7 days: "  # in rank order
                   "z-ai/glm-5.2:free expires 2026-08-20 (in 5 d), "
                   "google/gemma-4-31b-it:free expired 2026-08-01 (14 d ago); "
                   "they stay ranked while the catalog lists them"]
    pools.build_pools(PoolsSettings.of(settings), clock=lambda: NOW - 365 * 86400)  # another day: the same bytes, no warning
    assert settings.pools_file.read_bytes() == first
    assert capsys.readouterr().err == ""
    assert json.loads(first)["models"][0]["id"] == "z-ai/glm-5.2:free"  # still ranked by score alone


def test_catalog_cache_of_another_shape_is_a_one_line_error_naming_the_task(settings):
    doc = json.loads(settings.catalog_file.read_text())
    del doc["referenceScores"]  # no release wrote this form: no fallback for it, the catalog stage rebuilds it
    settings.catalog_file.write_text(json.dumps(doc))
    with pytest.raises(DataError, match=r"catalog cache at .*: \$ has no 'referenceScores' list; run `doit catalog`$"):
        build(settings)


def test_missing_catalog_is_a_one_line_error_naming_the_prefixed_task(tmp_path):
    s = Settings(project_dir=tmp_path)
    with pytest.raises(DataError, match=r"catalog cache not found at .*; run `doit catalog` first"):
        build(s)
    with pytest.raises(DataError, match=r"run `doit models-catalog` first"):
        build(replace(s, task_prefix="models-"))


def test_missing_benchmark_files_warn_and_rank_from_the_catalog(settings, capsys):
    settings.benchmark_scores_file.unlink()
    settings.matches_file.unlink()
    build(settings)
    doc = json.loads(settings.pools_file.read_text())
    assert doc["summary"]["ranked"] == 11  # lfm loses its only source
    assert doc["inputs"]["benchmarkCommit"] is None
    assert doc["inputs"]["benchmarkScoresSha256"] == hashlib.sha256(b"").hexdigest()
    assert "benchmark scores not found" in capsys.readouterr().err
    with pytest.raises(DataError, match="benchmark scores not found at .*; run `doit models-benchmarks`"):
        build(replace(settings, strict=True, task_prefix="models-"))


def test_empty_catalog_gives_empty_tiers_and_null_defaults(settings):
    write_inputs(settings, models=[])
    build(settings)
    doc = json.loads(settings.pools_file.read_text())
    validate_pools(doc)
    assert doc["chosenDefaults"] == {"bulkModel": None, "pageModel": None, "smallTasksModel": None}
    assert [t["models"] for t in doc["tiers"]] == [[], [], []]


def test_unranked_models_keep_their_expiration_date(settings):
    build(settings)
    doc = json.loads(settings.pools_file.read_text())
    vl = next(u for u in doc["unranked"] if u["id"] == "nvidia/nemotron-nano-12b-v2-vl:free")
    assert vl["expirationDate"] == "2026-08-24"
    assert vl["reason"] == "no coding score: no catalog coding_index, no benchmark match, no curated score"


def test_curated_scores_have_one_reader():
    entries = load_curated_scores()
    assert entries == load_curated_scores()  # the schema-checked reader of modelpools.rules.scoring, nothing else
    assert all(isinstance(e, CuratedScore) and 0 <= e.coding_score <= 100 for e in entries)
