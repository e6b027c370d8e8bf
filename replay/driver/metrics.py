"""Prometheus metrics of a running replay: every process serves its own /metrics endpoint.

    collector = RecorderCollector(lambda: session.progress, info={"role": "local", ...})
    server = MetricsServer.start(port_for(port, worker_index), collector=collector,
                                 what="local run")
    server.port          # the port bound (a free one when 0 was asked; logged)
    server.stop()

`--metrics-port PORT`: a local run and the master listen on PORT, worker i (from 0) on
PORT + 1 + i; PORT 0 gives every process a free port, logged at start. Each process has its own
registry (never prometheus_client's global one) holding one collector that reads the replay's
state when scraped, so nothing is added to the send path:

  RecorderCollector (local run, worker): this process's progress snapshot (counters of sent,
      accepted and failed messages; gauges of planned, due, in flight, behind, the send rate
      and the recent lag p99) and, from the OutcomeRecorder's per-message arrays, failures by
      reason, retried messages and attempts, the due rate, and histograms of schedule lag,
      service time and latency from schedule (seconds). A scrape makes a few passes over the
      arrays: its cost grows with the planned messages of the process.
  SnapshotCollector (master): the same snapshot metrics, its workers' latest progress reports
      added up; reasons, retries and histograms are on the workers' endpoints.

The server is gevent's WSGI server on the process's event loop; a scrape collects in gevent's
threadpool, reading arrays the senders keep filling (a value goes from NaN to a number once, so
a scrape may miss the messages of its last instant, never count one twice). Metric names,
types and labels: docs/guides/dashboards.md.
"""

from __future__ import annotations

import logging
import os
from collections.abc import Callable, Iterator, Mapping
from typing import Any

import gevent
import numpy as np
from gevent.pywsgi import WSGIServer
from prometheus_client import CONTENT_TYPE_LATEST, CollectorRegistry, generate_latest
from prometheus_client.core import (
    CounterMetricFamily,
    GaugeMetricFamily,
    HistogramMetricFamily,
    InfoMetricFamily,
    Metric,
)
from prometheus_client.registry import Collector

from replay.errors import ConfigError
from replay.results.recorder import OutcomeRecorder

logger = logging.getLogger(__name__)

BUCKETS_S = (0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0,
             30.0, 60.0)  # fmt: skip
RATE_WINDOW_S = 5.0
_HISTOGRAMS = (
    ("replay_schedule_lag_seconds", "schedule lag: first attempt's start minus due time"),
    ("replay_service_seconds", "service time of each message's final attempt"),
    ("replay_latency_from_schedule_seconds", "final attempt's end minus due time"),
)


def port_for(port: int, worker: int | None) -> int:
    """The port of a process: PORT for a local run or the master, PORT+1+i for worker i."""
    if port == 0 or worker is None:
        return port
    return port + 1 + worker


class RecorderCollector(Collector):
    """Metrics of one process's replay, read from its Progress (None until sending starts)."""

    def __init__(self, progress: Callable[[], Any], *, info: Mapping[str, str]) -> None:
        self._progress = progress
        self._info = dict(info)

    def collect(self) -> Iterator[Metric]:
        yield _info(self._info)
        progress = self._progress()
        if progress is None:
            return
        snapshot = progress.take()
        yield from _snapshot_families(snapshot)
        recorder, due_s = progress.recorder, progress.due_s
        if isinstance(recorder, OutcomeRecorder) and due_s is not None:  # per-message arrays
            yield from _recorder_families(recorder, due_s, snapshot["now_s"])


class SnapshotCollector(Collector):
    """The master's metrics: its workers' latest progress snapshots added up."""

    def __init__(self, snapshot: Callable[[], Mapping[str, Any]], *,
                 info: Mapping[str, str]) -> None:
        self._snapshot = snapshot
        self._info = dict(info)

    def collect(self) -> Iterator[Metric]:
        yield _info(self._info)
        snapshot = self._snapshot()
        if not snapshot:
            return
        yield _gauge("replay_workers_reporting", "workers whose progress reached the master",
                     snapshot.get("workers") or 0)
        yield from _snapshot_families(snapshot)


def _snapshot_families(snapshot: Mapping[str, Any]) -> Iterator[Metric]:
    """What a progress snapshot (a recorder's, or the master's sum of its workers') tells."""
    for name, key, documentation in (
        ("replay_messages_planned", "planned", "messages this process plans to send"),
        ("replay_messages_due", "due", "planned messages due by now"),
        ("replay_messages_in_flight", "in_flight", "messages sent and not finished"),
        ("replay_messages_behind", "behind", "messages due and not yet sent"),
        ("replay_send_rate", "rate_mps", "messages sent per second over the last 5 s"),
    ):
        yield _gauge(name, documentation, snapshot.get(key) or 0)
    for name, key, documentation in (
        ("replay_messages_sent", "sent", "messages whose first attempt started"),
        ("replay_messages_accepted", "accepted", "messages accepted (2xx)"),
        ("replay_messages_failed", "failed", "messages whose final attempt failed"),
    ):
        yield _counter(name, documentation, snapshot.get(key) or 0)
    lag = snapshot.get("lag_p99_ms")
    if lag is not None:
        yield _gauge("replay_schedule_lag_recent_p99_seconds",
                     "schedule lag p99 of the sends of the last 5 s (the master: the worst "
                     "worker's)", lag / 1000.0)


