"""The library API over model-pools.json: the five integration strategies on a real-id sample."""

from __future__ import annotations

import doctest
import importlib
import itertools
import json
from dataclasses import FrozenInstanceError, replace
from pathlib import Path

import pytest

import modelpools.consumer.pools_view
import modelpools.rules.fusion
import modelpools.rules.rawscores
import modelpools.rules.validation
from modelpools.consumer.pools_view import Pools, load_pools, pools_from_document
from modelpools.consumer.router import Router
from modelpools.errors import DataError, PoolsInvalid
from modelpools.settings import load_settings

SAMPLE = Path(__file__).resolve().parent / "data" / "pools-sample.json"
# Built offline by the real pipeline from the 10 scored free models of shared/data/openrouter/models-2025-07-25.json
# (plus two unscored ones); rank 4 is google/gemini-2.5-pro-exp-03-25, zero-priced and without ":free".
JULY_2025 = Path(__file__).resolve().parent / "data" / "pools-2025-07-25.json"
ZERO_PRICED = "google/gemini-2.5-pro-exp-03-25"


@pytest.fixture
def doc() -> dict:
    return json.loads(SAMPLE.read_text(encoding="utf-8"))


@pytest.fixture
def pools() -> Pools:
    return load_pools(SAMPLE)


@pytest.mark.parametrize("module, examples", [("pools_view", 5), ("overview", 4), ("explanation", 5)])
def test_docstring_examples_run(monkeypatch, module, examples):
    monkeypatch.chdir(SAMPLE.parents[2])
    result = doctest.testmod(importlib.import_module(f"modelpools.consumer.{module}"))
    assert result.attempted >= examples and result.failed == 0


def test_load_pools_reads_models_in_rank_order(pools):
    assert [m.rank for m in pools.models] == list(range(1, 12))
    top = pools.models[0]
    # the estimate: the catalog's 68.8 shrunk a little toward the unknown-size prior (18); the score it is ranked by
    assert (top.id, top.vendor, top.tier, top.estimate, top.coding_score, top.context_length) == (
        "z-ai/glm-5.2:free",
        "z-ai",
        "LARGE",
        65.81,
        62.9,
        256000,
    )
    assert pools.model("openai/gpt-oss-20b:free").match.method == "exact"
    assert [s.source for s in pools.model("nvidia/nemotron-nano-9b-v2:free").score_sources] == ["llm-stats"]
    assert len(pools.unranked) == 5 and "liquid/lfm-2.5-2.6b:free" in pools


def test_score_sources_carry_their_sd_evidence_and_probe_fields_read_only():
    (nano,) = load_pools(SAMPLE).model("nvidia/nemotron-nano-9b-v2:free").score_sources
    assert (nano.source, nano.sd, nano.units, nano.remembered, nano.items) == ("llm-stats", 10.28, 1.5, None, None)
    with pytest.raises(FrozenInstanceError):
        nano.sd = 0.0
    # a probe entry as the pools stage writes it (ScoreSource.to_json), read back through the view
    probe = modelpools.rules.fusion.ScoreSource(
        "probe",
        55.0,
        46.1,
        "probe:v1-54da69d62820",
        1.0,
        10.8,
        1.0,
        items=40,
        probe_set="v1-54da69d62820",
        interval=(42.0, 67.0),
    )
    remembered = modelpools.rules.fusion.ScoreSource(
        "artificial_analysis", 36.5, 36.5, "openrouter:x (remembered)", 0.0, 4.24, 3.0, remembered="2026-05-16"
    )
    document = json.loads(SAMPLE.read_text())
    entry = next(m for m in document["models"] if m["id"] == "cohere/north-mini-code:free")
    entry["scoreSources"] += [probe.to_json(), remembered.to_json()]
    _, read_probe, read_remembered = pools_from_document(document).model("cohere/north-mini-code:free").score_sources
    assert (read_probe, read_remembered) == (probe, remembered)
    assert (read_probe.items, read_probe.probe_set, read_probe.interval) == (40, "v1-54da69d62820", (42.0, 67.0))


