"""The metrics benchmark measures a real scrape, in the threadpool and on the loop."""

from __future__ import annotations

from bench.metrics_section import measure


def test_measure_scrapes_a_recorder_and_reports_time_and_both_stalls():
    figures = measure(2_000)
    assert set(figures) == {"scrape_ms", "stall_threadpool_ms", "stall_inline_ms"}
    assert all(value > 0 for value in figures.values())
