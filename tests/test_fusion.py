"""Evidence fusion: each source weighs what it measured, thin evidence shrinks toward the size-class prior,
calibration lines are the documented fixed ones unless enough live points exist, and a model's estimate stays put
when unrelated models come and go."""

import json
import math
import os

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from support import NEW_LAYOUT_EXCERPT, TEST_DATA

from modelpools.resources import pools_schema_path
from modelpools.rules import evidence
from modelpools.rules.calibration import FIXED_LINES, Calibration, web_calibrations
from modelpools.rules.evidence import Measurement
from modelpools.rules.freemodels import select_reference_scores
from modelpools.rules.fusion import SOURCES, Reading, Remembered, Source, fuse_scores, page_estimates
from modelpools.rules.matching import Match
from modelpools.rules.modelids import base_id, vendor_of
from modelpools.rules.rawscores import WEB_CATEGORIES
from modelpools.rules.scoring import Component, CuratedScore

DATA = TEST_DATA  # the committed excerpts: every free entry and every entry with a coding index is kept
NEWEST = "models-2026-08-18.json"


def free_catalog(name):
    """The free entries of a real OpenRouter dump, in catalog-cache form (benchmarks kept when present)."""
    raw = json.loads((DATA / "openrouter" / name).read_text())["data"]
    keep = ("id", "name", "context_length", "expiration_date", "benchmarks", "hugging_face_id", "created")
    return [{k: m[k] for k in keep if m.get(k) is not None} for m in raw if m["id"].endswith(":free")]


def reference_scores(name):
    """The catalog's referenceScores for a real dump: every text model with an Artificial Analysis coding_index."""
    return select_reference_scores(json.loads((DATA / "openrouter" / name).read_text()))


def component(benchmark, score, weight, self_reported=False):
    return {
        "benchmark": benchmark,
        "dataset": benchmark,
        "score": score,
        "weight": weight,
        "selfReported": self_reported,
    }


def match(mid, bid, method="exact", confidence=1.0):
    return Match(mid, bid, method, confidence)


def by_id(fused):
    return {m.id: m for m in fused}


def test_ids_and_vendors():
    assert base_id("qwen/qwen3-coder:free") == "qwen/qwen3-coder"
    assert vendor_of("~anthropic/claude-sonnet-latest") == "anthropic"


def test_the_catalog_index_alone_is_shrunk_only_slightly():
    fused, calibrations = fuse_scores(free_catalog(NEWEST), [], [], [])
    glm = by_id(fused)["z-ai/glm-5.2:free"]
    # prior 18 +- 12 (size unknown), index 68.8 +- 3: (18/144 + 68.8/9) / (1/144 + 1/9)
    assert glm.coding_score == round((18 / 144 + 68.8 / 9) / (1 / 144 + 1 / 9), 2) == 65.81
    assert glm.estimate.sd == round((1 / 144 + 1 / 9) ** -0.5, 2) == 2.91
    assert (glm.estimate.units, glm.estimate.thin) == (6.0, False)
    assert calibrations == {"artificial_analysis": calibrations["artificial_analysis"]}
    assert calibrations["artificial_analysis"].method == "reference"


def test_evidence_weights_come_from_what_was_measured():
    """Two models with the same LLM-Stats mean: one self-reported result against three independent ones."""
    catalog = [{"id": "acme/one-9b:free", "name": "One"}, {"id": "acme/three-9b:free", "name": "Three"}]
    bench = [
        {"id": "acme/one", "components": [component("livecodebench", 0.6375, 1.5, True)]},
        {
            "id": "acme/three",
            "components": [
                component("livecodebench", 0.6375, 2.0),
                component("swe-bench-verified", 0.60, 3.0),
                component("aider-polyglot", 0.675, 2.5),
            ],
        },
    ]
    matches = [match("acme/one-9b:free", "acme/one"), match("acme/three-9b:free", "acme/three")]
    fused = by_id(fuse_scores(catalog, bench, matches, [])[0])
    one, three = fused["acme/one-9b:free"], fused["acme/three-9b:free"]
    assert one.sources[0].raw == three.sources[0].raw == 75.0  # every result sits at 75 % of its anchor
    assert (one.estimate.units, three.estimate.units) == (1.5, 7.5)
    assert one.sources[0].sd > three.sources[0].sd
    assert one.coding_score < three.coding_score  # both are pulled toward the under-10B prior (8); one more
    assert one.estimate.thin and not three.estimate.thin
    assert one.conservative < three.conservative


