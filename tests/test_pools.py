"""The pools stage end to end: golden ranking from the 2026-08-18 catalog, determinism, atomic replace, change hook."""

import hashlib
import json
import random
import sys
import types
from pathlib import Path

import pytest

from modelpools import fileio, pools
from modelpools.errors import DataError, PoolsInvalid
from modelpools.fusion import CuratedEntry
from modelpools.settings import Settings
from modelpools.validation import validate_pools

DATA = Path(__file__).resolve().parents[2] / "shared" / "data"
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
    CuratedEntry(("z-ai/glm-5.2",), "GLM 5.2", 88.8, "test fixture"),
    CuratedEntry(("nvidia/nemotron-3-ultra-550b-a55b",), "Nemotron 3 Ultra", 69.3, "test fixture"),
    CuratedEntry(("google/gemma-4-26b-a4b-it",), "Gemma 4 26B", 59.3, "test fixture"),
    CuratedEntry(("poolside/laguna-s-2.1",), "Laguna S 2.1", 65.0, "test fixture"),
]
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


def write_inputs(settings, models=None, bench=BENCH, matches=MATCHES, commit=COMMIT):
    models = catalog_models() if models is None else models
    fileio.write_if_changed(settings.catalog_file, fileio.dump_json({"schemaVersion": 1, "models": models}))
    fileio.write_if_changed(settings.benchmark_scores_file, fileio.dump_json(
        {"schemaVersion": 1, "source": {"repo": "file:///llm-stats", "commit": commit, "layout": "new"},
         "models": sorted(bench, key=lambda m: m["id"])}))
    fileio.write_if_changed(settings.matches_file, fileio.dump_json(
        {"schemaVersion": 1, "fuzzyThreshold": 70, "matches": sorted(matches, key=lambda m: m["id"])}))


@pytest.fixture
def settings(tmp_path, monkeypatch):
    monkeypatch.setattr(pools, "load_curated", lambda path=pools.PACKAGE_CURATED: list(CURATED))
    monkeypatch.setitem(sys.modules, "modelpools.changes", None)  # no change report unless a test adds one
    s = Settings(project_dir=tmp_path)
    write_inputs(s)
    return s


def test_golden_pools_from_the_2026_08_18_catalog(settings):
    summary = pools.build_pools(settings)
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
    lines = summary.splitlines()
    assert lines[1] == "   1. z-ai/glm-5.2:free 68.8 (LARGE, 256k ctx)"
    assert "tiers: LARGE 2, MEDIUM 4, SMALL 6" in lines
    assert lines[-1] == ("defaults: bulk=z-ai/glm-5.2:free page=nvidia/nemotron-3-ultra-550b-a55b:free "
                         "smallTasks=poolside/laguna-s-2.1:free")


def test_two_runs_are_byte_identical_and_the_second_leaves_the_file_alone(settings):
    pools.build_pools(settings)
    first = settings.pools_file.read_bytes()
    mtime = settings.pools_file.stat().st_mtime_ns
    assert "unchanged" in pools.build_pools(settings).splitlines()[0]
    assert settings.pools_file.read_bytes() == first
    assert settings.pools_file.stat().st_mtime_ns == mtime
    assert b"refreshedAt" not in first and b"attemptedAt" not in first  # no wall-clock time


def test_shuffled_inputs_give_the_same_bytes():
    s = Settings()
    inputs = {"catalogSha256": "0" * 64, "benchmarkScoresSha256": "1" * 64, "benchmarkCommit": None,
              "overridesSha256": "2" * 64, "curatedScoresSha256": "3" * 64,
              "settings": {"large_cutoff": 0.15, "medium_cutoff": 0.5, "page_model_other_vendor": True,
                           "small_tasks_tier": "MEDIUM"}}
    expected = fileio.dump_json(pools.build_document(catalog_models(), BENCH, MATCHES, CURATED, s, inputs))
    for seed in range(4):
        rng = random.Random(seed)
        shuffled = [rng.sample(x, len(x)) for x in (catalog_models(), BENCH, MATCHES, CURATED)]
        assert fileio.dump_json(pools.build_document(*shuffled, s, inputs)) == expected


def test_settings_change_tiers_and_defaults(settings):
    from modelpools.settings import replace

    s = replace(settings, large_cutoff=0.25, medium_cutoff=0.75, page_model_other_vendor=False,
                small_tasks_tier="SMALL")
    pools.build_pools(s)
    doc = json.loads(s.pools_file.read_text())
    assert doc["summary"]["tiers"] == {"LARGE": 3, "MEDIUM": 6, "SMALL": 3}
    assert doc["chosenDefaults"]["pageModel"] == "nvidia/nemotron-3-ultra-550b-a55b:free"
    assert doc["chosenDefaults"]["smallTasksModel"] == "liquid/lfm-2.5-2.6b:free"  # best SMALL: ranks 10-12
    assert doc["inputs"]["settings"]["small_tasks_tier"] == "SMALL"


