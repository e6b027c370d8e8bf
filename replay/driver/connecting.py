"""Open connections a few at a time: a request takes a connection given back rather than opening
yet another while others are still being opened.

    gate = ConnectGate(limit=MAX_CONNECTING, idle=lambda: idle_connections)
    sock = gate.take(pool.get_socket)  # an idle connection at once; else opens one, if fewer
                                       # than `limit` are being opened; else waits, in turn,
                                       # for a connection given back or an opening finished
    gate.given_back()                  # a request ended (its connection back in the pool, or
                                       # closed): the next waiting request looks again

Why: a pool that opens a connection whenever none is idle opens thousands when the endpoint
slows down (each waiting response holds one), and each new connection costs the endpoint an
accept and, over https, a handshake, which slows it down further. Measured on the burst of new
calls (bench/, section scale) with the mock starved of CPU: without a gate, every request
waited for its own connection to be accepted. With the gate a slow endpoint gets the
connections it needs, opened `limit` at a time, and requests wait for those given back;
against a healthy endpoint opening takes a fraction of a millisecond and nothing waits.

`idle()` says how many connections are idle in the pool; `take` calls `get_socket` with no
switch in between, so an idle connection seen is the one taken. Waiting requests are woken one
at a time, first come first served. gevent only: one thread, no locks.
"""

from __future__ import annotations

from collections import deque
from collections.abc import Callable
from typing import Any

from gevent.event import Event

MAX_CONNECTING = 32  # connections being opened at once, per process


class ConnectGate:
    def __init__(self, *, limit: int, idle: Callable[[], int]) -> None:
        self._limit = limit
        self._idle = idle
        self._opening = 0
        self._waiting: deque[Event] = deque()

    def take(self, get_socket: Callable[[], Any]) -> Any:
        first = True
        while not self._idle() and self._opening >= self._limit:
            turn = Event()
            if first:
                self._waiting.append(turn)
            else:  # woken but beaten to it: keep its place at the front
                self._waiting.appendleft(turn)
            first = False
            turn.wait()
        if self._idle():
            return get_socket()
        self._opening += 1
        try:
            return get_socket()
        finally:
            self._opening -= 1
            self._wake_one()

    def given_back(self) -> None:
        self._wake_one()

    def _wake_one(self) -> None:
        if self._waiting:
            self._waiting.popleft().set()
