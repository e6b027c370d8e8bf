"""The seam between a process's session and its distributed role (master or worker).

    session.role = MasterRole(session, environment)     # or WorkerRole; None in a local run

A role drives the start and the end of a distributed run; the session does the sending and
writes the outputs. Each sees the other only through these protocols:

    Session (what a role may use)            Role (what the session calls)
      config, stop, finished, exit_code        on_quitting()  Ctrl-C, SIGTERM, quit
      progress                                 snapshot()     progress for the live tab and
      start_once(run, clear_stop=) -> bool                    metrics (the master adds up its
      replay_share(prepared, clock, ...)                      workers', a worker its own)
      finish(summary, stop_reason=...)
      end_test(), start_metrics(worker=...)
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING, Any, Protocol

if TYPE_CHECKING:
    from gevent.event import Event

    from replay.driver.clock import RunClock
    from replay.driver.options import ReplayConfig
    from replay.driver.outputs import RunRecord
    from replay.driver.prepare import Prepared
    from replay.driver.progress import Progress
    from replay.driver.replayer import Replayer


class Session(Protocol):
    config: ReplayConfig | None
    stop: Event
    finished: Event
    exit_code: int | None
    progress: Progress | None

    def start_once(self, run: Callable[[], None], *, clear_stop: bool = False) -> bool:
        """Run `run` in a greenlet unless one already runs; False when it did not start."""

    def replay_share(self, prepared: Prepared, clock: RunClock, *, check_endpoint: bool,
                     worker: int = 0) -> tuple[RunRecord, Replayer]: ...

    def finish(self, summary: dict[str, Any], *, stop_reason: str | None,
               concurrency_cap: int | None = None) -> None: ...

    def end_test(self) -> None: ...

    def start_metrics(self, *, worker: int | None = None) -> None: ...


class Role(Protocol):
    def on_quitting(self) -> None: ...

    def snapshot(self) -> dict[str, Any]: ...
