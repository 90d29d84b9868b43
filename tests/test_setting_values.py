"""What each kind of setting accepts (modelpools.setting_values); how a bad value is reported: test_settings.py."""

import pytest

from modelpools.setting_values import parse_duration


@pytest.mark.parametrize(
    "text, seconds",
    [("90", 90), ("90s", 90), ("30m", 1800), ("24h", 86400), ("7d", 604800), (3600, 3600), ("1.5h", 5400)],
)
def test_durations(text, seconds):
    assert parse_duration(text) == seconds