def test_a_fuzzy_match_carries_less_evidence():
    catalog = [{"id": "acme/x:free"}]
    bench = [{"id": "acme/x", "components": [component("swe-bench-verified", 0.5, 3.0)]}]
    exact = fuse_scores(catalog, bench, [match("acme/x:free", "acme/x")], [])[0][0]
    fuzzy = fuse_scores(catalog, bench, [match("acme/x:free", "acme/x", "fuzzy", 0.8)], [])[0][0]
    assert (exact.estimate.units, fuzzy.estimate.units) == (3.0, 2.4)
    assert fuzzy.estimate.sd > exact.estimate.sd


def test_curated_weight_comes_from_its_own_results_and_skips_what_llm_stats_measured():
    catalog = [{"id": "acme/x:free"}]
    aider = Component("aider-polyglot", "aider-polyglot", 0.45, 2.5, False)
    curated = [CuratedScore(("acme/x",), "X", 50.0, "test", "", "2026-01-01", (aider,))]
    fused = fuse_scores(catalog, [], [], curated)[0][0]
    assert [(s.source, s.units) for s in fused.sources] == [("curated", 2.5)]
    slope, intercept = FIXED_LINES["curated"][:2]
    assert fused.sources[0].calibrated == round(slope * 50.0 + intercept, 2)
    bench = [{"id": "acme/x", "components": [component("aider-polyglot", 0.5, 2.5)]}]
    both = fuse_scores(catalog, bench, [match("acme/x:free", "acme/x")], curated)[0][0]
    assert [s.source for s in both.sources] == ["llm-stats"]  # the same benchmark is not counted twice


def test_older_dump_without_catalog_index_stays_on_the_catalog_scale():
    """2025-07-25 has no coding_index at all: LLM-Stats reaches the catalog scale through the fixed line."""
    catalog = free_catalog("models-2025-07-25.json")
    bench = [
        {
            "id": "deepseek/deepseek-r1",
            "components": [component("livecodebench", 0.659, 2.0), component("swe-bench-verified", 0.492, 3.0)],
        }
    ]
    fused, calibrations = fuse_scores(catalog, bench, [match("deepseek/deepseek-r1:free", "deepseek/deepseek-r1")], [])
    assert calibrations["llm-stats"].method == "fixed"
    r1 = by_id(fused)["deepseek/deepseek-r1:free"]
    assert r1.sources[0].calibrated == calibrations["llm-stats"].apply(r1.sources[0].raw)
    assert 15 < r1.coding_score < 35  # the 2026-08-18 index gives deepseek-r1 24.6


# A score source the project does not have: a code-review panel's marks (0-10), read from its own table, on a line
# of its own. Adding it to the sources tuple is all fusion needs.
REVIEW_MARKS = {"acme/x:free": 9.0}


def review_line(_evidence, _estimates):
    return Calibration("review-panel", "fixed", 8.0, 10.0, 6.0)


def review_marks(model, _evidence, line):
    mark = REVIEW_MARKS.get(model["id"])
    if mark is None:
        return None
    return Reading(Measurement("review-panel", line.apply(mark), line.residual_sd**2, 2.0), "review:panel-7", mark)


REVIEW_PANEL = Source("review-panel", review_line, review_marks)


def test_a_new_source_is_one_entry_in_the_sources_tuple():
    catalog = [{"id": "acme/x:free"}, {"id": "acme/y:free"}]
    bench = [{"id": "acme/x", "components": [component("swe-bench-verified", 0.3, 3.0)]}]
    matches = [match("acme/x:free", "acme/x")]
    before = by_id(fuse_scores(catalog, bench, matches, [])[0])
    fused, calibrations = fuse_scores(catalog, bench, matches, [], sources=SOURCES + (REVIEW_PANEL,))
    x = by_id(fused)["acme/x:free"]
    assert [(s.source, s.raw, s.calibrated, s.ref) for s in x.sources] == [
        (
            "llm-stats",
            before["acme/x:free"].sources[0].raw,
            before["acme/x:free"].sources[0].calibrated,
            "llm-stats:acme/x",
        ),
        ("review-panel", 9.0, 82.0, "review:panel-7"),  # 8 * 9 + 10
    ]
    assert x.coding_score > before["acme/x:free"].coding_score + 10  # a strong mark lifts a weak benchmark result
    assert x.estimate.units == before["acme/x:free"].estimate.units + 2.0
    assert calibrations["review-panel"].slope == 8.0
    assert by_id(fused)["acme/y:free"] == before["acme/y:free"]  # a model the panel did not mark stays put