def _recorder_families(recorder: OutcomeRecorder, due_s: np.ndarray,
                       now_s: float) -> Iterator[Metric]:
    """What only the per-message arrays tell: reasons, retries, the due rate, histograms."""
    sent_s, done_s = recorder.sent_s, recorder.done_s
    done = ~np.isnan(done_s)
    failed = done & (recorder.reason_code != 0)
    by_reason = CounterMetricFamily("replay_messages_failed_by_reason",
                                    "failed messages by reason", labels=["reason"])
    counts = np.bincount(recorder.reason_code[failed], minlength=len(recorder.reasons))
    for code in np.flatnonzero(counts):
        by_reason.add_metric([recorder.reasons[code]], int(counts[code]))
    yield by_reason
    yield _counter("replay_messages_retried", "messages that needed more than one attempt",
                   np.count_nonzero(~np.isnan(recorder.final_sent_s)))
    yield _counter("replay_attempts", "attempts of the finished messages, retries included",
                   int(recorder.attempts.sum(dtype=np.int64)))
    window = min(RATE_WINDOW_S, now_s)
    recent_due = np.count_nonzero((due_s > now_s - window) & (due_s <= now_s))
    yield _gauge("replay_due_rate", "messages due per second over the last 5 s (intended)",
                 recent_due / window if window > 0 else 0.0)
    sent = ~np.isnan(sent_s)
    final_sent = np.where(np.isnan(recorder.final_sent_s), sent_s, recorder.final_sent_s)
    values = (np.maximum(sent_s[sent] - due_s[sent], 0.0), done_s[done] - final_sent[done],
              done_s[done] - due_s[done])
    for (name, documentation), seconds in zip(_HISTOGRAMS, values, strict=True):
        yield _histogram(name, documentation, seconds)


class MetricsServer:
    """A /metrics endpoint on the gevent loop, with its own registry."""

    def __init__(self, server: WSGIServer, registry: CollectorRegistry) -> None:
        self._server = server
        self.registry = registry

    @classmethod
    def start(cls, port: int, *, collector: Collector, what: str) -> MetricsServer:
        """Listen on all interfaces at `port` (0: a free one); ConfigError if it is taken."""
        registry = CollectorRegistry(auto_describe=False)
        registry.register(collector)
        server = WSGIServer(("0.0.0.0", port), _exposition_app(registry), log=None)
        try:
            server.start()
        except OSError as error:
            raise ConfigError(
                f"--metrics-port: the {what} cannot listen on port {port} "
                f"({os.strerror(error.errno) if error.errno else error}); give a free port, or 0"
                " for any free port"
            ) from None
        logger.info("Prometheus metrics of the %s: http://127.0.0.1:%d/metrics (port %d, all "
                    "interfaces)", what, server.server_port, server.server_port)
        return cls(server, registry)

    @property
    def port(self) -> int:
        return self._server.server_port

    def stop(self) -> None:
        self._server.stop(timeout=1)


def _exposition_app(registry: CollectorRegistry) -> Callable[..., list[bytes]]:
    """A WSGI app serving the registry in the text format; the collection runs in gevent's
    threadpool (numpy releases the GIL), so a large recorder does not stall the senders."""
    hub = gevent.get_hub()

    def app(environ: dict[str, Any], start_response: Callable[..., Any]) -> list[bytes]:
        body = hub.threadpool.apply(generate_latest, (registry,))
        start_response("200 OK", [("Content-Type", CONTENT_TYPE_LATEST),
                                  ("Content-Length", str(len(body)))])
        return [body]

    return app


def _info(labels: Mapping[str, str]) -> InfoMetricFamily:
    return InfoMetricFamily("replay_run", "the run and this process's role in it",
                            value=dict(labels))


def _gauge(name: str, documentation: str, value: float) -> GaugeMetricFamily:
    return GaugeMetricFamily(name, documentation, value=float(value))


def _counter(name: str, documentation: str, value: float) -> CounterMetricFamily:
    return CounterMetricFamily(name, documentation, value=float(value))


def _histogram(name: str, documentation: str, seconds: np.ndarray) -> HistogramMetricFamily:
    """Cumulative buckets of `seconds` at BUCKETS_S, +Inf, and their sum."""
    slots = np.searchsorted(np.asarray(BUCKETS_S), seconds, side="left")
    cumulative = np.cumsum(np.bincount(slots, minlength=len(BUCKETS_S) + 1))
    buckets = [(f"{edge:g}", int(count)) for edge, count in zip(BUCKETS_S, cumulative,
                                                                  strict=False)]
    buckets.append(("+Inf", int(cumulative[-1])))
    return HistogramMetricFamily(name, documentation, buckets=buckets,
                                 sum_value=float(seconds.sum()))
