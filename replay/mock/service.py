"""A saturating service: one FIFO queue that serves transcript messages at N per second.

    queue = ServiceQueue(per_second=300)
    wait_s = queue.admit(count, time.monotonic())   # seconds until `count` messages are served

`--service-rate N` makes the mock behave like a real service with finite capacity: each request
joins one queue shared by every connection, waits for the messages ahead of it, and is served in
`count / N` seconds (a bulk request of 12 messages takes 12 slots). Latency stays near 1/N while
the load is well under N, climbs as the load nears N, and grows without bound above it, as the
queue builds. The queue is virtual: it keeps only the time the last admitted request finishes,
so admitting is O(1) and nothing runs between requests. With `--workers W` each server process
serves N / W, as `--rate-limit` shares its limit.
"""

from __future__ import annotations


class ServiceQueue:
    """One first-in, first-out queue served at `per_second` messages a second."""

    def __init__(self, per_second: float) -> None:
        if per_second <= 0:
            raise ValueError(f"per_second must be positive, not {per_second}")
        self.per_second = per_second
        self._free_at = float("-inf")  # when the server finishes what it has admitted

    def admit(self, count: int, now: float) -> float:
        """Queue `count` messages arriving at `now`; the seconds until they are served."""
        start = now if now > self._free_at else self._free_at
        self._free_at = start + count / self.per_second
        return self._free_at - now

    def backlog_s(self, now: float) -> float:
        """Seconds of work admitted and not yet served at `now` (0 when idle)."""
        return max(0.0, self._free_at - now)

    def reset(self) -> None:
        self._free_at = float("-inf")
