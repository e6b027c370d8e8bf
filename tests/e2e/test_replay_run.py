"""End to end: README command 1, `replay run datasets/sample.parquet`, as a user types it."""

from __future__ import annotations

import json
import re
import signal
import subprocess
import sys
import urllib.request

import pyarrow.parquet as pq
import pytest

from .conftest import REPO, write_dataset

pytestmark = pytest.mark.e2e


def test_replay_run_on_the_bundled_sample_passes_and_reconciles_with_the_mock(tmp_path):
    done = subprocess.run(
        [sys.executable, "-m", "replay", "run", str(REPO / "datasets" / "sample.parquet"),
         "--run-id", "readme1"],
        capture_output=True, text=True, timeout=120, cwd=tmp_path,
    )
    assert done.returncode == 0, done.stdout[-3000:] + done.stderr[-3000:]
    run_dir = tmp_path / "reports" / "readme1"
    summary = json.loads((run_dir / "summary.json").read_text())
    counts = summary["counts"]
    assert counts["planned"] == counts["accepted"] > 0
    assert summary["reconciliation"]["mock"]["matches"] is True
    assert summary["options"]["lifecycle"] is True
    for name in ("outcomes.parquet", "series.json", "report.html", "locust.html",
                 "locust_stats.csv", "run.log"):
        assert (run_dir / name).is_file(), name
    series = json.loads((run_dir / "series.json").read_text())
    assert series["rows"] == counts["planned"]
    assert sum(series["lines"]["accepted_mps"]) * series["bin_s"] == counts["accepted"]
    assert "matches the" in done.stdout
    assert "Verdict: PASSED" in done.stdout  # results on stdout, Locust's log on stderr
    assert "Starting Locust" in done.stderr and "Starting Locust" not in done.stdout
    assert "Starting Locust" in (run_dir / "run.log").read_text()
    assert not list(run_dir.glob("*.pem"))
    assert "PRIVATE KEY" not in (run_dir / "run.log").read_text()


def test_replay_run_with_two_workers_splits_the_calls_and_reconciles(tmp_path):
    dataset = write_dataset(tmp_path / "calls.parquet", calls=16, messages=6, span_s=60)
    done = subprocess.run(
        [sys.executable, "-m", "replay", "run", str(dataset), "--workers", "2", "--speed", "30",
         "--run-id", "two"],
        capture_output=True, text=True, timeout=120, cwd=tmp_path,
    )
    assert done.returncode == 0, done.stdout[-3000:] + done.stderr[-3000:]
    run_dir = tmp_path / "reports" / "two"
    summary = json.loads((run_dir / "summary.json").read_text())
    assert summary["run"]["workers"] == 2
    assert summary["counts"]["accepted"] == summary["counts"]["planned"] == 16 * 6
    assert summary["reconciliation"]["mock"]["matches"] is True
    outcomes = pq.read_table(run_dir / "outcomes.parquet").to_pandas()
    assert (outcomes.groupby("vendorCallKey", observed=True)["worker"].nunique() == 1).all()


@pytest.mark.parametrize("signum", [signal.SIGTERM, signal.SIGHUP])
def test_sigterm_or_a_hang_up_ends_replay_run_with_partial_outputs_and_stops_the_mock(tmp_path,
                                                                                     signum):
    dataset = write_dataset(tmp_path / "calls.parquet", calls=10, messages=10, span_s=600)
    child = subprocess.Popen(
        [sys.executable, "-m", "replay", "run", str(dataset), "--speed", "20",
         "--run-id", "term", "--progress-interval", "1"],
        stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True, cwd=tmp_path,
    )
    head = []
    try:
        for line in child.stdout:
            head.append(line)
            if "progress: sent" in line:
                break
        child.send_signal(signum)
        output, _ = child.communicate(timeout=60)
    finally:
        child.kill()
    output = "".join(head) + output
    assert child.returncode == 130, output[-3000:]
    summary = json.loads((tmp_path / "reports" / "term" / "summary.json").read_text())
    assert summary["run"]["partial"] is True
    assert summary["counts"]["unsent"] > 0
    assert summary["reconciliation"]["balanced"] is True
    assert "mock ledger:" in output
    mock_url = re.search(r"embedded mock at (http://\S+) ", output).group(1)
    with pytest.raises(OSError):  # the run stopped it (a hang-up does not reach it directly)
        urllib.request.build_opener(urllib.request.ProxyHandler({})).open(
            f"{mock_url}/__admin/stats", timeout=5)
