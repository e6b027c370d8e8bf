"""DatasetSink: batches in, one complete file out, or nothing at all."""

from __future__ import annotations

import pyarrow as pa
import pyarrow.csv as pacsv
import pyarrow.parquet as pq
import pytest

from replay.anonymize.sink import DatasetSink
from replay.errors import ConfigError

TABLE = pa.table({"vendorCallKey": ["c1", "c2"], "startTime": [1, 2]})


@pytest.mark.parametrize("name", ["out.parquet", "out.csv", "out.csv.gz"])
def test_batches_make_one_file_of_the_chosen_type(tmp_path, name):
    with DatasetSink(tmp_path / name) as sink:
        sink.write(TABLE)
        sink.write(TABLE)
    path = tmp_path / name
    if name.endswith(".parquet"):
        assert pq.read_table(path).num_rows == 4
    else:
        assert pacsv.read_csv(path).num_rows == 4
    assert [p.name for p in tmp_path.iterdir()] == [name]


def test_an_error_while_writing_leaves_nothing_behind(tmp_path):
    with pytest.raises(RuntimeError), DatasetSink(tmp_path / "out.parquet") as sink:
        sink.write(TABLE)
        raise RuntimeError("the source failed")
    assert list(tmp_path.iterdir()) == []


def test_nothing_written_is_an_error_and_leaves_no_file(tmp_path):
    with pytest.raises(ValueError, match="no rows to write"), DatasetSink(tmp_path / "o.csv"):
        pass
    assert list(tmp_path.iterdir()) == []


def test_an_existing_file_is_replaced_only_when_the_new_one_is_complete(tmp_path):
    path = tmp_path / "out.csv"
    path.write_text("old")
    with pytest.raises(RuntimeError), DatasetSink(path) as sink:
        sink.write(TABLE)
        raise RuntimeError("stop")
    assert path.read_text() == "old"


@pytest.mark.parametrize(("name", "message"), [
    ("out.json", "expected a file name ending .parquet, .csv, .csv.gz"),
    ("missing/out.csv", "does not exist"),
])  # fmt: skip
def test_a_bad_output_path_is_a_config_error(tmp_path, name, message):
    with pytest.raises(ConfigError, match=message):
        DatasetSink(tmp_path / name)
