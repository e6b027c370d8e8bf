"""Writing transcripts: format by extension, byte-identical for a seed, atomic."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from replay.dataset import load_transcripts
from replay.errors import ConfigError
from replay.synth import generate_transcripts, write_transcripts
from replay.synth import write as write_module

START = datetime(2025, 11, 25, 9, tzinfo=UTC)


@pytest.mark.parametrize("name", ["out.csv", "out.csv.gz", "out.parquet"])
def test_the_same_seed_writes_the_same_bytes(tmp_path, name):
    first = write_transcripts(generate_transcripts(20, 4, START), tmp_path / "a" / name)
    again = write_transcripts(generate_transcripts(20, 4, START), tmp_path / "b" / name)
    assert first.read_bytes() == again.read_bytes()


@pytest.mark.parametrize("name", ["out.csv", "out.csv.gz", "out.parquet"])
def test_generate_then_load_gives_back_every_message(tmp_path, name):
    frame = generate_transcripts(25, 8, START)
    transcripts = load_transcripts(write_transcripts(frame, tmp_path / name))
    loaded = transcripts.table.drop(columns="row")
    expected = frame.sort_values(["vendorCallKey", "endTime"], kind="stable")
    assert loaded.values.tolist() == expected.values.tolist()
    assert transcripts.skipped.count == 0


def test_an_unknown_extension_is_refused(tmp_path):
    with pytest.raises(ConfigError) as raised:
        write_transcripts(generate_transcripts(1, 1, START), tmp_path / "out.json")
    assert str(raised.value) == (
        f"--out {tmp_path / 'out.json'}: unknown file type; expected a name ending .csv, "
        ".csv.gz, .parquet"
    )


def test_a_failed_write_leaves_neither_a_partial_file_nor_a_temporary(tmp_path, monkeypatch):
    target = tmp_path / "out.parquet"
    target.write_bytes(b"previous")

    def fail(*args, **kwargs):
        raise OSError("disk full")

    monkeypatch.setattr(write_module.pq, "write_table", fail)
    with pytest.raises(OSError, match="disk full"):
        write_transcripts(generate_transcripts(3, 1, START), target)
    assert target.read_bytes() == b"previous"
    assert [path.name for path in tmp_path.iterdir()] == ["out.parquet"]


def test_missing_directories_are_created(tmp_path):
    path = write_transcripts(generate_transcripts(2, 1, START), tmp_path / "new" / "x.csv")
    assert path.exists()
