"""End to end: `replay import` export trees of three formats (the session's `imported_trees`),
then `replay run` them on the mock."""

from __future__ import annotations

import json
import subprocess
import sys

import pyarrow.parquet as pq
import pytest

pytestmark = pytest.mark.e2e


def test_imported_trees_replay_and_reconcile_exactly_with_the_mock(tmp_path, imported_trees):
    dataset = imported_trees
    messages = sum(pq.read_metadata(path).num_rows for path in dataset.glob("*.parquet"))
    assert messages == 10 + 8 + 9
    done = subprocess.run(
        [sys.executable, "-m", "replay", "run", str(dataset), "--speed", "max",
         "--run-id", "imported"],
        capture_output=True, text=True, timeout=120, cwd=tmp_path,
    )
    assert done.returncode == 0, done.stdout[-3000:] + done.stderr[-3000:]
    summary = json.loads((tmp_path / "reports" / "imported" / "summary.json").read_text())
    counts = summary["counts"]
    assert counts["planned"] == counts["accepted"] == messages
    reconciliation = summary["reconciliation"]
    assert reconciliation["balanced"] is True
    assert reconciliation["mock"]["matches"] is True
    assert reconciliation["mock"]["stored"] == messages
    outcomes = pq.read_table(tmp_path / "reports" / "imported" / "outcomes.parquet")
    sent = sorted(outcomes["messageId"].to_pylist())
    assert sent == sorted(pq.read_table(dataset)["messageId"].to_pylist())
