"""The report's tables: endpoints (with Locust's lifecycle rows), senders, errors, slow calls."""

from __future__ import annotations

from dataclasses import replace

import pandas as pd
import pytest

from replay.report.data import load_run
from replay.report.tables import (
    TRANSCRIPT_ENDPOINT,
    by_endpoint,
    by_sender_type,
    error_reasons,
    nearest_rank,
    report_tables,
    slowest_calls,
)


def _frame(rows: list[tuple]) -> pd.DataFrame:
    """rows: (call, seq, sender, due_s, sent_s, done_s, status, outcome, reason)."""
    frame = pd.DataFrame(rows, columns=["vendorCallKey", "call_seq", "senderType", "due_s",
                                        "sent_s", "done_s", "status", "outcome", "reason"])
    frame["messageId"] = [f"m{i}" for i in range(len(frame))]
    frame["service_ms"] = (frame["done_s"] - frame["sent_s"]) * 1000
    frame["from_schedule_ms"] = (frame["done_s"] - frame["due_s"]) * 1000
    frame["is_error"] = frame["outcome"] != "accepted"
    return frame


ROWS = [
    ("a", 0, "END_USER", 0.0, 0.0, 0.010, 202, "accepted", ""),
    ("a", 1, "HUMAN_AGENT", 1.0, 1.0, 1.500, 503, "failed", "http_503"),
    ("a", 2, "END_USER", 2.0, 2.0, 2.020, 202, "accepted", ""),
    ("b", 0, "END_USER", 0.5, 0.5, 0.530, 503, "failed", "http_503"),
    ("b", 1, "HUMAN_AGENT", 1.5, float("nan"), float("nan"), -1, "unsent", "not_sent"),
    ("c", 0, "END_USER", 0.2, 0.2, 0.204, 202, "accepted", ""),
]


@pytest.mark.parametrize(("q", "expected"), [(0.5, 2.0), (0.95, 4.0), (1.0, 4.0), (0.01, 1.0)])
def test_nearest_rank_percentile(q, expected):
    assert nearest_rank(pd.Series([4.0, 1.0, 3.0, 2.0, float("nan")]).to_numpy(), q) == expected


def test_sender_types_get_counts_error_shares_and_percentiles():
    rows = {row["senderType"]: row for row in by_sender_type(_frame(ROWS)).rows}
    assert rows["END_USER"]["count"] == 4
    assert rows["END_USER"]["error_share"] == 0.25
    assert rows["HUMAN_AGENT"]["error_share"] == 1.0
    assert rows["END_USER"]["p50"] == pytest.approx(10.0)
    assert rows["HUMAN_AGENT"]["p99"] == pytest.approx(500.0)  # the unsent one has no latency


def test_error_reasons_are_grouped_with_a_count_and_one_example():
    table = error_reasons(_frame(ROWS))
    first = table.rows[0]
    assert (first["reason"], first["status"], first["count"]) == ("http_503", 503, 2)
    assert first["example"] == "a / m1"
    assert [row["reason"] for row in table.rows] == ["http_503", "not_sent"]


def test_error_reasons_are_capped_and_say_how_many_are_hidden():
    rows = [("a", i, "END_USER", 0.0, 0.0, 0.1, 400 + i, "failed", f"http_{400 + i}")
            for i in range(5)]
    table = error_reasons(_frame(rows), limit=3)
    assert len(table.rows) == 3
    assert table.note == "2 rarer reason(s) not shown."


def test_slowest_calls_rank_by_worst_latency_from_schedule():
    table = slowest_calls(_frame(ROWS))
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
    table = by_endpoint(_frame(ROWS), None)
    assert [row["endpoint"] for row in table.rows] == [TRANSCRIPT_ENDPOINT]
    assert table.rows[0]["count"] == len(ROWS)


def test_worker_table_appears_only_for_distributed_runs(small_run):
    run = load_run(small_run)
    assert "workers" not in [table.key for table in report_tables(run)]
    outcomes = run.outcomes.assign(worker=run.outcomes["call_seq"] % 2)
    tables = report_tables(replace(run, outcomes=outcomes))
    workers = next(table for table in tables if table.key == "workers")
    assert [row["worker"] for row in workers.rows] == [0, 1]
    assert sum(row["count"] for row in workers.rows) == len(outcomes)
