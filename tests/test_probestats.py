"""Probe statistics: Wilson intervals, the evidence weight, and calibration onto the reference scale by the same rule
as every other source (a line on three or more anchors, else no calibration and no mixing)."""

import random

import pytest

from modelpools.rules.calibration import fit_calibration
from modelpools.rules.probestats import (
    HALF_WEIGHT_ITEMS,
    ProbeTally,
    anchor_points,
    calibrate_probe,
    evidence_weight,
    probe_scores,
    wilson_interval,
)

Z90 = 1.6448536269514722


def tally(model, correct, answered, probe_set="v1-test"):
    return ProbeTally(model, probe_set, answered, correct)


def test_wilson_bounds_at_none_and_all_right_have_a_closed_form():
    for n in (1, 10, 100):
        low, high = wilson_interval(0, n)
        assert low == 0.0 and high == pytest.approx(Z90**2 / (n + Z90**2))
        assert wilson_interval(n, n) == pytest.approx((1 - high, 1.0))


def test_wilson_contains_the_proportion_mirrors_and_narrows_with_items():
    rng = random.Random(7)
    for _ in range(200):
        n = rng.randint(1, 500)
        k = rng.randint(0, n)
        low, high = wilson_interval(k, n)
        assert 0.0 <= low <= k / n <= high <= 1.0
        mirror = wilson_interval(n - k, n)
        assert mirror == pytest.approx((1 - high, 1 - low))
    widths = [(lambda lo_hi: lo_hi[1] - lo_hi[0])(wilson_interval(n // 2, n)) for n in (10, 40, 160, 640)]
    assert widths == sorted(widths, reverse=True)
    assert widths[2] / widths[3] == pytest.approx(2, rel=0.02)  # width ~ 1/sqrt(n) for many items
    assert wilson_interval(0, 0) == (0.0, 1.0)


def test_wilson_matches_the_normal_approximation_for_many_items():
    low, high = wilson_interval(5000, 10000)
    half = Z90 * (0.25 / 10000) ** 0.5
    assert (low, high) == pytest.approx((0.5 - half, 0.5 + half), abs=1e-4)


def test_evidence_weight_grows_with_items_answered():
    weights = [evidence_weight(n) for n in (0, 5, 20, HALF_WEIGHT_ITEMS, 200, 2000)]
    assert weights[0] == 0.0 and weights[3] == 0.5
    assert weights == sorted(weights) and len(set(weights)) == len(weights)
    assert weights[-1] < 1.0


def test_a_tally_cannot_have_more_right_than_answered():
    with pytest.raises(ValueError, match="got 5 of 4"):
        tally("a/b", 5, 4)
    assert tally("a/b", 0, 0).accuracy is None


REFERENCE = {"v/a": 20.0, "v/b": 30.0, "v/c": 40.0, "v/d": 50.0}


def test_anchors_are_models_probed_and_scored_by_the_reference_counted_once_per_base_id():
    tallies = {
        "v/a:free": tally("v/a:free", 3, 10),
        "v/a": tally("v/a", 10, 40),
        "v/b:free": tally("v/b:free", 5, 10),
        "v/new:free": tally("v/new:free", 9, 10),
        "v/c:free": tally("v/c:free", 0, 0),
    }
    assert anchor_points(tallies, REFERENCE) == [(25.0, 20.0), (50.0, 30.0)]


def test_fewer_than_three_anchors_leave_the_probe_uncalibrated_and_unscored():
    tallies = {
        "v/a:free": tally("v/a:free", 2, 10),
        "v/b:free": tally("v/b:free", 4, 10),
        "v/new:free": tally("v/new:free", 9, 10),
    }
    scores, calibration = probe_scores(tallies, REFERENCE)
    assert calibration.method == "uncalibrated" and calibration.points == 2
    assert scores == {}


def test_three_anchors_on_a_line_map_an_unscored_model_onto_the_reference_scale():
    # reference = 0.5 * accuracy + 10 on the anchors
    tallies = {
        "v/a:free": tally("v/a:free", 4, 20),
        "v/b:free": tally("v/b:free", 8, 20),
        "v/c:free": tally("v/c:free", 12, 20),
        "v/new:free": tally("v/new:free", 14, 20),
    }
    scores, calibration = probe_scores(tallies, REFERENCE)
    assert calibration == fit_calibration("probe", [(20.0, 20.0), (40.0, 30.0), (60.0, 40.0)])
    assert (calibration.method, calibration.points) == ("linear", 3)
    assert calibration.slope == pytest.approx(0.5) and calibration.intercept == pytest.approx(10.0)
    new = scores["v/new:free"]
    assert (new.items, new.accuracy, new.calibrated) == (20, 70.0, 45.0)
    low, high = wilson_interval(14, 20)
    assert (new.low, new.high) == (round(100 * low, 2), round(100 * high, 2))
    assert new.calibrated_low == pytest.approx(0.5 * new.low + 10, abs=0.01)
    assert new.calibrated_low < new.calibrated < new.calibrated_high
    assert new.weight == evidence_weight(20)
    assert new.to_json()["calibratedInterval"] == [new.calibrated_low, new.calibrated_high]
    assert set(scores) == set(tallies)


def test_calibration_does_not_depend_on_the_order_of_inputs():
    tallies = {f"v/{c}:free": tally(f"v/{c}:free", k, 20) for c, k in zip("abcd", (3, 9, 11, 17))}
    reversed_tallies = dict(reversed(list(tallies.items())))
    assert calibrate_probe(tallies, REFERENCE) == calibrate_probe(
        reversed_tallies, dict(reversed(list(REFERENCE.items())))
    )


def test_the_benchmark_simulation_agrees_with_the_exact_binomial_computation():
    import sys
    from pathlib import Path

    sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "benchmarks"))
    import bench_probe

    ordered, separating = bench_probe.simulate(60, 0.5, 4000, random.Random(1))
    exact_ordered, exact_separating = bench_probe.exact(60, 0.5)
    assert ordered == pytest.approx(exact_ordered, abs=0.02)
    assert separating == pytest.approx(exact_separating, abs=0.025)
    assert 0.8 < exact_ordered < 0.9 and exact_separating < exact_ordered
