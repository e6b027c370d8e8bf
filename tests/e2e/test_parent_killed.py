"""End to end: whatever kills `replay run` (SIGKILL here: no handler of ours runs), the
processes it started, the embedded mock and Locust with its workers and minters, stop by
themselves (replay.lifeline, replay.driver.parent); so do a Locust master's workers."""

from __future__ import annotations

import re
import socket
import subprocess
import sys
import time

import psutil
import pytest

from .conftest import REPO

pytestmark = pytest.mark.e2e

SAMPLE = REPO / "datasets" / "sample.parquet"
STOP_TIMEOUT_S = 60  # a bound for a slow, noisy machine; they stop within a few seconds


def start_replay_run(tmp_path, workers: int) -> tuple[subprocess.Popen, str]:
    """`replay run` of the sample, returned mid-run (its first progress line) with the mock's
    URL."""
    child = subprocess.Popen(
        [sys.executable, "-m", "replay", "run", str(SAMPLE), "--workers", str(workers),
         "--progress-interval", "1", "--run-id", "killed"],
        stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True, cwd=tmp_path)
    url = ""
    for line in child.stdout:
        if found := re.search(r"embedded mock at (http://\S+) ", line):
            url = found.group(1)
        if "progress: sent" in line:
            return child, url
    child.kill()
    raise AssertionError("replay run ended before its first progress line")


def still_running(processes: list[psutil.Process], timeout: float) -> list[psutil.Process]:
    """Those of `processes` still running after `timeout` s at most (a zombie has ended)."""
    def running(process: psutil.Process) -> bool:
        try:
            return process.status() != psutil.STATUS_ZOMBIE
        except psutil.NoSuchProcess:
            return False

    deadline = time.monotonic() + timeout
    while any(running(process) for process in processes) and time.monotonic() < deadline:
        time.sleep(0.1)
    return [process for process in processes if running(process)]


def is_listening(url: str) -> bool:
    port = int(url.rsplit(":", 1)[1])
    try:
        with socket.create_connection(("127.0.0.1", port), timeout=5):
            return True
    except OSError:
        return False


def commands(processes: list[psutil.Process]) -> list[str]:
    names = []
    for process in processes:
        try:
            names.append(" ".join(process.cmdline()[1:3]))
        except psutil.NoSuchProcess:
            names.append(f"(ended) {process.pid}")
    return names


@pytest.mark.parametrize("workers", [0, 2])
def test_sigkill_of_replay_run_ends_every_process_it_started_and_the_mock_stops_listening(
        tmp_path, workers):
    child, url = start_replay_run(tmp_path, workers)
    try:
        started = psutil.Process(child.pid).children(recursive=True)
        # the mock, Locust (a master and its workers), and at least one token minter
        assert len(started) >= 3 + workers, commands(started)
        assert is_listening(url)
    finally:
        child.kill()
        child.wait()
        child.stdout.close()
    left = still_running(started, STOP_TIMEOUT_S)
    for process in left:  # tidy up before failing
        process.kill()
    assert commands(left) == []
    assert not is_listening(url)


def test_sigkill_of_the_locust_master_ends_its_workers(tmp_path):
    child, _ = start_replay_run(tmp_path, workers=2)
    try:
        master, = (process for process in psutil.Process(child.pid).children()
                   if "locust" in process.cmdline())
        below = master.children(recursive=True)  # the two workers, the minters
        assert len(below) >= 2, commands(below)
        master.kill()
        left = still_running(below, STOP_TIMEOUT_S)
        for process in left:
            process.kill()
        assert commands(left) == []
        child.wait(timeout=STOP_TIMEOUT_S)  # then replay run ends, stopping the mock itself
    finally:
        child.kill()
        child.wait()
        child.stdout.close()
