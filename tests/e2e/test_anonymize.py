"""End to end: the anonymized sample replays against the embedded mock and reconciles exactly."""

from __future__ import annotations

import json
import subprocess
import sys

import pyarrow.parquet as pq
import pytest

from .conftest import REPO

pytestmark = pytest.mark.e2e


@pytest.mark.parametrize("content", ["mask", "synthetic"])
def test_the_anonymized_sample_replays_and_reconciles_with_the_mock(tmp_path, content):
    def replay(*args: str, timeout: float = 120) -> subprocess.CompletedProcess:
        return subprocess.run([sys.executable, "-m", "replay", *args], capture_output=True,
                              text=True, timeout=timeout, cwd=tmp_path)  # fmt: skip

    made = replay("anonymize", "--new-key", "anonymize.key")
    assert made.returncode == 0, made.stderr
    done = replay("anonymize", str(REPO / "datasets" / "sample.parquet"), "--out", "safe.parquet",
                  "--key-file", "anonymize.key", "--content", content)  # fmt: skip
    assert done.returncode == 0, done.stderr
    key = (tmp_path / "anonymize.key").read_text().strip()
    assert key not in done.stdout + done.stderr
    run = replay("run", "safe.parquet", "--speed", "max", "--run-id", "safe")
    assert run.returncode == 0, run.stdout[-3000:] + run.stderr[-3000:]
    run_dir = tmp_path / "reports" / "safe"
    summary = json.loads((run_dir / "summary.json").read_text())
    assert summary["counts"]["planned"] == summary["counts"]["accepted"] == 5_010
    assert summary["reconciliation"]["balanced"] is True
    assert summary["reconciliation"]["mock"]["matches"] is True
    sent = set(pq.read_table(run_dir / "outcomes.parquet")["vendorCallKey"].to_pylist())
    original = set(pq.read_table(REPO / "datasets" / "sample.parquet")["vendorCallKey"].to_pylist())
    assert len(sent) == 100 and not sent & original
    assert key not in (run_dir / "run.log").read_text()
