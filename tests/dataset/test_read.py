"""Every supported format reads; every unreadable file gets one clear DatasetError."""

from __future__ import annotations

import gzip
import os

import pyarrow as pa
import pyarrow.parquet as pq
import pytest

from replay.dataset import load_transcripts, read
from replay.errors import DatasetError

from .files import HEADER, good_rows, rows_as_columns, write_csv, write_parquet

FIELDS = ", ".join(HEADER)


def _int_columns(rows):
    columns = rows_as_columns(rows)
    columns["startTime"] = [int(value) for value in columns["startTime"]]
    columns["endTime"] = [int(value) for value in columns["endTime"]]
    return columns


@pytest.mark.parametrize("name", ["datasets/calls.csv", "datasets/calls.csv.gz"])
def test_csv_and_gzipped_csv_load_the_same_rows(in_tmp, name):
    table = load_transcripts(write_csv(good_rows(), name)).table
    assert table["messageId"].tolist() == ["m1", "m2", "m1"]
    assert table["row"].tolist() == [2, 3, 4]


def test_parquet_loads_with_data_rows_counted_from_one(in_tmp):
    table = load_transcripts(write_parquet(_int_columns(good_rows()))).table
    assert table["row"].tolist() == [1, 2, 3]
    assert table["startTime"].tolist() == [1764086400000, 1764086402000, 1764086400500]


def test_a_directory_of_parquet_files_reads_every_file_in_path_order(in_tmp):
    rows = good_rows()
    write_parquet(_int_columns(rows[2:]), "datasets/export/day=2/part-0.parquet")
    write_parquet(_int_columns(rows[:2]), "datasets/export/day=1/part-0.parquet")
    (in_tmp / "datasets/export/_SUCCESS").write_text("")
    (in_tmp / "datasets/export/.staging").mkdir()
    (in_tmp / "datasets/export/.staging/part-9.parquet").write_text("half-written")
    (in_tmp / "datasets/export/_common_metadata.parquet").write_text("not data")
    table = load_transcripts("datasets/export").table
    assert table[["vendorCallKey", "messageId"]].values.tolist() == [
        ["c1", "m1"],
        ["c1", "m2"],
        ["c2", "m1"],
    ]


def test_parquet_files_may_store_timestamps_as_different_types(in_tmp):
    rows = good_rows()
    write_parquet(_int_columns(rows[:2]), "datasets/export/a.parquet")
    iso = rows_as_columns(rows[2:])
    iso["startTime"], iso["endTime"] = ["2025-11-25T16:00:00.500Z"], ["2025-11-25T16:00:02.5Z"]
    write_parquet(iso, "datasets/export/b.parquet")
    table = load_transcripts("datasets/export").table
    assert table["endTime"].tolist() == [1764086401000, 1764086403000, 1764086402500]


def test_parquet_timestamp_and_float_columns_are_read_as_epoch_ms(in_tmp):
    columns = rows_as_columns(good_rows())
    columns["startTime"] = pa.array(
        [1764086400000, 1764086402000, 1764086400500], pa.timestamp("ms", tz="UTC")
    )
    columns["endTime"] = [1764086401000.0, 1764086403000.0, 1764086402500.0]
    table = load_transcripts(write_parquet(columns)).table
    assert table["startTime"].tolist() == [1764086400000, 1764086402000, 1764086400500]
    assert table["endTime"].dtype == "int64"


def test_extra_columns_are_ignored(in_tmp):
    rows = [[*row, "queue-7", "x"] for row in good_rows()]
    table = load_transcripts(write_csv(rows, header=(*HEADER, "queue", "notes"))).table
    assert list(table.columns) == [*HEADER, "row"]


def test_columns_may_come_in_any_order(in_tmp):
    header = tuple(reversed(HEADER))
    rows = [list(reversed(row)) for row in good_rows()]
    table = load_transcripts(write_csv(rows, header=header)).table
    assert table["content"].tolist() == ["Hello", "Hi, how can I help?", "Yes"]


@pytest.mark.parametrize(
    "content",
    [
        'She said "no, thanks", then hung up',
        "line one\nline two\r\nline three",
        "Merci beaucoup 😀 — ça marche, 谢谢",
    ],
)
def test_csv_content_survives_quotes_commas_newlines_and_emoji(in_tmp, content):
    rows = good_rows()
    rows[1][HEADER.index("content")] = content
    table = load_transcripts(write_csv(rows)).table
    assert table.loc[table["messageId"] == "m2", "content"].item() == content
    assert table["row"].tolist() == [2, 3, 4]


