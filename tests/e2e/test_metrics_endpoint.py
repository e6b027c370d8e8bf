"""End to end: `--metrics-port` scraped while real runs send, locally and with workers."""

from __future__ import annotations

import os
import re
import signal
import socket
import subprocess
import sys
import threading
import time
import urllib.request

import pytest
from prometheus_client.parser import text_string_to_metric_families

from tests.results.test_junit import assert_valid_junit, cases_of

from .conftest import write_dataset

pytestmark = pytest.mark.e2e

SERVED = re.compile(r"Prometheus metrics of the (?P<what>.+?): http://127\.0\.0\.1:(?P<port>\d+)/")


def scrape(port: int) -> dict[str, float]:
    """{sample name with its labels: value} of one scrape."""
    with urllib.request.urlopen(f"http://127.0.0.1:{port}/metrics", timeout=5) as response:
        text = response.read().decode()
    samples = [sample for family in text_string_to_metric_families(text)
               for sample in family.samples]
    return {sample.name + "".join(f"{{{k}={v}}}" for k, v in sorted(sample.labels.items())):
            sample.value for sample in samples}


def start_run(tmp_path, *extra: str, env: dict[str, str] | None = None,
              ) -> tuple[subprocess.Popen, dict[str, int], list[str]]:
    """Start `replay run` with --metrics-port 0; return it, the ports it logged by process, and
    the output lines (still being collected by a thread)."""
    dataset = write_dataset(tmp_path / "calls.parquet", calls=8, messages=10, span_s=200)
    child = subprocess.Popen(
        [sys.executable, "-m", "replay", "run", str(dataset), "--speed", "20", "--run-id", "m",
         "--metrics-port", "0", "--progress-interval", "1", *extra],
        stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True, cwd=tmp_path,
        env={**os.environ, **(env or {})},
    )
    lines: list[str] = []
    ports: dict[str, int] = {}
    found = threading.Event()
    expected = 3 if "--workers" in extra else 1

    def read() -> None:
        for line in child.stdout:
            lines.append(line)
            match = SERVED.search(line)
            if match:
                ports[match["what"]] = int(match["port"])
                if len(ports) == expected:
                    found.set()
        found.set()

    threading.Thread(target=read, daemon=True).start()
    found.wait(timeout=60)
    return child, ports, lines


def stop(child: subprocess.Popen) -> None:
    """End a run still going (a failed assertion): SIGTERM first, so that replay run stops its
    mock and Locust; SIGKILL only if it does not end."""
    if child.poll() is None:
        child.send_signal(signal.SIGTERM)
        try:
            child.wait(timeout=60)
        except subprocess.TimeoutExpired:
            child.kill()
            child.wait()


def scrape_until_sending(port: int, deadline: float) -> dict[str, float]:
    while True:
        values = scrape(port)
        if values.get("replay_messages_sent_total", 0) > 0 or time.monotonic() > deadline:
            return values
        time.sleep(0.3)


def test_a_local_run_serves_its_live_counters_rates_and_histograms(tmp_path):
    child, ports, lines = start_run(tmp_path)
    try:
        assert list(ports) == ["local run"], "".join(lines)[-3000:]
        values = scrape_until_sending(ports["local run"], time.monotonic() + 30)
        assert child.poll() is None, "the run ended before it could be watched"
        assert values['replay_run_info{role=local}{run_id=m}{worker=}'] == 1
        assert values["replay_messages_planned"] == 80
        # a scrape reads while messages are sent: each series is a moment's, not one instant's
        assert 0 < values["replay_messages_sent_total"] <= 80
        assert 0 < values["replay_schedule_lag_seconds_count"] <= 80
        assert values["replay_service_seconds_bucket{le=+Inf}"] == (
            values["replay_service_seconds_count"]) <= 80
        assert values["replay_send_rate"] >= 0
        assert child.wait(timeout=90) == 0, "".join(lines)[-3000:]
    finally:
        stop(child)


def test_the_master_and_each_worker_serve_their_own_metrics(tmp_path):
    """Also: the master alone writes the JUnit report and the job summary, once."""
    step_summary = tmp_path / "job_summary"
    child, ports, lines = start_run(tmp_path, "--workers", "2", "--junit-xml", "junit.xml",
                                    env={"GITHUB_STEP_SUMMARY": str(step_summary)})
    try:
        assert set(ports) == {"master", "worker 0", "worker 1"}, "".join(lines)[-3000:]
        deadline = time.monotonic() + 30
        workers = [scrape_until_sending(ports[f"worker {i}"], deadline) for i in (0, 1)]
        master = scrape_until_sending(ports["master"], deadline)
        assert child.poll() is None, "the run ended before it could be watched"
        for index, values in enumerate(workers):
            assert values[f"replay_run_info{{role=worker}}{{run_id=m}}{{worker={index}}}"] == 1
            assert values["replay_messages_sent_total"] > 0
            assert "replay_schedule_lag_seconds_count" in values
        assert sum(values["replay_messages_planned"] for values in workers) == 80
        assert master["replay_run_info{role=master}{run_id=m}{worker=}"] == 1
        assert master["replay_messages_planned"] == 80
        assert master["replay_messages_sent_total"] > 0
        assert master["replay_workers_reporting"] == 2
        assert child.wait(timeout=90) == 0, "".join(lines)[-3000:]
        suite = assert_valid_junit((tmp_path / "junit.xml").read_text())
        assert cases_of(suite)[("replay.messages", "no message failed")] is None
        assert step_summary.read_text().count("### Transcript replay `m`: ✅ PASSED") == 1
    finally:
        stop(child)


def test_a_metrics_port_already_taken_stops_the_run_before_it_sends(tmp_path):
    dataset = write_dataset(tmp_path / "calls.parquet", calls=2, messages=2, span_s=10)
    with socket.socket() as taken:
        taken.bind(("0.0.0.0", 0))
        taken.listen()
        port = taken.getsockname()[1]
        done = subprocess.run(
            [sys.executable, "-m", "replay", "run", str(dataset), "--run-id", "taken",
             "--metrics-port", str(port)],
            capture_output=True, text=True, timeout=120, cwd=tmp_path,
        )
    assert done.returncode == 2, done.stdout[-3000:] + done.stderr[-3000:]
    assert (f"error: --metrics-port: the local run cannot listen on port {port} (Address "
            "already in use); give a free port, or 0 for any free port") in done.stderr
    assert not (tmp_path / "reports" / "taken" / "summary.json").exists()
