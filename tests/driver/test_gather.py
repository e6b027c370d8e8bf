"""The master's spool of the workers' outcome chunks (replay/driver/gather.py): chunks are on
disk as they arrive, the rows held at once stay bounded, outcomes.parquet and series.json come
from the workers that reported, a lost worker's rows are dropped."""

from __future__ import annotations

import os

import gevent
import numpy as np
import pyarrow.parquet as pq

import replay.results.series_calls as series_calls
from replay.driver import gather as gather_module
from replay.driver.gather import OutcomeGather
from replay.driver.outputs import table_chunks
from replay.results.outcomes import SCHEMA, build_outcomes
from replay.results.recorder import OutcomeRecorder
from replay.results.series import series_of_table

CHUNK = 500


def outcomes(worker: int, rows: int, first: int = 0):
    recorder = OutcomeRecorder(rows)
    for row in range(rows):
        recorder.sent(row, 0.01 * (first + row))
        recorder.done(row, 0.01 * (first + row) + 0.005, 202)
    keys = [f"w{worker}-call-{(first + row) // 10}" for row in range(rows)]
    return build_outcomes(
        {"vendorCallKey": keys, "messageId": [f"m{first + row}" for row in range(rows)],
         "senderType": ["END_USER"] * rows, "call_seq": [(first + r) % 10 for r in range(rows)],
         "pass": [0] * rows},
        worker=worker, due_s=0.01 * np.arange(first, first + rows), recorder=recorder)


def test_chunks_are_on_disk_as_they_arrive_and_the_rows_held_stay_within_one_chunk(
        tmp_path, monkeypatch):
    monkeypatch.setattr(gather_module, "READ_ROWS", CHUNK)
    gather = OutcomeGather(tmp_path)
    writer = gevent.spawn(gather.run)
    try:
        for number in range(40):  # a run of many chunks, 20,000 rows in all
            for chunk in table_chunks(outcomes(number % 2, CHUNK, first=number * CHUNK), CHUNK):
                gather.put(number % 2, chunk)
            gevent.sleep(0)
            if number == 10:  # mid-run: what arrived is written, not waiting for the end
                gather.drain()
                assert gather.chunks == {0: 6, 1: 5}
        series = gather.assemble([0, 1], tmp_path / "outcomes.parquet")
    finally:
        writer.kill()
        gather.discard()
    assert 0 < gather.peak_rows <= CHUNK  # of 20,000 rows, never more than a chunk at once
    assert gather.resident_rows == 0
    written = pq.read_table(tmp_path / "outcomes.parquet")
    assert written.num_rows == 40 * CHUNK
    assert written["worker"].to_pylist() == [0] * 20 * CHUNK + [1] * 20 * CHUNK
    assert series.finish() == series_of_table(written)


def test_a_lost_workers_spooled_rows_are_dropped_and_its_spool_removed(tmp_path):
    gather = OutcomeGather(tmp_path)
    writer = gevent.spawn(gather.run)
    try:
        for worker in (0, 1):
            for chunk in table_chunks(outcomes(worker, 1200), CHUNK):
                gather.put(worker, chunk)
        gather.assemble([1], tmp_path / "outcomes.parquet")  # worker 0 was lost
    finally:
        writer.kill()
        gather.discard()
    written = pq.read_table(tmp_path / "outcomes.parquet")
    assert written.num_rows == 1200
    assert set(written["worker"].to_pylist()) == {1}
    assert os.listdir(tmp_path) == ["outcomes.parquet"]


def test_no_chunks_give_an_empty_outcomes_file(tmp_path):
    gather = OutcomeGather(tmp_path)
    writer = gevent.spawn(gather.run)
    try:
        gather.assemble([0, 1], tmp_path / "outcomes.parquet")
    finally:
        writer.kill()
        gather.discard()
    assert pq.read_table(tmp_path / "outcomes.parquet").num_rows == 0


def test_a_table_is_cut_into_chunks_of_bounded_rows():
    table = outcomes(0, 1200)
    sizes = [len(chunk) > 0 for chunk in table_chunks(table, CHUNK)]
    assert len(sizes) == 3
    assert len(list(table_chunks(table.slice(0, 0), CHUNK))) == 1


def test_the_series_drops_each_call_once_its_flagged_last_row_is_read_back(
        tmp_path, monkeypatch):
    monkeypatch.setattr(gather_module, "READ_ROWS", CHUNK)
    monkeypatch.setattr(series_calls, "MERGE_ROWS", CHUNK)
    gather = OutcomeGather(tmp_path)
    writer = gevent.spawn(gather.run)
    try:
        for number in range(40):  # 2,000 calls of 10 messages, 50 calls a chunk
            table = outcomes(number % 2, CHUNK, first=number * CHUNK)
            last = table["call_seq"].to_numpy() == 9
            for chunk in table_chunks(table, CHUNK, last):
                gather.put(number % 2, chunk)
        series = gather.assemble([0, 1], tmp_path / "outcomes.parquet")
    finally:
        writer.kill()
        gather.discard()
    written = pq.read_table(tmp_path / "outcomes.parquet")
    assert written.schema.names == SCHEMA.names  # the flags stay in the spool
    assert series.peak_calls_held <= 2 * CHUNK  # of 2,000 calls
    assert series.finish() == series_of_table(written)


def test_each_chunk_is_acknowledged_to_its_worker_once_it_is_on_disk(tmp_path):
    acknowledged = []

    def acknowledge(worker: int) -> None:  # the master tells the worker it may send more
        acknowledged.append((worker, gather.chunks.get(worker, 0)))  # chunks written

    gather = OutcomeGather(tmp_path, on_written=acknowledge)
    writer = gevent.spawn(gather.run)
    try:
        for number in range(6):
            for chunk in table_chunks(outcomes(number % 2, CHUNK, first=number * CHUNK), CHUNK):
                gather.put(number % 2, chunk)
        gather.drain()
    finally:
        writer.kill()
        gather.discard()
    assert acknowledged == [(0, 1), (1, 1), (0, 2), (1, 2), (0, 3), (1, 3)]
