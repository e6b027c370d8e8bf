"""series.json aggregated batch by batch: the same in any batching, and the report's definitions."""

from __future__ import annotations

import json

import numpy as np
import pyarrow as pa
import pytest

import replay.results.series as series_module
import replay.results.series_calls as series_calls
from replay.errors import ConfigError
from replay.results.outcomes import SCHEMA, read_outcomes
from replay.results.series import (
    DIST_FLOOR_MS,
    MAX_ERROR_SERIES,
    MAX_SLOW_CALLS,
    OTHER_ERRORS,
    SeriesBuilder,
    read_series,
    series_of_table,
    write_series,
)
from tests.report.synthetic import outcomes_from_rows, write_synthetic_run

NAN = float("nan")


def _series(rows, duration_s=0.0):
    return series_of_table(outcomes_from_rows(rows), duration_s=duration_s)


@pytest.fixture(scope="module")
def synthetic_outcomes(tmp_path_factory):
    run_dir = write_synthetic_run(tmp_path_factory.mktemp("series") / "run", messages=20_000,
                                  series=False)
    return read_outcomes(run_dir / "outcomes.parquet")


def test_series_from_many_batches_equals_the_series_from_one(synthetic_outcomes):
    whole = series_of_table(synthetic_outcomes, duration_s=125.0)
    builder = SeriesBuilder()
    for start in range(0, synthetic_outcomes.num_rows, 777):
        builder.add(synthetic_outcomes.slice(start, 777))
    assert json.dumps(builder.finish(duration_s=125.0), sort_keys=True) == \
        json.dumps(whole, sort_keys=True)


def test_compacting_the_aggregates_changes_nothing(synthetic_outcomes, monkeypatch):
    whole = series_of_table(synthetic_outcomes, duration_s=125.0)
    monkeypatch.setattr(series_module, "_COMPACT_ROWS", 50)  # compact after almost every batch
    compacted = series_of_table(synthetic_outcomes, duration_s=125.0, batch_rows=500)
    assert json.dumps(compacted, sort_keys=True) == json.dumps(whole, sort_keys=True)


def test_counts_and_rates_match_the_per_message_definitions(synthetic_outcomes):
    """What the report computed from the whole outcomes table before series.json existed."""
    series = series_of_table(synthetic_outcomes, duration_s=125.0)
    frame = synthetic_outcomes.to_pandas()
    count = len(series["t"])
    assert series["bin_s"] == 1.0 and count == 125

    def per_second(seconds):
        seconds = seconds[~np.isnan(seconds)]
        return np.bincount(np.minimum(np.floor(seconds).astype(int), count - 1),
                           minlength=count).tolist()

    accepted = frame["outcome"] == "accepted"
    assert series["lines"]["intended_mps"] == per_second(frame["due_s"].to_numpy())
    assert series["lines"]["sent_mps"] == per_second(frame["sent_s"].to_numpy())
    assert series["lines"]["accepted_mps"] == per_second(frame["done_s"][accepted].to_numpy())
    assert series["lines"]["failed_mps"] == per_second(frame["done_s"][~accepted].to_numpy())
    assert series["rows"] == len(frame)
    by_sender = frame.groupby("senderType", observed=True)
    senders = series["groups"]["senderType"]
    assert {name: group["count"] for name, group in senders.items()} == \
        by_sender.size().to_dict()
    assert {name: group["errors"] for name, group in senders.items()} == \
        (~accepted).groupby(frame["senderType"], observed=True).sum().to_dict()
    failed = frame[~accepted].groupby(["reason", "status"], observed=True).size()
    assert {(r["reason"], r["status"]): r["count"] for r in series["error_reasons"]} == \
        {key: count for key, count in failed.items() if count}


def test_percentiles_per_second_are_within_the_bucket_width_of_the_exact_ones(
        synthetic_outcomes):
    series = series_of_table(synthetic_outcomes, duration_s=125.0)
    frame = synthetic_outcomes.to_pandas()
    sent = frame.dropna(subset=["sent_s"])
    lag = np.maximum(sent["sent_s"] - sent["due_s"], 0) * 1000
    for second, values in lag.groupby(np.floor(sent["due_s"]).astype(int)):
        exact = np.percentile(values, 99, method="inverted_cdf")
        assert series["lines"]["lag_p99_ms"][second] == pytest.approx(exact, rel=0.02, abs=1e-3)
        assert series["lines"]["lag_max_ms"][second] == pytest.approx(values.max())


