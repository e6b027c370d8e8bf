"""Per-interval aggregates: bin widths, nearest-rank percentiles, rates, active calls, errors."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from replay.report.series import (
    MAX_ERROR_SERIES,
    OTHER_ERRORS,
    bin_width,
    percentiles_by_bin,
    time_series,
)


def _outcomes(rows: list[tuple]) -> pd.DataFrame:
    """rows: (call, due_s, sent_s, done_s, outcome, reason)."""
    frame = pd.DataFrame(rows, columns=["vendorCallKey", "due_s", "sent_s", "done_s", "outcome",
                                        "reason"])
    frame["final_sent_s"] = frame["sent_s"]
    return frame


@pytest.mark.parametrize(
    ("span_s", "width"),
    [(10, 1), (2_000, 1), (2_001, 2), (3_600, 2), (7_200, 5), (86_400, 60),
     (30 * 86_400, 1800), (10_000 * 86_400, 432_000)],
)
def test_bin_width_is_the_narrowest_nice_interval_within_the_point_cap(span_s, width):
    assert bin_width(span_s) == width
    assert span_s / bin_width(span_s) <= 2000


def test_percentiles_by_bin_are_nearest_rank_and_nan_for_empty_bins():
    values = np.array([5.0, 1.0, 3.0, 2.0, 4.0, 100.0])
    bins = np.array([0, 0, 0, 0, 0, 2])
    found = percentiles_by_bin(values, bins, 3, (0.5, 0.99, 1.0))
    assert found[0.5][0] == 3.0  # ceil(0.5 * 5) = 3rd smallest
    assert found[0.99][0] == 5.0
    assert np.isnan(found[0.5][1])
    assert found[1.0][2] == 100.0


def test_percentiles_by_bin_match_numpy_on_random_data():
    rng = np.random.default_rng(3)
    values = rng.lognormal(size=5_000)
    bins = rng.integers(0, 7, size=5_000)
    found = percentiles_by_bin(values, bins, 7, (0.95,))
    for b in range(7):
        expected = np.percentile(values[bins == b], 95, method="inverted_cdf")
        assert found[0.95][b] == expected


def test_rates_count_due_sent_and_answered_messages_per_second():
    series = time_series(_outcomes([
        ("a", 0.1, 0.1, 0.2, "accepted", ""),
        ("a", 0.5, 1.2, 1.3, "accepted", ""),
        ("b", 0.7, 0.8, 2.5, "failed", "http_500"),
        ("b", 1.5, np.nan, np.nan, "unsent", "not_sent"),
    ]), duration_s=3.0)
    assert series.bin_s == 1.0
    assert list(series.lines["intended_mps"]) == [3, 1, 0]
    assert list(series.lines["sent_mps"]) == [2, 1, 0]
    assert list(series.lines["accepted_mps"]) == [1, 1, 0]
    assert list(series.lines["failed_mps"]) == [0, 0, 1]
    assert list(series.errors["http_500"]) == [0, 0, 1]  # placed when its answer came
    assert list(series.errors["not_sent"]) == [0, 1, 0]  # placed when it was due


def test_lag_is_measured_per_due_second_and_early_sends_count_as_zero():
    series = time_series(_outcomes([
        ("a", 0.0, 0.010, 0.02, "accepted", ""),
        ("a", 0.5, 0.490, 0.6, "accepted", ""),
        ("a", 1.0, 1.300, 1.4, "accepted", ""),
    ]), duration_s=2.0)
    assert series.lines["lag_max_ms"][0] == pytest.approx(10.0)
    assert series.lines["lag_p50_ms"][0] == 0.0
    assert series.lines["lag_p50_ms"][1] == pytest.approx(300.0)


def test_active_calls_span_first_send_to_last_answer():
    series = time_series(_outcomes([
        ("a", 0.0, 0.0, 0.1, "accepted", ""),
        ("a", 3.0, 3.0, 3.1, "accepted", ""),
        ("b", 1.0, 1.0, 1.1, "accepted", ""),
    ]), duration_s=5.0)
    assert list(series.lines["active_calls"]) == [1, 2, 1, 1, 0]


def test_only_the_commonest_error_reasons_get_their_own_series():
    rows = []
    for index in range(MAX_ERROR_SERIES + 3):
        rows += [("a", 0.0, 0.0, 0.1, "failed", f"http_{500 + index}")] * (20 - index)
    series = time_series(_outcomes(rows), duration_s=1.0)
    assert len(series.errors) == MAX_ERROR_SERIES + 1
    assert series.errors[OTHER_ERRORS][0] == sum(20 - i for i in range(MAX_ERROR_SERIES,
                                                                       MAX_ERROR_SERIES + 3))
