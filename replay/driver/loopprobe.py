"""How late the gevent loop runs: a greenlet sleeps `interval_s` again and again and records
by how much each wake-up came late (the loop was busy: CPU, a long callback, the GC).

    probe = LoopProbe().start()
    ...
    probe.stop()
    probe.stats()    # {"samples", "p50", "p99", "max"} in ms, or None before any sample
"""

from __future__ import annotations

import time
from array import array
from typing import Any

import gevent
import numpy as np

INTERVAL_S = 0.05


class LoopProbe:
    def __init__(self, interval_s: float = INTERVAL_S) -> None:
        self._interval_s = interval_s
        self._delays = array("d")
        self._greenlet: gevent.Greenlet | None = None

    def start(self) -> LoopProbe:
        self._greenlet = gevent.spawn(self._run)
        return self

    def _run(self) -> None:
        interval, delays, clock = self._interval_s, self._delays, time.perf_counter
        while True:
            started = clock()
            gevent.sleep(interval)
            delays.append(max(0.0, clock() - started - interval))

    def stop(self) -> None:
        if self._greenlet is not None:
            self._greenlet.kill(block=False)

    def stats(self) -> dict[str, Any] | None:
        if not self._delays:
            return None
        delays = np.frombuffer(self._delays, dtype=np.float64) * 1000.0
        return {"samples": int(delays.size), "p50": round(float(np.percentile(delays, 50)), 3),
                "p99": round(float(np.percentile(delays, 99)), 3),
                "max": round(float(delays.max()), 3)}
