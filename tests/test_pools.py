"""The pools stage end to end: golden ranking from the 2026-08-18 catalog, determinism, atomic replace, change report,
calibration on the catalog's reference scores, the zero-price evidence and the expiry warning."""

import hashlib
import json
import random
from dataclasses import replace

import pytest
from support import TEST_DATA

from modelpools.consumer.explanation import explain_model, explain_role
from modelpools.consumer.overview import pools_overview
from modelpools.consumer.pools_view import load_pools
from modelpools.consumer.report_pools import roles_section
from modelpools.errors import DataError, PoolsInvalid
from modelpools.io import files
from modelpools.jsonbytes import dump_json
from modelpools.records import BenchmarkScores, CatalogCache, CatalogSnapshot, CuratedScores, PoolsSchema
from modelpools.resources import CATALOG_SNAPSHOT
from modelpools.rules.calibration import FIXED_LINES
from modelpools.rules.freemodels import select_reference_scores
from modelpools.rules.matching import Match
from modelpools.rules.roles import CODING, PAGE, SMALL, RoleRule
from modelpools.rules.scoring import Component, CuratedScore
from modelpools.rules.validation import validate_pools
from modelpools.settings import Settings
from modelpools.slices import PoolsSettings, RankingSettings
from modelpools.stages import pools, pools_document
from modelpools.stages.pools_document import PoolsInputs

DATA = TEST_DATA
CATALOG_KEYS = (
    "id",
    "name",
    "canonical_slug",
    "hugging_face_id",
    "created",
    "context_length",
    "pricing",
    "expiration_date",
    "supported_parameters",
    "benchmarks",
)


def lcb(score, self_reported=False):
    return {
        "benchmark": "livecodebench",
        "dataset": "LiveCodeBench",
        "score": score,
        "weight": 1.5 if self_reported else 2.0,
        "selfReported": self_reported,
    }


BENCH = [  # benchmark-scores.json entries: the components are what the pools stage weighs
    {
        "id": "openai/gpt-oss-20b",
        "codingScore": 50.7,
        "coverage": 1.0,
        "components": [
            lcb(0.70),
            {
                "benchmark": "swe-bench-verified",
                "dataset": "SWE-bench Verified",
                "score": 0.40,
                "weight": 3.0,
                "selfReported": False,
            },
        ],
    },
    {"id": "nvidia/nemotron-3-nano-30b-a3b", "codingScore": 44.4, "coverage": 0.1, "components": [lcb(0.60, True)]},
    {
        "id": "google/gemma-4-31b-it",
        "codingScore": 73.4,
        "coverage": 0.1,
        "components": [
            {
                "benchmark": "aider-polyglot",
                "dataset": "Aider-Polyglot",
                "score": 0.45,
                "weight": 2.5,
                "selfReported": False,
            }
        ],
    },
    {"id": "liquid/lfm2-2.6b", "codingScore": 45.0, "coverage": 0.1, "components": [lcb(0.30)]},
]
MATCHES = [
    {"id": "openai/gpt-oss-20b:free", "benchmarkId": "openai/gpt-oss-20b", "method": "exact", "confidence": 1.0},
    {
        "id": "nvidia/nemotron-3-nano-30b-a3b:free",
        "benchmarkId": "nvidia/nemotron-3-nano-30b-a3b",
        "method": "huggingface",
        "confidence": 1.0,
    },
    {"id": "google/gemma-4-31b-it:free", "benchmarkId": "google/gemma-4-31b-it", "method": "exact", "confidence": 1.0},
    {"id": "liquid/lfm-2.5-2.6b:free", "benchmarkId": "liquid/lfm2-2.6b", "method": "fuzzy", "confidence": 0.8},
    {"id": "dots-studio/dots-3-note-preview:free", "benchmarkId": None, "method": "none", "confidence": 0.0},
]
MATCH_RECORDS = [Match.from_dict(m) for m in MATCHES]  # as build_document gets them from records.MatchReport


def aider(openrouter_id, name, rate):
    return CuratedScore(
        (openrouter_id,),
        name,
        50.0,
        "test fixture",
        "",
        "2026-08-01",
        (Component("aider-polyglot", "aider-polyglot", rate, 2.5, False),),
    )


