"""One process's replay inside Locust: the listeners, and the run from start to outputs.

    session = ReplaySession()
    session.listen(locust.events)     # init_command_line_parser, init, test_stop, quitting
    session.replay()                  # from the ReplayUser's task (local runs): once

Life of a local run (headless or web UI):
  init          parse the options once into a ReplayConfig (errors: `error: ...`, exit 2);
                `--dry-run` loads, plans, prints and exits 0; otherwise load and plan now,
                in gevent's threadpool, so a bad dataset fails before anything is sent.
  user task     check the endpoint answers, t0 = now + START_DELAY_S, and the Replayer sends
                every call's messages on the run clock; headless runs log progress lines.
  end           outcomes.parquet, summary.json, report.html; the summary and verdict are
                printed; a headless run quits by itself (runner.quit), a web UI run stops.
  test_stop     (web UI stop, Ctrl-C, SIGTERM) stops sending; in-flight requests finish or
                time out; the outputs are written and marked partial, unsent counted.
  quitting      waits for the outputs, sets `environment.process_exit_code` (see outputs.py).
  parent gone   (replay run's --parent-fd lifeline closed; a forked worker's master died)
                SIGTERM to itself: the run stops as above (replay.driver.parent).

On a master or a worker, `replay.driver.distributed` takes over the start and the end; the
sending itself (`replay_share`) is the same.
"""

from __future__ import annotations

import contextlib
import logging
import os
import sys
import time
from collections.abc import Callable
from datetime import UTC, datetime
from typing import Any

import gevent
import locust
from gevent.event import Event

from replay.driver.ci_outputs import make_junit_folder, write_ci_outputs
from replay.driver.clock import RunClock
from replay.driver.distributed import MasterRole, WorkerRole
from replay.driver.health import EndpointHealth, unreachable
from replay.driver.http import HttpClient
from replay.driver.interrupt import call_on_ctrl_c, on_ctrl_c
from replay.driver.loopprobe import LoopProbe
from replay.driver.options import ReplayConfig, add_options, config_from_options
from replay.driver.outputs import (
    EXIT_STOPPED,
    OutcomeSink,
    RunRecord,
    dataset_block,
    exit_code_for,
    make_run_dir,
    outcomes_table,
    run_block,
    write_outputs,
)
from replay.driver.parent import watch_lifeline, watch_parent
from replay.driver.prepare import Prepared, dry_run_text, prepare
from replay.driver.progress import Progress
from replay.driver.replayer import ENDPOINT_DOWN, Lifecycle, Replayer
from replay.driver.retry import RetryPolicy
from replay.driver.roles import Role
from replay.driver.runtime import freeze_loaded_data
from replay.driver.sender import Sender
from replay.driver.stream import StreamTally
from replay.driver.tokens import close_tokens, token_stats
from replay.errors import ReplayError
from replay.exit_codes import ExitCode
from replay.results.console import format_summary
from replay.results.recorder import OutcomeRecorder

logger = logging.getLogger(__name__)

START_DELAY_S = 0.2
CONNECTIONS_UNCAPPED = 10_000  # geventhttpclient opens connections lazily, up to this many
SLOT_WAIT_NOTED_S = 0.1  # calls waited this long in all for a --max-concurrency slot: say so


