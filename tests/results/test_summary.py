"""summary.json from a hand-built outcomes table with known numbers; reconciliation; files."""

from __future__ import annotations

import json
import math

import numpy as np
import pandas as pd
import pyarrow as pa
import pytest

from replay.errors import ConfigError
from replay.results.measures import Measures, measure_outcomes
from replay.results.outcomes import read_outcomes, write_outcomes
from replay.results.summary import (
    SCHEMA,
    build_summary,
    ledger_matches,
    read_summary,
    write_summary,
)
from replay.results.verdict import parse_fail_on

RUN = {"id": "run-1", "host": "http://127.0.0.1:8080", "workers": 1, "duration_s": 10.0}
DATASET = {"path": "datasets/sample.parquet", "calls": 10, "messages": 103, "span_s": 99.0}
OPTIONS = {"speed": 10.0, "send_at": "end", "loops": 1, "jwt_key": "keys/replay.pem"}

# 100 messages due every 0.1 s. Messages 0-89 sent i ms late; 0-79 accepted, 80-84 http_500,
# 85-86 http_429, 87 timeout, 88 connection_error (both status 0), 89 sent but unfinished;
# 90-97 not sent, 98-99 lost with their worker. Every finished attempt took 10 ms.
FAILURES = {
    **{i: (500, "http_500") for i in range(80, 85)},
    85: (429, "http_429"),
    86: (429, "http_429"),
    87: (0, "timeout"),
    88: (0, "connection_error"),
}


def outcomes_frame() -> pd.DataFrame:
    rows = []
    for i in range(100):
        due = i / 10
        sent = due + i / 1000 if i < 90 else math.nan
        done = sent + 0.010 if i < 89 else math.nan
        status, reason, outcome = 202, "", "accepted"
        if i in FAILURES:
            (status, reason), outcome = FAILURES[i], "failed"
        elif i == 89:
            status, reason, outcome = 0, "unfinished", "failed"
        elif i >= 90:
            status, reason, outcome = -1, "not_sent" if i < 98 else "worker_lost", "unsent"
        rows.append(
            {
                "vendorCallKey": f"call-{i // 10}",
                "messageId": f"m{i % 10}",
                "senderType": "END_USER",
                "call_seq": i % 10,
                "pass": 0,
                "worker": 0,
                "due_s": due,
                "sent_s": sent,
                "final_sent_s": sent,
                "done_s": done,
                "status": status,
                "outcome": outcome,
                "reason": reason,
                "attempts": 0 if i >= 90 else 1,
            }
        )
    return pd.DataFrame(rows)


def summary_of(outcomes=None, **overrides):
    arguments = {
        "run": RUN,
        "dataset": DATASET,
        "options": OPTIONS,
        "skipped": 3,
        "mock_stats": None,
        "thresholds": (),
    }
    if outcomes is None and "measures" not in overrides:
        outcomes = outcomes_frame()
    if outcomes is not None:
        arguments["outcomes"] = outcomes
    arguments.update(overrides)
    return build_summary(**arguments)


def test_counts_by_outcome_status_and_reason():
    counts = summary_of()["counts"]
    assert counts == {
        "planned": 103,
        "sent": 90,
        "accepted": 80,
        "failed": 10,
        "skipped": 3,
        "unsent": 10,
        "retried": 0,
        "attempts": 90,
        "failed_by_status": {"500": 5, "0": 3, "429": 2},
        "failed_by_reason": {
            "http_500": 5, "http_429": 2, "connection_error": 1, "timeout": 1, "unfinished": 1,
        },
        "unsent_by_reason": {"not_sent": 8, "worker_lost": 2},
    }  # fmt: skip


def test_retries_count_messages_with_more_than_one_attempt_and_every_attempt():
    frame = outcomes_frame()
    frame.loc[[3, 4], "attempts"] = [2, 4]  # 3 then accepted, 4 ...
    frame.loc[80, "attempts"] = 3  # ... and a failure: all of them retried
    counts = summary_of(frame)["counts"]
    assert (counts["retried"], counts["attempts"]) == (3, 90 + 1 + 3 + 2)