CURATED = [  # one Aider Polyglot result each; the last model has no catalog index
    aider("z-ai/glm-5.2", "GLM 5.2", 0.80),
    aider("nvidia/nemotron-3-ultra-550b-a55b", "Nemotron 3 Ultra", 0.55),
    aider("google/gemma-4-26b-a4b-it", "Gemma 4 26B", 0.40),
    aider("poolside/laguna-s-2.1", "Laguna S 2.1", 0.60),
]
NOW = 1_786_752_000.0  # 2026-08-15 00:00 UTC: the clock only warns about expiry, it never changes the file
# (id, estimate, uncertainty, tier) in rank order (by estimate - uncertainty); laguna-s-2.1 is worked out by hand in
# test_an_estimate_is_the_precision_weighted_mean_of_prior_and_sources.
EXPECTED_RANKING = [
    ("z-ai/glm-5.2:free", 62.56, 2.76, "LARGE"),  # catalog 68.8 + curated, unknown size
    ("nvidia/nemotron-3-ultra-550b-a55b:free", 46.03, 2.76, "LARGE"),
    ("google/gemma-4-31b-it:free", 39.84, 2.76, "LARGE"),
    ("nvidia/nemotron-3-super-120b-a12b:free", 36.95, 2.91, "MEDIUM"),
    ("google/gemma-4-26b-a4b-it:free", 36.54, 2.76, "MEDIUM"),
    ("cohere/north-mini-code:free", 35.41, 2.91, "MEDIUM"),
    ("nvidia/nemotron-3.5-lightning:free", 26.28, 2.91, "MEDIUM"),
    ("openai/gpt-oss-20b:free", 21.62, 2.69, "MEDIUM"),
    ("poolside/laguna-s-2.1:free", 25.22, 6.97, "SMALL"),  # a higher estimate, ranked lower: one result only
    ("nvidia/nemotron-3-nano-30b-a3b:free", 15.86, 2.8, "SMALL"),
    ("nvidia/nemotron-3-nano-omni-30b-a3b-reasoning:free", 14.05, 2.91, "SMALL"),
    # provisional (nothing measures them; no paid index values in this test's catalog, so the fixed size-class
    # prior), ranked and tiered like the others by estimate - uncertainty; ties on rank score go to the longer context
    ("dots-studio/dots-3-note-preview:free", 18.0, 12.0, "SMALL"),
    ("poolside/laguna-xs-2.1:free", 18.0, 12.0, "SMALL"),
    ("nvidia/nemotron-nano-12b-v2-vl:free", 18.0, 12.0, "SMALL"),
    ("liquid/lfm-2.5-2.6b:free", 12.26, 7.7, "SMALL"),  # one LiveCodeBench through a fuzzy match: thin evidence
    ("nvidia/nemotron-nano-9b-v2:free", 8.0, 12.0, "SMALL"),  # provisional, under 10B
]
PROVISIONAL = {
    "dots-studio/dots-3-note-preview:free",
    "poolside/laguna-xs-2.1:free",
    "nvidia/nemotron-nano-12b-v2-vl:free",
    "nvidia/nemotron-nano-9b-v2:free",
}


def catalog_models(name="models-2026-08-18.json"):
    """Free entries of a real dump in openrouter-models.json form, sorted by id."""
    raw = json.loads((DATA / "openrouter" / name).read_text())["data"]
    free = [
        {k: m[k] for k in CATALOG_KEYS if k in m and (k != "benchmarks" or m[k])}
        for m in raw
        if m["id"].endswith(":free")
    ]
    return sorted(free, key=lambda m: m["id"])


COMMIT = "24a9ccf7402306f0c3e237213538e4537d64ecc2"
COMMIT_DATE = "2025-10-16"  # its committer day (tests/data/README.md)
CATALOG_URL = "https://openrouter.ai/api/v1/models"
PROVENANCE = {
    "catalog": {"source": "live", "url": CATALOG_URL, "capturedAt": None},
    "benchmarks": {"source": "curated-only", "repo": None, "commit": None, "commitDate": None},
}


def write_inputs(
    settings, models=None, bench=BENCH, matches=MATCHES, commit=COMMIT, reference=(), reference_matches=()
):
    models = catalog_models() if models is None else models
    files.write_if_changed(settings.files.catalog_file, CatalogCache.live(models, reference, CATALOG_URL).dump())
    files.write_if_changed(
        settings.files.benchmark_scores_file,
        BenchmarkScores(
            "file:///llm-stats", commit, "new", tuple(sorted(bench, key=lambda m: m["id"])), COMMIT_DATE
        ).dump(),
    )
    files.write_if_changed(
        settings.files.matches_file,
        dump_json(
            {
                "schemaVersion": 1,
                "fuzzyThreshold": 70,
                "matches": sorted(matches, key=lambda m: m["id"]),
                "reference": list(reference_matches),
            }
        ),
    )


