"""End to end: README command 1, `replay run datasets/sample.parquet`, as a user types it."""

from __future__ import annotations

import json
import subprocess
import sys

import pytest

from tests.e2e.conftest import REPO

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
    for name in ("outcomes.parquet", "report.html", "locust.html", "locust_stats.csv", "run.log"):
        assert (run_dir / name).is_file(), name
    assert "matches the" in done.stdout
    assert not list(run_dir.glob("*.pem"))
    assert "PRIVATE KEY" not in (run_dir / "run.log").read_text()
