"""The request checks every mock route shares, as functions that raise a `Refusal`.

    authorization, content_type, length = request_headers(scope)
    check_authorization(state.verifier, authorization)                  # 401
    check_rate(state.message_limiter, 3, limit=..., option="--rate-limit", what="messages")  # 429

The transcript hot path (replay.mock.app) and the call lifecycle (replay.mock.lifecycle) both
use them, so a 401 or a 429 reads the same whichever route refused it.
"""

from __future__ import annotations

import math
import time
from typing import Any

from replay.mock.auth import TokenVerifier
from replay.mock.faults import RateLimiter
from replay.mock.responses import refusal

BEARER_CHALLENGE = ((b"www-authenticate", b"Bearer"),)


def request_headers(scope: dict[str, Any]) -> tuple[bytes | None, bytes | None, bytes | None]:
    """(Authorization, Content-Type, Content-Length) of an ASGI scope, None when absent."""
    authorization = content_type = length = None
    for name, value in scope["headers"]:
        if name == b"authorization":
            authorization = value
        elif name == b"content-type":
            content_type = value
        elif name == b"content-length":
            length = value
    return authorization, content_type, length


def check_authorization(verifier: TokenVerifier | None, authorization: bytes | None) -> None:
    """401 with a Bearer challenge unless the token verifies (no verifier: --no-auth)."""
    if verifier is None:
        return
    failure = verifier.check(authorization)
    if failure is not None:
        raise refusal(401, failure[0], "Authorization", failure[1], BEARER_CHALLENGE)


def check_rate(limiter: RateLimiter | None, count: int, *, limit: float, option: str,
               what: str) -> None:
    """429 with Retry-After (whole seconds, at least 1) when `count` more would pass `limit`."""
    if limiter is None:
        return
    wait_s = limiter.take(count, time.monotonic())
    if wait_s:
        retry_after = max(1, math.ceil(wait_s))
        raise refusal(429, "TOO_MANY_REQUESTS", None,
                      f"more than {limit:g} {what} per second ({option}); retry after "
                      f"{retry_after} s", ((b"retry-after", b"%d" % retry_after),))