def build(settings):
    return pools.build_pools(PoolsSettings.of(settings), clock=lambda: NOW)


@pytest.fixture
def settings(tmp_path, monkeypatch):
    monkeypatch.setattr(pools.CuratedScores, "load", lambda path=None: pools.CuratedScores(tuple(CURATED)))
    s = Settings(project_dir=tmp_path)
    write_inputs(s)
    return s


def test_golden_pools_from_the_2026_08_18_catalog(settings, capsys):
    summary = build(settings)
    doc = json.loads(settings.files.pools_file.read_text())
    assert [(m["id"], m["estimate"], m["uncertainty"], m["tier"]) for m in doc["models"]] == EXPECTED_RANKING
    assert all(m["codingScore"] == pytest.approx(m["estimate"] - m["uncertainty"], abs=0.011) for m in doc["models"])
    assert all(m["rankScore"] == m["codingScore"] for m in doc["models"])
    assert [m["rank"] for m in doc["models"]] == list(range(1, 17))
    assert {m["id"] for m in doc["models"] if m.get("provisional")} == PROVISIONAL
    assert doc["chosenDefaults"] == {
        "bulkModel": "z-ai/glm-5.2:free",
        "pageModel": "nvidia/nemotron-3-ultra-550b-a55b:free",  # another vendor than z-ai
        "smallTasksModel": "nvidia/nemotron-3.5-lightning:free",  # fewest active parameters (3B) in MEDIUM
    }
    assert doc["roles"]["smallTasksModel"]["runnersUp"][0]["id"] == "openai/gpt-oss-20b:free"  # 3.6B of 21B
    assert doc["summary"] == {
        "freeModels": 16,
        "ranked": 16,
        "unranked": 0,
        "provisional": 4,
        "excluded": 1,
        "tiers": {"LARGE": 3, "MEDIUM": 5, "SMALL": 8},  # the cut-offs count all 16 ranked models
    }
    assert doc["excluded"] == [
        {
            "id": "nvidia/nemotron-3.5-content-safety:free",
            "name": "NVIDIA: Nemotron 3.5 Content Safety (free)",
            "reason": "not a code-writing model (content-safety model, by its id)",
        }
    ]
    assert doc["unranked"] == []
    dots = next(m for m in doc["models"] if m["id"] == "dots-studio/dots-3-note-preview:free")
    assert dots["provisional"] == {
        "method": "fixed",
        "points": 0,
        "inputs": {"totalParameters": None, "activeParameters": None, "created": "2026-08-14", "vendor": "dots-studio"},
        "reason": "no coding score: no catalog coding_index, no benchmark match, no curated score",
    }
    assert dots["scoreSources"] == [] and dots["evidence"] == 0.0 and dots["thinEvidence"]
    pools_file = load_pools(settings.files.pools_file)  # show and explain mark it and say what the prior read
    assert "dots-studio/dots-3-note-preview:free  [provisional]" in "\n".join(pools_overview(pools_file).lines)
    explained = explain_model(pools_file, "dots-studio/dots-3-note-preview:free").lines
    assert (
        "  provisional: no measurement (no coding score: no catalog coding_index, no benchmark match, no curated "
        "score); the estimate is the fixed size-class prior (this listing has too few coding-index values to fit "
        "one), from unknown size, released 2026-08-14, vendor dots-studio; never a role default while a measured "
        "model is eligible; the probe measures it first"
    ) in explained
    # the documented fixed lines, never slope 1, with the three common points each for the chart
    assert {k: (c["method"], c["points"]) for k, c in doc["calibration"].items()} == {
        "artificial_analysis": ("reference", 0),
        "curated": ("fixed", 3),
        "llm-stats": ("fixed", 3),
        "web:models/website": ("fixed", 3),
    }
    assert doc["calibration"]["curated"]["slope"] == FIXED_LINES["curated"][0]
    inputs = doc["inputs"]
    assert inputs["catalogSha256"] == hashlib.sha256(settings.files.catalog_file.read_bytes()).hexdigest()
    assert (
        inputs["benchmarkScoresSha256"] == hashlib.sha256(settings.files.benchmark_scores_file.read_bytes()).hexdigest()
    )
    assert inputs["benchmarkCommit"] == "24a9ccf7402306f0c3e237213538e4537d64ecc2"
    assert inputs["settings"] == {
        "large_cutoff": 0.15,
        "medium_cutoff": 0.5,
        "page_model_other_vendor": True,
        "small_tasks_tier": "MEDIUM",
        "expiry_warning_days": 7,
        "roles": [["bulkModel", "coding", [], 0], ["pageModel", "page", [], 0], ["smallTasksModel", "small", [], 0]],
    }
    assert inputs["evidenceMemorySha256"] == hashlib.sha256(b"").hexdigest()  # no memory file yet
    lfm = next(m for m in doc["models"] if m["id"] == "liquid/lfm-2.5-2.6b:free")
    assert lfm["expirationDate"] is None and lfm["contextLength"] == 128000
    assert lfm["match"] == {"benchmarkId": "liquid/lfm2-2.6b", "method": "fuzzy", "confidence": 0.8}
    assert (lfm["evidence"], lfm["thinEvidence"], lfm["prior"]) == (
        1.6,
        True,
        {  # 2.0 x the match's 0.8
            "sizeClass": "under 10B",
            "mean": 8.0,
            "sd": 12.0,
        },
    )
    assert all(m["pricing"] == {"prompt": "0", "completion": "0"} for m in doc["models"] + doc["unranked"])
    lines = summary.splitlines()
    assert lines[1] == "   1. z-ai/glm-5.2:free 59.8 (LARGE, 256k ctx)"  # the score it is ranked by
    assert "tiers: LARGE 3, MEDIUM 5, SMALL 8" in lines
    assert (
        "scale: artificial_analysis (reference); curated fixed line (3 common models); "
        "llm-stats fixed line (3 common models); web:models/website fixed line (3 common models)"
    ) in lines
    assert lines[-2:] == [
        "defaults: bulk=z-ai/glm-5.2:free page=nvidia/nemotron-3-ultra-550b-a55b:free "
        "smallTasks=nvidia/nemotron-3.5-lightning:free",
        "first build: 16 free models",
    ]
    assert capsys.readouterr().err == ""  # nothing expires within 7 days of 2026-08-15 among the ranked


