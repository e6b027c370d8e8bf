"""The time charts' data: bin widths, and series.json's lines as arrays (the aggregation
itself is tested in tests/results/test_series.py)."""

from __future__ import annotations

import numpy as np
import pytest

from replay.report.series import bin_width, time_series


@pytest.mark.parametrize(
    ("span_s", "width"),
    [(10, 1), (2_000, 1), (2_001, 2), (3_600, 2), (7_200, 5), (86_400, 60),
     (30 * 86_400, 1800), (10_000 * 86_400, 432_000)],
)
def test_bin_width_is_the_narrowest_nice_interval_within_the_point_cap(span_s, width):
    assert bin_width(span_s) == width
    assert span_s / bin_width(span_s) <= 2000


def test_time_series_reads_the_series_file_and_empty_intervals_become_nan():
    series = time_series({"bin_s": 2.0, "t": [0.0, 2.0], "lines": {"lag_p99_ms": [1.5, None]},
                          "errors": {"http_500": [0.5, 0.0]}})
    assert series.bin_s == 2.0
    assert list(series.t) == [0.0, 2.0]
    assert series.lines["lag_p99_ms"][0] == 1.5 and np.isnan(series.lines["lag_p99_ms"][1])
    assert list(series.errors["http_500"]) == [0.5, 0.0]
