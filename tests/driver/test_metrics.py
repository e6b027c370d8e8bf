"""Prometheus metrics: the collectors over a real recorder and a master's snapshot, the port
rule, and the server answering a scrape on the gevent loop."""

from __future__ import annotations

import re
import socket
from pathlib import Path

import gevent
import numpy as np
import pytest
import yaml
from prometheus_client import CollectorRegistry, generate_latest
from prometheus_client.parser import text_string_to_metric_families

from replay.driver.clock import RunClock
from replay.driver.metrics import (
    MetricsServer,
    RecorderCollector,
    SnapshotCollector,
    port_for,
)
from replay.driver.progress import Progress
from replay.errors import ConfigError
from replay.results.recorder import OutcomeRecorder

INFO = {"run_id": "r1", "role": "local", "worker": ""}


def scrape(collector) -> dict[tuple[str, tuple], float]:
    """{(sample name, sorted labels): value} of one collection, as Prometheus parses it."""
    registry = CollectorRegistry(auto_describe=False)
    registry.register(collector)
    text = generate_latest(registry).decode()
    return {
        (sample.name, tuple(sorted(sample.labels.items()))): sample.value
        for family in text_string_to_metric_families(text)
        for sample in family.samples
    }


def progress_of_ten_messages() -> Progress:
    """10 messages due at 0..9 s; the clock says 100 s. 0-5 accepted (2: after 3 attempts),
    6 http_500, 7 timeout, 8 in flight, 9 not sent. Lag 2 ms; service 20 ms."""
    recorder = OutcomeRecorder(10)
    due = np.arange(10, dtype=float)
    for i in range(9):
        recorder.sent(i, due[i] + 0.002)
    recorder.retried(2, 5.0)
    for i in range(6):
        start = 5.0 if i == 2 else due[i] + 0.002
        recorder.done(i, start + 0.020, 202, None, attempts=3 if i == 2 else 1)
    recorder.done(6, due[6] + 0.022, 500)
    recorder.done(7, due[7] + 0.022, 0, "timeout")
    clock = RunClock(t0_epoch_s=0.0, t0_mono=0.0)
    clock = RunClock(t0_epoch_s=0.0, t0_mono=clock.now_s() - 100.0 + clock.t0_mono)
    return Progress(recorder=recorder, due_s=due, span_s=9.0, clock=clock)


def test_recorder_metrics_count_messages_by_outcome_reason_and_retries():
    values = scrape(RecorderCollector(progress_of_ten_messages, info=INFO))
    assert values[("replay_run_info", (("role", "local"), ("run_id", "r1"), ("worker", "")))] == 1
    expected = {
        "replay_messages_planned": 10, "replay_messages_due": 10,
        "replay_messages_sent_total": 9, "replay_messages_accepted_total": 6,
        "replay_messages_failed_total": 2, "replay_messages_retried_total": 1,
        "replay_attempts_total": 10, "replay_messages_in_flight": 1,
        "replay_messages_behind": 1,
    }  # fmt: skip
    assert {name: values[(name, ())] for name in expected} == expected
    assert values[("replay_messages_failed_by_reason_total", (("reason", "http_500"),))] == 1
    assert values[("replay_messages_failed_by_reason_total", (("reason", "timeout"),))] == 1


def test_recorder_metrics_have_lag_and_latency_histograms_in_seconds():
    values = scrape(RecorderCollector(progress_of_ten_messages, info=INFO))
    lag = {dict(labels)["le"]: value for (name, labels), value in values.items()
           if name == "replay_schedule_lag_seconds_bucket"}
    assert lag["0.001"] == 0 and lag["0.0025"] == 9 and lag["+Inf"] == 9
    assert values[("replay_schedule_lag_seconds_count", ())] == 9
    assert values[("replay_schedule_lag_seconds_sum", ())] == pytest.approx(0.018)
    service = {dict(labels)["le"]: value for (name, labels), value in values.items()
               if name == "replay_service_seconds_bucket"}
    assert service["0.01"] == 0 and service["0.025"] == 8  # the retried one: its final attempt
    late = {dict(labels)["le"]: value for (name, labels), value in values.items()
            if name == "replay_latency_from_schedule_seconds_bucket"}
    assert late["0.025"] == 7 and late["5"] == 8  # message 2 ended 3.02 s after it was due


def test_before_sending_only_the_run_info_is_served():
    values = scrape(RecorderCollector(lambda: None, info=INFO))
    assert list(values) == [("replay_run_info", (("role", "local"), ("run_id", "r1"),
                                                 ("worker", "")))]