def test_a_byte_order_mark_is_not_part_of_the_first_column(in_tmp):
    path = write_csv(good_rows(), encoding="utf-8-sig")
    assert (in_tmp / path).read_bytes().startswith(b"\xef\xbb\xbf")
    assert load_transcripts(path).table["vendorCallKey"].tolist() == ["c1", "c1", "c2"]


def test_string_columns_are_arrow_backed(in_tmp):
    table = load_transcripts(write_csv(good_rows())).table
    for field in ("vendorCallKey", "participantId", "messageId", "content", "senderType"):
        assert table[field].dtype == "str"
        assert table[field].dtype.storage == "pyarrow"


def _write(path: str, data: bytes) -> str:
    with open(path, "wb") as file:
        file.write(data)
    return path


@pytest.mark.parametrize(
    ("name", "data", "expected"),
    [
        ("datasets/calls.json", b"{}",
         "datasets/calls.json: unknown file type (.json); expected .csv, .csv.gz, .parquet, "
         "or a directory of .parquet files"),
        ("datasets/calls.csv", b"",
         f"datasets/calls.csv: the file is empty; expected a header row naming the columns "
         f"({FIELDS}) and one row per utterance"),
        ("datasets/calls.csv", b"\n\n",
         f"datasets/calls.csv: no header row; expected the first line to name the columns "
         f"({FIELDS})"),
        ("datasets/calls.csv", (",".join(HEADER) + "\n").encode(),
         "datasets/calls.csv: no transcript rows; expected one row per utterance after the "
         "header"),
        ("datasets/calls.csv", (",".join(HEADER) + "\nc1,p,m1,1,2,caf\xe9,END_USER\n")
         .encode("latin-1"),
         "datasets/calls.csv: not UTF-8 text; save the file with UTF-8 encoding and try again"),
        ("datasets/calls.csv", (",".join(HEADER) + "\nc1,p,m1,1,2,caf\xe9,END_USER\n"
                                "c1,p,m2,1,2,Hi, there,END_USER\n").encode("latin-1"),
         "datasets/calls.csv: not UTF-8 text; save the file with UTF-8 encoding and try again"),
        ("datasets/calls.csv", b"\xff\xfev\x00e\x00n\x00",
         "datasets/calls.csv: not UTF-8 text; save the file with UTF-8 encoding and try again"),
        ("datasets/calls.csv", (",".join(HEADER) + "\nc1,p,m1,1,2,Hi,END_USER\n"
                                "c1,p,m2,1,2,Hi, there,END_USER\n").encode(),
         "datasets/calls.csv, row 3: 8 fields where the header has 7 "
         "('c1,p,m2,1,2,Hi, there,END_USER'); quote values that contain commas, and close every "
         "quote"),
        ("datasets/calls.csv", b"vendorCallKey,content\nc1,Hi\n",
         "datasets/calls.csv: missing required columns participantId, messageId, startTime, "
         "endTime, senderType; columns found: vendorCallKey, content. Rename the columns in "
         "the file, or map them with --map field=column (e.g. --map vendorCallKey=ContactId)"),
    ],
)  # fmt: skip
def test_unreadable_files_get_one_clear_message(in_tmp, name, data, expected):
    with pytest.raises(DatasetError) as raised:
        load_transcripts(_write(name, data))
    assert str(raised.value) == expected


@pytest.mark.parametrize(
    ("name", "data", "starts"),
    [
        ("datasets/calls.csv.gz", b"not gzip at all",
         "datasets/calls.csv.gz: not a readable gzip-compressed CSV file ("),
        ("datasets/calls.parquet", b"PAR1 this is not really parquet PAR1",
         "datasets/calls.parquet: not a readable Parquet file ("),
        ("datasets/calls.parquet", b"just text",
         "datasets/calls.parquet: not a readable Parquet file ("),
    ],
)  # fmt: skip
def test_corrupt_files_name_the_format_then_the_reader_s_reason(in_tmp, name, data, starts):
    with pytest.raises(DatasetError) as raised:
        load_transcripts(_write(name, data))
    message = str(raised.value)
    assert message.startswith(starts)
    assert message.endswith(")")
    assert "\n" not in message


