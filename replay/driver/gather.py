"""The master's side of the workers' outcome rows: spooled to disk as they arrive, never held.

    gather = OutcomeGather(run_dir, on_written=acknowledge)
    gevent.spawn(gather.run)                  # writes chunks in gevent's threadpool
    gather.put(worker, chunk_bytes)           # from a Locust message handler: returns at once
                                              # acknowledge(worker) once the chunk is on disk
    gather.drain()                            # every chunk received so far is on disk
    series = gather.assemble([0, 1], out)     # outcomes.parquet from the workers that reported
    gather.discard()                          # the spool files go

Workers send their outcome rows as compressed Arrow IPC chunks (replay.driver.outputs
`table_to_bytes`) while they run, each row with its `call_last` flag. Each arriving chunk is
decoded and appended to its worker's spool file (Parquet, in a hidden folder of the run
directory) by one writer greenlet, whose writes run in the threadpool so heartbeats go on. At
the end, outcomes.parquet is written a row group at a time from the spools of the workers that
reported (in worker order), feeding the series.json builder on the way (in the threadpool too;
the flags let it drop each call once its rows are in); a lost worker's spool is dropped, so its
rows are never counted or written. At most one chunk is decoded at a time, and one row group
is read back at a time: `resident_rows` counts the rows held in memory, `peak_rows` its maximum.
The queue of chunks still compressed is bounded by the workers: each sends a few chunks ahead of
its acknowledgements (replay.driver.distributed ChunkOutbox), so a fast set of workers waits for
this disk instead of piling chunks up here.
"""

from __future__ import annotations

import os
import shutil
import tempfile
from collections.abc import Callable, Iterable

import gevent
import numpy as np
import pyarrow as pa
import pyarrow.parquet as pq
from gevent.queue import JoinableQueue

from replay.driver.outputs import CALL_LAST, table_from_bytes, with_call_last
from replay.driver.threads import in_thread
from replay.results.outcomes import SCHEMA, OutcomesWriter
from replay.results.series import SeriesBuilder

READ_ROWS = 65_536  # rows read back from a spool at a time
SPOOL_SCHEMA = SCHEMA.append(pa.field(CALL_LAST, pa.bool_()))


class OutcomeGather:
    """Workers' outcome chunks, spooled per worker; outcomes.parquet assembled at the end."""

    def __init__(self, run_dir: str | os.PathLike[str],
                 on_written: Callable[[int], None] | None = None) -> None:
        os.makedirs(run_dir, exist_ok=True)
        self._on_written = on_written  # called with the worker after each of its chunks
        self._dir = tempfile.mkdtemp(prefix=".outcomes-spool-", dir=run_dir)
        self._queue: JoinableQueue = JoinableQueue()
        self._spools: dict[int, OutcomesWriter] = {}
        self.chunks: dict[int, int] = {}  # chunks written, per worker
        self.resident_rows = 0
        self.peak_rows = 0
        self.error: BaseException | None = None

    def put(self, worker: int, chunk: bytes) -> None:
        """Queue a chunk (still compressed); never blocks."""
        self._queue.put((worker, chunk))

    def run(self) -> None:
        """The writer loop: one chunk at a time, written off the gevent loop."""
        while True:
            worker, chunk = self._queue.get()
            try:
                if self.error is None:
                    self._write(worker, chunk)
            except Exception as error:  # kept, raised by drain(): the run's numbers still go out
                self.error = error
            finally:
                self._queue.task_done()
                if self._on_written is not None:  # even after an error: workers go on
                    self._on_written(worker)

    def _write(self, worker: int, chunk: bytes) -> None:
        table = table_from_bytes(chunk)
        if CALL_LAST not in table.column_names:  # no flags: its calls stay open to the end
            table = with_call_last(table, np.zeros(table.num_rows, bool))
        self._hold(table.num_rows)
        try:
            spool = self._spools.get(worker)
            if spool is None:
                spool = self._spools[worker] = OutcomesWriter(self._path(worker), SPOOL_SCHEMA)
            in_thread(spool.write, table)
            self.chunks[worker] = self.chunks.get(worker, 0) + 1
        finally:
            self._hold(-table.num_rows)

    def drain(self) -> None:
        """Wait until every chunk queued so far is written; raise a write's error."""
        self._queue.join()
        if self.error is not None:
            raise self.error

    def assemble(self, workers: Iterable[int], path: str | os.PathLike[str]) -> SeriesBuilder:
        """Write outcomes.parquet at `path` from these workers' spools, in this order, and
        return the series builder fed with the same rows."""
        self.drain()
        series = SeriesBuilder()
        with OutcomesWriter(path) as writer:
            for worker in workers:
                spool = self._spools.pop(worker, None)
                if spool is None:
                    continue
                in_thread(spool.close)
                for batch in pq.ParquetFile(self._path(worker)).iter_batches(READ_ROWS):
                    table = pa.Table.from_batches([batch])
                    self._hold(table.num_rows)
                    last = table.column(CALL_LAST).to_numpy()
                    table = table.drop_columns([CALL_LAST])
                    in_thread(writer.write, table)
                    in_thread(series.add, table, last)
                    self._hold(-table.num_rows)
                    gevent.sleep(0)  # a long assembly lets heartbeats through
        return series

    def discard(self) -> None:
        """Drop every spool (a lost worker's too)."""
        for spool in self._spools.values():
            spool.abort()
        self._spools.clear()
        shutil.rmtree(self._dir, ignore_errors=True)

    def _path(self, worker: int) -> str:
        return os.path.join(self._dir, f"worker-{worker}.parquet")

    def _hold(self, rows: int) -> None:
        self.resident_rows += rows
        self.peak_rows = max(self.peak_rows, self.resident_rows)
