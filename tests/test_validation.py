"""Pools validation: each schema rule and invariant, broken on purpose, is reported at its JSON path."""

import hashlib
import json
from dataclasses import replace
from pathlib import Path

import pytest
from support import TEST_DATA, unranked_entry

from modelpools.errors import DataError, PoolsInvalid
from modelpools.io import files
from modelpools.jsonbytes import dump_json
from modelpools.records import CatalogCache, PoolsSchema
from modelpools.resources import pools_schema_path
from modelpools.rules.validation import json_path, validate_pools
from modelpools.settings import Settings
from modelpools.slices import RankingSettings, ValidateSettings
from modelpools.stages.pools_document import PoolsInputs, build_document
from modelpools.stages.validate import validate_pools_file

DATA = TEST_DATA
ROOT = Path(__file__).resolve().parents[1]
CATALOG_URL = "https://openrouter.ai/api/v1/models"
PROVENANCE = {
    "catalog": {"source": "live", "url": CATALOG_URL, "capturedAt": None},
    "benchmarks": {"source": "curated-only", "repo": None, "commit": None, "commitDate": None},
}
INPUTS = {
    "catalogSha256": "a" * 64,
    "benchmarkScoresSha256": "b" * 64,
    "benchmarkCommit": "24a9ccf",
    "overridesSha256": "c" * 64,
    "curatedScoresSha256": "d" * 64,
    "evidenceMemorySha256": "e" * 64,
    "settings": RankingSettings().fingerprint(),
}


def catalog():
    raw = json.loads((DATA / "openrouter" / "models-2026-08-18.json").read_text())["data"]
    keep = ("id", "name", "context_length", "expiration_date", "benchmarks")
    return sorted(
        ({k: m[k] for k in keep if m.get(k) is not None} for m in raw if m["id"].endswith(":free")),
        key=lambda m: m["id"],
    )


@pytest.fixture(scope="module")
def valid():
    """10 measured by the catalog's own coding_index and 6 provisional (sd 12: all ranked below them), cut together:
    3/5/8."""
    return build_document(PoolsInputs(catalog(), PROVENANCE, INPUTS), RankingSettings())


def broken(doc, mutate):
    doc = json.loads(json.dumps(doc))  # a deep copy: the caller's document stays whole
    mutate(doc)
    return doc


def rejected(doc, **kwargs):
    with pytest.raises(PoolsInvalid) as info:
        validate_pools(doc, **kwargs, schema=PoolsSchema.installed().check)
    assert str(info.value).startswith(f"model-pools.json invalid at {info.value.path}: ")
    assert "\n" not in str(info.value)
    return info.value


def test_the_built_document_is_valid(valid):
    validate_pools(valid, catalog_ids={m["id"] for m in catalog()}, schema=PoolsSchema.installed().check)
    assert [len(t["models"]) for t in valid["tiers"]] == [3, 5, 8]
    assert sum(1 for m in valid["models"] if m.get("provisional")) == 6 and valid["unranked"] == []


def test_schema_file_is_a_2020_12_schema_and_loads():
    from jsonschema import Draft202012Validator

    schema = PoolsSchema.load(pools_schema_path()).document
    Draft202012Validator.check_schema(schema)
    assert schema == json.loads((ROOT / "schemas" / "model-pools.schema.json").read_text())


def test_json_path_format():
    assert json_path(["tiers", 1, "models", 0]) == "$.tiers[1].models[0]"
    assert json_path(["calibration", "llm-stats"]) == '$.calibration["llm-stats"]'
    assert json_path([]) == "$"


def put(path, value):
    def mutate(doc):
        *parents, last = path
        target = doc
        for part in parents:
            target = target[part]
        target[last] = value

    return mutate


SCHEMA_CASES = [
    ("tier names in order", put(["tiers", 1, "name"], "SMALL"), "$.tiers[1].name"),
    ("exactly three tiers", lambda d: d["tiers"].pop(), "$.tiers"),
    ("no unknown keys", put(["models", 0, "extra"], 1), "$.models[0]"),
    ("id pattern", put(["models", 0, "id"], "not an id"), "$.models[0].id"),
    ("match method enum", put(["models", 0, "match", "method"], "guess"), "$.models[0].match.method"),
    ("source enum", put(["models", 0, "scoreSources", 0, "source"], "vibes"), "$.models[0].scoreSources[0].source"),
    ("score range", put(["models", 0, "codingScore"], 120), "$.models[0].codingScore"),
    ("sha256 hex", put(["inputs", "catalogSha256"], "xyz"), "$.inputs.catalogSha256"),
    ("schema version", put(["schemaVersion"], 1), "$.schemaVersion"),
    ("schema version 2 (no provenance)", put(["schemaVersion"], 2), "$.schemaVersion"),
    (
        "calibration line kept",
        lambda d: d["calibration"]["artificial_analysis"].pop("pairs"),
        "$.calibration.artificial_analysis",
    ),
    ("role rule enum", put(["roles", "bulkModel", "rule"], "vibes"), "$.roles.bulkModel.rule"),
    ("no wall-clock keys", put(["generatedAt"], "2026-08-18"), "$"),
    ("only free models: priced", put(["models", 0, "pricing", "prompt"], "0.0000004"), "$.models[0].pricing.prompt"),
    ("only free models: evidence kept", lambda d: d["models"][12].pop("pricing"), "$.models[12]"),
    (
        "calibration methods",
        put(["calibration", "artificial_analysis", "method"], "identity"),
        "$.calibration.artificial_analysis.method",
    ),
]


