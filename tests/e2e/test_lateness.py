"""End to end: the end-of-run note names the measured cause of lateness, never "fast"
responses when retries or timeouts held calls back (issue 15's two cases, against the mock).
"""

from __future__ import annotations

import json
import subprocess
import sys

import pytest

from .conftest import write_dataset

pytestmark = pytest.mark.e2e


def replay_run(tmp_path, run_id, *extra):
    dataset = write_dataset(tmp_path / "calls.parquet", calls=6, messages=15, span_s=90)
    done = subprocess.run(
        [sys.executable, "-m", "replay", "run", str(dataset), "--speed", "10",
         "--run-id", run_id, *extra],
        capture_output=True, text=True, timeout=180, cwd=tmp_path,
    )
    summary = json.loads((tmp_path / "reports" / run_id / "summary.json").read_text())
    return done, summary, " ".join(done.stdout.split())


def test_lag_from_waiting_out_retries_is_named_as_retry_waits(tmp_path):
    done, summary, text = replay_run(
        tmp_path, "retries", "--retries", "4",
        "--mock-args", "--error-rate 0.3 --error-statuses 503 --seed 3")
    lateness = summary["lateness"]
    assert lateness["late_messages"] > 0, done.stdout[-3000:]
    assert lateness["largest"] == "retry_waits", lateness
    assert "came from waiting out retries of the message before them" in text
    assert "Responses were fast" not in text


def test_lag_behind_timeouts_is_named_as_slow_responses_with_the_timeouts(tmp_path):
    done, summary, text = replay_run(
        tmp_path, "hangs", "--timeout", "1", "--mock-args", "--hang-rate 0.05 --seed 1")
    lateness = summary["lateness"]
    timeouts = summary["counts"]["failed_by_reason"].get("timeout", 0)
    assert timeouts > 0, done.stdout[-3000:]
    assert lateness["largest"] == "slow_responses", lateness
    assert f"{timeouts:,} timed out" in text
    assert "Responses were fast" not in text
