"""End to end under faults: the mock injects 5xx, resets and hangs; the replay counts every message.

Without retries each failure is classified exactly as the mock injected it; with retries every
message ends accepted, and the mock's ledger holds each exactly once.
"""

from __future__ import annotations

import json
from collections import Counter

import pytest

from replay.mock.process import start_mock

from .conftest import locust_args, run_locust, write_dataset

pytestmark = pytest.mark.e2e

CALLS, MESSAGES = 20, 10
FAULTS = ["--no-auth", "--error-rate", "0.1", "--error-statuses", "500,503",
          "--reset-rate", "0.03", "--hang-rate", "0.01", "--seed", "7"]


def replay_with_faults(folder, run_id: str, extra: list[str]):
    dataset = write_dataset(folder / "calls.parquet", calls=CALLS, messages=MESSAGES, span_s=60)
    with start_mock(FAULTS) as mock:
        run_dir = folder / "reports" / run_id
        args = locust_args(dataset=dataset, host=mock.url, key_pair=None, run_dir=run_dir,
                           extra=["--speed", "40", "--timeout", "1", "--mock-admin", mock.url,
                                  *extra])
        run = run_locust(args, run_dir=run_dir)
        ledger, stats = mock.ledger(), mock.stats()
    summary = json.loads((run_dir / "summary.json").read_text())
    return run, summary, ledger, stats


def test_without_retries_every_failure_is_counted_and_classified_as_injected(tmp_path):
    run, summary, ledger, stats = replay_with_faults(tmp_path, "plain", [])
    assert run.returncode == 1, run.stderr[-3000:]  # failures, no --fail-on: Locust's rule
    counts = summary["counts"]
    assert counts["planned"] == CALLS * MESSAGES
    assert counts["planned"] == counts["accepted"] + counts["failed"] + counts["skipped"]
    assert summary["reconciliation"]["balanced"] is True
    reasons = Counter(counts["failed_by_reason"])
    injected = stats["faults"]
    assert reasons["http_500"] + reasons["http_503"] == injected.get("error", 0) > 0
    assert reasons["connection_error"] == injected.get("reset", 0) > 0
    assert reasons["timeout"] == injected.get("hang", 0)
    assert len(ledger) == counts["accepted"]


def test_with_retries_every_message_is_accepted_once_in_order(tmp_path):
    run, summary, ledger, stats = replay_with_faults(tmp_path, "retried", ["--retries", "8"])
    assert run.returncode == 0, run.stderr[-3000:]
    counts = summary["counts"]
    assert counts["accepted"] == counts["planned"] == CALLS * MESSAGES
    assert sum(stats["faults"].values()) > 0
    keys = Counter((row["vendorCallKey"], row["messageId"]) for row in ledger)
    assert len(keys) == CALLS * MESSAGES
    assert set(keys.values()) == {1}
    assert stats["duplicates"] == 0
    for key in {row["vendorCallKey"] for row in ledger}:
        arrived = [row["messageId"] for row in sorted(ledger, key=lambda row: row["call_seq"])
                   if row["vendorCallKey"] == key]
        assert arrived == sorted(arrived)
