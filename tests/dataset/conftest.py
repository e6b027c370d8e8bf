"""Dataset tests run inside a temporary directory, so files are named as a user would name them
(`datasets/calls.csv`) and error messages can be pinned exactly."""

from __future__ import annotations

from pathlib import Path

import pytest


@pytest.fixture
def in_tmp(tmp_path, monkeypatch) -> Path:
    monkeypatch.chdir(tmp_path)
    (tmp_path / "datasets").mkdir()
    return tmp_path
