"""Run the mock as a child process: for tests, and for `replay run` against the embedded mock.

    with start_mock(["--public-key", "key.pub.pem"]) as mock:
        mock.url            # "http://127.0.0.1:PORT"
        mock.stats()        # GET /__admin/stats, a dict
        mock.ledger()       # GET /__admin/ledger, a list of row dicts
    # leaving the block stops it (SIGTERM; the child writes --ledger-out if given)

`start_mock` runs `python -m replay.mock --port 0 --ready-file <tmp> --parent-fd <lifeline>
*args` (later options win, so `--port 8080` in args overrides) and waits for the ready file. The
child runs in a session of its own, so a terminal's Ctrl-C (sent to the whole foreground process
group) does not reach it: whoever started it stops it (`stop`, or leaving the `with` block),
after reading its ledger. Should the starting process die without stopping it (SIGKILL, the OOM
killer), the mock stops by itself: it holds a lifeline to it (replay.lifeline). If the child
exits or is not ready in time, MockStartError carries its stderr (which never holds key
material). Only the standard library is used, so it also works inside a
gevent-patched Locust process.
"""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import tempfile
import time
import urllib.request
from pathlib import Path
from typing import Any

from replay.lifeline import Lifeline

READY_POLL_S = 0.02
# The mock is on loopback: never through an HTTP_PROXY/HTTPS_PROXY meant for the outside world.
_DIRECT = urllib.request.build_opener(urllib.request.ProxyHandler({}))


class MockStartError(RuntimeError):
    """The mock did not start; the message includes what it printed to stderr."""


class MockProcess:
    """A running mock child process."""

    def __init__(self, process: subprocess.Popen, url: str, workdir: tempfile.TemporaryDirectory,
                 log_path: Path, lifeline: Lifeline) -> None:
        self.process = process
        self._lifeline = lifeline
        self.url = url
        self.pid = process.pid
        self._workdir = workdir
        self._log_path = log_path
        self._final_output: str | None = None

    def _get(self, route: str, timeout: float) -> bytes:
        with _DIRECT.open(f"{self.url}/__admin/{route}", timeout=timeout) as response:
            return response.read()

    def stats(self, timeout: float = 10.0) -> dict[str, Any]:
        """GET /__admin/stats."""
        return json.loads(self._get("stats", timeout))

    def ledger(self, timeout: float = 60.0) -> list[dict[str, Any]]:
        """GET /__admin/ledger: one dict per accepted message, in arrival order."""
        return [json.loads(line) for line in self._get("ledger", timeout).splitlines() if line]

    def call(self, key: str, timeout: float = 10.0) -> dict[str, Any]:
        """GET /__admin/calls/{key}."""
        return json.loads(self._get(f"calls/{urllib.request.quote(key, safe='')}", timeout))

    def reset(self, timeout: float = 10.0) -> None:
        """POST /__admin/reset."""
        request = urllib.request.Request(f"{self.url}/__admin/reset", data=b"", method="POST")
        with _DIRECT.open(request, timeout=timeout) as response:
            response.read()

    def alive(self) -> bool:
        return self.process.poll() is None

    def output(self) -> str:
        """What the child wrote to stdout and stderr (so far, or until it stopped)."""
        if self._final_output is not None:
            return self._final_output
        try:
            return self._log_path.read_text(errors="replace")
        except OSError:
            return ""

    def stop(self, timeout: float = 10.0) -> int:
        """SIGTERM, wait up to `timeout` s (the ledger is written meanwhile), then kill."""
        if self.process.poll() is None:
            self.process.send_signal(signal.SIGTERM)
            try:
                self.process.wait(timeout)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()
        self._lifeline.close()
        if self._final_output is None:
            self._final_output = self.output()
            self._workdir.cleanup()
        return self.process.returncode

    def __enter__(self) -> MockProcess:
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.stop()


def start_mock(args: list[str], *, timeout: float = 15.0) -> MockProcess:
    """Start `python -m replay.mock` with `args`; return once it is listening."""
    workdir = tempfile.TemporaryDirectory(prefix="replay-mock-")
    ready_file = Path(workdir.name) / "ready.json"
    log_path = Path(workdir.name) / "mock.log"
    lifeline = Lifeline()
    command = [sys.executable, "-m", "replay.mock", "--port", "0", "--ready-file",
               str(ready_file), "--parent-fd", str(lifeline.fd), *args]
    with open(log_path, "wb") as log:
        process = subprocess.Popen(command, stdin=subprocess.DEVNULL, stdout=log, stderr=log,
                                   env={**os.environ, "PYTHONUNBUFFERED": "1"},
                                   start_new_session=True, pass_fds=(lifeline.fd,))
    try:
        url = _wait_until_ready(process, ready_file, log_path, timeout)
    except BaseException:  # not ready, or Ctrl-C meanwhile: no signal of ours reaches it
        lifeline.close()
        if process.poll() is None:
            process.kill()
            process.wait()
        workdir.cleanup()
        raise
    return MockProcess(process, url, workdir, log_path, lifeline)


def _wait_until_ready(process: subprocess.Popen, ready_file: Path, log_path: Path,
                      timeout: float) -> str:
    """The mock's URL, once its ready file is written; MockStartError if it never is."""
    deadline = time.monotonic() + timeout
    while True:
        if ready_file.exists():
            return json.loads(ready_file.read_text())["url"]
        if process.poll() is not None:
            output = log_path.read_text(errors="replace").strip()
            raise MockStartError(
                f"the mock exited with code {process.returncode} before it was ready: "
                f"{output or '(no output)'}"
            )
        if time.monotonic() > deadline:
            process.kill()
            process.wait()
            output = log_path.read_text(errors="replace").strip()
            raise MockStartError(f"the mock was not ready after {timeout:g} s: "
                                 f"{output or '(no output)'}")
        time.sleep(READY_POLL_S)
