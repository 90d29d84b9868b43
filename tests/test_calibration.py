"""Calibration lines: the documented fixed line maps a raw score whatever the current catalog holds; the catalog's
own points are kept for the chart and only checked against the line (drift)."""

import pytest

from modelpools.rules.calibration import FIXED_LINES, MIN_DRIFT_POINTS, calibration_line


def test_the_documented_fixed_line_maps_scores_however_many_common_points_there_are():
    slope0, intercept0, _n, sd0 = FIXED_LINES["llm-stats"]
    few = calibration_line("llm-stats", [(50.0, 20.0, 5.0)] * 3)
    flatter = calibration_line("llm-stats", [(x, 0.30 * x + 5.0, 6.0) for x in range(20, 100, 5)])  # 16 points
    for line in (few, flatter, calibration_line("llm-stats", [])):
        assert (line.method, line.slope, line.intercept, line.residual_sd) == ("fixed", slope0, intercept0, sd0)
        assert line.apply(50.0) == round(slope0 * 50.0 + intercept0, 2)  # never slope 1
    assert flatter.live == pytest.approx((0.30, 5.0))  # the points' own line is kept for the chart, not used
    assert len(flatter.points) == 16 and few.live is None  # three identical raws: no line through them


def test_common_points_off_the_fixed_line_mark_it_drifted():
    slope0, intercept0 = FIXED_LINES["llm-stats"][:2]
    raws = range(20, 100, 5)  # 16 points, 6 units each: sd sqrt(25 + 121/6) = 6.7, the mean's se 6.7/4 = 1.7
    on = calibration_line("llm-stats", [(x, slope0 * x + intercept0 + (3 if x % 10 else -3), 6.0) for x in raws])
    off = calibration_line("llm-stats", [(x, slope0 * x + intercept0 + 8, 6.0) for x in raws])  # a revised index
    short = calibration_line("llm-stats", [(x, slope0 * x + intercept0 + 8, 6.0) for x in raws][: MIN_DRIFT_POINTS - 1])
    assert on.shift[0] == pytest.approx(0.0) and not on.drifted
    assert off.shift == pytest.approx((8.0, (25 + 121 / 6) ** 0.5 / 4)) and off.drifted
    assert off.to_json()["drift"] == {"shift": 8.0, "se": 1.68, "drifted": True}
    assert not short.drifted  # too few points to say
    assert off.apply(50.0) == on.apply(50.0)  # drift is reported, never applied