def with_website_elo(models, model_id, elo):
    """models with model_id given a Design Arena website Elo (an edit of the real entry)."""
    arena = [{"arena": "models", "category": "website", "elo": elo, "win_rate": 60.0, "rank": 3}]
    return [
        {**m, "benchmarks": {**(m.get("benchmarks") or {}), "design_arena": arena}} if m["id"] == model_id else m
        for m in models
    ]


def test_a_free_model_with_a_clearly_higher_website_elo_wins_the_page_role(settings):
    """The page role ranks by the website Elo: gemma-4-31b (no Elo in the listing, coding estimate 39.8, below
    nemotron-3-ultra's 46.0) given an Elo 150 points above nemotron-3-ultra's 1130 takes pageModel from it."""
    build(settings)
    before = json.loads(settings.files.pools_file.read_text())
    assert before["chosenDefaults"]["pageModel"] == "nvidia/nemotron-3-ultra-550b-a55b:free"
    entries = {m["id"]: m for m in before["models"]}
    gemma = entries["google/gemma-4-31b-it:free"]
    # without an Elo it competes through its coding estimate, with the website line's residual spread added
    residual = FIXED_LINES["web:models/website"][3]
    assert gemma["pageScore"]["web"] is None and gemma["pageScore"]["estimate"] == gemma["estimate"]
    assert gemma["pageScore"]["uncertainty"] == pytest.approx((gemma["uncertainty"] ** 2 + residual**2) ** 0.5, 0.01)
    ultra = entries["nvidia/nemotron-3-ultra-550b-a55b:free"]["pageScore"]
    assert ultra["web"]["raw"] == 1130 and ultra["scale"]["measure"] == "web:models/website"

    write_inputs(settings, models=with_website_elo(catalog_models(), "google/gemma-4-31b-it:free", 1280))
    build(settings)
    after = json.loads(settings.files.pools_file.read_text())
    page = {m["id"]: m for m in after["models"]}["google/gemma-4-31b-it:free"]["pageScore"]
    # 150 Elo points above, far beyond both Elos' noise (25 each): the page role follows the Elo, not the coding
    assert page["scale"]["elo"] - 25 > ultra["scale"]["elo"] + 25
    assert after["chosenDefaults"]["pageModel"] == "google/gemma-4-31b-it:free"
    assert after["chosenDefaults"]["bulkModel"] == before["chosenDefaults"]["bulkModel"]  # coding is unchanged
    assert after["roles"]["pageModel"]["runnersUp"][0]["id"] == "nvidia/nemotron-3-ultra-550b-a55b:free"
    # the page scale in `explain page`, the report's role card and the pools file
    scale = "page scale: Design Arena models/website Elo on the coding-index scale (0.1483 x Elo - 128.48)"
    explained = explain_role(load_pools(settings.files.pools_file), "pageModel").lines
    assert explained[2] == f"    {scale}"
    assert scale in roles_section(after)
    assert any(
        "web Elo 1280 (models/website) ->" in line and "% of the weight; coding estimate" in line
        for line in explain_model(load_pools(settings.files.pools_file), "google/gemma-4-31b-it:free").lines
    )


