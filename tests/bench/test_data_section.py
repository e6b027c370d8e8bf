"""bench.data_section.data_figures: bench.data's numbers become figures with the issue's targets."""

from __future__ import annotations

import pytest

from bench.data_section import data_figures


def measured(parquet_s, csv_s, rss=700.0, held=250.0):
    return {"setup": "...", "generate_s": 4.0,
            "parquet": {"load_validate_s": parquet_s - 0.1, "plan_s": 0.1, "total_s": parquet_s,
                        "peak_rss_mib": rss, "bytes_per_message": held, "file_mib": 40.0},
            "csv": {"load_validate_s": csv_s - 0.1, "plan_s": 0.1, "total_s": csv_s,
                    "peak_rss_mib": rss, "bytes_per_message": held, "file_mib": 90.0}}


def test_each_format_gets_seconds_memory_and_bytes_per_message_over_the_repeats():
    figures = {f.key: f for f in data_figures([measured(1.0, 3.0), measured(1.2, 3.4)],
                                              judged=True)}
    assert sorted(figures) == [
        "data.csv.bytes_per_message", "data.csv.peak_rss_mib", "data.csv.total_s",
        "data.parquet.bytes_per_message", "data.parquet.peak_rss_mib", "data.parquet.total_s"]
    assert figures["data.parquet.total_s"].samples == (1.0, 1.2)
    assert figures["data.csv.total_s"].median == pytest.approx(3.2)


@pytest.mark.parametrize(("key", "value"), [
    ("data.parquet.total_s", 2.0), ("data.csv.total_s", 4.0),
    ("data.parquet.peak_rss_mib", 1024), ("data.csv.bytes_per_message", 400),
])
def test_targets_are_the_issues_limits(key, value):
    figures = {f.key: f for f in data_figures([measured(1.0, 3.0)], judged=True)}
    assert (figures[key].target.op, figures[key].target.value) == ("<=", value)


def test_a_small_quick_run_is_not_judged_against_the_million_message_targets():
    assert all(f.target is None for f in data_figures([measured(0.1, 0.1)], judged=False))
