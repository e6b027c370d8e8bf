"""The distribution charts' histograms, read from series.json (counted in replay.results.series,
tested in tests/results/test_series.py)."""

from __future__ import annotations

import numpy as np
import pytest

from replay.report.distributions import BINS_PER_DECADE, FLOOR_MS, distributions
from replay.results.series import series_of_table

from .synthetic import outcomes_from_rows


def test_every_latency_gets_a_histogram_with_equal_log_bins_from_the_floor():
    rows = [("a", 0, "END_USER", 0.0, 0.0, 0.099, 202, "accepted", "")]
    hists = distributions(series_of_table(outcomes_from_rows(rows)))
    assert set(hists) == {"lag", "service", "from_schedule"}
    service = hists["service"]
    assert service.total == 1
    assert service.edges_ms[0] == pytest.approx(FLOOR_MS)
    assert np.allclose(np.diff(np.log10(service.edges_ms)), 1 / BINS_PER_DECADE)
    assert service.edges_ms[-1] >= 99.0
    assert len(service.counts) == len(service.edges_ms) - 1