def test_an_estimate_is_the_precision_weighted_mean_of_prior_and_sources(settings):
    """poolside/laguna-s-2.1 by hand: one Aider Polyglot result (60 %), unknown size."""
    build(settings)
    laguna = next(
        m
        for m in json.loads(settings.files.pools_file.read_text())["models"]
        if m["id"] == "poolside/laguna-s-2.1:free"
    )
    raw = 100 * 0.60 / 0.90  # the benchmark formula: Aider Polyglot's 0.90 anchor maps to 100
    slope, intercept = FIXED_LINES["curated"][:2]
    value = slope * raw + intercept  # 28.90 on the catalog index scale
    variance = 5.0**2 + 11.0**2 / 2.5  # BENCH_SD_FLOOR^2 + BENCH_SD_PER_UNIT^2 / evidence units
    prior_mean, prior_variance = 18.0, 12.0**2  # unknown size class
    precision = 1 / prior_variance + 1 / variance
    assert laguna["scoreSources"][0]["calibrated"] == round(value, 2) == 28.9
    assert laguna["estimate"] == round((prior_mean / prior_variance + value / variance) / precision, 2) == 25.22
    assert laguna["uncertainty"] == round(precision**-0.5, 2) == 6.97
    assert (laguna["evidence"], laguna["thinEvidence"]) == (2.5, False)  # exactly the minimum


def test_two_runs_are_byte_identical_and_the_second_leaves_the_file_alone(settings):
    build(settings)
    first = settings.files.pools_file.read_bytes()
    mtime = settings.files.pools_file.stat().st_mtime_ns
    assert "unchanged" in build(settings).splitlines()[0]
    assert settings.files.pools_file.read_bytes() == first
    assert settings.files.pools_file.stat().st_mtime_ns == mtime
    assert b"refreshedAt" not in first and b"attemptedAt" not in first  # no wall-clock time


def test_the_pools_file_says_where_its_inputs_came_from(settings):
    build(settings)
    assert json.loads(settings.files.pools_file.read_bytes())["provenance"] == {
        "catalog": {"source": "live", "url": CATALOG_URL, "capturedAt": None},
        "benchmarks": {"source": "llm-stats", "repo": "file:///llm-stats", "commit": COMMIT, "commitDate": COMMIT_DATE},
    }
    snapshot = CatalogSnapshot.load(CATALOG_SNAPSHOT)
    files.write_if_changed(settings.files.catalog_file, snapshot.cache.dump())
    files.write_if_changed(
        settings.files.benchmark_scores_file, BenchmarkScores("file:///llm-stats", None, None, ()).dump()
    )
    build(settings)
    assert json.loads(settings.files.pools_file.read_bytes())["provenance"] == {
        "catalog": {"source": "bundled-snapshot", "url": None, "capturedAt": snapshot.captured_at},
        "benchmarks": {"source": "curated-only", "repo": None, "commit": None, "commitDate": None},
    }


def test_shuffled_inputs_give_the_same_bytes():
    s = RankingSettings()
    inputs = {
        "catalogSha256": "0" * 64,
        "benchmarkScoresSha256": "1" * 64,
        "benchmarkCommit": None,
        "overridesSha256": "2" * 64,
        "curatedScoresSha256": "3" * 64,
        "settings": {
            "large_cutoff": 0.15,
            "medium_cutoff": 0.5,
            "page_model_other_vendor": True,
            "small_tasks_tier": "MEDIUM",
        },
    }

    def document(models, bench, matches, curated):
        records = PoolsInputs(models, PROVENANCE, inputs, benchmark_models=bench, matches=matches, curated=curated)
        return dump_json(pools_document.build_document(records, s))

    expected = document(catalog_models(), BENCH, MATCH_RECORDS, CURATED)
    for seed in range(4):
        rng = random.Random(seed)
        shuffled = [rng.sample(x, len(x)) for x in (catalog_models(), BENCH, MATCH_RECORDS, CURATED)]
        assert document(*shuffled) == expected


