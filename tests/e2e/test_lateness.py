"""End to end: the end-of-run note names the measured cause of lateness, never "fast"
responses when retries or timeouts held calls back (issue 15's two cases, against the mock),
also when the dataset is a prepared directory streamed batch by batch.
"""

from __future__ import annotations

import json
import subprocess
import sys

import pytest

from replay.dataset import LoadOptions
from replay.dataset import prepare as prepare_module
from replay.dataset.prepare import prepare_dataset

from .conftest import write_dataset

pytestmark = pytest.mark.e2e


def replay_run(tmp_path, run_id, *extra, prepared=False):
    dataset = write_dataset(tmp_path / "calls.parquet", calls=6, messages=15, span_s=90)
    if prepared:  # streamed in batches of 16 rows, calls spanning them
        saved = prepare_module.ROW_GROUP_ROWS
        prepare_module.ROW_GROUP_ROWS = 16
        try:
            prepare_dataset([dataset], tmp_path / "prepared", LoadOptions())
        finally:
            prepare_module.ROW_GROUP_ROWS = saved
        dataset = tmp_path / "prepared"
    done = subprocess.run(
        [sys.executable, "-m", "replay", "run", str(dataset), "--speed", "10",
         "--run-id", run_id, *extra],
        capture_output=True, text=True, timeout=180, cwd=tmp_path,
    )
    summary = json.loads((tmp_path / "reports" / run_id / "summary.json").read_text())
    return done, summary, " ".join(done.stdout.split())


@pytest.mark.parametrize("prepared", [False, True], ids=["in-memory", "streamed"])
def test_lag_from_waiting_out_retries_is_named_as_retry_waits(tmp_path, prepared):
    done, summary, text = replay_run(
        tmp_path, "retries", "--retries", "4",
        "--mock-args", "--error-rate 0.3 --error-statuses 503 --seed 3", prepared=prepared)
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
