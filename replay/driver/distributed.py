"""Master and workers: one dataset split by call across Locust workers, on one shared timeline.

    locust -f locustfile.py --master --expect-workers 2 --headless --dataset d.parquet ...
    locust -f locustfile.py --worker --master-host ...      (x2)   # or: --processes 2

The master never loads the dataset. The exchange, through Locust's custom messages:

    master -> worker  replay_prepare  {index, count, options, host}      at the master's test_start
    worker -> master  replay_ready    {index, earliest_ms, skipped, error}  its share loaded
    master -> worker  replay_start    {t0_epoch_s, t0_ms}                once every worker is ready
    worker -> master  replay_planned  {index, messages, calls (its vendorCallKeys)}
    worker -> master  replay_progress {a recorder snapshot}              every few seconds
    worker -> master  replay_outcomes {index, outcomes (Arrow IPC, zstd)} each chunk of rows
    master -> worker  replay_outcomes_written {}                     each chunk once spooled
    worker -> master  replay_done     {index, chunks (how many were sent), measures,
                                       stop_reason, tokens, lateness, ...}

- Partition: worker i of n loads only the calls with `call_partition(key, n) == i` (crc32 of
  the vendorCallKey), so every call is on exactly one worker and its messages stay in order.
  Loading runs in gevent's threadpool, so heartbeats go on.
- One timeline: T0 is the earliest send time over all shares (the minimum of the workers'
  `earliest_ms`), and t0 a wall-clock moment the master picks (`START_DELAY_S` ahead); every
  worker anchors its run clock to it, so the combined traffic has the dataset's shape.
- Options: the master sends its replay options to the workers (as Locust does for custom
  options); paths in them (--dataset, --jwt-key, --ca-bundle) must exist on every worker.
- Results: each worker sends its outcome rows in bounded chunks (a streamed share: one per
  batch, as its calls end; a plain file's share: CHUNK_ROWS rows each once it has run), each
  row with its call-last flag (for series.json), then its mergeable Measures. The master spools
  each chunk to disk as it arrives (replay.driver.gather), never holding the rows, and
  acknowledges it; a worker sends at most WINDOW_CHUNKS chunks ahead of the acknowledgements,
  so fast workers wait for the master's disk instead of filling its memory (a share in memory
  makes its next chunk only then). It merges the Measures (exact histograms, never averaged
  percentiles) and writes the same files as a local run, outcomes.parquet a row group at a
  time from the spools. A worker lost (or failed) before it reports, or whose chunks did not
  all arrive, is named in summary.json's `run.lost_workers` with its planned messages (a
  streamed share's counted by the master from the prepared directory) and, for a share in
  memory, its calls; its spooled rows are dropped and its messages count as unaccounted,
  never twice.
- Tokens: each worker has its own token source (with --jwt-mode per-request, its own minter
  processes, started before it loads its share); the master adds up their `tokens` and
  `lateness` blocks.
- --calls N applies to each worker's share; --sample is decided per call and is the same
  whichever worker holds it.
"""

from __future__ import annotations

import contextlib
import logging
import os
import sys
import time
from collections.abc import Iterator
from datetime import UTC, datetime
from types import SimpleNamespace
from typing import Any

import gevent
from gevent.event import AsyncResult, Event
from gevent.queue import Queue

from replay.dataset.prepared import PreparedDataset
from replay.driver.clock import RunClock
from replay.driver.gather import OutcomeGather
from replay.driver.http import add_usage
from replay.driver.interrupt import call_on_ctrl_c
from replay.driver.options import ReplayConfig, config_from_options
from replay.driver.outputs import (
    EXIT_FAILED,
    EXIT_STOPPED,
    WORKER_LOST,
    OutcomeSink,
    last_of_call,
    outcomes_table,
    run_block,
    table_chunks,
    table_from_bytes,
    table_to_bytes,
    write_outputs,
)
from replay.driver.prepare import (
    existing_prepared,
    in_thread,
    load_share,
    prepare,
    streamed_dataset,
)
from replay.driver.roles import Session
from replay.driver.runtime import freeze_loaded_data
from replay.driver.stream import PreparedStream
from replay.driver.tokens import (
    add_token_stats,
    authorizer_for,
    close_tokens,
    wait_for_tokens,
)
from replay.errors import ReplayError
from replay.exit_codes import ExitCode
from replay.options import specs
from replay.plan import earliest_send_ms
from replay.results.lateness import add_lateness
from replay.results.measures import Measures, measure_outcomes
from replay.results.progress import progress_line