def test_invalid_document_leaves_the_previous_file_byte_for_byte(settings, monkeypatch):
    pools.build_pools(settings)
    before = settings.pools_file.read_bytes()
    write_inputs(settings, bench=BENCH[:1])  # inputs change, so a valid build would rewrite the file
    real = pools.build_document

    def broken(*args, **kwargs):
        doc = real(*args, **kwargs)
        doc["tiers"] = doc["tiers"][:2]  # schema violation: tiers must have exactly three items
        return doc

    monkeypatch.setattr(pools, "build_document", broken)
    with pytest.raises(PoolsInvalid) as info:
        pools.build_pools(settings)
    assert info.value.path == "$.tiers"
    assert "kept the previous" in str(info.value) and "\n" not in str(info.value)
    assert settings.pools_file.read_bytes() == before
    assert not list(settings.pools_file.parent.glob(".model-pools.json.*"))  # no temp file left behind


def test_change_report_hook_runs_before_replacing(settings, monkeypatch):
    pools.build_pools(settings)
    old_first = json.loads(settings.pools_file.read_text())["models"][0]["id"]
    seen = {}

    def compare_pools(old_doc, new_doc, s):
        seen["old"] = old_doc
        return {"added": sorted({m["id"] for m in new_doc["models"]} - {m["id"] for m in old_doc["models"]})}

    fake = types.SimpleNamespace(compare_pools=compare_pools,
                                 format_changes=lambda report: [f"changes: {len(report['added'])} added"])
    monkeypatch.setitem(sys.modules, "modelpools.changes", fake)
    write_inputs(settings, matches=MATCHES[:3])  # drops the lfm match: lfm goes unranked
    summary = pools.build_pools(settings)
    assert seen["old"]["models"][0]["id"] == old_first
    assert len(seen["old"]["models"]) == 12  # the previous file, read before it was replaced
    assert json.loads(settings.changes_file.read_text()) == {"added": []}
    assert summary.splitlines()[-1] == "changes: 0 added"


def test_without_the_changes_module_no_change_file_is_written(settings):
    pools.build_pools(settings)
    assert not settings.changes_file.exists()


def test_missing_catalog_is_a_one_line_error(tmp_path):
    s = Settings(project_dir=tmp_path)
    with pytest.raises(DataError, match=r"catalog cache not found at .*; run `doit catalog` first"):
        pools.build_pools(s)


def test_missing_benchmark_files_warn_and_rank_from_the_catalog(settings, capsys):
    settings.benchmark_scores_file.unlink()
    settings.matches_file.unlink()
    pools.build_pools(settings)
    doc = json.loads(settings.pools_file.read_text())
    assert doc["summary"]["ranked"] == 11  # lfm loses its only source
    assert doc["inputs"]["benchmarkCommit"] is None
    assert doc["inputs"]["benchmarkScoresSha256"] == hashlib.sha256(b"").hexdigest()
    assert "benchmark scores not found" in capsys.readouterr().err
    from modelpools.settings import replace

    with pytest.raises(DataError, match="benchmark scores not found"):
        pools.build_pools(replace(settings, strict=True))


def test_empty_catalog_gives_empty_tiers_and_null_defaults(settings):
    write_inputs(settings, models=[])
    pools.build_pools(settings)
    doc = json.loads(settings.pools_file.read_text())
    validate_pools(doc)
    assert doc["chosenDefaults"] == {"bulkModel": None, "pageModel": None, "smallTasksModel": None}
    assert [t["models"] for t in doc["tiers"]] == [[], [], []]


def test_curated_reader_reads_the_contract_format(tmp_path, monkeypatch):
    monkeypatch.setitem(sys.modules, "modelpools.scoring", None)  # force the built-in reader
    path = tmp_path / "curated-scores.json"
    path.write_text(json.dumps({"schemaVersion": 1, "models": [
        {"openrouterIds": ["qwen/qwen3-coder"], "name": "Qwen3 Coder", "codingScore": 89, "source": "x",
         "sourceUrl": "https://example.org", "date": "2025-12-01"}]}))
    assert pools.load_curated(path) == [CuratedEntry(("qwen/qwen3-coder",), "Qwen3 Coder", 89.0, "x",
                                                     "https://example.org")]
    assert pools.load_curated(tmp_path / "absent.json") == []


def test_unranked_models_keep_their_expiration_date(settings):
    pools.build_pools(settings)
    doc = json.loads(settings.pools_file.read_text())
    vl = next(u for u in doc["unranked"] if u["id"] == "nvidia/nemotron-nano-12b-v2-vl:free")
    assert vl["expirationDate"] == "2026-08-24"
    assert vl["reason"] == "no coding score: no catalog coding_index, no benchmark match, no curated score"


def test_bundled_curated_scores_load_through_the_scoring_module():
    entries = pools.load_curated()
    assert entries and all(isinstance(e, CuratedEntry) and 0 <= e.coding_score <= 100 for e in entries)
    assert all("/" in oid for e in entries for oid in e.openrouter_ids)


def test_real_change_report_is_written_beside_the_pools_file(settings, monkeypatch):
    monkeypatch.delitem(sys.modules, "modelpools.changes")
    pytest.importorskip("modelpools.changes")
    pools.build_pools(settings)
    assert json.loads(settings.changes_file.read_text())["firstBuild"] is True
    write_inputs(settings, matches=MATCHES[:3])  # lfm loses its only score source
    summary = pools.build_pools(settings)
    report = json.loads(settings.changes_file.read_text())
    assert report["firstBuild"] is False
    assert {"id": "liquid/lfm-2.5-2.6b:free", "from": "SMALL", "to": None} in report["tierMoves"]
    assert "liquid/lfm-2.5-2.6b:free" in summary
