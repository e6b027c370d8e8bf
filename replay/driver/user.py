"""The Locust user that runs the replay: a FastHttpUser whose one task replays the whole plan.

    ReplayUser = make_user_class(session)      # in the locustfile, for Locust to find

Its HTTP client (Locust's FastHttpSession, so Locust's statistics see every request) is shared
by all the calls: each call is a greenlet of the replay, not a Locust user, so concurrency
follows the dataset rather than `--users`. Run it with one user per process (`-u 1`, the
default); extra users return at once. TLS is verified (see tls.py), timeouts come from
--timeout, and the connection pool grows on demand.
"""

from __future__ import annotations

from typing import Any

from locust import task
from locust.contrib.fasthttp import FastHttpUser
from locust.exception import StopUser

from replay.driver.tls import ssl_context_factory


def make_user_class(session: Any) -> type[FastHttpUser]:
    class ReplayUser(FastHttpUser):
        """Replays the dataset given by --dataset on the timeline given by --speed."""

        def __init__(self, environment: Any) -> None:
            config = session.config
            if config is not None and config.endpoint is not None:
                self.host = config.endpoint.origin
                self.network_timeout = config.timeout_s
                self.connection_timeout = config.timeout_s
                self.concurrency = session.connection_limit()
                self.insecure = config.insecure
                self.ssl_context_factory = ssl_context_factory(
                    ca_bundle=config.ca_bundle, insecure=config.insecure
                )
            super().__init__(environment)

        @task
        def replay(self) -> None:
            session.replay(self)
            raise StopUser()

    return ReplayUser
