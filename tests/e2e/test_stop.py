"""End to end when the run cannot finish: endpoint down at start, gone mid-run, or stopped.

Each ends by itself, quickly, with its outputs written, the run marked partial, every message
counted (unsent ones too), and a non-zero exit.
"""

from __future__ import annotations

import json
import signal
import time

import pytest

from replay.mock.process import start_mock

from .conftest import free_port, locust_args, run_locust, start_locust, write_dataset

pytestmark = pytest.mark.e2e

CALLS, MESSAGES = 20, 10
PLANNED = CALLS * MESSAGES


def summary_of(run_dir):
    return json.loads((run_dir / "summary.json").read_text())


def wait_for_traffic(mock, at_least: int, timeout: float = 30) -> None:
    deadline = time.monotonic() + timeout
    while mock.stats()["received"] < at_least:
        assert time.monotonic() < deadline, "the replay never reached the mock"
        time.sleep(0.1)


def assert_partial_and_balanced(summary):
    counts = summary["counts"]
    assert summary["run"]["partial"] is True
    assert counts["unsent"] > 0
    assert counts["planned"] == PLANNED
    assert counts["planned"] == counts["accepted"] + counts["failed"] + counts["unsent"]
    assert summary["reconciliation"]["balanced"] is True


def test_endpoint_down_at_start_ends_at_once_with_exit_3_and_nothing_sent(tmp_path):
    dataset = write_dataset(tmp_path / "calls.parquet", calls=CALLS, messages=MESSAGES, span_s=60)
    run_dir = tmp_path / "reports" / "down"
    host = f"http://127.0.0.1:{free_port()}"
    run = run_locust(locust_args(dataset=dataset, host=host, key_pair=None, run_dir=run_dir,
                                 extra=["--speed", "20"]), run_dir=run_dir, timeout=60)
    assert run.returncode == 3
    assert f"cannot connect to {host}" in run.stderr
    summary = summary_of(run_dir)
    assert_partial_and_balanced(summary)
    assert summary["counts"]["unsent"] == PLANNED
    assert summary["counts"]["unsent_by_reason"] == {"endpoint_down": PLANNED}


def test_endpoint_gone_mid_run_stops_the_run_with_exit_3(tmp_path):
    dataset = write_dataset(tmp_path / "calls.parquet", calls=CALLS, messages=MESSAGES, span_s=300)
    run_dir = tmp_path / "reports" / "gone"
    with start_mock(["--no-auth"]) as mock:
        child = start_locust(locust_args(dataset=dataset, host=mock.url, key_pair=None,
                                         run_dir=run_dir, extra=["--speed", "10"]),
                             run_dir=run_dir)
        try:
            wait_for_traffic(mock, 20)
            mock.stop()
            _, stderr = child.communicate(timeout=60)
        finally:
            child.kill()
    assert child.returncode == 3, stderr[-3000:]
    assert "stopped answering" in stderr
    summary = summary_of(run_dir)
    assert_partial_and_balanced(summary)
    assert summary["counts"]["failed_by_reason"].get("connection_error", 0) > 0
    assert set(summary["counts"]["unsent_by_reason"]) == {"endpoint_down"}


@pytest.mark.parametrize("signum", [signal.SIGTERM, signal.SIGINT])
def test_a_stop_signal_mid_run_writes_partial_outputs_and_counts_the_unsent(tmp_path, signum):
    dataset = write_dataset(tmp_path / "calls.parquet", calls=CALLS, messages=MESSAGES, span_s=300)
    run_dir = tmp_path / "reports" / "stopped"
    with start_mock(["--no-auth"]) as mock:
        child = start_locust(locust_args(dataset=dataset, host=mock.url, key_pair=None,
                                         run_dir=run_dir, extra=["--speed", "10",
                                                                 "--mock-admin", mock.url]),
                             run_dir=run_dir)
        try:
            wait_for_traffic(mock, 20)
            child.send_signal(signum)
            _, stderr = child.communicate(timeout=60)
        finally:
            child.kill()
        ledger = mock.ledger()
    assert child.returncode == 130, stderr[-3000:]
    summary = summary_of(run_dir)
    assert_partial_and_balanced(summary)
    assert set(summary["counts"]["unsent_by_reason"]) == {"stopped"}
    assert len(ledger) == summary["counts"]["accepted"]
    assert (run_dir / "outcomes.parquet").is_file()