@pytest.mark.parametrize("what, mutate, path", SCHEMA_CASES, ids=[c[0] for c in SCHEMA_CASES])
def test_schema_violations(valid, what, mutate, path):
    assert rejected(broken(valid, mutate)).path == path


def move_first_medium_to_large(doc):
    mid = doc["tiers"][1]["models"].pop(0)
    doc["tiers"][0]["models"].append(mid)
    doc["models"][3]["tier"] = "LARGE"
    doc["summary"]["tiers"].update(LARGE=4, MEDIUM=4)


def swap(doc, a, b):
    doc[a], doc[b] = doc[b], doc[a]


INVARIANT_CASES = [
    ("ranks 1..n", put(["models", 2, "rank"], 5), "$.models[2].rank", "rank 5 at position 3"),
    ("rank-score order", put(["models", 1, "codingScore"], 99.0), "$.models[1]", "out of rank order"),
    (
        "codingScore is the rank score",
        put(["models", 1, "rankScore"], 45.0),
        "$.models[1].rankScore",
        "45.0 differs from codingScore 45.25",
    ),
    (
        "codingScore is estimate - uncertainty",
        lambda d: d["models"][1].update(codingScore=46.0, rankScore=46.0),
        "$.models[1].codingScore",
        "46.0 is not estimate - uncertainty (48.16 - 2.91)",
    ),
    ("in no tier", lambda d: d["tiers"][2]["models"].pop(), "$.models[15]", "is in no tier"),
    (
        "in two tiers",
        lambda d: d["tiers"][2]["models"].append(d["tiers"][0]["models"][0]),
        "$.tiers[2].models[8]",
        "in more than one tier (LARGE and SMALL)",
    ),
    (
        "tier field agrees",
        put(["models", 0, "tier"], "MEDIUM"),
        "$.models[0].tier",
        "says tier MEDIUM but is listed in LARGE",
    ),
    (
        "tier lists a ranked model",
        lambda d: d["tiers"][1]["models"].insert(0, d["excluded"][0]["id"]),
        "$.tiers[1].models[0]",
        "is not a ranked model",
    ),
    ("order within a tier", lambda d: swap(d["tiers"][0]["models"], 0, 1), "$.tiers[0].models[0]", "out of rank order"),
    (
        "tier sizes follow the cut-offs",
        move_first_medium_to_large,
        "$.tiers[0].models",
        "LARGE holds 4 models; the cut-offs give 3",
    ),
    (
        "page default ranked",
        put(["chosenDefaults", "pageModel"], "x/unknown:free"),
        "$.chosenDefaults.pageModel",
        "'x/unknown:free' is not a ranked model",
    ),
    (
        "no null default when ranked",
        put(["chosenDefaults", "smallTasksModel"], None),
        "$.chosenDefaults.smallTasksModel",
        "is null but there are ranked models",
    ),
    (
        "a default is never deprecated",
        put(["models", 0, "deprecated"], "expired on 2026-08-01"),
        "$.chosenDefaults.bulkModel",
        "is deprecated but non-deprecated models are ranked",
    ),
    (
        "roles record the defaults",
        put(["roles", "pageModel", "model"], "google/gemma-4-31b-it:free"),
        "$.roles.pageModel",
        "does not record the chosen default",
    ),
    (
        "ids unique",
        lambda d: d["unranked"].append(unranked_entry(d["models"][3]["id"])),
        "$.unranked[0].id",
        "is listed twice (first at $.models[3].id)",
    ),
    ("summary ranked", put(["summary", "ranked"], 11), "$.summary.ranked", "says 11 but the file lists 16"),
    ("summary free", put(["summary", "freeModels"], 17), "$.summary.freeModels", "says 17 but the file lists 16"),
    ("summary excluded", put(["summary", "excluded"], 0), "$.summary.excluded", "says 0 but the file lists 1"),
    ("summary tiers", put(["summary", "tiers", "SMALL"], 4), "$.summary.tiers.SMALL", "says 4 but the tier lists 8"),
]


@pytest.mark.parametrize("what, mutate, path, detail", INVARIANT_CASES, ids=[c[0] for c in INVARIANT_CASES])
def test_invariant_violations(valid, what, mutate, path, detail):
    error = rejected(broken(valid, mutate))
    assert (error.path, detail in str(error)) == (path, True), str(error)


