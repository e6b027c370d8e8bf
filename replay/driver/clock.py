"""The run clock: seconds after t0, one monotonic clock anchored once to the wall clock.

    clock = RunClock.starting_at(time.time() + 0.5)   # t0: a wall-clock epoch (set by the master
    clock.now_s()                                      #     in a distributed run)
    clock.epoch_ms(due_s)                              # a run-clock time as wall-clock epoch ms

Every due, sent and done time of a run is on this clock (docs/architecture.md "Clock").
Due times are
measured from it, never by sleeping the gaps between messages, so lateness never accumulates.
"""

from __future__ import annotations

import time
from dataclasses import dataclass


@dataclass(frozen=True)
class RunClock:
    t0_epoch_s: float
    t0_mono: float

    @classmethod
    def starting_at(cls, t0_epoch_s: float) -> RunClock:
        """A clock whose zero is the wall-clock moment t0_epoch_s (may be in the future)."""
        return cls(t0_epoch_s, time.monotonic() + (t0_epoch_s - time.time()))

    def now_s(self) -> float:
        return time.monotonic() - self.t0_mono

    def epoch_ms(self, run_s: float) -> int:
        # float(): arithmetic on a numpy scalar (a due time read from an array) costs 5x more
        return round((self.t0_epoch_s + float(run_s)) * 1000.0)
