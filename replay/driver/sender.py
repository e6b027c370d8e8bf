"""Send one request through the HTTP client, with retries; report what happened.

    sender = Sender(client=http_client, builder=builder, policy=RetryPolicy(retries=3), ...)
    result = sender.send(request, on_retry=lambda t: recorder.retried(i, t))
    result.status, result.reason, result.attempts   # reason None = accepted

Every attempt goes through `http.HttpClient`, which reports it to Locust's statistics (so its
web UI and CSV/HTML reports see each attempt; the replay's own outcomes count each message
once).
Each attempt gets a current token (`RequestBuilder.header_lines`). Between attempts it waits per the
`RetryPolicy`, and gives up early when the run is stopping.
"""

from __future__ import annotations

import logging
import random
import time
from dataclasses import dataclass
from typing import Any

from gevent.event import Event

from replay.client import Request, RequestBuilder
from replay.driver.health import EndpointHealth
from replay.driver.retry import RetryPolicy
from replay.results.recorder import TLS_ERROR, classify

logger = logging.getLogger(__name__)


@dataclass(frozen=True, slots=True)
class Result:
    status: int
    reason: str | None
    attempts: int


class Sender:
    def __init__(
        self, *, client: Any, builder: RequestBuilder, policy: RetryPolicy, stop: Event,
        health: EndpointHealth, now_s: Any, seed: int = 0,
    ) -> None:
        self._client = client
        self._builder = builder
        self._policy = policy
        self._stop = stop
        self._health = health
        self._now_s = now_s
        self._rng = random.Random(seed)
        self._tls_explained = False

    def send(self, request: Request, *, on_retry: Any = None) -> Result:
        attempt = 0
        while True:
            attempt += 1
            if attempt > 1 and on_retry is not None:
                on_retry(self._now_s())
            status, reason, retry_after = self._attempt(request)
            self._health.record(status, reason)
            if (
                self._stop.is_set()
                or self._health.down
                or not self._policy.should_retry(attempt, status, reason)
            ):
                return Result(status, reason, attempt)
            wait_s = self._policy.delay_s(
                attempt, retry_after=retry_after, rng=self._rng, now_epoch_s=time.time()
            )
            if self._stop.wait(wait_s):
                return Result(status, reason, attempt)

    def _attempt(self, request: Request) -> tuple[int, str | None, str | None]:
        reply = self._client.request(request.method, request.path, request.body,
                                     self._builder.header_lines(request.headers), request.name)
        if reply.status:
            return reply.status, classify(reply.status), reply.retry_after
        error = _original(reply.error)
        reason = classify(0, error)
        if reason == TLS_ERROR and not self._tls_explained:
            self._tls_explained = True
            logger.error(
                "TLS: the certificate of %s could not be verified (%s). For a private CA or "
                "a self-signed certificate pass --ca-bundle PATH (its PEM certificate); "
                "--insecure turns verification off.", self._builder.base_url, error,
            )
        return 0, reason, None


def _original(error: BaseException | None) -> BaseException | None:
    """geventhttpclient may wrap the real failure (a timeout, a reset) as `.original` of its
    RetriesExceeded: classify that one."""
    original = getattr(error, "original", None)
    return original if isinstance(original, BaseException) else error
