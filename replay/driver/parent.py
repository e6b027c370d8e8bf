"""A Locust process of the replay stops soon after the process that started it is gone, however
that one ended (SIGKILL and the OOM killer included): the load we generate stops by itself.

    watch_lifeline(config.parent_fd)     # started by `replay run`: its --parent-fd pipe
    watch_parent(pid)                    # a worker Locust forked (--processes) from `pid`

- `--parent-fd FD` (replay.lifeline): `replay run` holds the write end of a pipe, this process
  the read end; the pipe reads end-of-file once `replay run` is gone, which a greenlet waiting on
  it (`gevent.socket.wait_read`) sees at once. `replay run` also read this process's stdout and
  stderr, so from then on they go to /dev/null (a write to them would fail).
- A worker forked by `--processes`: Locust forks it from the master after the locustfile is
  imported, so there is no hook to hand it a pipe; its parent is the master, whose pid the
  session recorded at import (before the fork). A greenlet compares `os.getppid()` with it every
  POLL_S: when the master dies the worker is re-parented and the pids differ.

Either way the process then stops as on SIGTERM, through Locust's own handler: no new message is
sent, the run ends as a stopped one (outputs written, marked partial). Should that not end it
within STOP_GRACE_S, it exits at once.
"""

from __future__ import annotations

import logging
import os
import signal

import gevent
from gevent.socket import wait_read

from replay.exit_codes import ExitCode

logger = logging.getLogger(__name__)

POLL_S = 0.5
STOP_GRACE_S = 120.0  # a stopped run waits for requests in flight (--timeout) + 30 s at most


def watch_lifeline(fd: int) -> gevent.Greenlet:
    """Stop this process once the lifeline `fd` reads end-of-file."""

    def watch() -> None:
        wait_read(fd)
        _output_to_nowhere()
        _stop("the process that started this run (replay run) is gone")

    return gevent.spawn(watch)


def watch_parent(pid: int) -> gevent.Greenlet:
    """Stop this process once its parent is no longer process `pid`."""

    def watch() -> None:
        while os.getppid() == pid:
            gevent.sleep(POLL_S)
        _stop(f"the Locust master (pid {pid}) is gone")

    return gevent.spawn(watch)


def _output_to_nowhere() -> None:
    """stdout and stderr were pipes to the parent: nothing reads them now."""
    nowhere = os.open(os.devnull, os.O_WRONLY)
    for fd in (1, 2):
        os.dup2(nowhere, fd)
    os.close(nowhere)


def _stop(reason: str) -> None:
    logger.warning("%s: stopping the run", reason)
    os.kill(os.getpid(), signal.SIGTERM)
    gevent.sleep(STOP_GRACE_S)
    logger.error("%s, and the run did not stop within %g s: exiting now", reason, STOP_GRACE_S)
    os._exit(ExitCode.INTERRUPTED)
