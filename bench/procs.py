"""Child processes of the benchmark: started pinned to one core, always stopped.

    with Processes(log_dir) as procs:
        mock = procs.start("mock", ["python3", "-m", "replay.mock", ...], core=0)
        ...
    # leaving the block (normally, on an exception, Ctrl-C or SIGTERM) stops every process group
    # that was started: SIGTERM first, SIGKILL after a grace period.

Each child is the leader of its own process group (`start_new_session`), so stopping the group
also stops what the child started itself (the mock's workers, Locust's helpers). Its stdout and
stderr go to `<log_dir>/<name>.log`, whose tail is quoted when the child fails. Ctrl-C and
SIGTERM (which `python -m bench` turns into KeyboardInterrupt) are held while a child is started
and recorded, and while children are stopped, so neither can leave a process behind.
"""

from __future__ import annotations

import contextlib
import json
import os
import signal
import subprocess
import threading
import time
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass, field
from pathlib import Path

import psutil


class ChildFailed(RuntimeError):
    """A child process exited early or did not become ready; the message quotes its log."""


@dataclass(kw_only=True)
class Child:
    name: str
    popen: subprocess.Popen
    log_path: Path

    @property
    def pid(self) -> int:
        return self.popen.pid

    def running(self) -> bool:
        return self.popen.poll() is None

    def wait(self, timeout: float) -> int | None:
        """Wait for the child to exit by itself; its exit code, or None if still running."""
        try:
            return self.popen.wait(timeout=timeout)
        except subprocess.TimeoutExpired:
            return None

    def stop(self, grace_s: float = 5.0) -> None:
        """Stop the child's whole process group: SIGTERM, then SIGKILL after `grace_s`."""
        if self.running():
            _signal_group(self.pid, signal.SIGTERM)
            if self.wait(grace_s) is None:
                _signal_group(self.pid, signal.SIGKILL)
                self.wait(grace_s)
        # Anything the child started and left behind in its group goes too.
        _signal_group(self.pid, signal.SIGKILL)
        _wait_group_gone(self.pid, grace_s)

    def tail(self, lines: int = 15) -> str:
        try:
            text = self.log_path.read_text(errors="replace")
        except OSError:
            return ""
        return "\n".join(text.strip().splitlines()[-lines:])

    def result(self, timeout: float) -> dict | None:
        """Wait for the child to finish cleanly; the JSON of the line it printed as
        `BENCH_JSON {...}`, or None when it printed none. ChildFailed if it did not finish."""
        if self.wait(timeout) != 0:
            raise self.failure("did not finish cleanly")
        for line in self.log_path.read_text(errors="replace").splitlines():
            if line.startswith("BENCH_JSON "):
                return json.loads(line.removeprefix("BENCH_JSON "))
        return None

    def failure(self, what: str) -> ChildFailed:
        code = self.popen.poll()
        status = "still running" if code is None else f"exit code {code}"
        return ChildFailed(f"{self.name} {what} ({status}); last lines of {self.log_path}:\n"
                           f"{self.tail()}")

    def cpu_seconds(self) -> float:
        """User + system CPU seconds used so far by the child and its descendants."""
        try:
            root = psutil.Process(self.pid)
            procs = [root, *root.children(recursive=True)]
        except psutil.Error:
            return 0.0
        total = 0.0
        for proc in procs:
            with contextlib.suppress(psutil.Error):
                times = proc.cpu_times()
                total += times.user + times.system
        return total

    def rss_bytes(self) -> int:
        """Resident memory of the child process itself (not its descendants)."""
        return psutil.Process(self.pid).memory_info().rss


@dataclass
class Processes:
    """Starts children and stops all of them when the block ends."""

    log_dir: Path
    children: list[Child] = field(default_factory=list)

    def __enter__(self) -> Processes:
        self.log_dir.mkdir(parents=True, exist_ok=True)
        return self

    def __exit__(self, *exc: object) -> None:
        self.stop_all()

    def start(self, name: str, argv: Sequence[str], *, core: int | None,
              env: dict[str, str] | None = None, cwd: Path | None = None) -> Child:
        log_path = self.log_dir / f"{name}.log"
        with signals_deferred(), log_path.open("wb") as log:
            popen = subprocess.Popen(
                list(argv), stdin=subprocess.DEVNULL, stdout=log, stderr=subprocess.STDOUT,
                env={**os.environ, **(env or {})}, cwd=cwd, start_new_session=True,
                preexec_fn=_pin_to(core),
            )
            child = Child(name=name, popen=popen, log_path=log_path)
            self.children.append(child)
        return child

    def stop_all(self) -> None:
        """Stop every child; a Ctrl-C or SIGTERM meanwhile is acted on only afterwards."""
        with signals_deferred():
            for child in reversed(self.children):
                child.stop()
            self.children.clear()


def wait_until(ready: Callable[[], bool], *, child: Child, timeout_s: float, what: str) -> None:
    """Poll `ready()` until true; fail with the child's log if it exits or the time runs out."""
    deadline = time.monotonic() + timeout_s
    while not ready():
        if not child.running():
            raise child.failure(f"exited before {what}")
        if time.monotonic() > deadline:
            raise child.failure(f"not {what} within {timeout_s:.0f} s")
        time.sleep(0.05)


def bench_cores() -> tuple[int, int]:
    """(server core, generator core): 0 and 1, or 0 and 0 on a single-core machine."""
    cores = sorted(os.sched_getaffinity(0))
    return (cores[0], cores[1]) if len(cores) > 1 else (cores[0], cores[0])


def core_busy_seconds(core: int) -> float:
    """CPU seconds core `core` has spent busy (anything but idle and iowait) since boot."""
    times = psutil.cpu_times(percpu=True)[core]
    return sum(times) - times.idle - getattr(times, "iowait", 0.0)


def _pin_to(core: int | None) -> Callable[[], None] | None:
    if core is None:
        return None
    return lambda: os.sched_setaffinity(0, {core})


@contextlib.contextmanager
def signals_deferred() -> Iterator[None]:
    """Hold SIGINT and SIGTERM until the block ends, then act on them (KeyboardInterrupt).

    So a signal cannot land between starting a child and recording it, or cut a clean-up short.
    The handler is a Python function, which exec resets: children still get default handling.
    Main thread only; elsewhere a no-op."""
    if threading.current_thread() is not threading.main_thread():
        yield
        return
    caught: list[int] = []
    saved = {sig: signal.signal(sig, lambda signum, frame: caught.append(signum))
             for sig in (signal.SIGINT, signal.SIGTERM)}
    try:
        yield
    finally:
        for sig, handler in saved.items():
            signal.signal(sig, handler)
    if caught:
        raise KeyboardInterrupt(f"signal {caught[0]}")


def _wait_group_gone(pgid: int, timeout_s: float) -> None:
    """Wait until no live process is left in the group (exited orphans may linger as zombies)."""
    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline:
        alive = False
        for proc in psutil.process_iter():
            with contextlib.suppress(psutil.Error, ProcessLookupError):
                if os.getpgid(proc.pid) == pgid and proc.status() != psutil.STATUS_ZOMBIE:
                    alive = True
                    break
        if not alive:
            return
        time.sleep(0.02)


def _signal_group(pgid: int, sig: signal.Signals) -> None:
    with contextlib.suppress(ProcessLookupError, PermissionError):
        os.killpg(pgid, sig)
