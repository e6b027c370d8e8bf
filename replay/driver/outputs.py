"""The end of a run: outcomes.parquet, summary.json, report.html, the verdict and its exit code.

    summary = write_outputs(config=config, outcomes=outcomes_table(record), run=run_block,
                            dataset=dataset_block(config, plan), skipped=skipped)
    print(format_summary(summary))                  # replay.results.console
    exit_code = exit_code_for(summary, stop_reason=None, exit_code_on_error=1)

Files go to `<report-dir>/<run-id>/` (docs/architecture.md "Run outputs"). The summary's
reconciliation includes the mock's `/__admin/stats` when `--mock-admin` names it. The exit code:
3 when the endpoint went down, 130 when the run was stopped before the end, 1 when a --fail-on
threshold failed (or, without --fail-on, when any message failed, as Locust does), a worker
was lost or messages are unaccounted for, else 0. The verdict in summary.json never passes a
partial run (replay.results.verdict).
"""

from __future__ import annotations

import json
import logging
import os
import urllib.request
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import UTC, datetime
from importlib.metadata import version
from typing import Any
from urllib.parse import urlsplit

import numpy as np
import pandas as pd
import pyarrow as pa

from replay import __version__
from replay.dataset import Transcripts
from replay.driver.clock import RunClock
from replay.driver.options import ReplayConfig
from replay.driver.proxy import LOOPBACK
from replay.driver.replayer import ENDPOINT_DOWN, Batch
from replay.errors import ConfigError
from replay.exit_codes import ExitCode
from replay.plan import Plan, ids_as_sent
from replay.results.measures import Measures, measure_outcomes
from replay.results.outcomes import (
    OutcomesWriter,
    build_outcomes,
    concat_outcomes,
    write_outcomes,
)
from replay.results.recorder import OutcomeRecorder
from replay.results.series import SERIES_FILE, SeriesBuilder, series_of_table, write_series
from replay.results.summary import build_summary, write_summary

logger = logging.getLogger(__name__)

EXIT_FAILED = ExitCode.FAILED
EXIT_ENDPOINT_DOWN = ExitCode.ENDPOINT_DOWN
EXIT_STOPPED = ExitCode.INTERRUPTED
WORKER_LOST = "worker_lost"
CALL_LAST = "call_last"  # beside a worker's outcome rows: true on each call's last message


@dataclass(frozen=True, kw_only=True)
class RunRecord:
    """What the outputs are made of, for one process's share of the plan."""

    transcripts: Transcripts
    plan: Plan
    recorder: OutcomeRecorder
    due_s: np.ndarray
    worker: int = 0
    tokens: dict[str, Any] | None = None  # summary.json `tokens` (replay.driver.tokens)
    lateness: dict[str, Any] | None = None  # summary.json `lateness` (replay.results.lateness)


def outcome_identity(table: pd.DataFrame, plan: Plan) -> dict[str, Any]:
    """The identity columns of outcomes.parquet, in plan order, ids as sent."""
    rows = plan.row
    return {
        "vendorCallKey": ids_as_sent(table["vendorCallKey"].to_numpy(dtype=object)[rows],
                                     plan.pass_index),
        "messageId": ids_as_sent(table["messageId"].to_numpy(dtype=object)[rows], plan.pass_index),
        "senderType": table["senderType"].to_numpy(dtype=object)[rows],
        "call_seq": plan.call_seq,
        "pass": plan.pass_index,
    }


def fetch_mock_stats(admin_url: str | None) -> dict[str, Any] | None:
    """GET {admin_url}/__admin/stats, or None (with a warning) when it cannot be read."""
    if not admin_url:
        return None
    try:
        with _admin_opener(admin_url).open(f"{admin_url}/__admin/stats", timeout=10) as response:
            return json.loads(response.read())
    except (OSError, ValueError) as error:
        logger.warning("--mock-admin %s: cannot read /__admin/stats (%s); no reconciliation "
                       "with the mock", admin_url, error)
        return None


def _admin_opener(admin_url: str) -> urllib.request.OpenerDirector:
    """Direct to a loopback mock (an environment proxy cannot reach this machine's loopback);
    otherwise as urllib reads the environment (HTTP_PROXY, NO_PROXY)."""
    if urlsplit(admin_url).hostname in LOOPBACK:
        return urllib.request.build_opener(urllib.request.ProxyHandler({}))
    return urllib.request.build_opener()