def test_a_second_pass_source_is_calibrated_on_the_first_pass_estimates():
    """Like the coding probe: the line is fitted where the source and the other sources' estimates meet."""
    seen = {}

    def line_on_estimates(_evidence, estimates):
        seen.update(estimates)
        anchor = estimates.get("acme/x:free")
        return None if anchor is None else Calibration("review-panel", "offset", 1.0, anchor - 9.0, 6.0)

    catalog = [{"id": "acme/x:free", "benchmarks": {"artificial_analysis": {"coding_index": 50.0}}}]
    late = Source("review-panel", line_on_estimates, review_marks, second_pass=True)
    fused, calibrations = fuse_scores(catalog, [], [], [], sources=SOURCES + (late,))
    first = fuse_scores(catalog, [], [], [])[0][0]
    assert seen == {"acme/x:free": first.coding_score}
    assert [s.source for s in fused[0].sources] == ["artificial_analysis", "review-panel"]
    assert fused[0].sources[1].calibrated == first.coding_score
    assert calibrations["review-panel"].method == "offset"
    assert fuse_scores([{"id": "acme/z:free"}], [], [], [], sources=SOURCES + (late,))[1] == {}  # no anchor: no line


def test_the_pools_schema_names_every_source():
    schema = json.loads(pools_schema_path().read_text())
    assert set(schema["$defs"]["sourceName"]["enum"]) == {s.name for s in SOURCES} | set(WEB_CATEGORIES)


def test_a_remembered_index_counts_less_as_it_ages():
    catalog = [{"id": "acme/x-12b:free"}]
    fresh = fuse_scores(catalog, [], [], [], remembered={"acme/x-12b:free": Remembered(40.0, "2026-08-14", 0.0)})
    old = fuse_scores(catalog, [], [], [], remembered={"acme/x-12b:free": Remembered(40.0, "2026-05-16", 90.0)})
    fresh, old = fresh[0][0], old[0][0]
    assert fresh.sources[0].remembered == "2026-08-14" and fresh.sources[0].units == 6.0
    assert old.sources[0].units == 3.0  # half the weight after one half-life
    assert old.estimate.sd > fresh.estimate.sd and abs(old.coding_score - 18) < abs(fresh.coding_score - 18) + 1


def test_the_web_elo_is_the_page_measurement_and_the_coding_estimate_the_indirect_one():
    catalog = free_catalog(NEWEST)
    references = reference_scores(NEWEST)
    fused, _ = fuse_scores(catalog, [], [], [], references)
    lines = web_calibrations(catalog, references)
    website = lines["web:models/website"]
    assert website.method == "fixed" and len(website.points) >= 60 and not website.drifted
    assert website.live == pytest.approx(FIXED_LINES["web:models/website"][:2], abs=0.01)  # the line's own catalog
    pages = page_estimates(fused, catalog, lines)
    oss = by_id(fused)["openai/gpt-oss-20b:free"]
    page = pages["openai/gpt-oss-20b:free"]
    web = page.web
    assert web.source == "web:models/website" and web.raw == 864  # its website Elo in this catalog
    # the Elo's own noise (25 Elo points x the slope) against the coding estimate's sd plus the line's residual sd
    assert web.sd == pytest.approx(25 * website.slope, abs=0.01)
    assert page.coding_sd == pytest.approx(math.sqrt(oss.estimate.sd**2 + website.residual_sd**2), abs=0.01)
    assert web.weight > 0.85 and page.coding_weight == pytest.approx(1 - web.weight, abs=1e-3)
    assert page.estimate.mean < web.calibrated + 3 < oss.coding_score  # the weak web Elo decides, not the coding
    gemma = pages["google/gemma-4-31b-it:free"]  # no Elo: the coding estimate with the line's residual spread
    coding = by_id(fused)["google/gemma-4-31b-it:free"].estimate
    assert gemma.web is None and gemma.estimate.mean == coding.mean
    assert gemma.estimate.sd == pytest.approx(math.sqrt(coding.sd**2 + website.residual_sd**2), abs=0.01)
    scale = page.to_json(website)["scale"]
    assert scale["measure"] == "web:models/website"
    assert scale["elo"] == pytest.approx((page.estimate.mean - website.intercept) / website.slope, abs=0.1)


