"""check_readable: the quick look `replay run` takes before starting anything."""

from __future__ import annotations

import pyarrow as pa
import pyarrow.parquet as pq
import pytest

from replay.dataset.preflight import check_readable
from replay.errors import DatasetError

FIELDS = ("vendorCallKey", "participantId", "messageId", "startTime", "endTime", "content",
          "senderType")
HEADER = ",".join(FIELDS) + "\n"
ROW = "c1,p,m1,1764086400000,1764086401000,hi,END_USER\n"


def parquet(path, rows: int):
    table = pa.table({name: pa.array(["x"] * rows, pa.string()) for name in FIELDS})
    pq.write_table(table, path)
    return path


def test_a_csv_with_a_row_and_a_parquet_file_with_rows_pass(tmp_path):
    (tmp_path / "ok.csv").write_text(HEADER + ROW)
    check_readable(tmp_path / "ok.csv", {})
    check_readable(parquet(tmp_path / "ok.parquet", 2), {})


def test_a_header_only_parquet_file_has_no_rows(tmp_path):
    path = parquet(tmp_path / "none.parquet", 0)
    with pytest.raises(DatasetError, match=r"none\.parquet: no transcript rows"):
        check_readable(path, {})


def test_a_directory_counts_the_rows_of_all_its_files(tmp_path):
    parquet(tmp_path / "a.parquet", 0)
    with pytest.raises(DatasetError, match="no transcript rows"):
        check_readable(tmp_path, {})
    parquet(tmp_path / "b.parquet", 1)
    check_readable(tmp_path, {})


def test_a_csv_of_blank_lines_after_the_header_has_no_rows(tmp_path):
    (tmp_path / "blank.csv").write_text(HEADER + ",,,,,,\n\n")
    with pytest.raises(DatasetError, match=r"blank\.csv: no transcript rows"):
        check_readable(tmp_path / "blank.csv", {})


def test_a_missing_column_is_named_as_the_loader_names_it(tmp_path):
    (tmp_path / "cols.csv").write_text("vendorCallKey,content\nc1,hi\n")
    with pytest.raises(DatasetError, match=r"cols\.csv: missing required columns participantId"):
        check_readable(tmp_path / "cols.csv", {})
