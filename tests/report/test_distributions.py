"""Log-scale histograms of latencies."""

from __future__ import annotations

import numpy as np

from replay.report.distributions import BINS_PER_DECADE, FLOOR_MS, log_histogram


def test_every_finite_value_is_counted_once():
    values = np.array([0.5, 1.0, 7.0, 250.0, np.nan, 3_000.0])
    histogram = log_histogram(values)
    assert histogram.total == 5


def test_bins_are_equal_on_a_log_scale_from_the_floor():
    histogram = log_histogram(np.array([0.02, 99.0]))
    ratios = histogram.edges_ms[1:] / histogram.edges_ms[:-1]
    assert np.allclose(ratios, 10 ** (1 / BINS_PER_DECADE))
    assert histogram.edges_ms[0] == FLOOR_MS
    assert histogram.edges_ms[-1] >= 99.0


def test_zero_and_negative_values_fall_in_the_first_bin():
    histogram = log_histogram(np.array([-0.3, 0.0, FLOOR_MS]))
    assert histogram.counts[0] == 3


def test_a_value_lands_in_the_bin_whose_edges_hold_it():
    histogram = log_histogram(np.array([42.0]))
    index = int(np.flatnonzero(histogram.counts)[0])
    assert histogram.edges_ms[index] <= 42.0 < histogram.edges_ms[index + 1]


def test_no_values_give_an_empty_histogram():
    assert log_histogram(np.array([])).total == 0
