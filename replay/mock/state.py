"""What one mock process holds: its ledger and the helpers that decide each answer.

    state = MockState(config, worker=0, cluster=None)
    state.ledger, state.verifier, state.faults, state.message_limiter, state.call_limiter,
    state.service_queue                 # --service-rate (replay.mock.service), or None
    state.reset()                       # POST /__admin/reset

The app (routes), the lifecycle handlers and the admin API each get this object; none of them
reaches into another. `cluster` (replay.mock.cluster) is set in a --workers N process, to
gather the other workers' admin answers.
"""

from __future__ import annotations

import asyncio

from replay.mock.auth import TokenVerifier
from replay.mock.cluster import Cluster
from replay.mock.config import MockConfig
from replay.mock.faults import Faults, RateLimiter
from replay.mock.ledger import Ledger
from replay.mock.service import ServiceQueue


class MockState:
    def __init__(self, config: MockConfig, *, worker: int = 0,
                 cluster: Cluster | None = None) -> None:
        self.config = config
        self.worker = worker
        self.cluster = cluster
        self.ledger = Ledger(worker)
        self.verifier = TokenVerifier.from_config(config)
        self.faults = Faults(config, seed=config.seed + worker)
        share = config.workers  # every worker takes its share of the limits
        self.message_limiter = (
            RateLimiter(config.rate_limit / share) if config.rate_limit else None)
        self.call_limiter = (
            RateLimiter(config.call_create_rate / share) if config.call_create_rate else None)
        self.service_queue = (
            ServiceQueue(config.service_rate / share) if config.service_rate else None)
        self.stopping = asyncio.Event()  # the server begins to shut down: end hung requests

    def reset(self) -> None:
        """Forget every call, message and counter; restart the random sequence."""
        self.ledger.reset()
        self.faults.reset()
        if self.verifier is not None:
            self.verifier.reset()
        for limiter in (self.message_limiter, self.call_limiter, self.service_queue):
            if limiter is not None:
                limiter.reset()
