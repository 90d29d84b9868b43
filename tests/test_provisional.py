"""Provisional estimates: the prior fitted on a listing's own coding-index values (rules/provisional.py), its
fallback, and, on every real listing, an estimate for every eligible free model."""

import importlib.util
import json
from pathlib import Path

import pytest
from support import TEST_DATA

from modelpools.records import CuratedScores, PoolsSchema
from modelpools.rules.evidence import PRIOR_SD, prior_for
from modelpools.rules.freemodels import select_free_models, select_reference_scores
from modelpools.rules.fusion import fuse_scores
from modelpools.rules.provisional import (
    MIN_PRIOR_POINTS,
    PriorInputs,
    fit_listing_prior,
    listing_points,
    prior_inputs,
    provisional_prior,
)
from modelpools.rules.ranking import rank_models
from modelpools.rules.validation import validate_pools
from modelpools.slices import RankingSettings

_SPEC = importlib.util.spec_from_file_location(
    "bench_trust", Path(__file__).resolve().parents[1] / "benchmarks" / "bench_trust.py"
)
bench_trust = importlib.util.module_from_spec(_SPEC)
_SPEC.loader.exec_module(bench_trust)


def listing(name="models-2026-08-18.json"):
    body = json.loads((TEST_DATA / "openrouter" / name).read_text(encoding="utf-8"))
    return select_free_models(body), select_reference_scores(body)


def index_of(model):
    value = model.get("coding_index")
    if value is None:
        value = ((model.get("benchmarks") or {}).get("artificial_analysis") or {}).get("coding_index")
    return value


def test_the_prior_is_fitted_on_the_listings_own_index_values_free_and_paid():
    free, references = listing()
    points = listing_points(free, references, index_of)
    fitted = fit_listing_prior(points)
    assert fitted is not None and fitted.points == len(points) >= 100  # one point per base id, paid ones included
    assert 8.0 < fitted.residual_sd < PRIOR_SD  # the leave-one-out spread: a little tighter than the fixed prior's
    # newer and larger models are predicted higher, as the listing's own values are
    old_small = fitted.predict(PriorInputs(8.0, 8.0, "2025-01-15", "acme"))
    new_small = fitted.predict(PriorInputs(8.0, 8.0, "2026-08-01", "acme"))
    new_large = fitted.predict(PriorInputs(400.0, 30.0, "2026-08-01", "acme"))
    assert old_small < new_small < new_large


def test_too_few_index_values_fall_back_to_the_documented_fixed_prior():
    free, references = listing()
    few = listing_points(free, references, index_of)[: MIN_PRIOR_POINTS - 1]
    assert fit_listing_prior(few) is None
    model = {"id": "acme/coder-70b:free", "created": 1786000000}
    prior, how = provisional_prior(prior_inputs(model), None)
    assert prior == prior_for(70.0) and (how.method, how.points) == ("fixed", 0)
    assert how.to_json()["inputs"] == {
        "totalParameters": 70.0,
        "activeParameters": 70.0,
        "created": "2026-08-06",
        "vendor": "acme",
    }


def test_a_model_no_source_measures_gets_a_provisional_estimate_and_a_measured_one_keeps_the_fixed_prior():
    free, references = listing()
    fused = {f.id: f for f in fuse_scores(free, [], [], [], references)[0]}
    dots = fused["dots-studio/dots-3-note-preview:free"]  # no index, no benchmark: the listing's prior
    assert dots.provisional is not None and dots.provisional.method == "fitted" and not dots.sources
    assert dots.estimate.units == 0.0 and dots.estimate.thin and dots.estimate.mean == dots.prior.mean
    gemma = fused["google/gemma-4-31b-it:free"]  # its own index: measured, the fixed size-class prior
    assert gemma.provisional is None and gemma.prior == prior_for(31.0)
    none = {f.id: f for f in fuse_scores(free, [], [], [], references, provisional=False)[0]}
    assert none["dots-studio/dots-3-note-preview:free"].estimate is None  # switched off: unranked, with the reason


def test_a_provisional_model_is_ranked_like_a_measured_one_by_its_estimate_minus_its_wide_uncertainty():
    free, references = listing()
    ranked = rank_models(fuse_scores(free, [], [], [], references)[0])
    provisional = [f for f in ranked if f.provisional is not None]
    measured = [f for f in ranked if f.provisional is None]
    assert provisional and all(f.conservative == round(f.estimate.mean - f.estimate.sd, 2) for f in provisional)
    assert min(f.estimate.sd for f in provisional) > max(f.estimate.sd for f in measured)  # so they rank low
    scores = [f.conservative for f in ranked]
    assert scores == sorted(scores, reverse=True)  # one order for both kinds


def test_every_eligible_free_model_of_every_real_listing_has_an_estimate(shared_data):
    """On each real dump, with the LLM-Stats snapshot of its time: coverage measured + provisional = every eligible
    free model, the document valid against the schema and the invariants (the tiers cut over every ranked model,
    provisional ones included), and no role default provisional while a measured model is ranked."""
    dumps = sorted((shared_data / "openrouter").glob("models-*.json"))
    assert len(dumps) >= 8
    schema = PoolsSchema.installed().check
    inputs = json.loads((TEST_DATA / "pools-sample.json").read_text(encoding="utf-8"))["inputs"]
    inputs["settings"] = RankingSettings().fingerprint()  # the fingerprints only need to be well formed here
    overrides, curated = bench_trust.load_overrides(bench_trust.PACKAGE_OVERRIDES), CuratedScores.load().scores
    for dump in dumps:
        _body, free, _scores, _matches, doc, _snapshot = bench_trust.pipeline(
            dump, shared_data, overrides, curated, inputs=inputs
        )
        eligible = [m["id"] for m in free if not (bench_trust.NOT_CODE.search(m["id"] + " " + m.get("name", "")))]
        measured, provisional, none = bench_trust.coverage(doc, eligible)
        assert none == 0 and measured + provisional == len(eligible), dump.name
        assert provisional > 0 and doc["summary"]["provisional"] >= provisional, dump.name
        validate_pools(doc, {m["id"] for m in free}, schema=schema)
        entries = {m["id"]: m for m in doc["models"]}
        assert not any(entries[mid].get("provisional") for mid in doc["chosenDefaults"].values() if mid), dump.name


@pytest.mark.parametrize("name", ["models-2025-07-25.json", "models-2026-08-18.json"])
def test_the_real_excerpts_give_every_free_model_an_estimate(name):
    free, references = listing(name)
    fused = fuse_scores(free, [], [], [], references)[0]
    assert fused and all(f.estimate is not None for f in fused)
    how = {f.provisional.method for f in fused if f.provisional is not None}
    assert how == ({"fitted"} if references else {"fixed"})  # 2025 listings carry no index values
