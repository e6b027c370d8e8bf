"""Starting and stopping: ready file, port 0, the ledger written on SIGTERM and SIGINT."""

from __future__ import annotations

import json
import signal
import socket
import subprocess
import sys
import time

import pytest

from replay.mock.ledger import read_ledger
from replay.mock.process import MockStartError, start_mock

from .mock_helpers import message, post_message, unique_key


def test_ready_file_names_the_url_and_pid_of_a_listening_server(tmp_path):
    ready = tmp_path / "ready.json"
    process = subprocess.Popen([sys.executable, "-m", "replay.mock", "--no-auth", "--port", "0",
                                "--ready-file", str(ready)], stderr=subprocess.PIPE)
    try:
        deadline = time.monotonic() + 15
        while not ready.exists() and time.monotonic() < deadline:
            time.sleep(0.02)
        document = json.loads(ready.read_text())
        assert document["pid"] == process.pid
        assert document["url"].startswith("http://127.0.0.1:")
        assert post_message(document["url"], unique_key(), message()).status == 202
    finally:
        process.terminate()
        process.wait(10)
    assert process.returncode == 0


@pytest.mark.parametrize(("stopping", "suffix"), [(signal.SIGTERM, ".jsonl"),
                                                  (signal.SIGINT, ".parquet")])
def test_signal_writes_the_ledger_file(tmp_path, stopping, suffix):
    out = tmp_path / f"ledger{suffix}"
    running = start_mock(["--no-auth", "--ledger-out", str(out)])
    key = unique_key()
    for number in range(3):
        post_message(running.url, key, message(f"m-{number % 2}"))
    running.process.send_signal(stopping)
    assert running.process.wait(15) == 0
    running.stop()
    rows = read_ledger(out)
    assert [(row["messageId"], row["outcome"]) for row in rows] == [
        ("m-0", "stored"), ("m-1", "stored"), ("m-0", "duplicate")]
    assert rows[0]["vendorCallKey"] == key
    assert {"arrived_ms", "call_seq", "participantId", "startTime", "endTime",
            "senderType"} <= set(rows[0])


def test_port_in_use_is_a_clear_error():
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = taken.getsockname()[1]
        with pytest.raises(MockStartError, match=f"cannot listen on 127.0.0.1:{port}"):
            start_mock(["--no-auth", "--port", str(port)])


def test_bad_option_is_reported_with_the_child_stderr():
    with pytest.raises(MockStartError, match="--public-key PEM or --certificate PEM"):
        start_mock([])


def test_missing_key_file_names_the_option(tmp_path):
    with pytest.raises(MockStartError, match=r"--public-key .*cannot read it"):
        start_mock(["--public-key", str(tmp_path / "absent.pem")])


def test_stop_ends_the_process(tmp_path):
    running = start_mock(["--no-auth"])
    assert running.alive()
    assert running.stop() == 0
    assert not running.alive()


@pytest.mark.parametrize(("host", "url_prefix"), [("::1", "http://[::1]:"),
                                                  ("0.0.0.0", "http://127.0.0.1:")])
def test_ready_url_is_reachable_for_ipv6_and_wildcard_hosts(host, url_prefix):
    with start_mock(["--no-auth", "--host", host]) as running:
        assert running.url.startswith(url_prefix)
        assert post_message(running.url, unique_key(), message()).status == 202