def test_a_truncated_gzip_file_is_refused(in_tmp):
    whole = gzip.compress((",".join(HEADER) + "\n" + "c1,p,m1,1,2,Hi,END_USER\n" * 500).encode())
    with pytest.raises(DatasetError, match=r"^datasets/calls.csv.gz: not a readable"):
        load_transcripts(_write("datasets/calls.csv.gz", whole[: len(whole) // 2]))


def test_a_missing_file_is_named(in_tmp):
    with pytest.raises(DatasetError) as raised:
        load_transcripts("datasets/nope.csv")
    assert str(raised.value) == "datasets/nope.csv: no such file or directory; check the path"


def test_an_empty_directory_is_refused(in_tmp):
    (in_tmp / "datasets/export").mkdir()
    with pytest.raises(DatasetError) as raised:
        load_transcripts("datasets/export")
    assert str(raised.value) == (
        "datasets/export: the directory holds no .parquet files; expected .csv, .csv.gz, "
        ".parquet, or a directory of .parquet files"
    )


def test_a_file_without_read_permission_is_named(in_tmp, monkeypatch):
    path = write_csv(good_rows())
    monkeypatch.setattr(read.os, "access", lambda path, mode: False)  # as if chmod 0, even as root
    with pytest.raises(DatasetError) as raised:
        load_transcripts(path)
    assert str(raised.value) == "datasets/calls.csv: cannot be read (permission denied)"


@pytest.mark.skipif(os.geteuid() == 0, reason="root can read any file")
def test_an_unreadable_file_is_named(in_tmp):
    path = write_csv(good_rows())
    os.chmod(path, 0)
    with pytest.raises(DatasetError) as raised:
        load_transcripts(path)
    assert str(raised.value) == "datasets/calls.csv: cannot be read (permission denied)"


def test_a_parquet_timestamp_column_of_the_wrong_type_is_refused(in_tmp):
    columns = _int_columns(good_rows())
    columns["endTime"] = [True, False, True]
    with pytest.raises(DatasetError) as raised:
        load_transcripts(write_parquet(columns))
    assert str(raised.value) == (
        "datasets/calls.parquet, column endTime: Parquet type bool cannot hold a timestamp; "
        "expected int64 epoch milliseconds or ISO 8601 text"
    )


def test_a_parquet_text_column_of_the_wrong_type_is_refused(in_tmp):
    columns = _int_columns(good_rows())
    columns["content"] = [{"text": "a"}, {"text": "b"}, {"text": "c"}]
    with pytest.raises(DatasetError) as raised:
        load_transcripts(write_parquet(columns))
    assert str(raised.value) == (
        "datasets/calls.parquet, column content: Parquet type struct<text: string> cannot be "
        "read as text; expected a string column"
    )


def test_parquet_numbers_in_text_columns_are_read_as_text(in_tmp):
    columns = _int_columns(good_rows())
    columns["vendorCallKey"] = [101, 101, 102]
    table = load_transcripts(write_parquet(columns)).table
    assert table["vendorCallKey"].tolist() == ["101", "101", "102"]


def test_an_empty_parquet_file_is_refused(in_tmp):
    schema = pa.schema([(name, pa.string()) for name in HEADER])
    pq.write_table(schema.empty_table(), "datasets/calls.parquet")
    with pytest.raises(DatasetError, match=r"^datasets/calls.parquet: no transcript rows"):
        load_transcripts("datasets/calls.parquet")


def test_header_names_padded_with_spaces_still_match(in_tmp):
    header = tuple(f" {name} " if name in ("content", "vendorCallKey") else name for name in HEADER)
    table = load_transcripts(write_csv(good_rows(), header=header)).table
    assert table["content"].tolist() == ["Hello", "Hi, how can I help?", "Yes"]


def test_a_semicolon_separated_file_gets_a_hint(in_tmp):
    path = in_tmp / "datasets/calls.csv"
    path.write_text(";".join(HEADER) + "\nc1;p;m1;1;2;Hi;END_USER\n")
    with pytest.raises(DatasetError) as raised:
        load_transcripts("datasets/calls.csv")
    assert "The header looks separated by semicolons: save the file with commas." in str(
        raised.value
    )
