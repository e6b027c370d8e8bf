"""replay.mock.process: the mock as a child process, and its admin client."""

from __future__ import annotations

import contextlib
import os
import signal
import socket
import subprocess
import sys
import textwrap
import time

import psutil
import pytest

from replay.mock.process import start_mock

CLIENT = textwrap.dedent("""
    from replay.mock.process import start_mock

    with start_mock(["--no-auth"]) as mock:
        mock.reset()
        print(mock.stats()["received"], len(mock.ledger()))
""")


def closed_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def test_the_admin_client_reaches_the_loopback_mock_past_an_environment_proxy():
    """A proxy for the outside world cannot reach this machine's loopback: the admin calls go
    direct. (A fresh interpreter: urllib reads the proxy variables once per process.)"""
    proxy = f"http://127.0.0.1:{closed_port()}"
    env = {name: value for name, value in os.environ.items()
           if name.lower() not in ("no_proxy", "http_proxy", "https_proxy", "all_proxy")}
    env.update(HTTP_PROXY=proxy, http_proxy=proxy, HTTPS_PROXY=proxy, ALL_PROXY=proxy)
    done = subprocess.run([sys.executable, "-c", CLIENT], capture_output=True, text=True,
                          env=env, timeout=60)
    assert done.returncode == 0, done.stderr[-2000:]
    assert done.stdout.split() == ["0", "0"]


# A process that starts a mock, says the mock's pid and URL, then dies by SIGKILL: nothing of
# it stops the mock.
KILLED_STARTER = textwrap.dedent("""
    import os, signal, sys
    from replay.mock.process import start_mock

    mock = start_mock(["--no-auth", "--ledger-out", sys.argv[1], "--workers", sys.argv[2]])
    print(mock.pid, mock.url, flush=True)
    os.kill(os.getpid(), signal.SIGKILL)
""")


def still_running(processes: list[psutil.Process], timeout: float) -> list[psutil.Process]:
    """Those of `processes` still running after `timeout` s at most (a zombie has ended)."""
    def running(process: psutil.Process) -> bool:
        try:
            return process.status() != psutil.STATUS_ZOMBIE
        except psutil.NoSuchProcess:
            return False

    deadline = time.monotonic() + timeout
    while any(running(process) for process in processes) and time.monotonic() < deadline:
        time.sleep(0.05)
    return [process for process in processes if running(process)]


@pytest.mark.parametrize("workers", ["1", "2"])
def test_a_started_mock_stops_by_itself_and_writes_its_ledger_when_its_starter_is_killed(
        tmp_path, workers):
    ledger = tmp_path / "ledger.jsonl"
    done = subprocess.run([sys.executable, "-c", KILLED_STARTER, str(ledger), workers],
                          capture_output=True, text=True, timeout=60)
    assert done.returncode == -signal.SIGKILL, done.stderr[-2000:]
    pid, url = done.stdout.split()
    mock = psutil.Process(int(pid))
    with contextlib.suppress(psutil.NoSuchProcess):  # (it may have stopped already)
        children = mock.children()  # with workers: the servers and multiprocessing's tracker
        assert still_running([mock, *children], timeout=30) == []
    assert ledger.is_file()  # written on the way out, as on SIGTERM
    port = int(url.rsplit(":", 1)[1])
    with pytest.raises(ConnectionRefusedError), socket.create_connection(("127.0.0.1", port)):
        pass


def test_the_server_processes_of_a_mock_with_workers_stop_when_their_supervisor_is_killed():
    with start_mock(["--no-auth", "--workers", "2"]) as mock:
        children = psutil.Process(mock.pid).children()  # the servers and a resource tracker
        assert len(children) >= 2
        os.kill(mock.pid, signal.SIGKILL)
        assert still_running(children, timeout=30) == []