def test_settings_change_tiers_and_defaults(settings):
    s = replace(
        settings, large_cutoff=0.25, medium_cutoff=0.75, page_model_other_vendor=False, small_tasks_tier="SMALL"
    )
    build(s)
    doc = json.loads(s.files.pools_file.read_text())
    assert doc["summary"]["tiers"] == {"LARGE": 4, "MEDIUM": 8, "SMALL": 4}  # ceil(16 x 0.25), ceil(16 x 0.75)
    assert doc["chosenDefaults"]["pageModel"] == "nvidia/nemotron-3-ultra-550b-a55b:free"
    # "SMALL or above" is every tier, so the tier gate passes them all: the fewest known active parameters among the
    # measured models win (3B, the lower tier of the two 3B models)
    assert doc["chosenDefaults"]["smallTasksModel"] == "nvidia/nemotron-3.5-lightning:free"
    tier = next(g for g in doc["roles"]["smallTasksModel"]["gates"] if g["gate"] == "tier")
    assert tier["result"] == "passed" and tier["text"] == "in the small-tasks tier (SMALL) or above"
    assert doc["inputs"]["settings"]["small_tasks_tier"] == "SMALL"


def test_invalid_document_leaves_the_previous_file_byte_for_byte(settings, monkeypatch):
    build(settings)
    before = settings.files.pools_file.read_bytes()
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
    assert settings.files.pools_file.read_bytes() == before
    assert not list(settings.files.pools_file.parent.glob(".model-pools.json.*"))  # no temp file left behind


def test_change_report_compares_with_the_previous_file(settings):
    build(settings)
    assert json.loads(settings.files.changes_file.read_text())["firstBuild"] is True
    # cohere/north-mini-code (MEDIUM) loses its catalog index, its only score source: provisional now, with the wide
    # spread of the size-class prior, it ranks low and falls to SMALL
    models = [
        {k: v for k, v in m.items() if k != "benchmarks"} if m["id"] == "cohere/north-mini-code:free" else m
        for m in catalog_models()
    ]
    write_inputs(settings, models=models)
    summary = build(settings)
    report = json.loads(settings.files.changes_file.read_text())
    assert report["firstBuild"] is False
    assert {"id": "cohere/north-mini-code:free", "from": "MEDIUM", "to": "SMALL"} in report["tierMoves"]
    assert "~ cohere/north-mini-code:free: MEDIUM -> SMALL" in summary.splitlines()


def test_one_self_reported_result_is_shrunk_ranked_low_and_never_a_default(settings):
    """nemotron-nano-9b-v2:free has one self-reported LiveCodeBench result (the issue's rank-2 page model)."""
    bench = [
        {
            "id": "nvidia/nvidia-nemotron-nano-9b-v2",
            "codingScore": 47.88,
            "coverage": 0.1,
            "components": [lcb(0.711, True)],
        }
    ]
    matches = [
        {
            "id": "nvidia/nemotron-nano-9b-v2:free",
            "benchmarkId": "nvidia/nvidia-nemotron-nano-9b-v2",
            "method": "exact",
            "confidence": 1.0,
        }
    ]
    raw = json.loads((DATA / "openrouter" / "models-2026-08-18.json").read_text())
    write_inputs(settings, bench=bench, matches=matches, reference=select_reference_scores(raw))
    build(settings)
    doc = json.loads(settings.files.pools_file.read_text())
    # no model has both the catalog index and an LLM-Stats score: the documented fixed line, never slope 1
    assert doc["calibration"]["llm-stats"]["method"] == "fixed"
    assert doc["calibration"]["llm-stats"]["slope"] == FIXED_LINES["llm-stats"][0]
    nano = next(m for m in doc["models"] if m["id"] == "nvidia/nemotron-nano-9b-v2:free")
    source = nano["scoreSources"][0]
    assert source["raw"] == pytest.approx(100 * 0.711 / 0.85, abs=1e-3) and source["evidence"] == 1.5
    assert nano["prior"]["sizeClass"] == "under 10B" and nano["thinEvidence"] is True
    assert nano["codingScore"] < source["calibrated"]  # shrunk toward the small-model prior
    assert nano["rank"] > 8 and nano["id"] not in doc["chosenDefaults"].values()


