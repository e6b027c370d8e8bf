"""The replay's HTTP client: one Locust FastHttpSession per process, shared by every call.

    client = make_client(environment, config, connections=10_000)
    response = client.request("POST", path, data=body, headers=headers, name=stats_name)

A FastHttpSession (geventhttpclient, Locust's fast client) fires `environment.events.request`
for every request, so Locust's statistics, web UI, CSV and HTML reports see the replay's
traffic, also on workers (whose statistics go to the master). Each call is a greenlet sharing
this client; connections open lazily up to `connections`. TLS is verified (see tls.py);
--timeout bounds connecting and each response; no hidden retries (the replay's own retries are
counted per message).
"""

from __future__ import annotations

from typing import Any

from locust.contrib.fasthttp import FastHttpSession

from replay.driver.options import ReplayConfig
from replay.driver.tls import ssl_context_factory


def make_client(environment: Any, config: ReplayConfig, *, connections: int) -> FastHttpSession:
    return FastHttpSession(
        config.endpoint.origin,
        environment.events.request,
        user=None,
        insecure=config.insecure,
        ssl_context_factory=ssl_context_factory(
            ca_bundle=config.ca_bundle, insecure=config.insecure
        ),
        network_timeout=config.timeout_s,
        connection_timeout=config.timeout_s,
        concurrency=connections,
        max_retries=0,
    )