logger = logging.getLogger(__name__)

START_DELAY_S = 1.0
READY_TIMEOUT_S = 600.0
POLL_S = 0.5
PROGRESS_S = 2.0
CHUNK_ROWS = 50_000  # outcome rows per chunk a worker sends of a plain file's share
WINDOW_CHUNKS = 4  # outcome chunks a worker sends ahead of the master's acknowledgements
ABSENT_GRACE_S = 5.0  # out of Locust's list of workers this long (beyond --stop-timeout): lost
OPTION_NAMES = tuple(spec.name for spec in specs(ReplayConfig))


class MasterRole:
    """The master's side: hands out shares, sets t0, gathers and writes the results."""

    def __init__(self, session: Session, environment: Any) -> None:
        self.session = session
        self.environment = environment
        self.runner = environment.runner
        self.ready: dict[int, dict] = {}
        self.planned: dict[int, dict] = {}
        self.done: dict[int, dict] = {}
        self.progress: dict[int, dict] = {}
        self.workers: dict[int, str] = {}  # partition index -> Locust client id
        self.started = False  # replay_start sent: from then on, messages may have been sent
        self.interrupted = False  # Ctrl-C on a headless master
        self.gather: OutcomeGather | None = None  # the workers' outcome rows, from t0 on
        self._greenlet: gevent.Greenlet | None = None
        # Locust's own --run-time limit quits the workers at once, before they report: the
        # master takes the limit over and stops them as on Ctrl-C, so the outputs are written.
        options = environment.parsed_options
        self.run_time_s = getattr(options, "run_time", None)
        options.run_time = None
        # Locust drops a worker from its list when it stops and adds it back when it says it
        # is ready again (after --stop-timeout): only a longer absence means it is gone.
        self.absent_grace_s = ABSENT_GRACE_S + (getattr(environment, "stop_timeout", 0) or 0)
        self._absent_since: dict[int, float] = {}
        self.runner.register_message("replay_ready", self._on_ready)
        self.runner.register_message("replay_planned", self._on_planned)
        self.runner.register_message("replay_outcomes", self._on_outcomes)
        self.runner.register_message("replay_done", self._on_done)
        self.runner.register_message("replay_progress", self._on_progress)
        environment.events.test_start.add_listener(self._on_test_start)
        if environment.parsed_options.headless:
            call_on_ctrl_c(self._on_ctrl_c)

    # -- messages ----------------------------------------------------------------------------

    def _on_test_start(self, **_: Any) -> None:
        if self._greenlet is not None:
            return
        ids = sorted(node.id for node in self.runner.clients.ready)
        self.workers = dict(enumerate(ids))
        config = self.session.config
        options = {name: getattr(self.environment.parsed_options, name, None)
                   for name in OPTION_NAMES}
        options["junit_xml"] = None  # written by the master alone; its folder may not exist there
        options["parent_fd"] = None  # the master's lifeline: a worker watches the master instead
        for index, client_id in self.workers.items():
            self.runner.send_message(
                "replay_prepare",
                {"index": index, "count": len(ids), "options": options,
                 "host": self.environment.host, "run_id": config.run_id},
                client_id=client_id,
            )
        logger.info("replay: %d workers, each loading its share of %s", len(ids), config.dataset)
        self._greenlet = gevent.spawn(self._coordinate)
        if self.run_time_s:
            gevent.spawn_later(self.run_time_s, self._on_run_time)

    def _on_ready(self, environment: Any, msg: Any, **_: Any) -> None:
        self.ready[msg.data["index"]] = msg.data

    def _on_planned(self, environment: Any, msg: Any, **_: Any) -> None:
        self.planned[msg.data["index"]] = msg.data

    def _on_outcomes(self, environment: Any, msg: Any, **_: Any) -> None:
        if self.gather is not None:  # queued: written by the gather's greenlet, off this one
            self.gather.put(msg.data["index"], msg.data["outcomes"])

    def _acknowledge(self, index: int) -> None:
        """Tell worker `index` one more of its chunks is spooled (it sends WINDOW_CHUNKS ahead)."""
        if index in self.workers and index not in self._lost():
            self.runner.send_message("replay_outcomes_written", {},
                                     client_id=self.workers[index])

    def _on_done(self, environment: Any, msg: Any, **_: Any) -> None:
        self.done[msg.data["index"]] = msg.data

    def _on_progress(self, environment: Any, msg: Any, **_: Any) -> None:
        self.progress[msg.data["index"]] = msg.data

    # -- the run -----------------------------------------------------------------------------

    def _lost(self) -> set[int]:
        """The workers gone: missing heartbeats, or out of Locust's list of workers for longer
        than `absent_grace_s` (a stopped worker is out of it for a moment)."""
        now = time.monotonic()
        states = {node.id: node.state for node in self.runner.clients.values()}
        lost = set()
        for index, client_id in self.workers.items():
            state = states.get(client_id)
            if state is None:
                if now - self._absent_since.setdefault(index, now) >= self.absent_grace_s:
                    lost.add(index)
            else:
                self._absent_since.pop(index, None)
                if state == "missing":
                    lost.add(index)
        return lost

    def _on_ctrl_c(self) -> None:
        self.interrupted = True
        if self.started:  # the workers stop sending, report, and the outputs are written
            logger.warning("Ctrl-C: the workers stop; their results are written (partial)")
            self.runner.stop()

    def _on_run_time(self) -> None:
        """--run-time reached: the workers stop and report, the outputs are written (partial);
        before t0 the run ends without starting, as on Ctrl-C."""
        if self.session.finished.is_set():
            return
        logger.warning("--run-time limit reached: the workers stop; their results are written "
                       "(partial)")
        if self.started:
            self.runner.stop()
        else:
            self.interrupted = True

    def _coordinate(self) -> None:
        try:
            self._run()
        finally:
            self.session.finished.set()
            self.session.end_test()

    def _run(self) -> None:
        session = self.session
        started_at = datetime.now(UTC)
        if not self._wait(lambda: self.interrupted or len(self.ready)
                          + len(self._lost() - set(self.ready)) >= len(self.workers),
                          READY_TIMEOUT_S):
            logger.error("replay: not every worker loaded its share in %.0f s", READY_TIMEOUT_S)
        gone = sorted(self._lost() - set(self.ready))
        if self.interrupted or gone:  # before t0: nothing was sent, nothing to write
            print("interrupted while the workers loaded the dataset: nothing was sent"
                  if self.interrupted else
                  f"the replay did not start: worker(s) {', '.join(map(str, gone))} stopped "
                  "while loading their share; nothing was sent", file=sys.stderr, flush=True)
            session.exit_code = EXIT_STOPPED if self.interrupted else EXIT_FAILED
            return
        errors = [data["error"] for data in self.ready.values() if data.get("error")]
        if errors:
            logger.error("replay: a worker could not prepare: %s", errors[0])
            session.exit_code = ExitCode.BAD_INPUT
            return
        earliest = [d["earliest_ms"] for d in self.ready.values() if d["earliest_ms"]]
        t0_epoch = time.time() + START_DELAY_S
        start = {"t0_epoch_s": t0_epoch, "t0_ms": min(earliest) if earliest else 0}
        self.gather = OutcomeGather(session.config.run_dir, on_written=self._acknowledge)
        writer = gevent.spawn(self.gather.run)
        for index in self.ready:
            self.runner.send_message("replay_start", start, client_id=self.workers[index])
        self.started = True
        clock = RunClock.starting_at(t0_epoch)
        ticker = gevent.spawn(self._print_progress, clock)
        self._wait(lambda: set(self.done) | self._lost() >= set(self.workers), None)
        ticker.kill()
        try:
            self._write(started_at, clock)
        finally:
            writer.kill()
            self.gather.discard()

    def _wait(self, condition: Any, timeout: float | None) -> bool:
        deadline = None if timeout is None else time.monotonic() + timeout
        while not condition():
            if deadline is not None and time.monotonic() > deadline:
                return False
            gevent.sleep(POLL_S)
        return True

    def _print_progress(self, clock: RunClock) -> None:
        config = self.session.config
        interval = config.progress_interval_s
        if not self.environment.parsed_options.headless or interval <= 0:
            return
        while True:
            gevent.sleep(interval)
            snapshot = self.snapshot()
            if snapshot:
                line = progress_line(snapshot, snapshot["planned"], snapshot["span_s"],
                                     clock.now_s())
                logger.info("progress: %s", line)

    def snapshot(self) -> dict[str, Any]:
        """The workers' latest snapshots added up (lag: the worst worker's)."""
        parts = list(self.progress.values())
        if not parts:
            return {}
        total = {key: sum(p.get(key) or 0 for p in parts)
                 for key in ("planned", "due", "sent", "done", "accepted", "failed",
                             "in_flight", "behind", "recent", "rate_mps")}
        total["lag_p99_ms"] = max((p["lag_p99_ms"] for p in parts
                                   if p.get("lag_p99_ms") is not None), default=None)
        total["span_s"] = max(p.get("span_s", 0.0) for p in parts)
        total["workers"] = len(parts)
        return total

    def on_quitting(self) -> None:
        """Ctrl-C or SIGTERM on the master: stop the workers and wait for their results."""
        self.interrupted = True  # before t0, the run ends without starting (exit 130)
        if self._greenlet is None or self.session.finished.is_set():
            return
        self.runner.stop()  # workers get "stop": they finish in flight and report
        self.session.finished.wait(timeout=self.session.config.timeout_s + 30)

    def _write(self, started_at: datetime, clock: RunClock) -> None:
        config = self.session.config
        self.gather.drain()  # every chunk that arrived before its replay_done is on disk
        for i, data in self.done.items():
            if "error" not in data and self.gather.chunks.get(i, 0) != data["chunks"]:
                data["error"] = (f"{data['chunks']} outcome chunks sent, "
                                 f"{self.gather.chunks.get(i, 0)} received")
        failed = {i for i, data in self.done.items() if "error" in data}
        for i in sorted(failed):
            logger.error("replay: worker %d failed: %s", i, self.done[i].get("error"))
        lost = sorted((self._lost() - set(self.done)) | failed)
        self.done = {i: data for i, data in self.done.items() if i not in failed}
        for i in lost:
            if i not in self.planned:  # a streamed share reports its plan at its end
                self._count_lost_share(i)
        series = self.gather.assemble(sorted(self.done),
                                      os.path.join(config.run_dir, "outcomes.parquet"))
        measures = Measures()
        for i in sorted(self.done):
            measures.merge(Measures.from_dict(self.done[i]["measures"]))
        reasons = [self.done[i]["stop_reason"] for i in self.done if self.done[i]["stop_reason"]]
        stop_reason = WORKER_LOST if lost else (reasons[0] if reasons else None)
        planned = sum(self.planned[i]["messages"] for i in self.planned)
        lost_workers = [{"worker": i, "calls_not_finished": self.planned.get(i, {}).get("calls"),
                         "messages": self.planned.get(i, {}).get("messages")} for i in lost]
        unsent = planned - measures.sent
        run = run_block(config, started_at=started_at, clock=clock, workers=len(self.workers),
                        stop_reason=stop_reason, unsent=unsent, lost_workers=lost_workers)
        if lost:
            logger.error("replay: worker(s) %s lost before reporting; summary.json "
                         "run.lost_workers names them with their planned messages (and the calls "
                         "of a share loaded into memory)", ", ".join(map(str, lost)))
        dataset = {
            "path": config.dataset,
            "calls": sum(self.planned[i]["plan_calls"] for i in self.planned),
            "messages": planned,
            "span_s": max((self.done[i]["span_s"] for i in self.done), default=0.0),
        }
        skipped = sum(self.ready[i].get("skipped", 0) for i in self.ready) * config.plan.loops
        summary = write_outputs(
            config=config, outcomes=None, series=series, run=run, dataset=dataset,
            skipped=skipped, planned=planned, measures=measures,
            tokens=add_token_stats([self.done[i].get("tokens") for i in sorted(self.done)]),
            lateness=add_lateness([self.done[i].get("lateness") for i in sorted(self.done)]),
            connections=add_usage([self.done[i].get("connections") for i in sorted(self.done)]),
        )
        self.session.finish(summary, stop_reason=stop_reason)


    def _count_lost_share(self, index: int) -> None:
        """A worker lost before it told its plan (a streamed share does at its end): count its
        share from the prepared directory, off the loop, so that its messages are in
        `counts.planned` and named in `run.lost_workers`; a warning when this machine cannot."""
        config = self.session.config
        try:
            dataset = in_thread(existing_prepared, config)
            if dataset is not None:
                stream = PreparedStream(dataset, config, make_builder=None,
                                        partition=(index, len(self.workers)))
                messages, calls = in_thread(stream.count_share)
                self.planned[index] = {"messages": messages, "plan_calls": calls,
                                       "calls": None}
                return
            reason = "it is not a prepared directory or cached copy on the master's machine"
        except (ReplayError, OSError) as error:
            reason = str(error)
        logger.warning("replay: worker %d's planned messages are unknown (%s): summary.json's "
                       "counts.planned leaves them out", index, reason)