def test_rates_count_due_sent_and_answered_messages_per_second():
    series = _series([
        ("a", 0, "END_USER", 0.1, 0.1, 0.2, 202, "accepted", ""),
        ("a", 1, "END_USER", 0.5, 1.2, 1.3, 202, "accepted", ""),
        ("b", 0, "END_USER", 0.7, 0.8, 2.5, 500, "failed", "http_500"),
        ("b", 1, "END_USER", 1.5, NAN, NAN, -1, "unsent", "not_sent"),
    ], duration_s=3.0)
    assert series["bin_s"] == 1.0
    assert series["lines"]["intended_mps"] == [3, 1, 0]
    assert series["lines"]["sent_mps"] == [2, 1, 0]
    assert series["lines"]["accepted_mps"] == [1, 1, 0]
    assert series["lines"]["failed_mps"] == [0, 0, 1]
    assert series["errors"]["http_500"] == [0, 0, 1]  # placed when its answer came
    assert series["errors"]["not_sent"] == [0, 1, 0]  # placed when it was due


def test_lag_is_measured_per_due_second_and_early_sends_count_as_zero():
    series = _series([
        ("a", 0, "END_USER", 0.0, 0.010, 0.02, 202, "accepted", ""),
        ("a", 1, "END_USER", 0.5, 0.490, 0.6, 202, "accepted", ""),
        ("a", 2, "END_USER", 1.0, 1.300, 1.4, 202, "accepted", ""),
    ], duration_s=3.0)
    assert series["lines"]["lag_max_ms"][0] == pytest.approx(10.0)
    assert series["lines"]["lag_p50_ms"][0] == 0.0
    assert series["lines"]["lag_p50_ms"][1] == pytest.approx(300.0, rel=0.02)  # a 3.3% bucket
    assert series["lines"]["service_p50_ms"][2] is None  # an interval without answers


def test_active_calls_span_first_send_to_last_answer_across_batches():
    rows = [
        ("a", 0, "END_USER", 0.0, 0.0, 0.1, 202, "accepted", ""),
        ("b", 0, "END_USER", 1.0, 1.0, 1.1, 202, "accepted", ""),
        ("a", 1, "END_USER", 3.0, 3.0, 3.1, 202, "accepted", ""),
    ]
    builder = SeriesBuilder()
    for row in rows:
        builder.add(outcomes_from_rows([row]))
    assert builder.finish(duration_s=5.0)["lines"]["active_calls"] == [1, 2, 1, 1, 0]


def test_only_the_commonest_error_reasons_get_their_own_series():
    rows = []
    for index in range(MAX_ERROR_SERIES + 3):
        rows += [("a", 0, "END_USER", 0.0, 0.0, 0.1, 500 + index, "failed",
                  f"http_{500 + index}")] * (20 - index)
    series = _series(rows, duration_s=1.0)
    assert len(series["errors"]) == MAX_ERROR_SERIES + 1
    assert series["errors"][OTHER_ERRORS][0] == sum(
        20 - i for i in range(MAX_ERROR_SERIES, MAX_ERROR_SERIES + 3))


def test_error_reasons_keep_a_count_and_the_first_example_across_batches():
    builder = SeriesBuilder()
    builder.add(outcomes_from_rows([("a", 0, "END_USER", 0.0, 0.0, 0.1, 202, "accepted", ""),
                                    ("a", 1, "END_USER", 0.5, 0.5, 0.6, 503, "failed",
                                     "http_503")]))
    builder.add(outcomes_from_rows([("b", 0, "END_USER", 0.7, 0.7, 0.8, 503, "failed",
                                     "http_503"),
                                    ("b", 1, "END_USER", 0.9, NAN, NAN, -1, "unsent",
                                     "not_sent")]))
    reasons = builder.finish()["error_reasons"]
    assert reasons[0] == {"reason": "http_503", "status": 503, "count": 2,
                          "example": "a / m1", "due_s": 0.5}
    assert [reason["reason"] for reason in reasons] == ["http_503", "not_sent"]


def test_slowest_calls_rank_by_worst_latency_from_schedule_across_batches():
    builder = SeriesBuilder()
    builder.add(outcomes_from_rows([("a", 0, "END_USER", 0.0, 0.0, 0.5, 503, "failed",
                                     "http_503"),
                                    ("b", 0, "END_USER", 0.0, 0.0, 0.2, 202, "accepted", "")]))
    builder.add(outcomes_from_rows([("a", 1, "END_USER", 1.0, 1.0, 1.02, 202, "accepted", "")]))
    calls = builder.finish()["slowest_calls"]
    assert [call["vendorCallKey"] for call in calls] == ["a", "b"]
    assert calls[0]["worst_ms"] == pytest.approx(500.0)
    assert calls[0]["final_ms"] == pytest.approx(20.0)
    assert (calls[0]["messages"], calls[0]["errors"]) == (2, 1)


