"""The probe stage's plan: today's allowance leaves the site its share, requests are planned unscored-first with
anchors kept, and candidates are the unranked and thin models with anchors spread over the score range."""

from modelpools.records import Batch, ModelResult, ProbeResults
from modelpools.rules.probe import probe_set_id
from modelpools.stages.probe_plan import ProbeOptions, candidates_from, plan_requests, probe_allowance

SET = probe_set_id()
DEFAULTS = ProbeOptions(enabled=True)


def test_allowance_is_the_probe_budget_while_the_site_stays_within_its_share():
    # cap 50, probe 20: the site keeps 30 a day
    assert probe_allowance(DEFAULTS, 50, used_today=0, probe_used_today=0) == 20
    assert probe_allowance(DEFAULTS, 50, used_today=25, probe_used_today=0) == 20
    assert probe_allowance(DEFAULTS, 50, used_today=12, probe_used_today=12) == 8
    assert probe_allowance(DEFAULTS, 50, used_today=20, probe_used_today=20) == 0


def test_allowance_shrinks_when_the_site_uses_more_than_its_share_and_never_goes_negative():
    assert probe_allowance(DEFAULTS, 50, used_today=40, probe_used_today=0) == 10
    assert probe_allowance(DEFAULTS, 50, used_today=50, probe_used_today=0) == 0
    assert probe_allowance(DEFAULTS, 50, used_today=60, probe_used_today=5) == 0
    assert probe_allowance(DEFAULTS, 1000, used_today=300, probe_used_today=0) == 20  # a funded account's limit
    assert probe_allowance(ProbeOptions(daily_requests=80), 50, used_today=0, probe_used_today=0) == 50


def test_plan_puts_anchors_then_unscored_models_round_robin_within_the_allowance():
    results = ProbeResults(SET)
    plan = plan_requests(
        ["new/a", "new/b"],
        ["anchor/1", "anchor/2", "anchor/3", "anchor/4"],
        results,
        DEFAULTS,
        allowance=12,
        today="2026-08-18",
    )
    assert plan[:5] == ["anchor/1", "anchor/2", "anchor/3", "new/a", "new/b"]
    assert len(plan) == 12 and "anchor/4" not in plan
    assert (
        plan.count("anchor/1") == 3 and plan.count("new/a") == plan.count("new/b") == 2
    )  # a partial pass: anchors first


def test_plan_skips_models_at_the_target_and_models_unreachable_today():
    done = ModelResult("new/done", (Batch("2026-08-17", 0, 90, 40),), 90)
    down = ModelResult("new/down", (), 0, unreachable_day="2026-08-18", failures=1)
    down_yesterday = ModelResult("new/back", (), 0, unreachable_day="2026-08-17", failures=1)
    results = ProbeResults(SET, {r.id: r for r in (done, down, down_yesterday)})
    plan = plan_requests(["new/done", "new/down", "new/back"], [], results, DEFAULTS, 5, "2026-08-18")
    assert plan == ["new/back"] * 5


def test_plan_stops_when_every_model_has_its_items():
    plan = plan_requests(["new/a"], [], ProbeResults(SET), ProbeOptions(target_items=25), 20, "2026-08-18")
    assert plan == ["new/a"] * 3


def test_candidates_are_unranked_then_thin_and_anchors_span_the_score_range():
    def ranked(mid, evidence, thin=False):
        return {"id": mid, "evidence": evidence, "thinEvidence": thin}

    doc = {
        "unranked": [{"id": "z/new"}, {"id": "a/new"}],
        "excluded": [{"id": "guard/safety"}],
        "models": [
            ranked("m/1", 8.5),
            ranked("m/2", 6.0),
            ranked("m/thin", 1.5, True),
            ranked("m/3", 6.0),
            ranked("m/thinner", 0.5, True),
            ranked("m/4", 3.0),
            ranked("m/5", 12.0),
        ],
    }
    candidates, anchors = candidates_from(doc)
    assert candidates == ["a/new", "z/new", "m/thinner", "m/thin"]
    assert anchors[:3] == ["m/1", "m/5", "m/3"] and sorted(anchors) == ["m/1", "m/2", "m/3", "m/4", "m/5"]


def test_provisional_models_are_probed_first_in_rank_order():
    """A provisional model (no measurement: its estimate is the listing's prior) is measured before anything else, the
    most promising first; it is never an anchor."""
    prior = {"method": "fitted", "points": 122, "inputs": {}, "reason": "no coding score"}
    doc = {
        "unranked": [{"id": "a/new"}],
        "models": [
            {"id": "m/1", "evidence": 6.0, "thinEvidence": False},
            {"id": "p/strong", "evidence": 0.0, "thinEvidence": True, "provisional": prior},
            {"id": "m/thin", "evidence": 1.5, "thinEvidence": True},
            {"id": "m/2", "evidence": 6.0, "thinEvidence": False},
            {"id": "p/weak", "evidence": 0.0, "thinEvidence": True, "provisional": prior},
        ],
    }
    candidates, anchors = candidates_from(doc)
    assert candidates == ["p/strong", "p/weak", "a/new", "m/thin"]
    assert anchors == ["m/1", "m/2"]
