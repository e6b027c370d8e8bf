"""End to end: `replay import` export trees of three formats, then `replay run` them on the mock."""

from __future__ import annotations

import json
import subprocess
import sys

import pyarrow.parquet as pq
import pytest

from .conftest import REPO

pytestmark = pytest.mark.e2e

FIXTURES = REPO / "tests" / "importers" / "fixtures"
AGENT = "005Hs00000Q1rStIAB"
IMPORTS = {
    "contact-lens": ["--agent-id", AGENT, "--start-at", "2025-11-25T09:00:00Z",
                     "--spacing", "5"],
    "sf-entries": [],
    "transcribe": ["--agent-id", AGENT, "--start-at", "2025-11-25T09:00:00Z",
                   "--speakers", "spk_0=HUMAN_AGENT,spk_1=END_USER,ch_0=HUMAN_AGENT,ch_1=END_USER"],
}


def test_imported_trees_replay_and_reconcile_exactly_with_the_mock(tmp_path):
    dataset = tmp_path / "imported"
    for name, options in IMPORTS.items():
        imported = subprocess.run(
            [sys.executable, "-m", "replay", "import", name, str(FIXTURES / name), "--out",
             str(dataset / f"{name}.parquet"), *options],
            capture_output=True, text=True, timeout=60, cwd=tmp_path,
        )
        assert imported.returncode == 0, imported.stderr
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
