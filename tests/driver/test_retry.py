"""Retry decisions and waits: which failures are retried, backoff with jitter, Retry-After."""

from __future__ import annotations

import random

import pytest

from replay.driver.retry import RetryPolicy, parse_retry_after


@pytest.mark.parametrize(
    ("status", "reason", "retried"),
    [
        (429, "http_429", True),
        (500, "http_500", True),
        (503, "http_503", True),
        (0, "timeout", True),
        (0, "connection_error", True),
        (400, "http_400", False),
        (401, "http_401", False),
        (409, "http_409", False),
        (0, "tls_error", False),
        (0, "dns_error", False),
        (202, None, False),
    ],
)
def test_which_failures_are_retried(status, reason, retried):
    assert RetryPolicy(retries=3).should_retry(1, status, reason) is retried


def test_no_retry_after_the_last_allowed_attempt():
    policy = RetryPolicy(retries=2)
    assert policy.should_retry(2, 500, "http_500") is True
    assert policy.should_retry(3, 500, "http_500") is False
    assert RetryPolicy(retries=0).should_retry(1, 500, "http_500") is False


def test_backoff_is_jittered_within_an_exponential_cap():
    policy = RetryPolicy(retries=10, base_s=0.1, cap_s=1.0)
    rng = random.Random(1)
    for attempt, ceiling in [(1, 0.1), (2, 0.2), (3, 0.4), (4, 0.8), (5, 1.0), (9, 1.0)]:
        waits = [policy.delay_s(attempt, retry_after=None, rng=rng) for _ in range(200)]
        assert min(waits) >= 0 and max(waits) <= ceiling
        assert max(waits) > ceiling * 0.8


def test_retry_after_is_honoured_as_a_minimum_and_capped():
    policy = RetryPolicy(retries=3, max_retry_after_s=10)
    rng = random.Random(1)
    assert policy.delay_s(1, retry_after="2", rng=rng) == 2.0
    assert policy.delay_s(1, retry_after="300", rng=rng) == 10.0


@pytest.mark.parametrize(
    ("value", "seconds"),
    [("3", 3.0), (" 1.5 ", 1.5), ("-2", 0.0), (None, None), ("", None), ("soon", None),
     ("Wed, 25 Nov 2026 17:00:10 GMT", 10.0)],
)
def test_parse_retry_after_reads_seconds_or_an_http_date(value, seconds):
    now = 1_795_626_000.0  # Wed, 25 Nov 2026 17:00:00 GMT
    assert parse_retry_after(value, now) == seconds
