"""load_transcripts: the replay's table (columns, order), skip mode, partitions, options."""

from __future__ import annotations

import logging

import pandas as pd
import pytest

from replay.dataset import FIELDS, LoadOptions, call_partition, load_transcripts
from replay.errors import ConfigError, DatasetError

from .files import HEADER, good_rows, rows_as_columns, write_csv, write_parquet


def _row(key, message, start, end, sender="END_USER", content="Hi"):
    return [key, f"{key}END_USER", message, str(start), str(end), content, sender]


def test_the_table_has_exactly_the_interface_columns_and_dtypes(in_tmp):
    table = load_transcripts(write_csv(good_rows())).table
    assert list(table.columns) == [*FIELDS, "row"]
    assert {name: str(dtype) for name, dtype in table.dtypes.items()} == {
        "vendorCallKey": "str", "participantId": "str", "messageId": "str",
        "startTime": "int64", "endTime": "int64", "content": "str", "senderType": "str",
        "row": "int64",
    }  # fmt: skip
    assert isinstance(table.index, pd.RangeIndex)


def test_rows_are_sorted_by_call_then_end_time_then_file_order(in_tmp):
    rows = [
        _row("b", "m1", 10, 50),
        _row("a", "m1", 10, 30),
        _row("a", "m2", 5, 20),
        _row("a", "m3", 1, 30),  # same endTime as m1: file order breaks the tie
        _row("b", "m2", 0, 40),
    ]
    table = load_transcripts(write_csv(rows)).table
    assert table[["vendorCallKey", "messageId"]].values.tolist() == [
        ["a", "m2"], ["a", "m1"], ["a", "m3"], ["b", "m2"], ["b", "m1"],
    ]  # fmt: skip
    assert table["row"].tolist() == [4, 3, 5, 6, 2]


def test_order_by_start_time_sorts_each_call_by_start(in_tmp):
    rows = [_row("a", "m1", 10, 30), _row("a", "m2", 5, 40), _row("a", "m3", 1, 50)]
    table = load_transcripts(write_csv(rows), LoadOptions(order_by="startTime")).table
    assert table["messageId"].tolist() == ["m3", "m2", "m1"]


def test_skip_drops_bad_rows_and_reports_how_many_and_why(in_tmp, caplog):
    rows = [
        *good_rows(),
        _row("c3", "m1", "soon", 5),
        _row("c3", "m2", 9, 5),
        _row("c3", "m3", 1, 2, sender="bot"),
        _row("c1", "m1", 1, 2),
    ]
    caplog.set_level(logging.WARNING)
    transcripts = load_transcripts(write_csv(rows), LoadOptions(on_invalid="skip"))
    assert transcripts.table["row"].tolist() == [2, 3, 4]
    skipped = transcripts.skipped
    assert skipped.count == 4
    assert dict(skipped.by_reason) == {
        "bad timestamp": 1, "endTime before startTime": 1, "unknown senderType": 1,
        "repeated messageId": 1,
    }  # fmt: skip
    assert skipped.examples[0] == (
        "datasets/calls.csv, row 5, column startTime: 'soon' is not epoch milliseconds or "
        "ISO 8601 (e.g. 1764086400000 or 2025-11-25T16:00:00Z)"
    )
    assert len(skipped.examples) == 4
    assert skipped.describe() == (
        "skipped 4 invalid rows (1 bad timestamp, 1 endTime before startTime, "
        "1 unknown senderType, 1 repeated messageId)"
    )
    assert "datasets/calls.csv: skipped 4 invalid rows" in caplog.text


def test_skip_keeps_the_first_of_repeated_message_ids(in_tmp):
    rows = [_row("a", "m1", 1, 2, content="first"), _row("a", "m1", 3, 4, content="again")]
    table = load_transcripts(write_csv(rows), LoadOptions(on_invalid="skip")).table
    assert table["content"].tolist() == ["first"]


def test_a_valid_dataset_skips_nothing(in_tmp):
    skipped = load_transcripts(write_csv(good_rows()), LoadOptions(on_invalid="skip")).skipped
    assert (skipped.count, dict(skipped.by_reason), skipped.describe()) == (
        0,
        {},
        "no invalid rows",
    )


def test_skip_refuses_a_dataset_where_every_row_is_invalid(in_tmp):
    rows = [_row("a", "m1", "x", 2)]
    with pytest.raises(DatasetError) as raised:
        load_transcripts(write_csv(rows), LoadOptions(on_invalid="skip"))
    assert str(raised.value).splitlines()[0] == (
        "datasets/calls.csv: 1 problem in 1 row; every row is invalid:"
    )


def _many_calls(count: int = 60) -> list[list[str]]:
    return [_row(f"call-{n}", f"m{m}", 1000 * m, 1000 * m + 500) for n in range(count)
            for m in range(3)]  # fmt: skip


@pytest.mark.parametrize("workers", [1, 2, 3, 5])
def test_partitions_hold_every_call_exactly_once(in_tmp, workers):
    path = write_csv(_many_calls())
    whole = load_transcripts(path).table
    parts = [load_transcripts(path, LoadOptions(partition=(index, workers))).table
             for index in range(workers)]  # fmt: skip
    merged = pd.concat(parts, ignore_index=True)
    assert len(merged) == len(whole)
    assert sorted(merged["messageId"] + merged["vendorCallKey"]) == sorted(
        whole["messageId"] + whole["vendorCallKey"]
    )
    for index, part in enumerate(parts):
        assert (call_partition(part["vendorCallKey"], workers) == index).all()


def test_parquet_partitions_match_csv_partitions_and_keep_file_rows(in_tmp, monkeypatch):
    import replay.dataset.read as read

    monkeypatch.setattr(read, "_BATCH_ROWS", 7)  # many batches from a small file
    rows = _many_calls()
    columns = rows_as_columns(rows)
    for name in ("startTime", "endTime"):
        columns[name] = [int(value) for value in columns[name]]
    parquet, csv = write_parquet(columns), write_csv(rows)
    for index in range(3):
        from_parquet = load_transcripts(parquet, LoadOptions(partition=(index, 3))).table
        from_csv = load_transcripts(csv, LoadOptions(partition=(index, 3))).table
        assert from_parquet["messageId"].tolist() == from_csv["messageId"].tolist()
        assert (from_parquet["row"] + 1).tolist() == from_csv["row"].tolist()


def test_an_empty_partition_is_an_empty_table_not_an_error(in_tmp):
    path = write_csv([_row("c1", "m1", 1, 2)])
    owner = int(call_partition(["c1"], 2)[0])
    table = load_transcripts(path, LoadOptions(partition=(1 - owner, 2))).table
    assert len(table) == 0
    assert list(table.columns) == [*HEADER, "row"]


@pytest.mark.parametrize(
    ("options", "expected"),
    [
        ({"on_invalid": "ignore"}, "--on-invalid must be fail or skip, not 'ignore'"),
        ({"order_by": "sentTime"}, "order_by must be endTime or startTime, not 'sentTime'"),
        ({"max_content_length": 0}, "--max-content-length must be a positive number, not 0"),
        ({"partition": (3, 3)}, "partition index 3 is not within 0..2"),
    ],
)
def test_bad_options_are_refused(options, expected):
    with pytest.raises(ConfigError) as raised:
        LoadOptions(**options)
    assert str(raised.value) == expected


def test_counts_of_calls_and_messages(in_tmp):
    transcripts = load_transcripts(write_csv(good_rows()))
    assert (transcripts.calls, transcripts.messages, transcripts.source) == (
        2, 3, "datasets/calls.csv",
    )  # fmt: skip
