"""When the replay decides the endpoint is gone: many attempts without a response, for seconds."""

from __future__ import annotations

from replay.driver.health import EndpointHealth


class Clock:
    def __init__(self):
        self.now = 0.0

    def __call__(self):
        return self.now


def test_endpoint_is_down_after_enough_failures_over_enough_time():
    clock = Clock()
    health = EndpointHealth(now=clock, failures=5, seconds=2.0)
    for _ in range(5):
        health.record(0, "connection_error")
    assert not health.down  # many failures, but no time has passed
    clock.now = 2.0
    assert health.down
    assert health.last_reason == "connection_error"


def test_any_response_resets_the_count():
    clock = Clock()
    health = EndpointHealth(now=clock, failures=3, seconds=0.0)
    health.record(0, "timeout")
    health.record(0, "timeout")
    health.record(503)
    health.record(0, "timeout")
    assert not health.down


def test_few_failures_never_mean_down():
    clock = Clock()
    health = EndpointHealth(now=clock, failures=3, seconds=1.0)
    health.record(0, "timeout")
    clock.now = 100.0
    assert not health.down
