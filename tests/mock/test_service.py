"""--service-rate: one FIFO queue served at N messages per second, shared by every connection."""

from __future__ import annotations

import time
from concurrent.futures import ThreadPoolExecutor

import pytest

from replay.mock.config import MockConfigError, build_parser, config_from_args
from replay.mock.process import start_mock
from replay.mock.service import ServiceQueue

from .mock_helpers import message, post_message, unique_key


def test_an_idle_queue_serves_a_message_in_one_slot():
    queue = ServiceQueue(per_second=100)
    assert queue.admit(1, 10.0) == pytest.approx(0.01)


def test_messages_arriving_together_wait_their_turn():
    queue = ServiceQueue(per_second=100)
    waits = [queue.admit(1, 10.0) for _ in range(5)]
    assert waits == pytest.approx([0.01, 0.02, 0.03, 0.04, 0.05])


def test_a_bulk_request_takes_one_slot_per_message():
    queue = ServiceQueue(per_second=100)
    assert queue.admit(12, 0.0) == pytest.approx(0.12)
    assert queue.admit(1, 0.0) == pytest.approx(0.13)


def test_load_under_the_rate_never_queues():
    queue = ServiceQueue(per_second=100)
    waits = [queue.admit(1, n * 0.02) for n in range(1000)]  # 50/s
    assert max(waits) == pytest.approx(0.01)


def test_load_over_the_rate_builds_a_backlog_that_grows_with_time():
    queue = ServiceQueue(per_second=100)
    waits = [queue.admit(1, n * 0.005) for n in range(1000)]  # 200/s for 5 s
    assert waits[-1] == pytest.approx(1000 / 100 - 999 * 0.005)
    assert waits == sorted(waits)
    assert queue.backlog_s(5.0) == pytest.approx(10.0 - 5.0)


def test_a_backlog_drains_at_the_rate():
    queue = ServiceQueue(per_second=100)
    queue.admit(100, 0.0)
    assert queue.backlog_s(0.5) == pytest.approx(0.5)
    assert queue.backlog_s(2.0) == 0.0
    assert queue.admit(1, 2.0) == pytest.approx(0.01)


def test_reset_empties_the_queue():
    queue = ServiceQueue(per_second=10)
    queue.admit(100, 0.0)
    queue.reset()
    assert queue.admit(1, 0.0) == pytest.approx(0.1)


def test_service_rate_must_not_be_negative():
    args = build_parser().parse_args(["--no-auth", "--service-rate", "-5"])
    with pytest.raises(MockConfigError, match=r"^--service-rate must be 0 or more, not -5.0$"):
        config_from_args(args)


def test_service_rate_is_parsed_into_the_config():
    args = build_parser().parse_args(["--no-auth", "--service-rate", "250"])
    assert config_from_args(args).service_rate == 250.0


def test_concurrent_posts_are_all_accepted_and_served_one_after_another():
    rate, count = 50, 20
    with start_mock(["--no-auth", "--service-rate", str(rate)]) as running:
        key = unique_key()
        started = time.monotonic()
        with ThreadPoolExecutor(max_workers=count) as pool:
            statuses = list(pool.map(
                lambda n: post_message(running.url, f"{key}-{n}", message(f"m-{n}")).status,
                range(count)))
        elapsed = time.monotonic() - started
        assert statuses == [202] * count
        assert running.stats()["stored"] == count
        # The queue serves one message every 1/rate s: the last answer cannot come sooner.
        assert elapsed >= (count - 1) / rate
