"""How https hosts are verified: by default against the system's CAs, like any client should.

    factory = ssl_context_factory(ca_bundle=None, insecure=False)   # for http.HttpClient

Locust's FastHttpUser does not verify certificates unless told to; the replay always verifies.
`ca_bundle` (a PEM file) replaces the system CAs, for a private CA or a self-signed test
certificate. `insecure` turns verification off, with a loud warning in the log.
"""

from __future__ import annotations

import logging
from collections.abc import Callable

import gevent.ssl

logger = logging.getLogger(__name__)


def ssl_context_factory(*, ca_bundle: str | None, insecure: bool) -> Callable[..., object]:
    if insecure:
        logger.warning(
            "--insecure: https certificates are NOT verified; anyone on the path can read the "
            "tokens and transcripts. Use --ca-bundle for a private CA instead."
        )

        def unverified(**_: object) -> gevent.ssl.SSLContext:
            return gevent.ssl._create_unverified_context()

        return unverified

    def verified(**_: object) -> gevent.ssl.SSLContext:
        return gevent.ssl.create_default_context(cafile=ca_bundle)

    return verified