def test_a_remembered_web_elo_weighs_by_its_own_age():
    catalog = [m for m in free_catalog(NEWEST) if m["id"] != "openai/gpt-oss-20b:free"]
    catalog.append({"id": "openai/gpt-oss-20b:free", "benchmarks": {"artificial_analysis": {"coding_index": 20.7}}})
    references = reference_scores(NEWEST)
    fused, _ = fuse_scores(catalog, [], [], [], references)
    lines = web_calibrations(catalog, references)
    web = ("web:models/website", 864.0)
    fresh = Remembered(None, "2026-08-14", 0.0, web, "2026-08-14", 0.0)
    old = Remembered(None, "2026-08-14", 0.0, web, "2026-05-16", 90.0)  # the index listed now, the Elo 90 days ago
    young = page_estimates(fused, catalog, lines, {"openai/gpt-oss-20b:free": fresh})["openai/gpt-oss-20b:free"].web
    aged = page_estimates(fused, catalog, lines, {"openai/gpt-oss-20b:free": old})["openai/gpt-oss-20b:free"].web
    assert (young.remembered, aged.remembered) == ("2026-08-14", "2026-05-16")
    assert aged.sd == pytest.approx(young.sd / math.sqrt(0.5), abs=0.01)  # half the weight after one half-life


def test_no_source_means_unranked_with_a_reason():
    found = fuse_scores([{"id": "acme/x:free"}], [{"id": "acme/x"}], [match("acme/x:free", "acme/x")], [])[0][0]
    assert found.provisional is not None and found.estimate.units == 0.0  # provisional, the reason kept beside it
    fused, _ = fuse_scores(
        [{"id": "acme/x:free"}], [{"id": "acme/x"}], [match("acme/x:free", "acme/x")], [], provisional=False
    )
    assert fused[0].estimate is None and fused[0].reason == found.reason
    assert fused[0].reason == (
        "no coding score: no catalog coding_index, matched acme/x has no coding benchmarks, no curated score"
    )


def test_prior_classes_from_names():
    assert evidence.parameter_counts("qwen/qwen3-235b-a22b:free") == (235.0, 22.0)
    assert evidence.parameter_counts("google/gemma-3n-e4b-it:free") == (4.0, 4.0)
    assert evidence.parameter_counts("z-ai/glm-5.2:free", "Z.ai: GLM 5.2") == (None, None)
    assert evidence.parameter_counts("acme/x", known_total=70e9) == (70.0, 70.0)
    assert evidence.parameter_counts("nvidia/nemotron-nano-9b-v2", known_total=88.9e9) == (9.0, 9.0)
    assert [evidence.prior_for(n).mean for n in (4, 27, 70, 405, None)] == [8.0, 18.0, 25.0, 30.0, 18.0]


# ---------------------------------------------------------------- stability (issue 12, item 2)


@pytest.fixture(scope="module")
def real_inputs():
    """2026-08-18 free and paid models with the real LLM-Stats 24a9ccf scores (the committed excerpt: eight
    organizations) and matches, as the stages make them."""
    from modelpools.io.llmstats import parse_checkout
    from modelpools.records import CuratedScores
    from modelpools.resources import PACKAGE_OVERRIDES
    from modelpools.rules.matching import BenchmarkModel, CatalogModel, match_models
    from modelpools.stages.benchmarks import build_scores
    from modelpools.stages.match import load_overrides

    body = json.loads((DATA / "openrouter" / NEWEST).read_text())
    catalog, references = free_catalog(NEWEST), select_reference_scores(body)
    layout, records, _ = parse_checkout(NEW_LAYOUT_EXCERPT)
    bench = list(build_scores("llm-stats", None, layout, records).models)
    free_ids = {m["id"] for m in catalog}
    found = match_models(
        [CatalogModel.from_dict(m) for m in catalog + references if m["id"] not in free_ids or m in catalog],
        [BenchmarkModel.from_dict(m) for m in bench],
        load_overrides(PACKAGE_OVERRIDES),
    )
    matches = [m for m in found if m.id in free_ids]
    ref_matches = [
        match(m.id, m.benchmark_id, m.method, m.confidence) for m in found if m.id not in free_ids and m.benchmark_id
    ]
    curated = CuratedScores.load().scores
    baseline = {
        m.id: (m.coding_score, m.estimate.sd if m.estimate else None)
        for m in fuse_scores(catalog, bench, matches, curated, references, ref_matches)[0]
    }
    return catalog, references, bench, matches, ref_matches, curated, baseline