def test_priced_models_are_left_out_and_every_entry_carries_zero_prices(settings, capsys):
    models = catalog_models()
    glm = next(m for m in models if m["id"] == "z-ai/glm-5.2:free")
    glm["pricing"] = {"prompt": "0.0000004", "completion": "0"}  # a ':free' id with a price: not evidence of free
    next(m for m in models if m["id"] == "openai/gpt-oss-20b:free")["pricing"] = {}  # missing prices count as zero
    write_inputs(settings, models=models)
    build(settings)
    doc = json.loads(settings.files.pools_file.read_text())
    ids = [m["id"] for m in doc["models"] + doc["unranked"]]
    assert "z-ai/glm-5.2:free" not in ids and "openai/gpt-oss-20b:free" in ids and len(ids) == 15  # +1 excluded
    assert {json.dumps(m["pricing"]) for m in doc["models"] + doc["unranked"]} == {'{"completion": "0", "prompt": "0"}'}
    assert (
        "left out 1 catalog model(s) listed as free but with a non-zero prompt or completion price: z-ai/glm-5.2:free"
    ) in capsys.readouterr().err


def test_expiring_ranked_models_are_one_warning_line_and_do_not_change_the_file(settings, capsys):
    models = catalog_models()
    next(m for m in models if m["id"] == "z-ai/glm-5.2:free")["expiration_date"] = "2026-08-20"
    next(m for m in models if m["id"] == "google/gemma-4-31b-it:free")["expiration_date"] = "2026-08-01"
    write_inputs(settings, models=models)
    build(settings)
    first = settings.files.pools_file.read_bytes()
    err = capsys.readouterr().err.splitlines()
    assert err == [
        "modelpools: warning: 2 ranked models expired or expiring within 7 days: "  # in rank order
        "z-ai/glm-5.2:free (LARGE) expires 2026-08-20 (in 5 d), "
        "google/gemma-4-31b-it:free (LARGE) expired 2026-08-01 (14 d ago); "
        "they stay ranked while the catalog lists them"
    ]
    pools.build_pools(
        PoolsSettings.of(settings), clock=lambda: NOW - 365 * 86400
    )  # another day: the same bytes, no warning
    assert settings.files.pools_file.read_bytes() == first
    assert capsys.readouterr().err == ""
    assert json.loads(first)["models"][0]["id"] == "z-ai/glm-5.2:free"  # still ranked by score alone


def test_catalog_cache_of_another_shape_is_a_one_line_error_naming_the_task(settings):
    doc = json.loads(settings.files.catalog_file.read_text())
    del doc["referenceScores"]  # no release wrote this form: no fallback for it, the catalog stage rebuilds it
    settings.files.catalog_file.write_text(json.dumps(doc))
    with pytest.raises(DataError, match=r"catalog cache at .*: \$ has no 'referenceScores' list; run `doit catalog`$"):
        build(settings)


def test_missing_catalog_is_a_one_line_error_naming_the_prefixed_task(tmp_path):
    s = Settings(project_dir=tmp_path)
    with pytest.raises(DataError, match=r"catalog cache not found at .*; run `doit catalog` first"):
        build(s)
    with pytest.raises(DataError, match=r"run `doit models-catalog` first"):
        build(replace(s, task_prefix="models-"))


def test_missing_benchmark_files_warn_and_rank_from_the_catalog(settings, capsys):
    settings.files.benchmark_scores_file.unlink()
    settings.files.matches_file.unlink()
    build(settings)
    doc = json.loads(settings.files.pools_file.read_text())
    assert doc["summary"]["ranked"] == 16 and doc["summary"]["provisional"] == 5  # lfm loses its only source
    assert doc["inputs"]["benchmarkCommit"] is None
    assert doc["inputs"]["benchmarkScoresSha256"] == hashlib.sha256(b"").hexdigest()
    assert "benchmark scores not found" in capsys.readouterr().err
    with pytest.raises(DataError, match=r"benchmark scores not found at .*; run `doit models-benchmarks`"):
        build(replace(settings, strict=True, task_prefix="models-"))


def test_empty_catalog_gives_empty_tiers_and_null_defaults(settings):
    write_inputs(settings, models=[])
    build(settings)
    doc = json.loads(settings.files.pools_file.read_text())
    validate_pools(doc, schema=PoolsSchema.installed().check)
    assert doc["chosenDefaults"] == {"bulkModel": None, "pageModel": None, "smallTasksModel": None}
    assert [t["models"] for t in doc["tiers"]] == [[], [], []]


