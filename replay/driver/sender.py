"""Send one request through the HTTP client, with retries; report what happened.

    sender = Sender(client=http_client, builder=builder, policy=RetryPolicy(retries=3), ...)
    result = sender.send(request, on_sent=lambda t: recorder.sent(i, t),
                         on_retry=lambda t: recorder.retried(i, t))
    result.status, result.reason, result.attempts   # reason None = accepted

Every attempt goes through `http.HttpClient`, which reports it to Locust's statistics (so its
web UI and CSV/HTML reports see each attempt; the replay's own outcomes count each message
once).
`on_sent(t)` is called once, with the run-clock second the first attempt's request went out
(it had its token and its connection); `on_retry(t)` likewise for each later attempt. An
attempt that never had a connection (connecting failed) counts as going out when it started.
Each attempt gets a current token (`RequestBuilder.authorization`: in per-request mode a new
one). Between attempts it waits per the `RetryPolicy`, and gives up early when the run is
stopping. `Result` says how long the message waited for retries, for tokens, and, before its
first attempt went out, for a connection (the lateness attribution adds these up), and
`refusals` counts 401s that point at a reused token: a 401 for the token of the last accepted
request, or one whose body names a reused jti.
"""

from __future__ import annotations

import logging
import random
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from gevent.event import Event

from replay.client import Request, RequestBuilder
from replay.driver.health import EndpointHealth
from replay.driver.http import ProxyError
from replay.driver.retry import RetryPolicy
from replay.results.recorder import TLS_ERROR, classify

logger = logging.getLogger(__name__)


REUSE_WORDS = (b"jti", b"reuse", b"replay")
TOKEN_WAIT_NOTED_S = 1e-4  # shorter "waits" for a token are the queue pop itself
CONNECT_WAIT_NOTED_S = 1e-3  # shorter waits for a connection are the pool's bookkeeping


@dataclass(frozen=True, slots=True)
class Result:
    status: int
    reason: str | None
    attempts: int
    retry_wait_s: float = 0.0  # time spent waiting between attempts
    token_wait_s: float = 0.0  # time spent waiting for a token (per-request mode)
    connect_wait_s: float = 0.0  # the first attempt's wait for a connection (pool or connect)


@dataclass(slots=True)
class Refusals:
    """401 answers, and those that point at a reused token (summary.json `tokens`)."""

    unauthorized: int = 0
    after_accepted: int = 0  # the same token had been accepted before
    naming_reuse: int = 0  # the body names a jti or a reused token

    def as_dict(self) -> dict[str, int]:
        return {"unauthorized": self.unauthorized,
                "refused_after_accepted": self.after_accepted,
                "refused_naming_reuse": self.naming_reuse}


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
        self._proxy_explained = False
        self._accepted: str | None = None  # the token of the last accepted request
        self._token_wait_s = 0.0
        self.refusals = Refusals()

    def send(self, request: Request, *, on_sent: Callable[[float], object] | None = None,
             on_retry: Callable[[float], object] | None = None) -> Result:
        attempt = 0
        retry_wait_s = 0.0
        connect_wait_s = 0.0
        self._token_wait_s = 0.0
        while True:
            attempt += 1
            status, reason, retry_after, waited = self._attempt(
                request, on_sent if attempt == 1 else on_retry)
            if attempt == 1:
                connect_wait_s = waited
            self._health.record(status, reason)
            if (
                self._stop.is_set()
                or self._health.down
                or not self._policy.should_retry(attempt, status, reason)
            ):
                return Result(status, reason, attempt, retry_wait_s, self._token_wait_s,
                              connect_wait_s)
            wait_s = self._policy.delay_s(
                attempt, retry_after=retry_after, rng=self._rng, now_epoch_s=time.time()
            )
            started = time.perf_counter()
            stopped = self._stop.wait(wait_s)
            retry_wait_s += time.perf_counter() - started
            if stopped:
                return Result(status, reason, attempt, retry_wait_s, self._token_wait_s,
                              connect_wait_s)

    def _attempt(self, request: Request, on_wire: Callable[[float], object] | None,
                 ) -> tuple[int, str | None, str | None, float]:
        """One attempt: (status, reason, Retry-After, its wait for a connection)."""
        started = time.perf_counter()
        authorization = self._builder.authorization()
        self._token_wait_s += time.perf_counter() - started
        went_out = None
        if on_wire is not None:
            now_s = self._now_s

            def went_out() -> None:
                on_wire(now_s())

        reply = self._client.request(
            request.method, request.path, request.body,
            self._builder.header_lines(request.headers, authorization), request.name,
            went_out,
        )
        waited = reply.connect_wait_s
        if waited is None:  # never had a connection: it went out, as far as it did, at start
            waited = 0.0
            if on_wire is not None:
                on_wire(self._now_s() - (time.perf_counter() - started))
        if reply.status:
            if reply.status < 400:
                self._accepted = authorization
            elif reply.status == 401:
                self._count_refusal(authorization, reply.detail)
            elif reply.status == 407 and not self._proxy_explained:
                self._proxy_explained = True
                proxy = getattr(self._client, "proxy", None)
                logger.error(
                    "the proxy %s asks for authentication (407): put its user and password in "
                    "its URL, http://USER:PASSWORD@host:port (percent-encoded)",
                    proxy.shown if proxy else "between the replay and the endpoint",
                )
            return reply.status, classify(reply.status), reply.retry_after, waited
        error = _original(reply.error)
        reason = classify(0, error)
        if isinstance(error, ProxyError) and not self._proxy_explained:
            self._proxy_explained = True
            hint = (" (407: give the proxy's user and password in its URL, "
                    "http://USER:PASSWORD@host:port)" if " 407 " in str(error) else "")
            logger.error("%s%s", error, hint)
        if reason == TLS_ERROR and not self._tls_explained:
            self._tls_explained = True
            logger.error(
                "TLS: the certificate of %s could not be verified (%s). For a private CA or "
                "a self-signed certificate pass --ca-bundle PATH (its PEM certificate); "
                "--insecure turns verification off.", self._builder.base_url, error,
            )
        return 0, reason, None, waited

    def _count_refusal(self, authorization: str | None, detail: bytes) -> None:
        refusals = self.refusals
        refusals.unauthorized += 1
        if authorization is not None and authorization == self._accepted:
            refusals.after_accepted += 1
        lowered = detail.lower()
        if any(word in lowered for word in REUSE_WORDS):
            refusals.naming_reuse += 1


def _original(error: BaseException | None) -> BaseException | None:
    """geventhttpclient may wrap the real failure (a timeout, a reset) as `.original` of its
    RetriesExceeded: classify that one."""
    original = getattr(error, "original", None)
    return original if isinstance(original, BaseException) else error
