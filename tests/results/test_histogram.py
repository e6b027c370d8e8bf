"""The latency histogram: accuracy against numpy, exact merges, shipping form, edge values."""

from __future__ import annotations

import json

import numpy as np
import pytest

from replay.results.histogram import HIGHEST_MS, STAT_KEYS, Histogram

QUANTILES = (1.0, 50.0, 90.0, 95.0, 99.0, 99.9)


def _random(kind: str, size: int = 19_997) -> np.ndarray:
    """Random latencies; the odd default size keeps q% of it off whole ranks, where numpy's own
    float rounding would pick the neighbouring value."""
    rng = np.random.default_rng(7)
    if kind == "lognormal":
        return rng.lognormal(mean=1.0, sigma=1.5, size=size)
    if kind == "uniform":
        return rng.uniform(0.01, 5_000.0, size=size)
    if kind == "bimodal":
        return np.concatenate([rng.normal(2.0, 0.2, size // 2), rng.normal(900.0, 50.0, size // 2)])
    return rng.exponential(30.0, size=size)


@pytest.mark.parametrize("kind", ["lognormal", "uniform", "bimodal", "exponential"])
@pytest.mark.parametrize("q", QUANTILES)
def test_percentile_is_within_one_tenth_percent_of_numpy_nearest_rank(kind, q):
    values = _random(kind)
    histogram = Histogram()
    histogram.record(values)
    expected = np.percentile(values, q, method="inverted_cdf")
    assert histogram.percentile(q) == pytest.approx(expected, rel=1e-3)


def test_count_mean_and_max_are_exact():
    values = _random("lognormal")
    histogram = Histogram()
    histogram.record(values)
    assert histogram.count == values.size
    assert histogram.mean == pytest.approx(values.mean(), rel=1e-12)
    assert histogram.max == values.max()
    assert histogram.percentile(100) == values.max()


def test_merge_equals_recording_the_union():
    a, b = _random("lognormal", 5_000), _random("uniform", 7_000)
    left, right, union = Histogram(), Histogram(), Histogram()
    left.record(a)
    right.record(b)
    union.record(np.concatenate([a, b]))
    assert left.merge(right) == union
    assert left.stats() == union.stats()


def test_recording_in_pieces_equals_recording_at_once():
    values = _random("exponential")
    pieces, whole = Histogram(), Histogram()
    for chunk in np.array_split(values, 13):
        pieces.record(chunk)
    whole.record(values)
    assert pieces == whole


def test_to_dict_survives_json_and_rebuilds_an_equal_histogram():
    histogram = Histogram()
    histogram.record(_random("bimodal"))
    shipped = json.loads(json.dumps(histogram.to_dict()))
    assert Histogram.from_dict(shipped) == histogram
    assert len(shipped["buckets"]) < 5_000  # sparse: only non-empty buckets travel


def test_empty_histogram_reports_zero_count_and_none_values():
    histogram = Histogram()
    assert histogram.count == 0
    assert histogram.percentile(99) is None
    assert histogram.mean is None and histogram.max is None
    assert histogram.stats() == {key: (0 if key == "count" else None) for key in STAT_KEYS}
    assert Histogram.from_dict(json.loads(json.dumps(histogram.to_dict()))) == histogram


def test_negative_values_count_as_zero():
    histogram = Histogram()
    histogram.record(np.array([-5.0, -0.1, 10.0]))
    assert histogram.count == 3
    assert histogram.percentile(50) == 0.0
    assert histogram.stats()["mean"] == pytest.approx(10.0 / 3, abs=1e-3)


def test_nan_values_are_ignored():
    histogram = Histogram()
    histogram.record(np.array([np.nan, 4.0, np.nan]))
    assert histogram.count == 1
    assert histogram.percentile(50) == 4.0


def test_values_beyond_the_range_are_clamped_but_counted_and_max_stays_exact():
    histogram = Histogram()
    histogram.record(np.array([1.0, HIGHEST_MS * 10]))
    assert histogram.count == 2
    assert histogram.max == HIGHEST_MS * 10
    assert histogram.percentile(50) == pytest.approx(1.0, rel=1e-3)


def test_infinite_values_land_in_the_last_bucket():
    histogram = Histogram()
    histogram.record(np.array([2.0, np.inf]))
    assert histogram.count == 2
    assert histogram.percentile(50) == pytest.approx(2.0, rel=1e-3)


def test_tiny_values_report_as_zero_or_themselves():
    histogram = Histogram()
    histogram.record(np.array([0.0005, 0.0005]))
    assert histogram.percentile(50) == 0.0005  # clamped to the exact min/max seen


@pytest.mark.parametrize("q", [0, -1, 100.5])
def test_percentile_outside_0_to_100_is_refused(q):
    with pytest.raises(ValueError, match="percentile must be in"):
        Histogram().percentile(q)


def test_from_dict_refuses_another_bucket_layout():
    data = Histogram().to_dict()
    data["growth"] = 1.05
    with pytest.raises(ValueError, match="differs from this version"):
        Histogram.from_dict(data)


def test_stats_have_the_summary_keys_in_order():
    histogram = Histogram()
    histogram.record(np.arange(1, 1001, dtype=float))
    stats = histogram.stats()
    assert tuple(stats) == STAT_KEYS
    assert stats["count"] == 1000
    assert stats["p50"] == pytest.approx(500, rel=1e-3)
    assert stats["p99_9"] == pytest.approx(999, rel=1e-3)
    assert stats["max"] == 1000