def test_distributions_count_every_finite_value_once_in_the_bin_that_holds_it():
    rows = [("a", i, "END_USER", 0.0, 0.0, done, 202, "accepted", "")
            for i, done in enumerate([0.042, 0.0, -0.001, 0.5])]
    rows.append(("a", 9, "END_USER", 0.0, NAN, NAN, -1, "unsent", "not_sent"))
    service = _series(rows)["distributions"]["service"]
    edges, counts = np.array(service["edges_ms"]), np.array(service["counts"])
    assert sum(counts) == 4
    assert edges[0] == pytest.approx(DIST_FLOOR_MS) and edges[-1] >= 500.0
    assert counts[0] == 2  # zero and negative values fall into the first bin
    index = int(np.flatnonzero((edges[:-1] <= 42.0) & (edges[1:] > 42.0))[0])
    assert counts[index] == 1


def test_groups_hold_counts_errors_and_service_percentiles_per_sender_and_worker():
    series = _series([
        ("a", 0, "END_USER", 0.0, 0.0, 0.010, 202, "accepted", "", 0),
        ("a", 1, "HUMAN_AGENT", 1.0, 1.0, 1.500, 503, "failed", "http_503", 0),
        ("b", 0, "END_USER", 0.5, 0.5, 0.530, 503, "failed", "http_503", 1),
    ])
    assert series["groups"]["senderType"]["END_USER"]["count"] == 2
    assert series["groups"]["senderType"]["END_USER"]["errors"] == 1
    assert series["groups"]["worker"]["1"]["service_p50"] == pytest.approx(30.0, rel=1e-3)
    assert series["groups"]["all"]["all"]["count"] == 3


def test_an_empty_run_has_one_empty_interval():
    series = _series([])
    assert series["rows"] == 0 and series["t"] == [0.0]
    assert series["lines"]["lag_p99_ms"] == [None] and series["slowest_calls"] == []


def test_series_file_round_trips_and_other_files_are_refused(tmp_path):
    series = _series([("a", 0, "END_USER", 0.0, 0.0, 0.1, 202, "accepted", "")])
    path = write_series(tmp_path / "series.json", series)
    assert read_series(path) == series
    (tmp_path / "other.json").write_text('{"schema": "replay-summary/1"}')
    with pytest.raises(ConfigError, match=r"other\.json: not a replay-series/1 file; delete it "
                                          r"to report from outcomes\.parquet"):
        read_series(tmp_path / "other.json")


def _short_calls(calls: int, *, messages: int = 2, batch: int, order=None):
    """Outcome tables of `batch` rows each, with each row's `last` flag: `calls` calls of
    `messages` messages 1 s apart, a hundred starting a second (about 200 in flight at once),
    in due order (or in `order`)."""
    call = np.repeat(np.arange(calls), messages)
    seq = np.tile(np.arange(messages), calls)
    due = call / 100 + seq
    order = np.argsort(due, kind="stable") if order is None else order
    call, seq, due = call[order], seq[order], due[order]
    for start in range(0, len(due), batch):
        rows = slice(start, start + batch)
        size = len(due[rows])
        yield pa.table({
            "vendorCallKey": np.char.add("CA-", call[rows].astype(str)),
            "messageId": np.char.add("m-", np.arange(start, start + size).astype(str)),
            "senderType": ["END_USER"] * size, "call_seq": seq[rows],
            "pass": np.zeros(size, np.int16), "worker": np.zeros(size, np.int16),
            "due_s": due[rows], "sent_s": due[rows] + 0.001, "final_sent_s": due[rows] + 0.001,
            "done_s": due[rows] + 0.005 + call[rows] % 7 / 1000, "status": np.full(size, 202),
            "outcome": ["accepted"] * size, "reason": [""] * size, "attempts": np.ones(size),
        }).cast(SCHEMA), seq[rows] == messages - 1


def test_the_per_call_state_held_follows_the_calls_in_flight_not_the_calls_finished(
        monkeypatch):
    monkeypatch.setattr(series_calls, "MERGE_ROWS", 5_000)  # merge (and free) often
    builder = SeriesBuilder()
    for table, last in _short_calls(200_000, batch=10_000):
        builder.add(table, last=last)
    # ~200 calls in flight, batches of 10,000 rows: of the 200,000 calls, never more than the
    # rows waiting to merge plus a batch's calls are held, however many have finished
    assert builder.peak_calls_held <= 5_000 + 10_000
    series = builder.finish()
    assert series["rows"] == 400_000
    assert sum(call["messages"] for call in series["slowest_calls"]) == 2 * MAX_SLOW_CALLS


def test_closing_calls_as_they_end_gives_the_series_of_keeping_them_all(monkeypatch):
    monkeypatch.setattr(series_calls, "MERGE_ROWS", 300)
    shuffled = np.random.default_rng(3).permutation(9_000)  # batches end in any order
    kept, closed = SeriesBuilder(), SeriesBuilder()
    for table, last in _short_calls(3_000, messages=3, batch=500, order=shuffled):
        kept.add(table)
        closed.add(table, last=last)
    assert closed.peak_calls_held < kept.peak_calls_held
    assert json.dumps(closed.finish(), sort_keys=True) == json.dumps(kept.finish(),
                                                                       sort_keys=True)