# MODELPOOLS_STABILITY_EXAMPLES=2000 runs the property below on many more generated catalogs.
STABILITY_EXAMPLES = int(os.environ.get("MODELPOOLS_STABILITY_EXAMPLES", "60"))


@settings(
    max_examples=STABILITY_EXAMPLES,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture],
)
@given(data=st.data())
def test_an_estimate_moves_at_most_a_point_when_unrelated_models_come_and_go(real_inputs, data):
    """Drop up to 8 of the paid models that calibrate LLM-Stats, curated scores or web Elo, and add up to 6 new ones
    (a coding index, an LLM-Stats score and a website Elo anywhere within two residual sds of the fixed lines, free or
    paid): no measured free model's coding estimate, uncertainty or page estimate moves by more than 1 point (a
    provisional estimate is the listing's fitted prior: it follows the listing, by design)."""
    catalog, references, bench, matches, ref_matches, curated, baseline = real_inputs
    pages = {
        mid: page.estimate.mean
        for mid, page in page_estimates(
            fuse_scores(catalog, bench, matches, curated, references, ref_matches)[0],
            catalog,
            web_calibrations(catalog, references),
        ).items()
    }
    drop = data.draw(st.sets(st.sampled_from(sorted({r["id"] for r in references})), max_size=8))
    extra = data.draw(
        st.lists(st.tuples(st.floats(0, 100), st.floats(-2, 2), st.floats(700, 1400), st.booleans()), max_size=6)
    )
    references = [r for r in references if r["id"] not in drop]
    catalog, bench, ref_matches = list(catalog), list(bench), [m for m in ref_matches if m.id not in drop]
    matches = list(matches)
    slope, intercept, _n, sd = FIXED_LINES["llm-stats"]
    web_slope, web_intercept, _n, web_sd = FIXED_LINES["web:models/website"]
    for i, (raw, z, elo, free) in enumerate(extra):
        index = min(100.0, max(0.0, slope * raw + intercept + z * sd))
        elo = min(elo, (index - web_intercept + 2 * web_sd) / web_slope)  # Elo within 2 sds of the fixed line too
        elo = max(elo, (index - web_intercept - 2 * web_sd) / web_slope)
        arena = {"design_arena": [{"arena": "models", "category": "website", "elo": round(elo)}]}
        bench.append({"id": f"b/new-{i}", "components": [component("livecodebench", raw / 100 * 0.85, 2.0)]})
        if free:
            mid = f"new/model-{i}:free"
            catalog.append(
                {"id": mid, "name": f"New {i}", "benchmarks": {"artificial_analysis": {"coding_index": index}, **arena}}
            )
            matches.append(match(mid, f"b/new-{i}"))
        else:
            references.append({"id": f"new/model-{i}", "coding_index": index, "benchmarks": arena})
            ref_matches.append(match(f"new/model-{i}", f"b/new-{i}"))
    fused = fuse_scores(catalog, bench, matches, curated, references, ref_matches)[0]
    moved_pages = page_estimates(fused, catalog, web_calibrations(catalog, references))
    for model in fused:
        if model.id in baseline and model.coding_score is not None and model.provisional is None:  # measured ones
            assert model.coding_score == pytest.approx(baseline[model.id][0], abs=1.0), model.id
            assert model.estimate.sd == pytest.approx(baseline[model.id][1], abs=1.0), model.id
            assert moved_pages[model.id].estimate.mean == pytest.approx(pages[model.id], abs=1.0), model.id