def test_the_master_serves_its_workers_reports_added_up():
    snapshot = {"planned": 100, "due": 40, "sent": 38, "done": 36, "accepted": 35, "failed": 1,
                "in_flight": 2, "behind": 2, "rate_mps": 12.5, "lag_p99_ms": 3.0, "workers": 2}
    values = scrape(SnapshotCollector(lambda: snapshot, info={**INFO, "role": "master"}))
    assert values[("replay_messages_sent_total", ())] == 38
    assert values[("replay_messages_accepted_total", ())] == 35
    assert values[("replay_messages_failed_total", ())] == 1
    assert values[("replay_send_rate", ())] == 12.5
    assert values[("replay_workers_reporting", ())] == 2
    assert values[("replay_schedule_lag_recent_p99_seconds", ())] == 0.003


@pytest.mark.parametrize(("port", "worker", "expected"), [
    (9646, None, 9646), (9646, 0, 9647), (9646, 3, 9650), (0, None, 0), (0, 2, 0)])
def test_workers_listen_on_port_plus_one_plus_their_index(port, worker, expected):
    assert port_for(port, worker) == expected


def test_the_server_answers_a_scrape_and_a_taken_port_is_a_clear_error():
    server = MetricsServer.start(0, collector=RecorderCollector(lambda: None, info=INFO),
                                 what="local run")
    try:
        assert server.port > 0

        def get() -> bytes:
            connection = gevent.socket.create_connection(("127.0.0.1", server.port), timeout=5)
            connection.sendall(b"GET /metrics HTTP/1.0\r\nHost: x\r\n\r\n")
            chunks = []
            while chunk := connection.recv(65536):
                chunks.append(chunk)
            connection.close()
            return b"".join(chunks)

        reply = gevent.spawn(get).get(timeout=10)
        assert reply.startswith(b"HTTP/1.1 200")
        assert b'replay_run_info{role="local",run_id="r1",worker=""} 1.0' in reply
        with pytest.raises(ConfigError) as error:
            MetricsServer.start(server.port, collector=RecorderCollector(lambda: None, info=INFO),
                                what="worker 1")
        assert str(error.value) == (
            f"--metrics-port: the worker 1 cannot listen on port {server.port} (Address already"
            " in use); give a free port, or 0 for any free port")
    finally:
        server.stop()
    with socket.socket() as probe:
        assert probe.connect_ex(("127.0.0.1", server.port)) != 0  # stopped: nothing listens


def test_the_dashboards_guide_documents_every_metric_and_its_scrape_config_parses():
    guide = (Path(__file__).resolve().parents[2] / "docs/guides/dashboards.md").read_text()
    snapshot = {"planned": 1, "lag_p99_ms": 1.0, "workers": 1}
    names = {name for name, _ in scrape(RecorderCollector(progress_of_ten_messages, info=INFO))}
    names |= {name for name, _ in scrape(SnapshotCollector(lambda: snapshot, info=INFO))}
    families = {re.sub(r"_(bucket|count|sum)$", "", name) if "_seconds_" in name else name
                for name in names}
    assert sorted(name for name in families if f"`{name}`" not in guide) == []
    config = yaml.safe_load(guide.split("```yaml\n")[1].split("```")[0])
    (job,) = config["scrape_configs"]
    assert [target for group in job["static_configs"] for target in group["targets"]] == [
        f"loadgen-1:{port}" for port in range(9646, 9651)]


class CountsOnly:
    """A recorder-like progress source without per-message arrays (only `snapshot`)."""

    def snapshot(self, now_s, due_s):
        return {"now_s": now_s, "planned": 5, "due": 3, "sent": 3, "done": 2, "accepted": 2,
                "failed": 0, "in_flight": 1, "behind": 0, "rate_mps": 1.5, "lag_p99_ms": None}


def test_a_source_without_per_message_arrays_serves_its_snapshot_metrics_only():
    clock = RunClock.starting_at(0.0)
    progress = Progress(recorder=CountsOnly(), due_s=None, span_s=1.0, clock=clock)
    values = scrape(RecorderCollector(lambda: progress, info=INFO))
    assert values[("replay_messages_sent_total", ())] == 3
    assert values[("replay_send_rate", ())] == 1.5
    assert not any(name.startswith(("replay_schedule_lag_seconds", "replay_attempts"))
                   for name, _ in values)
