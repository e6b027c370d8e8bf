"""Helpers of the importer tests: the hand-written fixture files, and running `replay import`."""

from __future__ import annotations

import shutil
from dataclasses import dataclass
from pathlib import Path

import pyarrow.parquet as pq
import pytest

from replay.cli import main

FIXTURES = Path(__file__).resolve().parent / "fixtures"
AGENT = "005Hs00000Q1rStIAB"
START = "2025-11-25T09:00:00Z"
START_MS = 1_764_061_200_000


@dataclass(frozen=True)
class Outcome:
    code: int
    out: str
    err: str


@pytest.fixture
def run_import(capsys):
    """`replay import ...` in this process: (exit code, stdout, stderr)."""

    def run(*argv: str | Path) -> Outcome:
        code = main(["import", *(str(arg) for arg in argv)])
        captured = capsys.readouterr()
        return Outcome(code, captured.out, captured.err)

    return run


@pytest.fixture
def tree(tmp_path):
    """A copy of one format's fixture folder, to add broken files to."""

    def copy(name: str) -> Path:
        target = tmp_path / name
        shutil.copytree(FIXTURES / name, target)
        return target

    return copy


def rows(path: Path) -> list[tuple]:
    """The dataset's rows as tuples in file order (the seven columns in schema order)."""
    return [tuple(row.values()) for row in pq.read_table(path).to_pylist()]