class ChunkOutbox:
    """A worker's outcome chunks, made in gevent's threadpool (where a streamed run's sink
    measures its batches) or on the loop (a share in memory, `wait_for_room` between chunks),
    sent to the master from the loop, in the order they were made: a Locust message is only
    ever sent from the loop's thread. At most `window` chunks are sent and not yet
    `acknowledge`d by the master (it spools each, then says so), so workers never send faster
    than the master's disk takes them and the master holds a few chunks per worker at most."""

    def __init__(self, send: Any, window: int = WINDOW_CHUNKS) -> None:
        self._send = send
        self._loop = gevent.get_hub().loop  # this (the loop's) thread's, also used from others
        self._queue: Queue = Queue()
        self._window = window
        self._room = Event()  # set whenever an acknowledgement comes
        self.made = 0
        self.sent = 0
        self.acknowledged = 0
        self._greenlet = gevent.spawn(self._run)

    def put(self, chunk: bytes) -> None:
        """Queue a chunk, from any thread."""
        self.made += 1
        self._loop.run_callback_threadsafe(self._queue.put, chunk)

    def acknowledge(self) -> None:
        """The master wrote one more chunk (on the loop: a message handler)."""
        self.acknowledged += 1
        self._room.set()

    def wait_for_room(self) -> None:
        """On the loop: wait until fewer than `window` chunks made are unacknowledged."""
        self._wait(lambda: self.made - self.acknowledged < self._window)

    def _run(self) -> None:
        for chunk in self._queue:
            self._wait(lambda: self.sent - self.acknowledged < self._window)
            self._send(chunk)
            self.sent += 1

    def _wait(self, condition: Any) -> None:
        while not condition():
            self._room.clear()
            self._room.wait()

    def close(self) -> int:
        """Wait until every chunk made is sent; return how many were."""
        while self.sent < self.made:
            gevent.sleep(0.01)
        self._greenlet.kill()
        return self.sent