def test_exact_one_line_message_for_a_bad_default(valid):
    error = rejected(broken(valid, put(["chosenDefaults", "pageModel"], "x/unknown:free")))
    assert str(error) == (
        "model-pools.json invalid at $.chosenDefaults.pageModel: 'x/unknown:free' is not a ranked model"
    )


def test_ids_must_be_free_models_in_the_catalog(valid):
    ids = {m["id"] for m in catalog()} - {"z-ai/glm-5.2:free"}
    error = rejected(valid, catalog_ids=ids)
    assert error.path == "$.models[0].id" and "not a free model in the catalog cache" in str(error)


def test_empty_ranking_needs_null_defaults(valid):
    empty = build_document(PoolsInputs([], PROVENANCE, INPUTS), RankingSettings())
    validate_pools(empty, schema=PoolsSchema.installed().check)
    error = rejected(broken(empty, put(["chosenDefaults", "bulkModel"], "a/b:free")))
    assert error.path == "$.chosenDefaults.bulkModel"


def test_first_schema_error_is_chosen_deterministically():
    assert rejected({}).path == "$"
    assert "'calibration' is a required property" in str(rejected({}))


def built_from(doc: dict, catalog_bytes: bytes) -> dict:
    """doc as the pools stage writes it from this catalog cache (it records the catalog's sha256)."""
    return broken(doc, put(["inputs", "catalogSha256"], hashlib.sha256(catalog_bytes).hexdigest()))


def test_validate_pools_file_hints_name_the_prefixed_tasks(tmp_path, valid):
    settings = Settings(project_dir=tmp_path, task_prefix="models-")
    with pytest.raises(DataError, match=r"no pools file at .*; run `doit models-pools` first"):
        validate_pools_file(ValidateSettings.of(settings))
    empty = CatalogCache.live([], [], CATALOG_URL).dump()
    files.write_if_changed(settings.files.catalog_file, empty)
    files.write_if_changed(settings.files.pools_file, dump_json(built_from(valid, empty)))
    with pytest.raises(PoolsInvalid, match=r"is not a free model in the catalog cache; run `doit models-pools`"):
        validate_pools_file(ValidateSettings.of(settings))
    settings.files.catalog_file.write_text("{}")
    with pytest.raises(DataError, match=r"\$.schemaVersion is None, expected \d+; run `doit models-catalog`"):
        validate_pools_file(ValidateSettings.of(settings))


def test_validate_pools_file_warns_about_expiring_ranked_models(tmp_path, valid, capsys):
    doc = broken(valid, put(["models", 1, "expirationDate"], "2026-08-24"))
    settings = Settings(project_dir=tmp_path)
    files.write_if_changed(settings.files.pools_file, dump_json(doc))
    aug_20 = 1_787_184_000.0  # 2026-08-20 00:00 UTC
    validate_pools_file(ValidateSettings.of(settings), clock=lambda: aug_20)
    assert capsys.readouterr().err == (  # not nemotron-nano-12b-v2-vl, provisional, expiring that day too
        "modelpools: warning: 1 ranked model expired or expiring within 7 days: nvidia/nemotron-3-ultra-550b-a55b:free "
        "(LARGE) expires 2026-08-24 (in 4 d); they stay ranked while the catalog lists them\n"
    )
    validate_pools_file(ValidateSettings.of(replace(settings, expiry_warning_days=3)), clock=lambda: aug_20)
    assert capsys.readouterr().err == ""


def test_validate_pools_file(tmp_path, valid):
    settings = Settings(project_dir=tmp_path)
    with pytest.raises(DataError, match=r"no pools file at .*model-pools.json; run `doit pools` first"):
        validate_pools_file(ValidateSettings.of(settings))
    files.write_if_changed(settings.files.pools_file, dump_json(valid))
    text = validate_pools_file(ValidateSettings.of(settings))
    assert text.splitlines()[0].endswith("model-pools.json: valid (schema, invariants)")
    assert "  LARGE    3: z-ai/glm-5.2:free (62.9), nvidia/nemotron-3-ultra-550b-a55b:free (45.2), " in text
    assert "defaults: bulk=z-ai/glm-5.2:free" in text
    assert len(text.splitlines()) <= 25
    # Checked against the catalog cache the pools file was built from (inputs.catalogSha256): every ranked id is in it.
    full, short = (
        CatalogCache.live(models, [], CATALOG_URL).dump()
        for models in (catalog(), [m for m in catalog() if m["id"] != "openai/gpt-oss-20b:free"])
    )
    files.write_if_changed(settings.files.catalog_file, short)
    files.write_if_changed(settings.files.pools_file, dump_json(built_from(valid, short)))
    with pytest.raises(PoolsInvalid, match=r"invalid at \$\.models\[7\]\.id: 'openai/gpt-oss-20b:free' is not a free"):
        validate_pools_file(ValidateSettings.of(settings))
    files.write_if_changed(settings.files.catalog_file, full)
    files.write_if_changed(settings.files.pools_file, dump_json(built_from(valid, full)))
    assert "(schema, invariants and catalog cache)" in validate_pools_file(ValidateSettings.of(settings))