class ReplaySession:
    """Per-process state of the replay; methods are Locust event listeners."""

    def __init__(self) -> None:
        self.config: ReplayConfig | None = None
        self.environment: Any = None
        self.prepared: Prepared | None = None
        self.stop = Event()
        self.finished = Event()
        self.exit_code: int | None = None
        self.progress: Progress | None = None
        self.role: Role | None = None  # distributed.MasterRole or WorkerRole when not local
        self.metrics: Any = None  # metrics.MetricsServer with --metrics-port
        self._greenlet: gevent.Greenlet | None = None
        # made when the locustfile is imported: before Locust forks any --processes worker
        self._pid_at_import = os.getpid()

    # -- wiring ------------------------------------------------------------------------------

    def listen(self, events: Any) -> None:
        events.init_command_line_parser.add_listener(lambda parser, **_: add_options(parser))
        events.init.add_listener(self.on_init)
        events.test_stop.add_listener(self.on_test_stop)
        events.quitting.add_listener(self.on_quitting)

    def on_init(self, environment: Any, **_: Any) -> None:
        self.environment = environment
        if isinstance(environment.runner, locust.runners.WorkerRunner):
            self.role = WorkerRole(self, environment)  # the options come from the master
            if os.getpid() != self._pid_at_import:  # forked from the master (--processes)
                watch_parent(self._pid_at_import)
            return
        try:
            self.config = config_from_options(environment.parsed_options, host=environment.host)
            if self.config.parent_fd is not None:  # started by replay run
                watch_lifeline(self.config.parent_fd)
            if not self.config.dry_run:
                make_run_dir(self.config.run_dir)  # unusable --report-dir: fail now, not after
                make_junit_folder(self.config)
            if isinstance(environment.runner, locust.runners.MasterRunner):
                self.role = MasterRole(self, environment)
                self.start_metrics()
            elif self.config.dry_run:
                prepared = prepare(self.config)
                print(dry_run_text(prepared, self.config, now_epoch_s=time.time()), flush=True)
                raise SystemExit(0)
            else:
                self.start_metrics()
                self.prepared = prepare(self.config)
                freeze_loaded_data()
                if environment.parsed_options.headless:
                    # From here a Ctrl-C asks the run to stop, also before the run's greenlet
                    # starts: Locust's own handling would end the process with exit code 0
                    # and no outputs.
                    call_on_ctrl_c(self._stop_on_ctrl_c)
        except ReplayError as error:
            print(f"error: {error}", file=sys.stderr, flush=True)
            raise SystemExit(error.exit_code) from None
        except KeyboardInterrupt:
            # Ctrl-C while loading: nothing was sent and nothing written. Exit at once: the
            # loading thread cannot be stopped, and an interpreter shutting down under it
            # crashes (SIGSEGV in pyarrow).
            print("interrupted while loading the dataset: nothing was sent", file=sys.stderr,
                  flush=True)
            sys.stdout.flush()
            os._exit(EXIT_STOPPED)
        self._install_live_tab(environment)

    def on_test_stop(self, **_: Any) -> None:
        sending = self.progress is not None  # not a worker still waiting for its start
        if not self.stop.is_set() and not self.finished.is_set() and sending:
            logger.warning("stopping: no new messages; requests in flight finish or time out, "
                           "then the outputs are written (marked partial)")
        self.stop.set()

    def on_quitting(self, environment: Any, **_: Any) -> None:
        if self.role is not None:
            self.role.on_quitting()
        self.stop.set()
        if self._greenlet is not None and self.config is not None:
            self.finished.wait(timeout=self.config.timeout_s + 30)
        if self.prepared is not None:
            close_tokens(self.prepared.tokens)  # the minter processes end with the run
        if self.exit_code is not None:
            environment.process_exit_code = self.exit_code
        if self.metrics is not None:
            self.metrics.stop()

    # -- a local run -------------------------------------------------------------------------

    def replay(self) -> None:
        """Run the replay once in this (local) process; later calls, and workers, return."""
        if self.role is not None:
            return
        self.start_once(self._run_local)
        self._greenlet.join()

    def start_once(self, run: Callable[[], None], *, clear_stop: bool = False) -> bool:
        """Run `run` in a greenlet unless this process's run already started (roles.Session);
        `clear_stop` forgets an earlier stop first (a worker's previous test)."""
        if self._greenlet is not None:
            return False
        if clear_stop:
            self.stop.clear()
        self._greenlet = gevent.spawn(run)
        return True

    def _run_local(self) -> None:
        config = self.config
        headless = self.environment.parsed_options.headless
        try:
            with on_ctrl_c(self._stop_on_ctrl_c) if headless else contextlib.nullcontext():
                self._replay_and_write(config)
        finally:
            self.finished.set()
            self.end_test()

    def _stop_on_ctrl_c(self) -> None:
        if not self.stop.is_set():
            logger.warning("Ctrl-C: no new messages; requests in flight finish or time out, "
                           "then the outputs are written (marked partial)")
        self.stop.set()

    def _replay_and_write(self, config: ReplayConfig) -> None:
        try:
            prepared = self.prepared
            if prepared is None:
                prepared = prepare(config)
                freeze_loaded_data()
            started_at = datetime.now(UTC)
            clock = RunClock.starting_at(time.time() + START_DELAY_S)
            if prepared.stream is not None:
                summary, replayer = self._stream_and_write(prepared, started_at, clock)
            else:
                record, replayer = self.replay_share(prepared, clock, check_endpoint=True)
                run = run_block(config, started_at=started_at, clock=clock, workers=1,
                                stop_reason=replayer.stop_reason,
                                unsent=record.recorder.size - record.recorder.sent_count)
                summary = write_outputs(
                    config=config, outcomes=outcomes_table(record), run=run,
                    dataset=dataset_block(config, prepared.plan),
                    skipped=prepared.transcripts.skipped.count * config.plan.loops,
                    tokens=record.tokens, lateness=record.lateness,
                )
            capped = (config.max_concurrency is not None
                      and replayer.calls_waiting_for_slot > SLOT_WAIT_NOTED_S)
            self.finish(summary, stop_reason=replayer.stop_reason,
                        concurrency_cap=config.max_concurrency if capped else None)
        except ReplayError as error:
            logger.error("%s", error)
            self.exit_code = error.exit_code
        except OSError as error:
            logger.error("cannot write the run's outputs to %s: %s", config.run_dir, error)
            self.exit_code = ExitCode.BAD_INPUT
        except Exception:
            logger.exception("the replay failed unexpectedly")
            self.exit_code = ExitCode.FAILED

    def _stream_and_write(self, prepared: Prepared, started_at: datetime,
                          clock: RunClock) -> tuple[dict[str, Any], Replayer]:
        """A local run of a prepared directory: outcomes written batch by batch as calls end."""
        config = self.config
        sink = OutcomeSink(path=os.path.join(config.run_dir, "outcomes.parquet"))
        try:
            replayer = self.replay_share(prepared, clock, check_endpoint=True, sink=sink)
            sink.close()
        except BaseException:
            sink.abort()
            raise
        stream = prepared.stream
        run = run_block(config, started_at=started_at, clock=clock, workers=1,
                        stop_reason=replayer.stop_reason,
                        unsent=sink.measures.rows - sink.measures.sent)
        summary = write_outputs(
            config=config, outcomes=None, measures=sink.measures, series=sink.series, run=run,
            dataset={"path": config.dataset, "calls": stream.calls, "messages": sink.rows,
                     "span_s": stream.span_s},
            skipped=stream.dataset.manifest["skipped"]["count"] * config.plan.loops,
            tokens=sink.tokens, lateness=sink.lateness,
        )
        return summary, replayer

    def finish(self, summary: dict[str, Any], *, stop_reason: str | None,
               concurrency_cap: int | None = None) -> None:
        """Print the end-of-run block and decide the exit code."""
        print(format_summary(summary, concurrency_cap=concurrency_cap), flush=True)
        logger.info("run outputs in %s", self.config.run_dir)
        self.exit_code = exit_code_for(
            summary, stop_reason=stop_reason,
            exit_code_on_error=self.environment.parsed_options.exit_code_on_error,
        )
        if not write_ci_outputs(summary, self.config, os.environ) and self.exit_code == 0:
            self.exit_code = ExitCode.BAD_INPUT  # a passing run lacking its CI report: not green

    def end_test(self) -> None:
        """Headless runs quit by themselves; a web UI run goes back to 'stopped'."""
        runner, options = self.environment.runner, self.environment.parsed_options
        if runner is None:
            return
        if options.headless or getattr(options, "autostart", False):
            gevent.spawn(runner.quit)
        else:
            gevent.spawn(runner.stop)

    # -- sending, the same in every mode -----------------------------------------------------

    def replay_share(self, prepared: Prepared, clock: RunClock, *, check_endpoint: bool,
                     worker: int = 0, sink: OutcomeSink | None = None) -> Any:
        """Send this process's share of the plan on `clock`; returns (RunRecord, Replayer),
        or for a streamed dataset the Replayer alone (the outcomes went to `sink`)."""
        config, plan, stream = self.config, prepared.plan, prepared.stream
        client = HttpClient(origin=config.endpoint.origin, events=self.environment.events,
                            timeout_s=config.timeout_s, connections=self.connection_limit(),
                            ca_bundle=config.ca_bundle, insecure=config.insecure,
                            proxy=config.proxy)
        health = EndpointHealth(now=clock.now_s)
        sender = Sender(
            client=client, builder=prepared.builder, policy=RetryPolicy(retries=config.retries),
            stop=self.stop, health=health, now_s=clock.now_s, seed=config.plan.seed + worker,
        )
        concurrency = config.max_concurrency
        if stream is not None:
            if config.plan.speed is None and concurrency is None:
                concurrency = max(int(stream.dataset.manifest["peak_concurrency"]), 1)
            tally = StreamTally(sink)
            replayer = Replayer(
                batches=tally.watch(stream.batches()), paced=config.plan.speed is not None,
                sender=sender, clock=clock, stop=self.stop, health=health, concurrency=concurrency,
                lifecycle=Lifecycle(create_rate=config.create_rate) if config.lifecycle else None,
                on_batch_done=tally.done, bulk=config.bulk_settings,
            )
            self.progress = Progress(recorder=tally, due_s=None, span_s=stream.span_s,
                                     clock=clock)
        else:
            recorder = OutcomeRecorder(plan.messages)
            if not plan.paced and concurrency is None:
                concurrency = max(plan.peak_concurrency, 1)
            replayer = Replayer(
                plan=plan, builder=prepared.builder, recorder=recorder, sender=sender,
                clock=clock, stop=self.stop, health=health, concurrency=concurrency,
                lifecycle=Lifecycle(create_rate=config.create_rate) if config.lifecycle else None,
                bulk=config.bulk_settings,
            )
            self.progress = Progress(recorder=recorder, due_s=replayer.due_s,
                                     span_s=plan.span_s, clock=clock)
        if check_endpoint:
            problem = unreachable(config.endpoint.origin, timeout_s=min(config.timeout_s, 10.0),
                                  proxy=config.proxy)
            if problem:
                logger.error("%s Nothing was sent.", problem)
                replayer.stop_reason = ENDPOINT_DOWN
                self.stop.set()
        ticker_stop = Event()
        ticker = None
        headless = self.environment.parsed_options.headless
        if headless and self.role is None and config.progress_interval_s > 0:
            ticker = gevent.spawn(self.progress.loop, ticker_stop,
                                  interval_s=config.progress_interval_s)
        probe = LoopProbe().start()
        try:
            replayer.run()
            if stream is not None:
                tally.close()
                if replayer.stop_reason is not None:
                    sink.never_read(stream.rest_rows(), replayer.stop_reason)
        finally:
            probe.stop()
            client.close()
            close_tokens(prepared.tokens)
            ticker_stop.set()
            if ticker is not None:
                ticker.join(timeout=1)
        tokens = token_stats(prepared.tokens)
        if tokens is not None:
            tokens.update(sender.refusals.as_dict())
        lateness = replayer.lateness.block(loop=probe.stats())
        if stream is not None:
            sink.tokens, sink.lateness = tokens, lateness
            return replayer
        record = RunRecord(transcripts=prepared.transcripts, plan=plan, recorder=recorder,
                           due_s=replayer.due_s, worker=worker, tokens=tokens, lateness=lateness)
        return record, replayer

    def connection_limit(self) -> int:
        cap = self.config.max_concurrency if self.config else None
        return cap * 2 + 10 if cap else CONNECTIONS_UNCAPPED

    def start_metrics(self, *, worker: int | None = None) -> None:
        """Serve Prometheus metrics with --metrics-port (replay.driver.metrics): the master's
        from its workers' reports, a local run's or worker's from its recorder."""
        if self.config.metrics_port is None or self.metrics is not None:
            return
        from replay.driver import metrics  # prometheus_client only when asked for

        role = "master" if isinstance(self.role, MasterRole) else (
            "local" if worker is None else "worker")
        info = {"run_id": self.config.run_id, "role": role,
                "worker": "" if worker is None else str(worker)}
        if role == "master":
            collector = metrics.SnapshotCollector(self.role.snapshot, info=info)
        else:
            collector = metrics.RecorderCollector(lambda: self.progress, info=info)
        what = {"local": "local run", "master": "master"}.get(role, f"worker {worker}")
        self.metrics = metrics.MetricsServer.start(
            metrics.port_for(self.config.metrics_port, worker), collector=collector, what=what)

    # -- helpers -----------------------------------------------------------------------------

    def _install_live_tab(self, environment: Any) -> None:
        if environment.web_ui is None:
            return
        try:
            from replay.report.live import install_live_tab
        except ImportError:
            return
        if self.role is not None:
            install_live_tab(environment, self.role.snapshot)
        else:
            install_live_tab(environment, lambda: self.progress.take() if self.progress else {})
