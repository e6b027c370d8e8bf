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
at a time, first come first served, and while any waits a newcomer waits behind it, even if a
connection is idle (it is for the one woken). gevent only: one thread, no locks.
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
        self._woken = 0  # woken waiters that have not run yet: what freed up is theirs

    def take(self, get_socket: Callable[[], Any]) -> Any:
        idle = self._idle()
        if idle and not self._waiting and not self._woken:  # the common case
            return get_socket()
        if self._waiting or self._woken or not (idle or self._opening < self._limit):
            self._wait_turn()
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

    def _free(self) -> bool:
        return bool(self._idle()) or self._opening < self._limit

    def _wait_turn(self) -> None:
        """Wait behind those already waiting (a call that just gave a connection back does not
        take it again ahead of them), until woken with something free."""
        turn = Event()
        self._waiting.append(turn)
        while True:
            turn.wait()
            self._woken -= 1
            if self._free():
                return
            turn = Event()  # what freed up went elsewhere (a connection closed): first in line
            self._waiting.appendleft(turn)

    def _wake_one(self) -> None:
        if self._waiting:
            self._woken += 1
            self._waiting.popleft().set()
