"""Limits and injected faults: seeded, counted, and the server survives them."""

from __future__ import annotations

import http.client
import json
import socket
import time
from urllib.parse import urlsplit

import pytest

from replay.mock.config import MockConfig
from replay.mock.faults import ERROR, HANG, NONE, RESET, Faults, RateLimiter
from replay.mock.process import start_mock

from .mock_helpers import TRANSCRIPT, call, message, post_message, unique_key


def _sequence(config: MockConfig, count: int = 200) -> list[int]:
    faults = Faults(config, seed=config.seed)
    return [faults.draw() for _ in range(count)]


def test_same_seed_gives_the_same_faults():
    config = MockConfig(no_auth=True, error_rate=0.2, reset_rate=0.1, hang_rate=0.1, seed=7)
    assert _sequence(config) == _sequence(config)


def test_another_seed_gives_other_faults():
    config = MockConfig(no_auth=True, error_rate=0.3, seed=1)
    other = MockConfig(no_auth=True, error_rate=0.3, seed=2)
    assert _sequence(config) != _sequence(other)


def test_fault_mix_follows_the_rates():
    config = MockConfig(no_auth=True, error_rate=0.1, reset_rate=0.05, hang_rate=0.02)
    drawn = _sequence(config, 20_000)
    shares = {kind: drawn.count(kind) / len(drawn) for kind in (NONE, ERROR, RESET, HANG)}
    assert shares[ERROR] == pytest.approx(0.10, abs=0.01)
    assert shares[RESET] == pytest.approx(0.05, abs=0.01)
    assert shares[HANG] == pytest.approx(0.02, abs=0.005)


def test_no_fault_options_draw_nothing():
    assert set(_sequence(MockConfig(no_auth=True))) == {NONE}


def test_latency_is_fixed_plus_spread():
    faults = Faults(MockConfig(no_auth=True, latency_ms=10, latency_spread_ms=5), seed=0)
    delays = [faults.delay_s() for _ in range(500)]
    assert min(delays) >= 0.010 and max(delays) < 0.015
    assert len(set(delays)) > 1


def test_rate_limiter_allows_a_second_of_burst_then_asks_to_wait():
    limiter = RateLimiter(per_second=10)
    assert [limiter.take(1, 100.0) for _ in range(10)] == [0.0] * 10
    assert limiter.take(1, 100.0) == pytest.approx(0.1)
    assert limiter.take(1, 100.5) == 0.0


def test_rate_limiter_lets_a_request_bigger_than_a_second_through_a_full_bucket():
    limiter = RateLimiter(per_second=2)
    assert limiter.take(25, 0.0) == 0.0
    assert limiter.take(1, 0.0) > 0


def test_rate_limit_answers_429_with_retry_after():
    with start_mock(["--no-auth", "--rate-limit", "5"]) as running:
        key = unique_key()
        statuses = [post_message(running.url, key, message(f"m-{n}")).status for n in range(12)]
        assert statuses.count(202) >= 5
        assert 429 in statuses
        answer = post_message(running.url, key, message("late"))
        while answer.status != 429:
            answer = post_message(running.url, key, message("late"))
        assert answer.error == "TOO_MANY_REQUESTS"
        assert int(answer.headers["retry-after"]) >= 1
        assert running.stats()["rejected"]["429"] >= 1


def test_call_create_rate_answers_429_past_the_org_limit():
    body = {"callCenterApiName": "CC", "to": "+1", "from": "+2", "initiationMethod": "Inbound",
            "startTime": "2026-11-25T17:00:00Z",
            "participants": [{"participantKey": "+2", "type": "END_USER"}]}
    with start_mock(["--no-auth", "--call-create-rate", "3"]) as running:
        statuses = [
            call(running.url, "POST", "/telephony/v1/voiceCalls",
                 {**body, "vendorCallKey": unique_key()},
                 {"Content-Type": "application/json"}).status
            for _ in range(8)
        ]
    assert statuses[:3] == [200, 200, 200]
    assert 429 in statuses


def test_injected_errors_are_5xx_counted_and_not_stored():
    with start_mock(["--no-auth", "--error-rate", "0.5", "--seed", "3"]) as running:
        key = unique_key()
        statuses = [post_message(running.url, key, message(f"m-{n}")).status for n in range(40)]
        stats = running.stats()
    failed = [status for status in statuses if status != 202]
    assert failed and set(failed) <= {500, 503}
    assert stats["faults"]["error"] == len(failed)
    assert stats["stored"] == statuses.count(202)


def test_injected_errors_repeat_with_the_seed():
    runs = []
    for _ in range(2):
        with start_mock(["--no-auth", "--error-rate", "0.3", "--seed", "11"]) as running:
            key = unique_key()
            runs.append([post_message(running.url, key, message(f"m-{n}")).status
                         for n in range(30)])
    assert runs[0] == runs[1]


def test_reset_drops_the_connection_unanswered_and_the_server_keeps_serving():
    with start_mock(["--no-auth", "--reset-rate", "1"]) as running:
        with pytest.raises((ConnectionError, http.client.RemoteDisconnected)):
            post_message(running.url, unique_key(), message())
        assert running.stats()["faults"] == {"reset": 1}
        assert running.stats()["stored"] == 0


def test_hang_never_answers_until_the_client_gives_up():
    with start_mock(["--no-auth", "--hang-rate", "1"]) as running:
        started = time.monotonic()
        with pytest.raises((TimeoutError, socket.timeout)):
            call(running.url, "POST", TRANSCRIPT.format(key=unique_key()), message(),
                 {"Content-Type": "application/json"}, timeout=0.5)
        assert time.monotonic() - started >= 0.5
        assert running.stats()["faults"] == {"hang": 1}


def test_latency_delays_the_answer():
    with start_mock(["--no-auth", "--latency-ms", "300"]) as running:
        started = time.monotonic()
        assert post_message(running.url, unique_key(), message()).status == 202
        assert time.monotonic() - started >= 0.3


def test_stopping_with_a_hung_request_drops_it_cleanly(tmp_path):
    out = tmp_path / "ledger.jsonl"
    running = start_mock(["--no-auth", "--hang-rate", "1", "--ledger-out", str(out)])
    parts = urlsplit(running.url)
    body = json.dumps(message()).encode()
    with socket.create_connection((parts.hostname, parts.port), timeout=10) as sock:
        sock.sendall(f"POST {TRANSCRIPT.format(key=unique_key())} HTTP/1.1\r\nHost: x\r\n"
                     f"Content-Type: application/json\r\nContent-Length: {len(body)}\r\n\r\n"
                     .encode() + body)
        while running.stats()["faults"] != {"hang": 1}:
            time.sleep(0.05)
        assert running.stop() == 0
        with pytest.raises(ConnectionError):
            if not sock.recv(100):
                raise ConnectionResetError("closed without an answer")
    assert "Traceback" not in running.output()
    assert out.exists()
