"""The dataset writer: schema, row groups, determinism, atomicity and the table transform."""

from __future__ import annotations

import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.parquet as pq
import pytest

from replay.dataset import load_transcripts
from replay.errors import ConfigError
from replay.importers.model import Call
from replay.importers.writer import SCHEMA, DatasetWriter


def _calls(count: int) -> list[Call]:
    calls = []
    for number in range(count):
        call = Call(call_key=f"call-{number}", offsets=True)
        call.add("m1", f"call-{number}END_USER", 0, 900, "Hello there.", "END_USER")
        call.add("m2", "005Hs00000Q1rStIAB", 1000, 2500, "Hi, how can I help?", "HUMAN_AGENT")
        calls.append(call)
    return calls


def _write(path, calls, **options):
    with DatasetWriter(path, **options) as writer:
        for number, call in enumerate(calls):
            writer.add(call, 1_764_061_200_000 + number * 1000)
    return path


def test_rows_are_written_in_row_groups_with_the_dataset_schema(tmp_path):
    path = _write(tmp_path / "calls.parquet", _calls(5), row_group_rows=4)
    parquet = pq.ParquetFile(path)
    assert parquet.schema_arrow == SCHEMA
    assert parquet.schema_arrow.metadata is None
    assert [parquet.metadata.row_group(i).num_rows for i in range(parquet.num_row_groups)] == [
        4, 4, 2]
    transcripts = load_transcripts(path)
    assert transcripts.calls == 5 and transcripts.messages == 10
    assert transcripts.table["startTime"].iloc[:2].tolist() == [1764061200000, 1764061201000]


def test_the_same_calls_give_the_same_bytes(tmp_path):
    first = _write(tmp_path / "a.parquet", _calls(50), row_group_rows=16)
    second = _write(tmp_path / "b.parquet", _calls(50), row_group_rows=16)
    assert first.read_bytes() == second.read_bytes()


def test_nothing_is_left_behind_when_the_import_fails(tmp_path):
    path = tmp_path / "calls.parquet"
    with pytest.raises(RuntimeError), DatasetWriter(path, row_group_rows=2) as writer:
        for call in _calls(3):
            writer.add(call)
        raise RuntimeError("a file went wrong")
    assert list(tmp_path.iterdir()) == []


def test_the_transform_is_applied_to_every_row_group(tmp_path):
    seen = []

    def shout(table: pa.Table) -> pa.Table:
        seen.append(table.num_rows)
        index = table.schema.get_field_index("content")
        return table.set_column(index, SCHEMA.field("content"),
                                pc.utf8_upper(table.column("content")))

    path = _write(tmp_path / "calls.parquet", _calls(3), transform=shout, row_group_rows=4)
    assert seen == [4, 2]
    assert set(pq.read_table(path).column("content").to_pylist()) == {
        "HELLO THERE.", "HI, HOW CAN I HELP?"}


def test_only_parquet_output_is_accepted(tmp_path):
    with pytest.raises(ConfigError) as error:
        DatasetWriter(tmp_path / "calls.csv")
    assert str(error.value) == (
        f"--out {tmp_path / 'calls.csv'}: expected a file name ending .parquet")


def test_a_failing_transform_leaves_nothing_behind(tmp_path):
    def broken(table: pa.Table) -> pa.Table:
        raise ValueError("cannot anonymise")

    with pytest.raises(ValueError, match="cannot anonymise"):
        _write(tmp_path / "calls.parquet", _calls(3), transform=broken)
    assert list(tmp_path.iterdir()) == []


def test_an_existing_directory_as_out_is_refused(tmp_path):
    (tmp_path / "calls.parquet").mkdir()
    with pytest.raises(ConfigError) as error:
        DatasetWriter(tmp_path / "calls.parquet")
    assert str(error.value) == (f"--out {tmp_path / 'calls.parquet'}: is a directory; give the "
                                "path of the file to write, e.g. calls.parquet")


def test_an_unwritable_place_is_a_config_error_and_leaves_nothing(tmp_path):
    blocker = tmp_path / "not-a-folder"
    blocker.write_text("a file where a folder should be")
    with pytest.raises(ConfigError) as error:
        _write(blocker / "calls.parquet", _calls(1))
    assert str(error.value).startswith(f"--out {blocker / 'calls.parquet'}: cannot write it (")
    assert str(error.value).endswith("); give a path in a folder you can write to")
    assert sorted(p.name for p in tmp_path.iterdir()) == ["not-a-folder"]
