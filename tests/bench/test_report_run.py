"""bench.report_run: a synthetic run with and without series.json, and a measured build."""

from __future__ import annotations

import pytest

from bench.report_run import build, make


def test_make_writes_a_run_with_series_json_and_an_older_copy_without(tmp_path):
    make(tmp_path / "run", 3_000)
    assert (tmp_path / "run" / "series.json").is_file()
    assert not (tmp_path / "run-outcomes" / "series.json").exists()
    assert (tmp_path / "run-outcomes" / "outcomes.parquet").is_file()


def test_build_writes_the_report_and_measures_its_time_and_peak_memory(tmp_path):
    make(tmp_path / "run", 3_000)
    for run_dir in (tmp_path / "run", tmp_path / "run-outcomes"):
        measured = build(run_dir)
        assert measured["seconds"] > 0 and measured["peak_rss_mib"] > 0
        assert (run_dir / "report.html").stat().st_size / 1e6 == pytest.approx(
            measured["report_mb"], abs=0.01)
