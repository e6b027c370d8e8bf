"""The report's tables: endpoints (with Locust's lifecycle rows), senders, errors, slow calls."""

from __future__ import annotations

import shutil

import pyarrow as pa
import pytest

from replay.report.data import load_run
from replay.report.tables import (
    TRANSCRIPT_ENDPOINT,
    by_endpoint,
    by_sender_type,
    error_reasons,
    report_tables,
    slowest_calls,
)
from replay.results.outcomes import read_outcomes
from replay.results.series import SERIES_FILE, series_of_table, write_series

from .synthetic import outcomes_from_rows


def _series(rows: list[tuple]) -> dict:
    """rows: (call, seq, sender, due_s, sent_s, done_s, status, outcome, reason)."""
    return series_of_table(outcomes_from_rows(rows))


ROWS = [
    ("a", 0, "END_USER", 0.0, 0.0, 0.010, 202, "accepted", ""),
    ("a", 1, "HUMAN_AGENT", 1.0, 1.0, 1.500, 503, "failed", "http_503"),
    ("a", 2, "END_USER", 2.0, 2.0, 2.020, 202, "accepted", ""),
    ("b", 0, "END_USER", 0.5, 0.5, 0.530, 503, "failed", "http_503"),
    ("b", 1, "HUMAN_AGENT", 1.5, float("nan"), float("nan"), -1, "unsent", "not_sent"),
    ("c", 0, "END_USER", 0.2, 0.2, 0.204, 202, "accepted", ""),
]


def test_sender_types_get_counts_error_shares_and_percentiles():
    rows = {row["senderType"]: row
            for row in by_sender_type(_series(ROWS)["groups"]["senderType"]).rows}
    assert rows["END_USER"]["count"] == 4
    assert rows["END_USER"]["error_share"] == 0.25
    assert rows["HUMAN_AGENT"]["error_share"] == 1.0
    assert rows["END_USER"]["p50"] == pytest.approx(10.0, rel=1e-3)  # a 0.2% bucket
    # the unsent one has no latency
    assert rows["HUMAN_AGENT"]["p99"] == pytest.approx(500.0, rel=1e-3)


def test_error_reasons_are_grouped_with_a_count_and_one_example():
    table = error_reasons(_series(ROWS)["error_reasons"], len(ROWS))
    first = table.rows[0]
    assert (first["reason"], first["status"], first["count"]) == ("http_503", 503, 2)
    assert first["example"] == "a / m1"
    assert [row["reason"] for row in table.rows] == ["http_503", "not_sent"]


def test_error_reasons_are_capped_and_say_how_many_are_hidden():
    rows = [("a", i, "END_USER", 0.0, 0.0, 0.1, 400 + i, "failed", f"http_{400 + i}")
            for i in range(5)]
    table = error_reasons(_series(rows)["error_reasons"], len(rows), limit=3)
    assert len(table.rows) == 3
    assert table.note == "2 rarer reason(s) not shown."


def test_slowest_calls_rank_by_worst_latency_from_schedule():
    table = slowest_calls(_series(ROWS)["slowest_calls"])
    assert [row["vendorCallKey"] for row in table.rows] == ["a", "b", "c"]
    assert table.rows[0]["worst_ms"] == pytest.approx(500.0)
    assert table.rows[0]["final_ms"] == pytest.approx(20.0)
    assert table.rows[0]["errors"] == 1


def test_endpoints_add_lifecycle_rows_from_locust_csv_but_not_messages_or_aggregated(small_run):
    run = load_run(small_run)
    table = next(table for table in report_tables(run) if table.key == "endpoints")
    names = [row["endpoint"] for row in table.rows]
    assert names == [TRANSCRIPT_ENDPOINT, "POST /voiceCalls", "PATCH /voiceCalls/[vendorCallKey]"]
    assert table.rows[1]["p95"] == 44.0


def test_endpoints_without_locust_csv_list_only_the_transcript_endpoint():
    table = by_endpoint(_series(ROWS)["groups"]["all"]["all"], None)
    assert [row["endpoint"] for row in table.rows] == [TRANSCRIPT_ENDPOINT]
    assert table.rows[0]["count"] == len(ROWS)


def test_worker_table_appears_only_for_distributed_runs(tmp_path, small_run):
    assert "workers" not in [table.key for table in report_tables(load_run(small_run))]
    run_dir = tmp_path / "run"
    shutil.copytree(small_run, run_dir)
    outcomes = read_outcomes(run_dir / "outcomes.parquet")
    worker = (outcomes["call_seq"].to_numpy() % 2).astype("int16")
    outcomes = outcomes.set_column(outcomes.schema.get_field_index("worker"), "worker",
                                   pa.array(worker))
    write_series(run_dir / SERIES_FILE, series_of_table(outcomes))
    tables = report_tables(load_run(run_dir))
    workers = next(table for table in tables if table.key == "workers")
    assert [row["worker"] for row in workers.rows] == [0, 1]
    assert sum(row["count"] for row in workers.rows) == outcomes.num_rows