def test_provisional_models_keep_their_expiration_date_and_why_nothing_measured_them(settings):
    build(settings)
    doc = json.loads(settings.files.pools_file.read_text())
    vl = next(m for m in doc["models"] if m["id"] == "nvidia/nemotron-nano-12b-v2-vl:free")
    assert vl["expirationDate"] == "2026-08-24"
    reason = "no coding score: no catalog coding_index, no benchmark match, no curated score"
    assert vl["provisional"]["reason"] == reason


def test_curated_scores_have_one_reader():
    entries = CuratedScores.load().scores
    assert entries == CuratedScores.load().scores  # the schema-checked reader of records.CuratedScores, nothing else
    assert all(isinstance(e, CuratedScore) and 0 <= e.coding_score <= 100 for e in entries)


def test_site_roles_and_requirements_are_recorded_with_their_rationale(settings):
    s = replace(
        settings,
        roles=(
            RoleRule("bulkModel", CODING, ("tools",), 0),
            RoleRule("pageModel", PAGE, (), 0),
            RoleRule("smallTasksModel", SMALL, (), 0),
            RoleRule("longModel", CODING, (), 500000),
        ),
    )
    build(s)
    doc = json.loads(s.files.pools_file.read_text())
    assert set(doc["roles"]) == {"bulkModel", "pageModel", "smallTasksModel", "longModel"}
    assert list(doc["chosenDefaults"]) == ["bulkModel", "pageModel", "smallTasksModel"]  # the contract's three
    bulk = doc["roles"]["bulkModel"]
    entry = next(m for m in doc["models"] if m["id"] == bulk["model"])
    assert "tools" in entry["supportedParameters"] and bulk["requires"] == ["tools"]
    long = doc["roles"]["longModel"]
    # the two measured 1M-context models both serve a role already: nemotron-3-ultra pageModel, nemotron-3.5-lightning
    # (3B active, MEDIUM) smallTasksModel; so "not another role's default" gives way and the better-ranked one wins
    assert doc["chosenDefaults"]["pageModel"] == "nvidia/nemotron-3-ultra-550b-a55b:free"
    assert doc["chosenDefaults"]["smallTasksModel"] == "nvidia/nemotron-3.5-lightning:free"
    assert long["model"] == "nvidia/nemotron-3-ultra-550b-a55b:free"
    assert {g["gate"]: g["result"] for g in long["gates"]}["unused"] == "given up"
    assert "gates in order, each given up only when no candidate passes it: context >= 500000, " in long["ruleText"]
    assert len(long["runnersUp"]) == 2
    assert long["gates"][0] == {  # the two best-ranked models have shorter contexts
        "gate": "requirements",
        "text": "context >= 500000",
        "result": "passed",
        "setAside": ["z-ai/glm-5.2:free"],
    }


def test_the_summary_names_a_drifted_calibration_line_and_how_to_refit_it():
    from modelpools.stages.pools import _calibration_line

    drifted = {"method": "fixed", "points": 26, "drift": {"shift": 8.04, "se": 1.79, "drifted": True}}
    calm = {"method": "fixed", "points": 26, "drift": {"shift": 0.4, "se": 1.79, "drifted": False}}
    assert _calibration_line({"llm-stats": drifted, "curated": calm}) == (
        "scale: llm-stats fixed line DRIFTED: 26 common models sit +8.0 (se 1.8) off it; refit: "
        "python benchmarks/bench_trust.py --fit; curated fixed line (26 common models)"
    )


def test_a_document_shares_no_object_with_another_entry_another_document_or_its_input_records():
    def document(records):
        inputs = PoolsInputs(records, PROVENANCE, benchmark_models=BENCH, matches=MATCH_RECORDS, curated=CURATED)
        return pools_document.build_document(inputs, RankingSettings())

    records = catalog_models()
    first, second = document(records), document(records)
    top, other = first["models"][0], first["models"][1]
    record = next(r for r in records if r["id"] == top["id"])
    assert top["supportedParameters"] == record["supported_parameters"]
    top["pricing"]["prompt"] = "0.5"  # a caller that edits its document
    top["supportedParameters"].append("edited")
    top["prior"]["sd"] = -1
    zero = {"prompt": "0", "completion": "0"}
    assert other["pricing"] == second["models"][0]["pricing"] == zero == document(records)["models"][0]["pricing"]
    assert "edited" not in second["models"][0]["supportedParameters"] and "edited" not in record["supported_parameters"]
    assert all(m["prior"].get("sd") != -1 for m in first["models"][1:] + second["models"])
