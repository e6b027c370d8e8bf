"""End to end: `replay import --anonymize`, then `replay run` the result on the mock."""

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
    "sf-entries": [],
    "transcribe": ["--agent-id", AGENT, "--start-at", "2025-11-25T09:00:00Z",
                   "--speakers", "spk_0=HUMAN_AGENT,spk_1=END_USER,ch_0=HUMAN_AGENT,ch_1=END_USER"],
}  # fmt: skip


def _long(column) -> set[str]:
    """Ids of 8 characters or more: a 1-character id ("1") may well become another one's."""
    return {value for value in column.to_pylist() if len(value) >= 8}


def test_anonymized_imports_replay_and_reconcile_exactly_with_the_mock(tmp_path):
    def replay(*args: str) -> subprocess.CompletedProcess:
        return subprocess.run([sys.executable, "-m", "replay", *args], capture_output=True,
                              text=True, timeout=120, cwd=tmp_path)  # fmt: skip

    assert replay("anonymize", "--new-key", "anonymize.key").returncode == 0
    dataset = tmp_path / "imported"
    plain = tmp_path / "plain"
    for name, options in IMPORTS.items():
        done = replay("import", name, str(FIXTURES / name), "--out",
                      str(dataset / f"{name}.parquet"), *options, "--anonymize",
                      "--key-file", "anonymize.key")  # fmt: skip
        assert done.returncode == 0, done.stderr
        assert "anonymized while importing:" in done.stdout
        raw = replay("import", name, str(FIXTURES / name), "--out",
                     str(plain / f"{name}.parquet"), *options)  # fmt: skip
        assert raw.returncode == 0, raw.stderr
    anonymized, original = pq.read_table(dataset), pq.read_table(plain)
    assert anonymized.num_rows == original.num_rows == 8 + 9
    for name in ("vendorCallKey", "participantId", "messageId"):
        assert _long(original[name]) and not _long(anonymized[name]) & _long(original[name])
    run = replay("run", str(dataset), "--speed", "max", "--run-id", "safe")
    assert run.returncode == 0, run.stdout[-3000:] + run.stderr[-3000:]
    summary = json.loads((tmp_path / "reports" / "safe" / "summary.json").read_text())
    assert summary["counts"]["planned"] == summary["counts"]["accepted"] == anonymized.num_rows
    assert summary["reconciliation"]["balanced"] is True
    assert summary["reconciliation"]["mock"]["matches"] is True
