"""End to end: `locust -f locustfile.py --headless` replays a generated dataset against the mock.

One replay (30 calls, ~9 s of timeline at speed 20, tokens with a 2-second TTL, the mock
verifying every token) is examined by several tests; the faults tests make their own runs.
"""

from __future__ import annotations

import json
from collections import defaultdict
from pathlib import Path

import pyarrow.parquet as pq
import pytest

from replay.mock.process import start_mock

from .conftest import (
    CALL_CENTER,
    JWT_HEADER_B64,
    ORG_ID,
    locust_args,
    run_locust,
    write_dataset,
)

pytestmark = pytest.mark.e2e

CALLS, MESSAGES = 30, 12


@pytest.fixture(scope="module")
def replay(tmp_path_factory, key_pair):
    folder = tmp_path_factory.mktemp("replay")
    dataset = write_dataset(folder / "calls.parquet", calls=CALLS, messages=MESSAGES, span_s=180)
    mock_args = ["--public-key", str(key_pair.public), "--org-id", ORG_ID,
                 "--call-center", CALL_CENTER]
    with start_mock(mock_args) as mock:
        run_dir = folder / "reports" / "main"
        args = locust_args(
            dataset=dataset, host=mock.url + "/telephony/v1", key_pair=key_pair, run_dir=run_dir,
            extra=["--speed", "20", "--jwt-mode", "shared", "--jwt-ttl", "2",
                   "--mock-admin", mock.url,
                   "--progress-interval", "2", "--fail-on", "error_rate>0%"],
        )
        run = run_locust(args, run_dir=run_dir)
        ledger, stats = mock.ledger(), mock.stats()
    assert (run_dir / "summary.json").is_file(), run.stdout[-2000:] + run.stderr[-4000:]
    summary = json.loads((run_dir / "summary.json").read_text())
    return run, summary, ledger, stats


def test_the_run_passes_and_writes_every_output(replay):
    run, summary, _, _ = replay
    assert run.returncode == 0, run.stderr[-3000:]
    for name in ("summary.json", "outcomes.parquet", "report.html", "locust.html",
                 "locust_stats.csv"):
        assert (run.run_dir / name).is_file(), name
    assert summary["verdict"]["passed"] is True


def test_every_planned_message_is_accepted_and_the_mock_ledger_agrees(replay):
    _, summary, ledger, stats = replay
    counts = summary["counts"]
    planned = CALLS * MESSAGES
    assert counts["planned"] == planned
    assert counts["planned"] == counts["accepted"] + counts["failed"] + counts["skipped"]
    assert counts["accepted"] == planned
    assert len(ledger) == counts["accepted"]
    assert stats["stored"] == planned
    assert summary["reconciliation"]["balanced"] is True
    assert summary["reconciliation"]["mock"]["matches"] is True


def test_each_calls_messages_arrive_in_order(replay):
    _, _, ledger, _ = replay
    arrivals = defaultdict(list)
    for row in sorted(ledger, key=lambda row: (row["vendorCallKey"], row["call_seq"])):
        arrivals[row["vendorCallKey"]].append(row["messageId"])
    assert len(arrivals) == CALLS
    for messages in arrivals.values():
        assert messages == [f"m{m:03d}" for m in range(MESSAGES)]


def test_tokens_were_verified_and_renewed_without_a_single_401(replay):
    _, summary, _, stats = replay
    # the mock checks signature, iss, sub and expiry; a 2 s TTL over ~9 s needs renewals
    assert summary["counts"]["failed_by_status"] == {}
    assert stats["rejected"] == {}
    assert stats["received"] == CALLS * MESSAGES
    assert summary["run"]["duration_s"] > 4


def test_schedule_lag_stays_within_loose_bounds(replay):
    _, summary, _, _ = replay
    assert summary["latency_ms"]["lag"]["count"] == CALLS * MESSAGES
    assert summary["latency_ms"]["lag"]["p50"] < 100
    assert summary["latency_ms"]["lag"]["max"] < 2000


def test_outcomes_have_one_row_per_message_with_sent_and_done_times(replay):
    run, _, _, _ = replay
    table = pq.read_table(run.run_dir / "outcomes.parquet").to_pandas()
    assert len(table) == CALLS * MESSAGES
    assert (table["outcome"] == "accepted").all()
    assert (table["sent_s"] >= table["due_s"] - 0.01).all()
    assert (table["done_s"] >= table["sent_s"]).all()


def test_headless_run_prints_progress_and_the_summary(replay):
    run, _, _, _ = replay
    text = run.stdout + run.stderr
    assert "progress: " in text
    assert f"Messages: planned {CALLS * MESSAGES}, sent {CALLS * MESSAGES}" in text
    assert "Verdict: PASSED" in text


def test_no_output_or_log_contains_the_key_or_a_token(replay, key_pair):
    run, _, _, _ = replay
    key_lines = [line for line in key_pair.private_pem.splitlines() if "-----" not in line]
    texts = {"stdout": run.stdout, "stderr": run.stderr}
    for path in Path(run.run_dir).rglob("*"):
        if path.is_file():
            texts[str(path)] = path.read_bytes().decode("utf-8", errors="replace")
    for where, text in texts.items():
        assert JWT_HEADER_B64 not in text, f"a token in {where}"
        for line in key_lines:
            assert line not in text, f"key material in {where}"


def test_xml_bodies_two_passes_and_the_lifecycle_are_all_taken_by_the_mock(tmp_path):
    dataset = write_dataset(tmp_path / "calls.parquet", calls=5, messages=4, span_s=20)
    run_dir = tmp_path / "reports" / "xml"
    with start_mock(["--no-auth"]) as mock:
        run = run_locust(locust_args(
            dataset=dataset, host=mock.url, key_pair=None, run_dir=run_dir,
            extra=["--speed", "40", "--content-type", "xml", "--loops", "2", "--lifecycle",
                   "--call-center", CALL_CENTER, "--mock-admin", mock.url]), run_dir=run_dir)
        ledger, stats = mock.ledger(), mock.stats()
    assert run.returncode == 0, run.stderr[-3000:]
    assert stats["stored"] == len(ledger) == 2 * 5 * 4
    assert stats["calls_created"] == stats["calls_ended"] == 2 * 5
    keys = {row["vendorCallKey"] for row in ledger}
    assert {key for key in keys if key.endswith("-p1")} == {f"call-{c:04d}-p1" for c in range(5)}
    assert sum(row["messageId"].endswith("-p1") for row in ledger) == 5 * 4


def test_speed_max_sends_every_call_in_order_as_fast_as_it_can(tmp_path):
    dataset = write_dataset(tmp_path / "calls.parquet", calls=12, messages=10, span_s=3600)
    run_dir = tmp_path / "reports" / "max"
    with start_mock(["--no-auth"]) as mock:
        run = run_locust(locust_args(dataset=dataset, host=mock.url, key_pair=None,
                                     run_dir=run_dir, extra=["--speed", "max"]), run_dir=run_dir)
        ledger = mock.ledger()
    assert run.returncode == 0, run.stderr[-3000:]
    summary = json.loads((run_dir / "summary.json").read_text())
    assert summary["counts"]["accepted"] == 12 * 10
    assert summary["options"]["speed"] == "max"
    assert summary["run"]["duration_s"] < 60  # an hour of calls, not replayed in real time
    arrivals = defaultdict(list)
    for row in sorted(ledger, key=lambda row: row["call_seq"]):
        arrivals[row["vendorCallKey"]].append(row["messageId"])
    assert all(ids == [f"m{m:03d}" for m in range(10)] for ids in arrivals.values())
