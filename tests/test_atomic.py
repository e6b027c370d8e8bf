"""replay.atomic: a file is replaced whole or not at all, and no temporary file is left."""

from __future__ import annotations

import stat

import pytest

from replay.atomic import atomic_path, write_atomically


def test_write_atomically_replaces_the_file_whole(tmp_path):
    path = tmp_path / "summary.json"
    path.write_text("old")
    assert write_atomically(path, "new é") == path
    assert path.read_text(encoding="utf-8") == "new é"
    assert [p.name for p in tmp_path.iterdir()] == ["summary.json"]


def test_the_file_is_readable_by_all_like_a_file_opened_for_writing(tmp_path):
    path = write_atomically(tmp_path / "report.html", b"<html>")
    assert stat.S_IMODE(path.stat().st_mode) == 0o644


def test_a_failed_write_keeps_the_old_file_and_leaves_no_temporary(tmp_path):
    path = tmp_path / "outcomes.parquet"
    path.write_text("old")
    with pytest.raises(RuntimeError), atomic_path(path) as temporary:
        temporary.write_text("half")
        raise RuntimeError("disk full")
    assert path.read_text() == "old"
    assert [p.name for p in tmp_path.iterdir()] == ["outcomes.parquet"]


def test_the_temporary_file_is_hidden_beside_the_target(tmp_path):
    with atomic_path(tmp_path / "ledger.jsonl") as temporary:
        assert temporary.parent == tmp_path
        assert temporary.name.startswith(".ledger.jsonl.") and temporary.name.endswith(".tmp")
        temporary.write_text("{}\n")
    assert (tmp_path / "ledger.jsonl").read_text() == "{}\n"