def test_default_path_comes_from_settings(tmp_path, monkeypatch):
    (tmp_path / "pyproject.toml").write_text('[tool.modelpools]\ncache_dir = "build/cache"\n')
    target = tmp_path / "build" / "cache" / "model-pools.json"
    target.parent.mkdir(parents=True)
    target.write_bytes(SAMPLE.read_bytes())
    monkeypatch.chdir(tmp_path)
    assert load_pools().path == load_settings(tmp_path).files.pools_file == target.resolve()


def test_missing_file_is_one_line_data_error(tmp_path):
    with pytest.raises(DataError, match=r"pools file not found at .*nope\.json"):
        load_pools(tmp_path / "nope.json")


def test_invalid_document_is_rejected_with_its_path(tmp_path, doc):
    doc["chosenDefaults"]["pageModel"] = "anthropic/claude-sonnet-4"
    bad = tmp_path / "model-pools.json"
    bad.write_text(json.dumps(doc))
    with pytest.raises(PoolsInvalid) as caught:
        load_pools(bad)
    assert caught.value.path == "$.chosenDefaults.pageModel"
    assert str(bad) in str(caught.value) and "\n" not in str(caught.value)


def test_validate_false_still_refuses_defaults_outside_the_models(doc):
    doc["chosenDefaults"]["bulkModel"] = "openai/gpt-4o"
    with pytest.raises(PoolsInvalid, match="not a ranked model"):
        pools_from_document(doc, validate=False)
    doc["chosenDefaults"]["bulkModel"] = ["z-ai/glm-5.2:free"]
    with pytest.raises(PoolsInvalid, match="not a ranked model"):
        pools_from_document(doc, validate=False)


def test_validated_documents_are_checked_once_by_the_validator(doc, monkeypatch):
    seen = []
    monkeypatch.setattr(
        modelpools.rules.validation,
        "validate_pools",  # a validator that accepts anything
        lambda document, *args, **kwargs: seen.append(document),
    )
    doc["chosenDefaults"]["bulkModel"] = "openai/gpt-4o"
    assert pools_from_document(doc).bulk_model == "openai/gpt-4o"  # the view does not re-check the invariants
    assert seen == [doc]
    assert (
        modelpools.consumer.pools_view.MatchInfo is modelpools.rules.rawscores.MatchInfo
    )  # one record for a model's match, not two


def test_hints_name_the_configured_task_prefix(tmp_path, doc):
    settings = replace(load_settings(tmp_path), cache_dir=tmp_path, task_prefix="models-")
    with pytest.raises(DataError, match=r"pools file not found at .*; run `doit models-pools`$"):
        load_pools(settings=settings)
    del doc["models"][0]["rank"]
    with pytest.raises(PoolsInvalid, match=r"rebuild it with `doit models-pools`$"):
        pools_from_document(doc, validate=False, settings=settings)
    with pytest.raises(PoolsInvalid, match=r"rebuild it with `doit pools`$"):  # no settings at hand: the default
        pools_from_document(doc, validate=False)


def test_role_defaults(pools):
    assert pools.default("bulk") == pools.bulk_model == "z-ai/glm-5.2:free"
    assert pools.default("page") == pools.page_model == "nvidia/nemotron-3-ultra-550b-a55b:free"
    assert pools.default("smallTasks") == pools.default("smallTasksModel") == pools.small_tasks_model
    assert pools.small_tasks_model == "cohere/north-mini-code:free"  # 3B active (its description), the fewest in MEDIUM
    with pytest.raises(ValueError, match="unknown role"):
        pools.default("huge")


def test_pick_is_deterministic_round_robin(pools):
    medium = pools.tier("MEDIUM")
    assert medium == (
        "google/gemma-4-31b-it:free",
        "google/gemma-4-26b-a4b-it:free",
        "nvidia/nemotron-3-super-120b-a12b:free",
        "cohere/north-mini-code:free",
    )
    assert [pools.pick("MEDIUM", i) for i in range(7)] == [medium[i % 4] for i in range(7)]
    assert pools.pick("medium", 4) == load_pools(SAMPLE).pick("MEDIUM", 4)  # stable across loads


