"""End to end: `replay import --anonymize`, then `replay run` the result on the mock."""

from __future__ import annotations

import json
import subprocess
import sys

import pyarrow as pa
import pyarrow.parquet as pq
import pytest

from .conftest import IMPORT_FIXTURES, IMPORTS

pytestmark = pytest.mark.e2e

ANONYMIZED = ("sf-entries", "transcribe")


def _long(column) -> set[str]:
    """Ids of 8 characters or more: a 1-character id ("1") may well become another one's."""
    return {value for value in column.to_pylist() if len(value) >= 8}


def test_anonymized_imports_replay_and_reconcile_exactly_with_the_mock(tmp_path, imported_trees):
    def replay(*args: str) -> subprocess.CompletedProcess:
        return subprocess.run([sys.executable, "-m", "replay", *args], capture_output=True,
                              text=True, timeout=120, cwd=tmp_path)  # fmt: skip

    assert replay("anonymize", "--new-key", "anonymize.key").returncode == 0
    dataset = tmp_path / "imported"
    for name in ANONYMIZED:
        done = replay("import", name, str(IMPORT_FIXTURES / name), "--out",
                      str(dataset / f"{name}.parquet"), *IMPORTS[name], "--anonymize",
                      "--key-file", "anonymize.key")  # fmt: skip
        assert done.returncode == 0, done.stderr
        assert "anonymized while importing:" in done.stdout
    anonymized = pq.read_table(dataset)
    original = pa.concat_tables(  # the same imports without --anonymize
        [pq.read_table(imported_trees / f"{name}.parquet") for name in ANONYMIZED])
    assert anonymized.num_rows == original.num_rows == 8 + 9
    for name in ("vendorCallKey", "participantId", "messageId"):
        assert _long(original[name]) and not _long(anonymized[name]) & _long(original[name])
    run = replay("run", str(dataset), "--speed", "max", "--run-id", "safe")
    assert run.returncode == 0, run.stdout[-3000:] + run.stderr[-3000:]
    summary = json.loads((tmp_path / "reports" / "safe" / "summary.json").read_text())
    assert summary["counts"]["planned"] == summary["counts"]["accepted"] == anonymized.num_rows
    assert summary["reconciliation"]["balanced"] is True
    assert summary["reconciliation"]["mock"]["matches"] is True
