"""Progress while a replay runs: a periodic snapshot, a console line, and the web UI's live tab.

    progress = Progress(recorder=recorder, due_s=due_s, span_s=plan.span_s, clock=clock)
    greenlet = gevent.spawn(progress.loop, stop, interval_s=10.0)   # headless runs
    progress.take()            # a snapshot now (the recorder's, stateless: also the live tab's)

A line looks like:
    progress: 1,234/5,000 sent (24.7%), timeline 25% done, ETA 0:01:12, 812 msg/s, lag p99 3.1 ms,
    2 failed, 3 in flight
"""

from __future__ import annotations

import logging
from typing import Any

import numpy as np
from gevent.event import Event

from replay.driver.clock import RunClock
from replay.results.recorder import OutcomeRecorder

logger = logging.getLogger(__name__)


class Progress:
    def __init__(self, *, recorder: OutcomeRecorder, due_s: np.ndarray, span_s: float,
                 paced: bool, clock: RunClock) -> None:
        self._recorder = recorder
        self._due_s = due_s
        self._span_s = span_s
        self._paced = paced
        self._clock = clock

    def take(self) -> dict[str, Any]:
        return self._recorder.snapshot(self._clock.now_s(), self._due_s)

    def loop(self, stop: Event, *, interval_s: float) -> None:
        """Log a progress line every interval_s until `stop` is set."""
        while not stop.wait(interval_s):
            logger.info("%s", self.line(self.take()))

    def line(self, s: dict[str, Any]) -> str:
        planned, sent = s["planned"], s["sent"]
        share = sent / planned * 100 if planned else 100.0
        parts = [f"progress: {sent:,}/{planned:,} sent ({share:.1f}%)"]
        rate = s.get("rate_mps")
        if self._paced and self._span_s > 0:
            done = min(max(s["now_s"] / self._span_s, 0.0), 1.0) * 100
            parts.append(f"timeline {done:.0f}% done")
            parts.append(f"ETA {_clock_text(max(self._span_s - s['now_s'], 0.0))}")
        elif rate:
            parts.append(f"ETA {_clock_text((planned - sent) / rate)}")
        if rate is not None:
            parts.append(f"{rate:,.0f} msg/s")
        if s.get("lag_p99_ms") is not None:
            parts.append(f"lag p99 {s['lag_p99_ms']:.1f} ms")
        parts.append(f"{s['failed']:,} failed")
        parts.append(f"{s['in_flight']:,} in flight")
        return ", ".join(parts)


def _clock_text(seconds: float) -> str:
    whole = round(seconds)
    return f"{whole // 3600}:{whole // 60 % 60:02d}:{whole % 60:02d}"