def test_rates_intended_over_the_due_span_achieved_over_the_send_span():
    frame = outcomes_frame()
    earlier = frame.loc[:49, "due_s"] / 2  # the first half twice as fast
    for column in ("due_s", "sent_s", "final_sent_s", "done_s"):
        frame.loc[:49, column] -= earlier
    rates = summary_of(frame)["rates"]
    assert rates["intended_mps"] == pytest.approx(100 / 9.9, abs=1e-3)
    assert rates["achieved_mps"] == pytest.approx(90 / 8.989, abs=1e-3)
    assert (rates["peak_intended_mps"], rates["peak_achieved_mps"]) == (20, 20)


def test_a_steady_rate_averages_to_that_rate_never_above_the_busiest_second():
    rates = summary_of()["rates"]  # 10 due and 10 sent in each second: 100 / 9.9 s is 10.1
    assert (rates["intended_mps"], rates["peak_intended_mps"]) == (10.0, 10)
    assert (rates["achieved_mps"], rates["peak_achieved_mps"]) == (10.0, 10)


def test_rates_are_none_when_everything_is_due_at_once():
    frame = outcomes_frame()
    frame["due_s"] = 0.0
    rates = summary_of(frame)["rates"]
    assert rates["intended_mps"] is None and rates["peak_intended_mps"] is None


@pytest.mark.parametrize(
    ("latency", "expected"),
    [
        ("lag", {"count": 90, "mean": 44.5, "p50": 44, "p90": 80, "p95": 85, "p99": 89,
                 "p99_9": 89, "max": 89}),
        ("service", {"count": 89, "mean": 10, "p50": 10, "p90": 10, "p95": 10, "p99": 10,
                     "p99_9": 10, "max": 10}),
        ("from_schedule", {"count": 89, "mean": 54, "p50": 54, "p90": 90, "p95": 94, "p99": 98,
                           "p99_9": 98, "max": 98}),
    ],
)  # fmt: skip
def test_latency_percentiles_of_known_values(latency, expected):
    stats = summary_of()["latency_ms"][latency]
    assert stats == {key: pytest.approx(value, rel=1e-3) for key, value in expected.items()}


def test_service_time_is_measured_from_the_final_attempt():
    frame = outcomes_frame()
    frame.loc[0, "final_sent_s"] = frame.loc[0, "done_s"] - 0.002  # retried; last attempt 2 ms
    service = summary_of(frame)["latency_ms"]["service"]
    assert service["count"] == 89 and service["p50"] == pytest.approx(10, rel=1e-3)
    assert service["mean"] == pytest.approx((88 * 10 + 2) / 89, abs=1e-3)  # 1 µs rounding


def test_arrow_and_pandas_outcomes_give_the_same_summary():
    frame = outcomes_frame()
    assert summary_of(pa.Table.from_pandas(frame)) == summary_of(frame)


def test_outcomes_read_back_from_parquet_into_pandas_give_the_same_summary(tmp_path):
    frame = outcomes_frame()
    path = write_outcomes(tmp_path / "outcomes.parquet", pa.Table.from_pandas(frame))
    assert summary_of(read_outcomes(path).to_pandas()) == summary_of(frame)


def test_merged_measures_of_two_workers_give_the_same_summary_as_all_rows():
    frame = outcomes_frame()
    halves = [measure_outcomes(frame.iloc[:37]), measure_outcomes(frame.iloc[37:])]
    shipped = [Measures.from_dict(json.loads(json.dumps(half.to_dict()))) for half in halves]
    merged = shipped[0].merge(shipped[1])
    assert summary_of(measures=merged) == summary_of(frame)


def test_empty_outcomes_give_zero_counts_and_no_latency():
    summary = summary_of(outcomes_frame().iloc[:0], skipped=0)
    assert summary["counts"]["planned"] == 0 and summary["counts"]["sent"] == 0
    assert summary["latency_ms"]["lag"]["p99"] is None
    assert summary["rates"]["achieved_mps"] is None
    assert summary["reconciliation"]["balanced"] is True


def test_reconciliation_balances_planned_against_every_outcome():
    reconciliation = summary_of()["reconciliation"]
    assert reconciliation == {
        "planned": 103, "accepted": 80, "failed": 10, "skipped": 3, "unsent": 10,
        "unaccounted": 0, "balanced": True, "mock": None,
    }  # fmt: skip


def test_a_plan_larger_than_its_outcomes_is_unbalanced():
    reconciliation = summary_of(planned=105)["reconciliation"]
    assert reconciliation["planned"] == 108
    assert reconciliation["unaccounted"] == 5 and reconciliation["balanced"] is False


