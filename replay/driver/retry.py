"""When to retry a failed request, and how long to wait first. Pure arithmetic.

    policy = RetryPolicy(retries=3)
    if policy.should_retry(attempt, status, reason):
        wait_s = policy.delay_s(attempt, retry_after=response_header, rng=random_generator)

Retried: 408, 425, 429, 500, 502, 503, 504, and requests with no response (timeout, connection
error, no_response). Not retried: other 4xx (the request itself is wrong), TLS and DNS errors
(retrying cannot fix them). The wait is exponential backoff with full jitter, uniform in
[0, min(cap, base * 2**(attempt-1))], but never shorter than a Retry-After header asks (seconds
or an HTTP date), itself capped at `max_retry_after_s`. A retried message keeps its messageId;
the caller sends the next message of the call only after the last attempt, so order holds.
"""

from __future__ import annotations

import random
from dataclasses import dataclass
from email.utils import parsedate_to_datetime

RETRY_STATUSES = frozenset({408, 425, 429, 500, 502, 503, 504})
RETRY_REASONS = frozenset({"timeout", "connection_error", "no_response"})


@dataclass(frozen=True, kw_only=True)
class RetryPolicy:
    retries: int = 0
    base_s: float = 0.1
    cap_s: float = 5.0
    max_retry_after_s: float = 60.0

    def should_retry(self, attempt: int, status: int, reason: str | None) -> bool:
        """After `attempt` attempts (from 1) ended with status/reason, is another one due?"""
        if attempt > self.retries or not reason:
            return False
        return status in RETRY_STATUSES or (status == 0 and reason in RETRY_REASONS)

    def delay_s(self, attempt: int, *, retry_after: str | None, rng: random.Random,
                now_epoch_s: float = 0.0) -> float:
        backoff = rng.uniform(0.0, min(self.cap_s, self.base_s * 2 ** (attempt - 1)))
        asked = parse_retry_after(retry_after, now_epoch_s)
        if asked is None:
            return backoff
        return max(backoff, min(asked, self.max_retry_after_s))


def parse_retry_after(value: str | None, now_epoch_s: float = 0.0) -> float | None:
    """Seconds to wait from a Retry-After value (delta seconds or HTTP date); None if absent/bad."""
    if not value:
        return None
    value = value.strip()
    try:
        return max(0.0, float(value))
    except ValueError:
        pass
    try:
        moment = parsedate_to_datetime(value)
    except (TypeError, ValueError):
        return None
    return max(0.0, moment.timestamp() - now_epoch_s)
