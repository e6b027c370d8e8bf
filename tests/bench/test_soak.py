"""bench.soak.rss_trend: start, end, growth and slope of the replay's memory over its timeline."""

from __future__ import annotations

import pytest

from bench.soak import MIB, rss_trend

T0 = 1_764_000_000.0


def series(mib_at, seconds=600, every=5):
    """Samples from 30 s before the timeline (loading) to 30 s after it (writing outputs)."""
    return [(T0 + t, int(mib_at(t) * MIB)) for t in range(-30, seconds + 31, every)]


def trend_of(mib_at, seconds=600):
    return rss_trend(series(mib_at, seconds), start=T0, end=T0 + seconds)


def test_flat_memory_has_growth_one_and_no_slope():
    trend = trend_of(lambda t: 200)
    assert trend["growth"] == pytest.approx(1.0)
    assert trend["slope_mib_per_h"] == pytest.approx(0.0, abs=1e-6)


def test_a_leak_shows_as_slope_in_mib_per_hour_and_growth():
    trend = trend_of(lambda t: 200 + t / 60)  # 1 MiB a minute
    assert trend["slope_mib_per_h"] == pytest.approx(60.0)
    assert trend["growth"] > 1.03


def test_loading_warm_up_and_writing_the_outputs_are_left_out():
    def mib_at(t):
        if t < 0:
            return 380  # loading the dataset
        if t < 60:
            return 250 + t  # warm-up, the first tenth of the timeline
        return 400 if t > 600 else 300  # then steady, then writing the outputs

    trend = trend_of(mib_at)
    assert (trend["start_mib"], trend["end_mib"]) == (pytest.approx(300), pytest.approx(300))
    assert trend["slope_mib_per_h"] == pytest.approx(0.0, abs=1e-6)


def test_too_few_samples_in_the_timeline_is_an_error_that_says_so():
    with pytest.raises(ValueError, match="only 2 RSS samples inside the replay's timeline"):
        rss_trend([(T0 + 10, MIB), (T0 + 20, MIB), (T0 + 200, MIB)], start=T0, end=T0 + 100)
