"""Per-request tokens from real minter processes, the shared source, and their summary block."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import jwt
import pytest
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import rsa

from replay.auth import JwtSettings, TokenMinter
from replay.driver.tokens import TokenFeed, add_token_stats, authorizer_for, token_stats
from replay.errors import ConfigError

REPO = Path(__file__).resolve().parents[2]


@pytest.fixture(scope="module")
def rsa_key():
    return rsa.generate_private_key(public_exponent=65537, key_size=2048)


@pytest.fixture(scope="module")
def key_file(tmp_path_factory, rsa_key):
    path = tmp_path_factory.mktemp("key") / "replay.pem"
    path.write_bytes(rsa_key.private_bytes(serialization.Encoding.PEM,
                                           serialization.PrivateFormat.PKCS8,
                                           serialization.NoEncryption()))
    path.chmod(0o600)
    return path


def settings(key_file, **overrides) -> JwtSettings:
    return JwtSettings(**({"key_path": str(key_file), "org_id": "00D", "call_center": "cc"}
                          | overrides))


def alive(pid: int) -> bool:
    """True while the process exists and is not a zombie."""
    try:
        state = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0]
    except (FileNotFoundError, IndexError):
        return False
    return state != "Z"


def wait_gone(pids, timeout_s=10.0) -> list[int]:
    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline and any(alive(pid) for pid in pids):
        time.sleep(0.05)
    return [pid for pid in pids if alive(pid)]


def test_every_request_gets_its_own_verified_token_from_the_minters(key_file, rsa_key):
    feed = TokenFeed(settings(key_file, minters=2), ready=64, batch=8)
    try:
        values = [feed.authorization() for _ in range(300)]
    finally:
        feed.close()
    claims = [jwt.decode(value.removeprefix("Bearer "), rsa_key.public_key(),
                         algorithms=["RS256"]) for value in values]
    assert len({claim["jti"] for claim in claims}) == 300
    assert {(claim["iss"], claim["sub"]) for claim in claims} == {("00D", "cc")}
    stats = feed.stats()
    assert stats["used"] == 300 and stats["minted"] >= 300
    assert (stats["mode"], stats["minters"], stats["minted_in_sending_process"]) == (
        "per-request", 2, 0)


def test_a_token_past_its_use_before_is_dropped_never_sent(key_file):
    jumps = []

    def clock():  # one look 60 s ahead: every token queued by then is past 80% of its life
        return time.time() + (60 if jumps and jumps.pop() else 0)

    feed = TokenFeed(settings(key_file, ttl_s=10), ready=16, batch=16, clock=clock)
    try:
        feed.authorization()
        jumps.append(True)
        feed.authorization()
        assert feed.expired_unused >= 1
        assert feed.used == 2
    finally:
        feed.close()


def test_when_the_minters_are_gone_tokens_are_signed_in_the_sending_process(key_file, rsa_key):
    feed = TokenFeed(settings(key_file), ready=4, batch=4)
    for pid in feed.pids:
        os.kill(pid, signal.SIGKILL)
    assert wait_gone(feed.pids) == []
    try:
        values = {feed.authorization() for _ in range(20)}
    finally:
        feed.close()
    assert len(values) == 20
    assert feed.stats()["minted_in_sending_process"] >= 1


def test_close_stops_every_minter_process(key_file):
    feed = TokenFeed(settings(key_file, minters=2))
    pids = feed.pids
    assert all(alive(pid) for pid in pids)
    feed.close()
    assert wait_gone(pids, timeout_s=5) == []


def test_minters_exit_when_the_replay_process_is_killed(key_file, tmp_path):
    script = (
        "import sys, time\n"
        "from replay.auth import JwtSettings\n"
        "from replay.driver.tokens import TokenFeed\n"
        f"feed = TokenFeed(JwtSettings(key_path={str(key_file)!r}, org_id='o', call_center='c',"
        " minters=2))\n"
        "feed.authorization()\n"
        "print(*feed.pids, flush=True)\n"
        "time.sleep(60)\n"
    )
    parent = subprocess.Popen([sys.executable, "-c", script], stdout=subprocess.PIPE, text=True,
                              cwd=REPO)
    try:
        pids = [int(word) for word in parent.stdout.readline().split()]
        assert len(pids) == 2 and all(alive(pid) for pid in pids)
    finally:
        parent.kill()
        parent.wait(timeout=10)
    assert wait_gone(pids) == []


def test_a_bad_key_fails_before_any_minter_starts(tmp_path):
    bad = tmp_path / "bad.pem"
    bad.write_text("not a key")
    with pytest.raises(ConfigError, match="not an unencrypted PEM private key"):
        TokenFeed(settings(bad))


def test_shared_mode_and_dry_runs_use_one_in_process_minter(key_file):
    assert isinstance(authorizer_for(settings(key_file, mode="shared")), TokenMinter)
    assert isinstance(authorizer_for(settings(key_file), in_process=True), TokenMinter)
    assert authorizer_for(None) is None


def test_the_shared_block_counts_tokens_minted_here():
    minter = TokenMinter.__new__(TokenMinter)
    minter.minted = 3
    assert token_stats(minter)["mode"] == "shared"
    assert token_stats(minter)["minted_in_sending_process"] == 3


def test_workers_token_blocks_add_up():
    one = {"mode": "per-request", "minters": 1, "minted": 10, "used": 8, "wait_s": 0.25,
           "requests_waited": 1}
    two = {"mode": "per-request", "minters": 1, "minted": 5, "used": 5, "wait_s": 0.5,
           "requests_waited": 0}
    assert add_token_stats([one, None, two]) == {
        "mode": "per-request", "minters": 2, "minted": 15, "used": 13, "wait_s": 0.75,
        "requests_waited": 1}
    assert add_token_stats([None]) is None


def test_wait_until_ready_returns_once_the_minters_first_tokens_are_in(key_file):
    feed = TokenFeed(settings(key_file))
    try:
        assert feed.wait_until_ready(timeout_s=30) is True
        assert feed.stats()["minted"] >= 1 and feed.requests_waited == 0
        feed.authorization()
        assert feed.requests_waited == 0
    finally:
        feed.close()


def test_a_prefill_is_signed_before_ready_and_then_handed_over(key_file, rsa_key):
    feed = TokenFeed(settings(key_file, minters=2, prefill=301))
    try:
        assert feed.wait_until_ready(timeout_s=30) is True
        assert feed.prefilled == 301
        values = [feed.authorization() for _ in range(400)]
    finally:
        feed.close()
    assert len(set(values)) == 400
    jwt.decode(values[-1].removeprefix("Bearer "), rsa_key.public_key(), algorithms=["RS256"])
    stats = feed.stats()
    assert (stats["prefilled"], stats["used"], stats["minted_in_sending_process"]) == (
        301, 400, 0)


def test_the_queue_the_run_starts_with_is_not_shrunk_by_the_idle_time_while_it_loaded(key_file):
    import gevent

    feed = TokenFeed(settings(key_file), ready=64, batch=8)
    try:
        gevent.sleep(1.6)  # loading: longer than the rate window, no token used
        assert feed.wait_until_ready(timeout_s=30) is True
        while len(feed._ready) < 64:
            gevent.sleep(0.05)
        for _ in range(60):
            feed.authorization()
        assert len(feed._ready) + feed._in_flight >= 64  # refilled to the starting 64
    finally:
        feed.close()


def test_tokens_are_asked_of_the_minter_with_the_most_prefill_left(key_file):
    import gevent

    feed = TokenFeed(settings(key_file, minters=2, prefill=4000))
    try:
        assert feed.wait_until_ready(timeout_s=60) is True
        for i in range(1500):
            feed.authorization()
            while i % 128 == 0 and feed._in_flight:  # each ask answered before the next
                gevent.sleep(0.01)
        assert sorted(minter.stock > 0 for minter in feed._minters) == [True, True]
    finally:
        feed.close()