def outcomes_table(record: RunRecord) -> pa.Table:
    """This process's outcomes.parquet rows, in plan order."""
    return build_outcomes(
        outcome_identity(record.transcripts.table, record.plan), worker=record.worker,
        due_s=record.due_s, recorder=record.recorder,
    )


def last_of_call(plan: Plan) -> np.ndarray:
    """True on each call's last message, in plan order."""
    return np.arange(plan.messages) == plan.call_end[plan.call] - 1


def dataset_block(config: ReplayConfig, plan: Plan) -> dict[str, Any]:
    return {"path": config.dataset, "calls": plan.calls, "messages": plan.messages,
            "span_s": plan.span_s}


def make_run_dir(run_dir: str | os.PathLike[str]) -> None:
    """Create the run directory now, so an unusable --report-dir fails before the run, not after."""
    try:
        os.makedirs(run_dir, exist_ok=True)
    except OSError as error:
        raise ConfigError(f"--report-dir: cannot create the run directory {run_dir} "
                          f"({error.strerror}); give a writable --report-dir") from None


class OutcomeSink:
    """Where a streamed replay's finished batches go: their outcome rows are measured, then
    written to outcomes.parquet a batch at a time (`path`), or handed to `send` as compressed
    Arrow IPC bytes as each batch ends (on a worker: to the master, `path=None`). Hand `add`
    to the Replayer as `on_batch_done`; afterwards `measures` holds the whole run's (mergeable)
    numbers and `chunks` the number of chunks sent."""

    def __init__(self, *, path: str | None, worker: int = 0,
                 send: Callable[[bytes], None] | None = None) -> None:
        if (path is None) == (send is None):
            raise ValueError("an OutcomeSink writes to a path or sends its chunks, one of them")
        self._writer = OutcomesWriter(path) if path else None
        self._send = send
        self.chunks = 0
        self.worker = worker
        self.measures = Measures()
        self.series = SeriesBuilder() if path else None  # series.json, built as rows are written
        self.rows = 0
        self.tokens: dict[str, Any] | None = None  # summary.json `tokens`, set at the end
        self.lateness: dict[str, Any] | None = None  # summary.json `lateness`, set at the end

    def add(self, batch: Batch) -> None:
        table = build_outcomes(outcome_identity(batch.table, batch.plan), worker=self.worker,
                               due_s=batch.due_s, recorder=batch.recorder)
        self.measures.merge(measure_outcomes(table))
        self.rows += table.num_rows
        if self._writer is not None:
            self._writer.write(table)
            self.series.add(table, last=batch.last)
        else:
            self._send(table_to_bytes(with_call_last(table, batch.last)))
            self.chunks += 1
        batch.table = batch.builder = None  # the batch's rows go as soon as they are written

    def never_read(self, messages: int, reason: str) -> None:
        """A stopped stream's messages never read: counted as unsent in the measures (and so
        in summary.json), without outcome rows."""
        self.measures.rows += messages
        self.measures.unsent += messages
        self.measures.unsent_by_reason[reason] += messages
        self.rows += messages

    def close(self) -> None:
        if self._writer is not None:
            self._writer.close()

    def abort(self) -> None:
        if self._writer is not None:
            self._writer.abort()


def with_call_last(table: pa.Table, last: np.ndarray) -> pa.Table:
    """Outcome rows with their `CALL_LAST` flags, as a worker sends them to the master."""
    return table.append_column(CALL_LAST, pa.array(np.asarray(last, dtype=bool)))


def table_to_bytes(table: pa.Table) -> bytes:
    sink = pa.BufferOutputStream()
    with pa.ipc.new_stream(sink, table.schema,
                           options=pa.ipc.IpcWriteOptions(compression="zstd")) as writer:
        writer.write_table(table)
    return sink.getvalue().to_pybytes()


def table_chunks(table: pa.Table, rows: int, last: np.ndarray | None = None) -> Iterator[bytes]:
    """`table` as compressed Arrow IPC chunks of at most `rows` rows each (one, if empty),
    with each row's `CALL_LAST` flag when `last` is given."""
    if last is not None:
        table = with_call_last(table, last)
    for start in range(0, max(table.num_rows, 1), rows):
        yield table_to_bytes(table.slice(start, rows))


def table_from_bytes(data: bytes) -> pa.Table:
    return pa.ipc.open_stream(pa.py_buffer(data)).read_all()


