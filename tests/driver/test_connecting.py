"""The connect gate: idle connections at once, at most `limit` being opened, the rest in turn."""

from __future__ import annotations

import gevent
from gevent.event import Event

from replay.driver.connecting import ConnectGate


class Pool:
    """Stands in for the connection pool: `idle` sockets to hand out; opening one waits for
    `opened` to be set; counts the openings under way and the most at once."""

    def __init__(self, idle: int = 0) -> None:
        self.idle = idle
        self.opened = Event()
        self.opening = 0
        self.most_opening = 0
        self.taken: list[str] = []

    def get_socket(self) -> str:
        if self.idle:
            self.idle -= 1
            return "idle"
        self.opening += 1
        self.most_opening = max(self.most_opening, self.opening)
        self.opened.wait()
        self.opening -= 1
        return "new"


def take(gate: ConnectGate, pool: Pool, name: str) -> None:
    pool.taken.append((name, gate.take(pool.get_socket)))


def test_an_idle_connection_is_taken_at_once_without_opening_one():
    pool = Pool(idle=1)
    gate = ConnectGate(limit=1, idle=lambda: pool.idle)
    assert gate.take(pool.get_socket) == "idle" and pool.most_opening == 0


def test_at_most_limit_connections_are_opened_at_once():
    pool = Pool()
    gate = ConnectGate(limit=2, idle=lambda: pool.idle)
    greenlets = [gevent.spawn(take, gate, pool, str(n)) for n in range(5)]
    gevent.sleep(0.01)
    assert pool.opening == 2
    pool.opened.set()
    gevent.joinall(greenlets, timeout=5)
    assert pool.most_opening == 2 and len(pool.taken) == 5


def test_a_waiting_request_takes_a_connection_given_back_first_come_first_served():
    pool = Pool()
    gate = ConnectGate(limit=1, idle=lambda: pool.idle)
    greenlets = [gevent.spawn(take, gate, pool, name) for name in ("opener", "a", "b")]
    gevent.sleep(0.01)
    pool.idle += 1  # a request ended: its connection is back in the pool
    gate.given_back()
    gevent.sleep(0.01)
    assert pool.taken == [("a", "idle")]
    pool.opened.set()
    gevent.joinall(greenlets, timeout=5)
    assert pool.taken == [("a", "idle"), ("opener", "new"), ("b", "new")]
    assert pool.most_opening == 1


def test_a_newcomer_waits_behind_a_waiting_request_even_for_an_idle_connection():
    pool = Pool()
    gate = ConnectGate(limit=1, idle=lambda: pool.idle)
    greenlets = [gevent.spawn(take, gate, pool, name) for name in ("opener", "waiting")]
    gevent.sleep(0.01)
    pool.idle += 1
    gate.given_back()
    greenlets.append(gevent.spawn(take, gate, pool, "newcomer"))  # before "waiting" has run
    gevent.sleep(0.01)
    assert pool.taken == [("waiting", "idle")]
    pool.opened.set()
    gevent.joinall(greenlets, timeout=5)
    assert sorted(pool.taken) == [("newcomer", "new"), ("opener", "new"), ("waiting", "idle")]
