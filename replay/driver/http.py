"""The replay's HTTP client: geventhttpclient's pooled HTTPClient, reporting to Locust's stats.

    client = HttpClient(origin="https://x.my.salesforce-scrt.com", events=environment.events,
                        timeout_s=30, connections=10_000, ca_bundle=None, insecure=False)
    reply = client.request("POST", path, body, headers, name="/voiceCalls/{vendorCallKey}/messages")
    reply.status, reply.retry_after, reply.error        # status 0 = no response (see error)

Why not Locust's FastHttpSession: it runs on the same geventhttpclient, but adds a cookie jar,
redirect handling, URL re-parsing and a compatibility response per request; measured here
(20,000 posts to the mock, 16 at a time) it costs ~150 µs of CPU per request against ~80 µs for
HTTPClient directly. The replay needs none of those, so it calls HTTPClient and fires
`environment.events.request` itself, exactly as FastHttpSession does (request_type, name,
response_time in ms, response_length, exception), so Locust's statistics, web UI, CSV and HTML
reports, and a master's aggregation, see every request. A status of 400 or more is reported to
Locust as a failure ("HTTP 500"); the response body is read and dropped.

One client per process, shared by every call; connections open lazily up to `connections`
and are kept alive. TLS is verified (tls.py); `timeout_s` bounds connecting and each response.
geventhttpclient itself never repeats a request whose response was lost, so the replay's
retries (sender.py) are the only ones.
"""

from __future__ import annotations

import time
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlsplit

from geventhttpclient import HTTPClient

from replay.driver.tls import ssl_context_factory


class HttpStatusError(Exception):
    """What Locust's statistics record for a response with status >= 400."""


@dataclass(frozen=True, slots=True)
class Reply:
    status: int  # 0: no response
    retry_after: str | None
    error: BaseException | None  # why there was no response (status 0)


class HttpClient:
    def __init__(self, *, origin: str, events: Any, timeout_s: float, connections: int,
                 ca_bundle: str | None, insecure: bool) -> None:
        parts = urlsplit(origin)
        https = parts.scheme == "https"
        self._fire = events.request.fire
        self._origin = origin
        self._client = HTTPClient(
            parts.hostname, parts.port or (443 if https else 80),
            ssl=https,
            ssl_context_factory=ssl_context_factory(ca_bundle=ca_bundle, insecure=insecure)
            if https else None,
            insecure=insecure,
            connection_timeout=timeout_s,
            network_timeout=timeout_s,
            concurrency=connections,
        )

    def request(self, method: str, path: str, body: bytes, headers: dict, name: str) -> Reply:
        start_time = time.time()
        started = time.perf_counter()
        length = 0
        try:
            response = self._client.request(method, path, body=body, headers=headers)
            try:
                length = len(response.read())
            finally:
                response.release()
        except Exception as error:  # every transport failure becomes a recorded outcome
            self._report(method, name, started, start_time, 0, error, path)
            return Reply(0, None, error)
        status = response.status_code
        failure = HttpStatusError(f"HTTP {status}") if status >= 400 else None
        self._report(method, name, started, start_time, length, failure, path)
        return Reply(status, response.get("retry-after"), None)

    def _report(self, method: str, name: str, started: float, start_time: float, length: int,
                exception: BaseException | None, path: str) -> None:
        self._fire(
            request_type=method, name=name,
            response_time=(time.perf_counter() - started) * 1000.0, response_length=length,
            exception=exception, context={}, response=None, url=self._origin + path,
            start_time=start_time,
        )

    def close(self) -> None:
        self._client.close()
