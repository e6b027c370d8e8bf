"""End to end: --bulk posts batches to POST /voiceCalls/messages and still counts every message.

Under injected faults with --retries every message ends accepted exactly once, each call's
messages arrive in order, and the mock counts bulk requests; with --workers and --lifecycle
(`replay run` against the embedded mock) the ledger matches; --dry-run shows the first batches;
XML is refused.
"""

from __future__ import annotations

import csv
import json
import subprocess
import sys
from collections import Counter

import pyarrow.parquet as pq
import pytest

from replay.mock.process import start_mock

from .conftest import locust_args, run_locust, write_dataset

pytestmark = pytest.mark.e2e

CALLS, MESSAGES = 20, 10
FAULTS = ["--no-auth", "--error-rate", "0.1", "--error-statuses", "500,503",
          "--reset-rate", "0.03", "--hang-rate", "0.01", "--seed", "7"]


def test_bulk_with_faults_and_retries_reconciles_exactly_in_order(tmp_path):
    dataset = write_dataset(tmp_path / "calls.parquet", calls=CALLS, messages=MESSAGES, span_s=60)
    with start_mock(FAULTS) as mock:
        run_dir = tmp_path / "reports" / "bulk"
        args = locust_args(dataset=dataset, host=mock.url, key_pair=None, run_dir=run_dir,
                           extra=["--speed", "40", "--timeout", "1", "--mock-admin", mock.url,
                                  "--bulk", "--retries", "8"])
        run = run_locust(args, run_dir=run_dir)
        ledger, stats = mock.ledger(), mock.stats()
    assert run.returncode == 0, run.stderr[-3000:]
    summary = json.loads((run_dir / "summary.json").read_text())
    counts = summary["counts"]
    assert counts["accepted"] == counts["planned"] == CALLS * MESSAGES
    assert summary["reconciliation"]["mock"]["matches"] is True
    options = summary["options"]
    assert (options["bulk"], options["bulk_max_calls"], options["bulk_max_messages"],
            options["bulk_window_s"]) == (True, 5, 5, 0.2)
    assert sum(stats["faults"].values()) > 0
    assert 0 < stats["bulk_requests"] < CALLS * MESSAGES
    keys = Counter((row["vendorCallKey"], row["messageId"]) for row in ledger)
    assert len(keys) == CALLS * MESSAGES and set(keys.values()) == {1}
    for key in {row["vendorCallKey"] for row in ledger}:
        arrived = [row["messageId"] for row in sorted(ledger, key=lambda row: row["call_seq"])
                   if row["vendorCallKey"] == key]
        assert arrived == sorted(arrived)
    outcomes = pq.read_table(run_dir / "outcomes.parquet").to_pandas()
    assert (outcomes["outcome"] == "accepted").all()
    assert (outcomes["attempts"] > 1).any()
    with open(run_dir / "locust_stats.csv", newline="") as handle:
        names = {row["Name"]: int(row["Request Count"]) for row in csv.DictReader(handle)}
    assert 0 < names["/voiceCalls/messages"] <= stats["bulk_requests"]
    assert "/voiceCalls/{vendorCallKey}/messages" not in names


def test_bulk_with_workers_and_lifecycle_matches_the_mock_ledger(tmp_path):
    dataset = write_dataset(tmp_path / "calls.parquet", calls=16, messages=6, span_s=30)
    done = subprocess.run(
        [sys.executable, "-m", "replay", "run", str(dataset), "--workers", "2", "--speed", "30",
         "--bulk", "--bulk-window", "0.05", "--run-id", "bulk2", "--progress-interval", "0"],
        capture_output=True, text=True, timeout=120, cwd=tmp_path,
    )
    assert done.returncode == 0, done.stdout[-3000:] + done.stderr[-3000:]
    summary = json.loads((tmp_path / "reports" / "bulk2" / "summary.json").read_text())
    assert summary["counts"]["accepted"] == summary["counts"]["planned"] == 16 * 6
    assert summary["reconciliation"]["mock"]["matches"] is True
    assert summary["options"]["lifecycle"] is True
    assert summary["options"]["bulk_window_s"] == 0.05


def test_bulk_dry_run_shows_the_first_batches(tmp_path):
    dataset = write_dataset(tmp_path / "calls.parquet", calls=12, messages=4, span_s=5)
    args = locust_args(dataset=dataset, host="http://127.0.0.1:9", key_pair=None,
                       run_dir=tmp_path / "reports" / "dry",
                       extra=["--dry-run", "--bulk", "--bulk-max-calls", "3"])
    run = run_locust(args, run_dir=tmp_path / "reports" / "dry")
    assert run.returncode == 0, run.stderr[-3000:]
    assert "(--bulk: batches of at most 3 calls x 5 messages, leaving when full or after " \
           "200 ms)" in run.stdout
    assert run.stdout.count("POST http://127.0.0.1:9/telephony/v1/voiceCalls/messages") == 2
    assert '"entries": [' in run.stdout


def test_bulk_refuses_xml(tmp_path):
    dataset = write_dataset(tmp_path / "calls.parquet", calls=2, messages=2, span_s=5)
    args = locust_args(dataset=dataset, host="http://127.0.0.1:9", key_pair=None,
                       run_dir=tmp_path / "reports" / "xml",
                       extra=["--bulk", "--content-type", "xml"])
    run = run_locust(args, run_dir=tmp_path / "reports" / "xml")
    assert run.returncode == 2
    assert ("error: --bulk posts JSON only (the bulk endpoint takes no XML): drop "
            "--content-type xml or --bulk") in run.stderr