def test_round_robin_cycles_from_a_start(pools):
    assert list(itertools.islice(pools.round_robin("LARGE"), 5)) == [
        "z-ai/glm-5.2:free",
        "nvidia/nemotron-3-ultra-550b-a55b:free",
    ] * 2 + ["z-ai/glm-5.2:free"]
    assert next(pools.round_robin("SMALL", start=2)) == pools.pick("SMALL", 2)


def test_empty_tier_raises_data_error(doc):
    doc["tiers"][2]["models"] = []
    pools = pools_from_document(doc, validate=False)
    with pytest.raises(DataError, match="tier SMALL has no models"):
        pools.pick("SMALL", 0)
    with pytest.raises(ValueError, match="unknown tier"):
        pools.tier("HUGE")


def test_fallback_chain_starts_with_role_default_then_rank(pools):
    chain = pools.fallback_chain("page")
    assert chain[0] == pools.page_model
    assert chain[1:] == tuple(m.id for m in pools.models if m.id != pools.page_model)
    assert pools.fallback_chain("bulk") == tuple(m.id for m in pools.models)
    small = pools.small_tasks_model
    assert pools.fallback_chain("smallTasks", tiers=("MEDIUM",)) == (small,) + tuple(
        m for m in pools.tier("MEDIUM") if m != small
    )


def test_zero_priced_model_without_free_suffix_keeps_its_role(test_data):
    # The catalog counts a zero price as free, so the pools file holds such ids; "free" means "in the pools file".
    dump = json.loads((test_data / "openrouter" / "models-2025-07-25.json").read_text(encoding="utf-8"))
    pricing = next(m["pricing"] for m in dump["data"] if m["id"] == ZERO_PRICED)
    assert (pricing["prompt"], pricing["completion"]) == ("0", "0")
    pools = load_pools(JULY_2025)
    # ranked 6th; its description says Google deprecated it, so it is never a default, but chains still hold it
    assert pools.model(ZERO_PRICED).rank == 6 and ZERO_PRICED not in dict(pools.defaults).values()
    assert pools.fallback_chain("bulk") == tuple(m.id for m in pools.models)
    assert pools.fallback_chain("bulk")[5] == ZERO_PRICED
    router = pools.router("bulk", clock=lambda: 0.0)
    session = router.session()
    for model in pools.fallback_chain("bulk")[:5]:
        session.failed(404, {}, {"error": {"code": 404, "message": f"No endpoints found for {model}."}})
    assert session.model == ZERO_PRICED


def test_fallback_chain_only_holds_ranked_ids_of_the_file(pools):
    for role in ("bulk", "page", "smallTasks", None):
        chain = pools.fallback_chain(role)
        assert len(set(chain)) == len(chain) and set(chain) == {m.id for m in pools.models}
    assert "liquid/lfm-2.5-2.6b:free" in pools and "liquid/lfm-2.5-2.6b:free" not in pools.fallback_chain("bulk")


def test_a_paid_id_never_enters_the_chain_or_the_router(doc):
    doc["chosenDefaults"]["pageModel"] = "nvidia/nemotron-3-super-120b-a12b"  # the paid twin, not in the file
    with pytest.raises(PoolsInvalid, match="not a ranked model"):
        pools_from_document(doc, validate=False)
    pools = load_pools(SAMPLE)
    with pytest.raises(ValueError, match="not in the pools file"):
        Router(["z-ai/glm-5.2:free", "nvidia/nemotron-3-super-120b-a12b"], allowed=pools.ids)


def test_router_from_pools_walks_the_chain(pools):
    router = pools.router("smallTasks", clock=lambda: 0.0)
    session = router.session()
    assert session.model == "cohere/north-mini-code:free"
    session.failed(404, {}, {"error": {"code": 404, "message": "No endpoints found for cohere/north-mini-code:free."}})
    assert session.model == "z-ai/glm-5.2:free"
    with pytest.raises(ValueError, match="not in the pools file"):
        Router(["qwen/qwen3-coder:free"], allowed=pools.ids)


def test_readme_examples_run(monkeypatch):
    root = SAMPLE.parents[2]
    monkeypatch.chdir(root)
    result = doctest.testfile(str(root / "docs" / "consumer-api.md"), module_relative=False)
    assert result.attempted >= 12 and result.failed == 0
