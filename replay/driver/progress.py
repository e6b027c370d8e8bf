"""Progress while a replay runs: a periodic snapshot, a console line, and the web UI's live tab.

    progress = Progress(recorder=recorder, due_s=due_s, span_s=plan.span_s, clock=clock)
    greenlet = gevent.spawn(progress.loop, stop, interval_s=10.0, print_lines=True)
    progress.latest()          # the last snapshot dict (for the live tab), cheap

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
LIVE_TICK_S = 2.0


class Progress:
    def __init__(self, *, recorder: OutcomeRecorder, due_s: np.ndarray, span_s: float,
                 paced: bool, clock: RunClock) -> None:
        self._recorder = recorder
        self._due_s = due_s
        self._span_s = span_s
        self._paced = paced
        self._clock = clock
        self._latest: dict[str, Any] = {"planned": recorder.size, "sent": 0}

    def latest(self) -> dict[str, Any]:
        return self._latest

    def take(self) -> dict[str, Any]:
        snapshot = self._recorder.snapshot(self._clock.now_s(), self._due_s)
        self._latest = snapshot
        return snapshot

    def loop(self, stop: Event, *, interval_s: float, print_lines: bool) -> None:
        """Snapshot every LIVE_TICK_S (or interval_s if shorter); log a line every interval_s."""
        tick = min(LIVE_TICK_S, interval_s) if interval_s > 0 else LIVE_TICK_S
        next_line = interval_s
        while not stop.wait(tick):
            snapshot = self.take()
            if print_lines and interval_s > 0 and snapshot["now_s"] >= next_line:
                next_line += interval_s
                logger.info("%s", self.line(snapshot))

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
