"""The outcomes table: built from a recorder, written as real Parquet, read back, concatenated."""

from __future__ import annotations

import math

import numpy as np
import pyarrow as pa
import pyarrow.parquet as pq
import pytest

from replay.errors import ConfigError
from replay.results.outcomes import (
    SCHEMA,
    build_outcomes,
    concat_outcomes,
    read_outcomes,
    write_outcomes,
)
from replay.results.recorder import OutcomeRecorder

IDENTITY = {
    "vendorCallKey": ["call-a", "call-a", "call-b", "call-b", "call-c"],
    "messageId": ["m1", "m2", "m1", "m2", "m1"],
    "senderType": ["END_USER", "HUMAN_AGENT", "END_USER", "END_USER", "VIRTUAL_AGENT"],
    "call_seq": [0, 1, 0, 1, 0],
    "pass": [0, 0, 0, 0, 0],
}
DUE = np.array([0.0, 1.0, 0.5, 1.5, 2.0])


def _recorded() -> OutcomeRecorder:
    """accepted, failed http_500, accepted after a retry, unfinished, unsent."""
    recorder = OutcomeRecorder(5)
    recorder.sent(0, 0.001)
    recorder.done(0, 0.011, 202)
    recorder.sent(1, 1.002)
    recorder.done(1, 1.052, 500)
    recorder.sent(2, 0.5)
    recorder.retried(2, 0.9)
    recorder.done(2, 0.95, 200, attempts=2)
    recorder.sent(3, 1.5)
    return recorder


def test_build_gives_one_row_per_message_in_the_schema():
    table = build_outcomes(IDENTITY, worker=0, due_s=DUE, recorder=_recorded())
    assert table.schema == SCHEMA
    assert table.num_rows == 5
    rows = table.to_pylist()
    outcomes = [row["outcome"] for row in rows]
    assert outcomes == ["accepted", "failed", "accepted", "failed", "unsent"]
    assert [row["reason"] for row in rows] == ["", "http_500", "", "unfinished", "not_sent"]
    assert [row["status"] for row in rows] == [202, 500, 200, 0, -1]
    assert [row["attempts"] for row in rows] == [1, 1, 2, 1, 0]
    assert rows[2]["sent_s"] == 0.5 and rows[2]["final_sent_s"] == 0.9
    assert rows[0]["final_sent_s"] == rows[0]["sent_s"]
    assert math.isnan(rows[4]["sent_s"]) and math.isnan(rows[3]["done_s"])
    assert [row["worker"] for row in rows] == [0] * 5


def test_a_reason_given_for_an_unsent_message_is_kept():
    recorder = OutcomeRecorder(5)
    recorder.not_sent(4, "worker_lost")
    table = build_outcomes(IDENTITY, worker=3, due_s=DUE, recorder=recorder)
    assert table.column("reason").to_pylist() == ["not_sent"] * 4 + ["worker_lost"]
    assert set(table.column("worker").to_pylist()) == {3}


def test_identity_accepts_arrow_and_numpy_columns():
    identity = {
        "vendorCallKey": pa.array(IDENTITY["vendorCallKey"]).dictionary_encode(),
        "messageId": np.array(IDENTITY["messageId"], dtype=object),
        "senderType": pa.chunked_array([IDENTITY["senderType"]]),
        "call_seq": np.array(IDENTITY["call_seq"], dtype=np.int64),
        "pass": np.zeros(5, dtype=np.int16),
    }
    table = build_outcomes(identity, worker=np.arange(5), due_s=DUE, recorder=_recorded())
    assert table.column("vendorCallKey").to_pylist() == IDENTITY["vendorCallKey"]
    assert table.column("worker").to_pylist() == [0, 1, 2, 3, 4]


def test_build_refuses_columns_of_the_wrong_length():
    with pytest.raises(ValueError, match="due_s has 4 values for a recorder of 5"):
        build_outcomes(IDENTITY, worker=0, due_s=DUE[:4], recorder=_recorded())
    with pytest.raises(ValueError, match="identity lacks column"):
        build_outcomes({"messageId": []}, worker=0, due_s=DUE, recorder=_recorded())


def test_round_trip_through_a_parquet_file_keeps_every_value(tmp_path):
    table = build_outcomes(IDENTITY, worker=1, due_s=DUE, recorder=_recorded())
    path = write_outcomes(tmp_path / "outcomes.parquet", table)
    again = read_outcomes(path)
    assert again.schema == SCHEMA
    assert again.to_pandas().equals(table.to_pandas())  # NaN-aware, unlike Table.equals
    assert [p.name for p in tmp_path.iterdir()] == ["outcomes.parquet"]  # no temp file left


def test_parquet_file_uses_zstd_and_dictionary_encoding(tmp_path):
    table = build_outcomes(IDENTITY, worker=0, due_s=DUE, recorder=_recorded())
    path = write_outcomes(tmp_path / "outcomes.parquet", table)
    metadata = pq.ParquetFile(path).metadata.row_group(0)
    columns = {metadata.column(i).path_in_schema: metadata.column(i) for i in range(14)}
    assert {column.compression for column in columns.values()} == {"ZSTD"}
    assert "RLE_DICTIONARY" in columns["reason"].encodings
    assert "RLE_DICTIONARY" in columns["vendorCallKey"].encodings


def test_reading_a_file_without_final_sent_s_fills_it_from_sent_s(tmp_path):
    table = build_outcomes(IDENTITY, worker=0, due_s=DUE, recorder=_recorded())
    pq.write_table(table.drop_columns(["final_sent_s"]), tmp_path / "old.parquet")
    again = read_outcomes(tmp_path / "old.parquet")
    assert again.column("final_sent_s").to_pylist()[:3] == [0.001, 1.002, 0.5]


def test_concat_of_two_workers_keeps_all_rows_and_their_reasons():
    first = build_outcomes(IDENTITY, worker=0, due_s=DUE, recorder=_recorded())
    other = OutcomeRecorder(5)
    for i in range(5):
        other.sent(i, DUE[i])
        other.done(i, DUE[i] + 0.01, 0, "timeout")
    second = build_outcomes(IDENTITY, worker=1, due_s=DUE, recorder=other)
    table = concat_outcomes([first, second])
    assert table.num_rows == 10 and table.schema == SCHEMA
    assert table.column("reason").to_pylist()[4:] == ["not_sent"] + ["timeout"] * 5
    assert table.column("worker").to_pylist() == [0] * 5 + [1] * 5
    assert concat_outcomes([]).num_rows == 0


def test_reading_a_missing_file_names_it(tmp_path):
    path = tmp_path / "outcomes.parquet"
    with pytest.raises(ConfigError) as error:
        read_outcomes(path)
    assert str(error.value) == f"{path}: no such file; is this a run directory?"


def test_reading_a_file_that_is_not_parquet_is_a_clear_error(tmp_path):
    path = tmp_path / "outcomes.parquet"
    path.write_text("vendorCallKey,messageId\n")
    with pytest.raises(ConfigError, match=r"outcomes.parquet: not a readable Parquet file"):
        read_outcomes(path)


def test_reading_another_parquet_file_lists_the_missing_columns(tmp_path):
    path = tmp_path / "other.parquet"
    pq.write_table(pa.table({"vendorCallKey": ["a"], "messageId": ["b"]}), path)
    with pytest.raises(ConfigError) as error:
        read_outcomes(path)
    assert str(error.value).startswith(
        f"{path}: not an outcomes file, column(s) missing: senderType, call_seq, pass, worker,"
    )