@pytest.mark.parametrize(
    ("stored", "outside_window", "matches"),
    [
        (80, 0, True),  # exactly the accepted messages
        (78, 2, True),  # two of them outside the call window
        (83, 0, True),  # plus all three failures without a response
        (84, 0, False),  # one more than could have reached the mock
        (79, 0, False),  # an accepted message is missing from the ledger
    ],
)
def test_mock_matches_when_its_ledger_accounts_for_every_accepted_message(
    stored, outside_window, matches
):
    stats = {"received": 95, "stored": stored, "duplicates": 4, "outside_window": outside_window}
    mock = summary_of(mock_stats=stats)["reconciliation"]["mock"]
    assert mock == {
        "received": 95, "stored": stored, "duplicates": 4, "outside_window": outside_window,
        "ambiguous": 3, "matches": matches,
    }  # fmt: skip


@pytest.mark.parametrize(
    ("accepted", "taken", "ambiguous", "matches"),
    [(5, 5, 0, True), (5, 7, 2, True), (5, 8, 2, False), (5, 4, 2, False), (0, 0, 0, True)],
)
def test_ledger_matches_is_the_one_rule(accepted, taken, ambiguous, matches):
    assert ledger_matches(accepted=accepted, taken=taken, ambiguous=ambiguous) is matches


def test_blocks_carry_run_dataset_and_options_without_secrets():
    summary = summary_of(options={**OPTIONS, "jwt_token": "eyJ...", "client_secret": "s"})
    assert summary["schema"] == SCHEMA
    assert summary["run"]["id"] == "run-1" and summary["run"]["partial"] is False
    assert summary["run"]["replay_version"] == "0.1.0"
    assert summary["dataset"]["skipped_invalid"] == 3
    assert summary["options"] == OPTIONS


def test_the_connections_block_is_the_usage_given_or_null():
    usage = {"limit": 1000, "peak_open": 37, "waited": 2, "wait_s": 0.01}
    assert summary_of(connections=usage)["connections"] == usage
    assert summary_of()["connections"] is None


def test_verdict_is_evaluated_on_the_summary():
    thresholds = parse_fail_on("error_rate>5%,p95>300ms")
    verdict = summary_of(thresholds=thresholds)["verdict"]
    assert verdict["passed"] is False
    assert [row["passed"] for row in verdict["thresholds"]] == [False, True]
    assert verdict["thresholds"][0]["measured"] == pytest.approx(100 * 10 / 90, rel=1e-6)


def test_write_then_read_returns_the_same_summary(tmp_path):
    summary = summary_of(mock_stats={"stored": 80, "outside_window": 0})
    path = write_summary(tmp_path / "summary.json", summary)
    assert read_summary(path) == summary
    assert [p.name for p in tmp_path.iterdir()] == ["summary.json"]


def test_write_turns_numpy_values_and_nan_into_plain_json(tmp_path):
    summary = {"schema": SCHEMA, "a": np.float64("nan"), "b": np.int64(3), "c": float("inf")}
    path = write_summary(tmp_path / "summary.json", summary)
    assert json.loads(path.read_text()) == {"schema": SCHEMA, "a": None, "b": 3, "c": None}


def test_reading_a_summary_of_another_schema_says_so(tmp_path):
    path = tmp_path / "summary.json"
    path.write_text('{"schema": "replay-summary/0"}')
    with pytest.raises(ConfigError) as error:
        read_summary(path)
    assert str(error.value) == (
        f"{path}: schema is 'replay-summary/0', expected 'replay-summary/1'; it was not written"
        " by this version of replay (rerun the replay, or use the matching replay version)"
    )


def test_reading_a_file_that_is_not_json_names_it(tmp_path):
    path = tmp_path / "summary.json"
    path.write_text("not json")
    with pytest.raises(ConfigError, match=r"summary.json: not a readable JSON file"):
        read_summary(path)


def test_the_verdict_of_a_partial_run_fails_without_thresholds():
    run = {**RUN, "partial": True, "partial_reason": "endpoint_down: 10 messages not sent"}
    verdict = summary_of(run=run)["verdict"]
    assert verdict == {
        "passed": False,
        "decided_by": "problems",
        "reason": "the run is partial (endpoint_down: 10 messages not sent)",
        "problems": ["the run is partial (endpoint_down: 10 messages not sent)"],
        "thresholds": [],
    }
