"""Progress while a replay runs: a periodic snapshot, a console line, and the web UI's live tab.

    progress = Progress(recorder=recorder, due_s=due_s, span_s=plan.span_s, clock=clock)
    greenlet = gevent.spawn(progress.loop, stop, interval_s=10.0)   # headless runs
    progress.take()            # a snapshot now (the recorder's, stateless: also the live tab's)

Lines come from `replay.results.progress.progress_line`, e.g.
    progress: sent 1,234/3,000 (41%) | timeline 40% | ETA 1m12s | 812 msg/s | lag p99 3.1 ms
"""

from __future__ import annotations

import logging
from typing import Any

import numpy as np
from gevent.event import Event

from replay.driver.clock import RunClock
from replay.results.progress import progress_line
from replay.results.recorder import OutcomeRecorder

logger = logging.getLogger(__name__)


class Progress:
    def __init__(self, *, recorder: OutcomeRecorder, due_s: np.ndarray, span_s: float,
                 clock: RunClock) -> None:
        self._recorder = recorder
        self._due_s = due_s
        self._span_s = span_s
        self._clock = clock

    @property
    def recorder(self) -> OutcomeRecorder:
        return self._recorder

    @property
    def due_s(self) -> np.ndarray:
        return self._due_s

    @property
    def clock(self) -> RunClock:
        return self._clock

    def take(self) -> dict[str, Any]:
        return self._recorder.snapshot(self._clock.now_s(), self._due_s)

    def loop(self, stop: Event, *, interval_s: float) -> None:
        """Log a progress line every interval_s until `stop` is set."""
        while not stop.wait(interval_s):
            snapshot = self.take()
            line = progress_line(snapshot, self._recorder.size, self._span_s, snapshot["now_s"])
            logger.info("progress: %s", line)
