"""Stream a prepared dataset into the Replayer: slices read ahead off the loop, each a Batch.

    stream = PreparedStream(dataset, config, make_builder, partition=(index, count))
    replayer = Replayer(batches=stream.batches(), paced=config.plan.paced, ...,
                        on_batch_done=sink.add)

Memory is bounded by what is active, never by the dataset: a reader greenlet asks gevent's
threadpool for the next row group (`READ_AHEAD` slices queue up ahead of the scheduler), turns
it into a Batch (its own small table, plan, request builder and outcome recorder), and the
Replayer hands each Batch back once all its messages are done; the sink then writes its outcome
rows and drops it. `--loops` reads the directory again for each pass, `pass_offset` later.

Every message keeps the timeline of the whole dataset: due = (T - T0) / speed with the
manifest's T0 (the same on every worker), plus the pass offset. Calls are numbered as they
start; a call's first and last message come from the prepared columns `call_seq` and
`call_last`. `--sample` is decided per call by the same seeded hash as an in-memory plan;
`--calls N` keeps the first N calls to start. With `--lifecycle` the Replayer creates a
call's VoiceCall before its first message (`call_seq == 0`) and ends it after its last
(`call_last`), whichever batches they are in. `--max-gap` is applied when the directory is
prepared (`send_ms`, the order of the parts): a run plans with `send_ms` and must ask for
the `--max-gap` the directory was prepared with (ConfigError otherwise). With `--bulk` the
Replayer posts the due messages of every batch in bulk requests (replay.driver.bulk), a
request holding messages of one batch or of several.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Callable, Iterator
from typing import Any

import gevent
import numpy as np
import pandas as pd
import pyarrow as pa
from gevent.queue import Queue

from replay.dataset.prepared import PreparedDataset
from replay.driver.options import ReplayConfig
from replay.driver.replayer import Batch
from replay.driver.threads import in_thread
from replay.errors import ConfigError
from replay.plan import PASS_GAP_S, SEND_AT_COLUMNS, PlanOptions, build_plan
from replay.results.recorder import OutcomeRecorder

READ_AHEAD = 4  # slices read and planned ahead of the scheduler
KEY_COLUMNS = ["vendorCallKey", "call_seq"]  # what counting a stream's messages and calls reads
_END = object()


def check_streamable(config: ReplayConfig, dataset: PreparedDataset) -> None:
    """ConfigError for options a stream cannot honour."""
    if dataset.max_gap_s != config.plan.max_gap_s:
        prepared = (f"with --max-gap {dataset.max_gap_s:g}" if dataset.max_gap_s is not None
                    else "without --max-gap")
        wanted = (f"--max-gap {config.plan.max_gap_s:g}" if config.plan.max_gap_s is not None
                  else "no --max-gap")
        raise ConfigError(f"{config.dataset} was prepared {prepared}; run with the same, or "
                          f"prepare it again with {wanted} (`replay prepare` shortens the "
                          "silences inside calls, so that the directory is in sending order)")
    if dataset.send_at != config.plan.send_at:
        raise ConfigError(f"{config.dataset} was prepared with --send-at {dataset.send_at}; "
                          f"run with --send-at {dataset.send_at}, or prepare it again")


class PreparedStream:
    def __init__(
        self, dataset: PreparedDataset, config: ReplayConfig,
        make_builder: Callable[[pd.DataFrame, Any], Any], *,
        partition: tuple[int, int] | None = None,
    ) -> None:
        check_streamable(config, dataset)
        self.dataset = dataset
        self._options = config.plan
        self._make_builder = make_builder
        self._partition = partition
        self._ids: dict[tuple[str, int], int] = {}  # (vendorCallKey, pass) -> call number
        self._next_id = 0
        self._chosen: set[str] = set()  # --calls N: the calls kept, in order of their start
        speed = self._options.speed
        span = float(dataset.manifest["span_s"])
        self.pass_offset_s = span / speed + PASS_GAP_S if speed else 0.0
        self.span_s = (span / speed + (self._options.loops - 1) * self.pass_offset_s
                       if speed else 0.0)
        self.messages = 0  # planned so far
        self._queue: Queue | None = None
        self._reader: gevent.Greenlet | None = None
        self._counting = False  # stopped: the rest is only counted

    def batches(self) -> Iterator[Batch]:
        """Batches in due order, read ahead in the threadpool by a reader greenlet."""
        self._queue = Queue(maxsize=READ_AHEAD)
        self._reader = gevent.spawn(self._read_into, self._queue)
        while (item := self._queue.get()) is not _END:
            if isinstance(item, BaseException):
                raise item
            yield item
        self._reader = None  # all handed over: nothing left for rest_rows

    def rest_rows(self) -> int:
        """After a stop: how many messages of the stream were never handed over (counted, not
        planned: a stopped run does not read the rest of a large dataset into batches); 0
        when every batch was handed over (or none was asked for)."""
        if self._reader is None:
            return 0
        self._counting = True
        rest = 0
        while (item := self._queue.get()) is not _END:
            if isinstance(item, BaseException):
                raise item
            rest += item if isinstance(item, int) else item.plan.messages
        return rest

    def _read_into(self, queue: Queue) -> None:
        try:
            for loop in range(self._options.loops):
                tables, read = self.dataset.tables(self._partition), 0
                while not self._counting and (table := in_thread(next, tables, None)) is not None:
                    read += 1
                    batch = in_thread(self._batch, table, loop)
                    if batch is not None:
                        queue.put(batch)
                if self._counting:  # stopped: the rest of the pass counted from its keys alone
                    rest = self.dataset.tables(self._partition, columns=KEY_COLUMNS, start=read)
                    while (table := in_thread(next, rest, None)) is not None:
                        queue.put(in_thread(self._chosen_rows, table))
            queue.put(_END)
        except BaseException as error:  # handed to the scheduler, raised there
            queue.put(error)

    def _chosen_rows(self, table: pa.Table) -> int:
        return self._choose(table).num_rows

    def _batch(self, table: pa.Table, loop: int) -> Batch | None:
        """Blocking (threadpool): one slice of the stream as a planned Batch."""
        table = self._choose(table)
        return self.plan_table(table, loop) if table.num_rows else None

    def plan_table(self, table: pa.Table, loop: int, *, numbered: bool = True) -> Batch:
        """Rows of the prepared dataset (in send-time order) as a planned Batch of pass `loop`;
        `numbered=False` for a look at them that does not count (the dry run's)."""
        frame = table.to_pandas()
        options = PlanOptions(speed=self._options.speed, send_at=self._options.send_at)
        # Planned on send_ms (silences already shortened by --max-gap when prepared); the
        # builder keeps the rows' own startTime and endTime.
        timeline = frame.assign(**{SEND_AT_COLUMNS[options.send_at]: frame["send_ms"]})
        plan = build_plan(timeline, options, t0_ms=self.dataset.t0_ms)
        if loop:
            plan = dataclasses.replace(
                plan, due_s=plan.due_s + loop * self.pass_offset_s,
                pass_index=np.full(plan.messages, loop, np.int16))
        keys = frame["vendorCallKey"].to_numpy(dtype=object)[plan.row]
        first = frame["call_seq"].to_numpy(dtype=np.int32)[plan.row] == 0
        last = frame["call_last"].to_numpy(dtype=bool)[plan.row]
        if numbered:
            self.messages += plan.messages
            calls = self._call_ids(keys, first, last, loop)
        else:
            calls = np.zeros(plan.messages, np.int64)
        return Batch(plan=plan, builder=self._make_builder(frame, plan),
                     recorder=OutcomeRecorder(plan.messages), due_s=plan.due_s.copy(),
                     calls=calls, first=first, last=last, table=frame)

    def _choose(self, table: pa.Table) -> pa.Table:
        options = self._options
        keep = None
        if options.sample is not None:
            keys = table.column("vendorCallKey").to_numpy(zero_copy_only=False)
            hashes = pd.util.hash_array(keys.astype(object),
                                        hash_key=f"{options.seed:016d}"[-16:])
            keep = (hashes >> np.uint64(11)).astype(np.float64) / 2.0**53 < options.sample
        if options.calls is not None:
            keys = table.column("vendorCallKey").to_pylist()
            starts = table.column("call_seq").to_numpy() == 0
            chosen = self._chosen
            mask = np.zeros(len(keys), bool)
            for n, key in enumerate(keys):
                if starts[n] and len(chosen) < options.calls and (keep is None or keep[n]):
                    chosen.add(key)
                mask[n] = key in chosen
            keep = mask
        return table.filter(pa.array(keep)) if keep is not None else table

    def _call_ids(self, keys: np.ndarray, first: np.ndarray, last: np.ndarray,
                  loop: int) -> np.ndarray:
        """A number per message's call, the same across batches while the call is active."""
        codes, uniques = pd.factorize(keys)
        known = self._ids
        numbers = np.empty(len(uniques), np.int64)
        for n, key in enumerate(uniques.tolist()):
            number = known.get((key, loop))
            if number is None:
                number = known[key, loop] = self._next_id
                self._next_id += 1
            numbers[n] = number
        for key in keys[last].tolist():
            known.pop((key, loop), None)
        return numbers[codes]

    @property
    def calls(self) -> int:
        """Calls planned so far (each pass of --loops counts again)."""
        return self._next_id

    def count_share(self) -> tuple[int, int]:
        """Blocking (threadpool): the messages and calls this stream plans in all, every pass
        of --loops, --calls and --sample applied, counted from the key columns alone (what a
        worker lost before it reported was to send). Use a stream of its own: it chooses."""
        messages = calls = 0
        for table in self.dataset.tables(self._partition, columns=KEY_COLUMNS):
            chosen = self._choose(table)
            messages += chosen.num_rows
            calls += int(np.count_nonzero(chosen.column("call_seq").to_numpy() == 0))
        return messages * self._options.loops, calls * self._options.loops



class StreamTally:
    """A streamed replay's running counts for progress lines and the live tab, and the hand-off
    of each finished batch to the sink. Quacks like `OutcomeRecorder` for `Progress`."""

    def __init__(self, sink: Any) -> None:
        self._sink = sink
        self._live: list[Batch] = []
        self._finished = {"sent": 0, "done": 0, "accepted": 0, "failed": 0}
        self.size = 0  # messages planned so far
        self._to_write: Queue = Queue()
        self._writer = gevent.spawn(self._write_finished)

    def _write_finished(self) -> None:
        """Finished batches go to the sink in order, in the threadpool: measuring and writing
        their outcomes never holds up the loop."""
        while (batch := self._to_write.get()) is not _END:
            in_thread(self._sink.add, batch)

    def close(self) -> None:
        """Wait until every finished batch is in the sink."""
        self._to_write.put(_END)
        self._writer.get()

    def watch(self, batches: Iterator[Batch]) -> Iterator[Batch]:
        for batch in batches:
            self._live.append(batch)
            self.size += batch.plan.messages
            yield batch

    def done(self, batch: Batch) -> None:
        self._live.remove(batch)
        recorder = batch.recorder
        for key, value in (("sent", recorder.sent_count), ("done", recorder.done_count),
                           ("accepted", recorder.accepted_count),
                           ("failed", recorder.failed_count)):
            self._finished[key] += value
        self._to_write.put(batch)

    def snapshot(self, now_s: float, due_s: Any = None) -> dict[str, Any]:
        """As `OutcomeRecorder.snapshot`, over the batches in memory plus the finished counts."""
        live = list(self._live)
        parts = [batch.recorder.snapshot(now_s, batch.due_s) for batch in live]
        total = dict(self._finished)
        for part in parts:
            for key in total:
                total[key] += part[key]
        sent_s = np.concatenate([b.recorder.sent_s for b in live]) if live else np.empty(0)
        due = np.concatenate([b.due_s for b in live]) if live else np.empty(0)
        interval = min(5.0, now_s)
        recent = np.flatnonzero(sent_s >= now_s - interval)
        lag_ms = np.maximum(sent_s[recent] - due[recent], 0.0) * 1000.0
        due_by_now = self.size - sum(int(np.count_nonzero(b.due_s > now_s)) for b in live)
        return {
            "now_s": now_s, "planned": self.size, "due": due_by_now, "sent": total["sent"],
            "done": total["done"], "accepted": total["accepted"], "failed": total["failed"],
            "in_flight": total["sent"] - total["done"],
            "behind": max(due_by_now - total["sent"], 0), "interval_s": interval,
            "recent": int(recent.size),
            "rate_mps": recent.size / interval if interval > 0 else None,
            "lag_p50_ms": float(np.percentile(lag_ms, 50)) if lag_ms.size else None,
            "lag_p99_ms": float(np.percentile(lag_ms, 99)) if lag_ms.size else None,
        }
