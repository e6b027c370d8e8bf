"""Is the endpoint gone? Consecutive attempts without any HTTP response, over some seconds.

    health = EndpointHealth(now=clock.now_s)
    health.record(status)        # after every attempt; status 0 = no response
    if health.down: ...          # stop the run: the endpoint has not answered for a while

    problem = unreachable("http://127.0.0.1:8080", timeout_s=5)   # None, or why not (at start)

Any response (whatever its status) resets it. The thresholds make a single reset or timeout
harmless, while a dead endpoint ends the run within seconds instead of failing every remaining
message for the rest of the timeline.
"""

from __future__ import annotations

import socket
from collections.abc import Callable
from typing import Any
from urllib.parse import urlsplit

DOWN_AFTER_FAILURES = 20
DOWN_AFTER_SECONDS = 3.0


class EndpointHealth:
    def __init__(
        self, *, now: Callable[[], float], failures: int = DOWN_AFTER_FAILURES,
        seconds: float = DOWN_AFTER_SECONDS,
    ) -> None:
        self._now = now
        self._failures = failures
        self._seconds = seconds
        self._consecutive = 0
        self._since: float | None = None
        self.last_reason: str | None = None

    def record(self, status: int, reason: str | None = None) -> None:
        if status:
            self._consecutive = 0
            self._since = None
            return
        self._consecutive += 1
        self.last_reason = reason
        if self._since is None:
            self._since = self._now()

    @property
    def down(self) -> bool:
        return (
            self._since is not None
            and self._consecutive >= self._failures
            and self._now() - self._since >= self._seconds
        )


def unreachable(origin: str, *, timeout_s: float, proxy: Any = None) -> str | None:
    """None when a TCP connection to the origin (or to its proxy) opens; else a sentence
    saying why not."""
    if proxy is not None:
        try:
            with socket.create_connection((proxy.host, proxy.port), timeout=timeout_s):
                return None
        except OSError as error:
            why = error.strerror or type(error).__name__
            return (f"cannot connect to the proxy {proxy.shown}: {why}. Is the proxy running, "
                    "and is its URL right?")
    parts = urlsplit(origin)
    port = parts.port or (443 if parts.scheme == "https" else 80)
    try:
        with socket.create_connection((parts.hostname, port), timeout=timeout_s):
            return None
    except OSError as error:
        why = error.strerror or type(error).__name__
        return (f"cannot connect to {origin}: {why}. Is the endpoint running, and is --host "
                "right?")
