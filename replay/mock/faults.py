"""Limits and injected faults: what makes the mock behave like a busy or broken endpoint.

    faults = Faults(config, seed=config.seed + worker_index)
    kind = faults.draw()            # NONE, ERROR, RESET or HANG, per transcript request
    delay = faults.delay_s()        # fixed latency plus a uniform spread, seconds
    limiter = RateLimiter(per_second=50)
    retry_after_s = limiter.take(count, time.monotonic())   # 0 when allowed, else seconds to wait

Every random choice comes from one `random.Random(seed)`, drawn in arrival order, so a run with
the same seed and the same request order injects the same faults. Nothing is drawn when the
corresponding option is off, which keeps the sequence stable when unrelated options change.
"""

from __future__ import annotations

import math
import random

from replay.mock.config import MockConfig

NONE = 0
ERROR = 1
RESET = 2
HANG = 3


class Faults:
    """Seeded fault and latency choices for transcript requests."""

    def __init__(self, config: MockConfig, *, seed: int) -> None:
        self._seed = seed
        self._rng = random.Random(seed)
        self._error_limit = config.error_rate
        self._reset_limit = config.error_rate + config.reset_rate
        self._hang_limit = self._reset_limit + config.hang_rate
        self._statuses = config.error_statuses
        self._fixed_s = config.latency_ms / 1000.0
        self._spread_s = config.latency_spread_ms / 1000.0
        self.enabled = config.faults_enabled
        self.delays = bool(self._fixed_s or self._spread_s)

    def reset(self) -> None:
        """Start the random sequence again from the seed."""
        self._rng = random.Random(self._seed)

    def draw(self) -> int:
        """NONE, ERROR, RESET or HANG for the next transcript request."""
        if not self.enabled:
            return NONE
        roll = self._rng.random()
        if roll < self._error_limit:
            return ERROR
        if roll < self._reset_limit:
            return RESET
        if roll < self._hang_limit:
            return HANG
        return NONE

    def error_status(self) -> int:
        statuses = self._statuses
        return statuses[0] if len(statuses) == 1 else self._rng.choice(statuses)

    def delay_s(self) -> float:
        if not self._spread_s:
            return self._fixed_s
        return self._fixed_s + self._rng.random() * self._spread_s


class RateLimiter:
    """A token bucket: `per_second` tokens a second, holding at most one second's worth."""

    def __init__(self, per_second: float) -> None:
        self.per_second = per_second
        self._tokens = per_second
        self._updated = -math.inf

    def take(self, count: int, now: float) -> float:
        """Take `count` tokens; 0.0 if they were there, else the seconds until they will be."""
        rate = self.per_second
        tokens = min(rate, self._tokens + (now - self._updated) * rate)
        self._updated = now
        needed = min(count, rate)  # a request bigger than a second's worth waits for a full bucket
        if tokens >= needed:
            self._tokens = tokens - count
            return 0.0
        self._tokens = tokens
        return (needed - tokens) / rate

    def reset(self) -> None:
        self._tokens = self.per_second
        self._updated = -math.inf