def write_outputs(
    *, config: ReplayConfig, outcomes: pa.Table | None, run: dict[str, Any],
    dataset: dict[str, Any], skipped: int, planned: int | None = None,
    measures: Measures | None = None, tokens: dict[str, Any] | None = None,
    lateness: dict[str, Any] | None = None, series: SeriesBuilder | None = None,
    connections: dict[str, Any] | None = None,
) -> dict[str, Any]:
    """Write outcomes.parquet (unless `outcomes` is None: already written, by an
    OutcomeSink), summary.json and report.html; return the summary.

    series.json (replay.results.series) comes from `series`, the builder an OutcomeSink fed
    batch by batch, or else from `outcomes` a slice at a time. `measures` (merged from workers
    or batches) replaces measuring `outcomes` again; `planned`
    counts messages that have no outcome row (a lost worker's share).
    """
    run_dir = config.run_dir
    os.makedirs(run_dir, exist_ok=True)
    if outcomes is not None:
        write_outcomes(os.path.join(run_dir, "outcomes.parquet"), outcomes)
    summary = build_summary(
        run=run,
        dataset=dataset,
        options=config.described(),
        **({"measures": measures} if measures is not None else {"outcomes": outcomes}),
        planned=planned,
        skipped=skipped,
        mock_stats=fetch_mock_stats(config.mock_admin),
        thresholds=config.fail_on,
        tokens=tokens,
        lateness=lateness,
        connections=connections,
    )
    write_summary(os.path.join(run_dir, "summary.json"), summary)
    _write_series(run_dir, series, outcomes, duration_s=float(run.get("duration_s") or 0.0))
    _write_report(run_dir)
    return summary


def _write_series(run_dir: str, series: SeriesBuilder | None, outcomes: pa.Table | None, *,
                  duration_s: float) -> None:
    try:
        content = (series.finish(duration_s=duration_s) if series is not None else
                   series_of_table(outcomes if outcomes is not None else concat_outcomes([]),
                                   duration_s=duration_s))
        write_series(os.path.join(run_dir, SERIES_FILE), content)
    except Exception:  # like the report: a broken series must not lose the run's numbers
        logger.exception("could not write %s/%s (the report falls back to outcomes.parquet)",
                         run_dir, SERIES_FILE)


def _write_report(run_dir: str) -> None:
    try:
        from replay.report import write_report
    except ImportError:  # the report package is optional for the replay to work
        logger.info("replay.report is not installed: no report.html")
        return
    try:
        write_report(run_dir)
    except Exception:  # a broken report must not lose the run's numbers
        logger.exception("could not write %s/report.html (summary.json and outcomes.parquet "
                         "are written)", run_dir)


def exit_code_for(summary: dict[str, Any], *, stop_reason: str | None,
                  exit_code_on_error: int = EXIT_FAILED) -> int:
    if stop_reason == ENDPOINT_DOWN:
        return EXIT_ENDPOINT_DOWN
    if stop_reason == WORKER_LOST:
        return EXIT_FAILED
    if stop_reason is not None:
        return EXIT_STOPPED
    verdict = summary["verdict"]
    if verdict.get("problems"):  # messages unaccounted for
        return EXIT_FAILED
    if verdict["thresholds"]:
        return ExitCode.PASSED if verdict["passed"] else EXIT_FAILED
    return exit_code_on_error if summary["counts"]["failed"] else ExitCode.PASSED


def run_block(config: ReplayConfig, *, started_at: datetime, clock: RunClock, workers: int,
              stop_reason: str | None, unsent: int, **extra: Any) -> dict[str, Any]:
    """The summary's `run` block."""
    ended_at = datetime.now(UTC)
    return {
        "id": config.run_id,
        "started_at": started_at.isoformat().replace("+00:00", "Z"),
        "ended_at": ended_at.isoformat().replace("+00:00", "Z"),
        "duration_s": round((ended_at - started_at).total_seconds(), 3),
        "t0_epoch_s": clock.t0_epoch_s,
        "host": config.endpoint.base_url,
        "workers": workers,
        "locust_version": version("locust"),  # not `import locust`: it monkey-patches
        "replay_version": __version__,
        "partial": stop_reason is not None,
        "partial_reason": f"{stop_reason}: {unsent:,} messages not sent" if stop_reason else None,
        **extra,
    }
