"""bench.soak.rss_trend: start, end, growth and slope of the replay's memory series."""

from __future__ import annotations

import pytest

from bench.soak import MIB, rss_trend


def series(mib_at, seconds=600, every=5):
    return [(t, int(mib_at(t) * MIB)) for t in range(0, seconds + 1, every)]


def test_flat_memory_has_growth_one_and_no_slope():
    trend = rss_trend(series(lambda t: 200))
    assert trend["growth"] == pytest.approx(1.0)
    assert trend["slope_mib_per_h"] == pytest.approx(0.0, abs=1e-6)


def test_a_leak_shows_as_slope_in_mib_per_hour_and_growth():
    trend = rss_trend(series(lambda t: 200 + t / 60))  # 1 MiB a minute
    assert trend["slope_mib_per_h"] == pytest.approx(60.0)
    assert trend["growth"] > 1.03


def test_the_loading_ramp_in_the_first_fifth_is_left_out():
    trend = rss_trend(series(lambda t: 50 + t if t < 100 else 200))
    assert trend["start_mib"] == pytest.approx(200)
    assert trend["slope_mib_per_h"] == pytest.approx(0.0, abs=1e-6)


def test_too_few_samples_is_an_error_that_says_so():
    with pytest.raises(ValueError, match="only 2 RSS samples"):
        rss_trend([(0, MIB), (1, MIB)])