class WorkerRole:
    """A worker's side: loads its share, waits for t0, replays, reports its results."""

    def __init__(self, session: Session, environment: Any) -> None:
        self.session = session
        self.environment = environment
        self.runner = environment.runner
        self.start = AsyncResult()
        self.index = 0
        self.outbox: ChunkOutbox | None = None  # this run's outcome chunks, once it sends them
        self.runner.register_message("replay_prepare", self._on_prepare)
        self.runner.register_message("replay_outcomes_written", self._on_outcomes_written)
        self.runner.register_message("replay_start", lambda environment, msg, **_:
                                     self.start.set(msg.data))
        if environment.parsed_options.headless:  # Ctrl-C stops sending; the master decides
            call_on_ctrl_c(session.stop.set)

    def _open_outbox(self) -> ChunkOutbox:
        self.outbox = ChunkOutbox(lambda chunk: self._send("replay_outcomes",
                                                           {"outcomes": chunk}))
        return self.outbox

    def _on_outcomes_written(self, environment: Any, msg: Any, **_: Any) -> None:
        if self.outbox is not None:
            self.outbox.acknowledge()

    def _on_prepare(self, environment: Any, msg: Any, **_: Any) -> None:
        self.session.start_once(lambda: self._run(msg.data), clear_stop=True)

    def on_quitting(self) -> None:
        self.start.set(None)  # not started yet: give up waiting

    def snapshot(self) -> dict[str, Any]:
        """This worker's progress (the master shows the sum of its workers')."""
        return self.session.progress.take() if self.session.progress is not None else {}

    def _send(self, kind: str, data: dict[str, Any]) -> None:
        self.runner.send_message(kind, {"index": self.index, **data})

    def _run(self, data: dict[str, Any]) -> None:
        session = self.session
        self.index = index = data["index"]
        tokens = None
        try:
            config = config_from_options(SimpleNamespace(**data["options"]), host=data["host"])
            session.config = config
            session.start_metrics(worker=index)
            tokens = authorizer_for(config.jwt)  # its own minters, working while it loads
            dataset = streamed_dataset(config)
            if dataset is not None:
                self._run_stream(config, dataset, (index, data["count"]), tokens)
                return
            transcripts = in_thread(load_share, config, (index, data["count"]))
        except ReplayError as error:
            close_tokens(tokens)
            self._send("replay_ready", {"error": str(error)})
            session.finished.set()
            return
        table = transcripts.table
        wait_for_tokens(tokens)  # ready means ready to send: its first tokens are in
        self._send("replay_ready", {
            "earliest_ms": earliest_send_ms(table, config.plan.send_at),
            "skipped": transcripts.skipped.count,
        })
        with self._ending(tokens):
            start = self.start.get()
            if start is None:  # the run ended before it started
                return
            prepared = prepare(config, transcripts=transcripts, t0_ms=start["t0_ms"],
                               tokens=tokens)
            freeze_loaded_data()
            plan = prepared.plan
            keys = table["vendorCallKey"].to_numpy(dtype=object)[plan.row[plan.call_start]]
            self._send("replay_planned", {"messages": plan.messages, "plan_calls": plan.calls,
                                          "calls": sorted(set(keys.tolist()))})
            clock = RunClock.starting_at(start["t0_epoch_s"])
            reporter = gevent.spawn(self._report_progress, prepared.plan.span_s)
            record, replayer = session.replay_share(prepared, clock, check_endpoint=True,
                                                    worker=index)
            reporter.kill()
            outcomes = outcomes_table(record)
            outbox = self._open_outbox()
            for chunk in table_chunks(outcomes, CHUNK_ROWS, last_of_call(plan)):
                outbox.put(chunk)
                outbox.wait_for_room()  # the next chunk is made once the master can take it
            self._send("replay_done", {
                "chunks": outbox.close(),
                "measures": measure_outcomes(outcomes).to_dict(),
                "stop_reason": replayer.stop_reason,
                "span_s": prepared.plan.span_s,
                "tokens": record.tokens,
                "lateness": record.lateness,
                "connections": session.connections,
            })

    def _run_stream(self, config: Any, dataset: PreparedDataset, partition: tuple[int, int],
                    tokens: Any) -> None:
        """A worker's share of a prepared directory, streamed: only its calls are kept, its
        outcome rows travel to the master as compressed chunks, one per batch as it ends."""
        session = self.session
        self._send("replay_ready", {
            "earliest_ms": dataset.t0_ms,
            "skipped": dataset.manifest["skipped"]["count"] if partition[0] == 0 else 0,
        })
        with self._ending(tokens):
            start = self.start.get()
            if start is None:  # the run ended before it started
                return
            prepared = prepare(config, dataset=dataset, partition=partition, tokens=tokens)
            freeze_loaded_data()
            clock = RunClock.starting_at(start["t0_epoch_s"])
            reporter = gevent.spawn(self._report_progress, prepared.stream.span_s)
            outbox = self._open_outbox()
            sink = OutcomeSink(path=None, worker=partition[0], send=outbox.put)
            replayer = session.replay_share(prepared, clock, check_endpoint=True,
                                            worker=partition[0], sink=sink)
            reporter.kill()
            self._send("replay_planned", {"messages": sink.rows,
                                          "plan_calls": prepared.stream.calls, "calls": None})
            self._send("replay_done", {
                "chunks": outbox.close(),
                "measures": sink.measures.to_dict(),
                "stop_reason": replayer.stop_reason,
                "span_s": prepared.stream.span_s,
                "tokens": sink.tokens,
                "lateness": sink.lateness,
                "connections": session.connections,
            })

    @contextlib.contextmanager
    def _ending(self, tokens: Any) -> Iterator[None]:
        """However the share ends, the minters stop and the session is finished; a failure is
        reported (`replay_done` with its error), so the master does not wait for us forever."""
        try:
            yield
        except Exception as error:
            logger.exception("replay: this worker's run failed")
            self._send("replay_done", {"error": f"{type(error).__name__}: {error}"})
        finally:
            close_tokens(tokens)
            self.session.finished.set()

    def _report_progress(self, span_s: float) -> None:
        while True:
            gevent.sleep(PROGRESS_S)
            if self.session.progress is not None:
                self._send("replay_progress", {**self.session.progress.take(), "span_s": span_s})


__all__ = ["MasterRole", "WorkerRole", "table_from_bytes", "table_to_bytes"]
