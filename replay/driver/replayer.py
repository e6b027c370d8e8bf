"""Replay a plan on the run clock: each call's messages in order, a waiting call costing nothing.

    replayer = Replayer(plan=plan, builder=builder, recorder=recorder, sender=sender,
                        clock=clock, stop=stop_event, health=health, concurrency=None,
                        lifecycle=None, sleep=wait_or_wake)
    replayer.run()                 # returns when every call is done, or the run is stopped
    replayer.due_s                 # due times as recorded (at speed max: when each became sendable)
    replayer.stop_reason           # None, "stopped" or "endpoint_down"

Scheduling (paced). One scheduler greenlet walks the messages in order of due time and sleeps
until the next one is due, measured on the run clock (never by sleeping the gaps). A due
message goes to its call: an idle call gets a sender greenlet, which posts the message, waits
for the response (and retries), then posts whatever else of its call became due meanwhile, in
order, and ends. A slow response holds back only its own call. So a call waiting for its next
message has no greenlet, no timer and no wake-up: 50,000 waiting calls cost a few array slots
(measured in bench/: a greenlet per waiting call made the garbage collector's full passes,
over ever more live greenlets, the cause of the lag during a burst of new calls).

`concurrency` caps how many calls run at once, a call running from its first message to the
end of its last (None: as many as the timeline needs). A call that starts while the cap is
reached is held, its messages kept in order, until a running call ends. At speed max every call
starts as soon as a slot frees and sends without waiting.

With --lifecycle a call's first message is handed over `LIFECYCLE_LEAD_S` early: its greenlet
creates the VoiceCall first (at most `create_rate` a second), waits for the message's due time,
and ends the VoiceCall after the last message.

Stopping (Ctrl-C, SIGTERM, the web UI's stop, or the endpoint gone) wakes the scheduler at once:
no new message is sent, requests in flight finish or time out, and every message never sent is
marked not sent, with the reason (`stopped` or `endpoint_down`).

The clock (`now_s`, `epoch_ms`) and the sleep (`sleep(seconds, wake)`: return after `seconds`,
or as soon as the event `wake` is set) are injected, so the scheduler runs on a fake clock in
tests; `wait_or_wake` is the real one.
"""

from __future__ import annotations

import logging
from collections import deque
from collections.abc import Callable
from dataclasses import dataclass
from typing import Protocol

import gevent
import numpy as np
from gevent.event import Event

from replay.client import RequestBuilder
from replay.driver.health import DOWN_AFTER_SECONDS, EndpointHealth
from replay.driver.sender import Sender
from replay.plan import Plan
from replay.results.recorder import OutcomeRecorder

logger = logging.getLogger(__name__)

LIFECYCLE_LEAD_S = 1.0
STOPPED = "stopped"
ENDPOINT_DOWN = "endpoint_down"
FOREVER_S = 365 * 86_400.0
DISPATCH_CHUNK = 4096  # messages whose order is turned into Python ints at a time


class Clock(Protocol):
    def now_s(self) -> float: ...
    def epoch_ms(self, run_s: float) -> int: ...


Sleep = Callable[[float, Event], object]


def wait_or_wake(seconds: float, wake: Event) -> None:
    """The real sleep: gevent waits `seconds`, or less when `wake` is set meanwhile."""
    wake.wait(seconds)


@dataclass(frozen=True, kw_only=True)
class Lifecycle:
    """--lifecycle: create each VoiceCall first (at most `create_rate` a second), end it last."""

    create_rate: float


class CreatePacer:
    """Spaces VoiceCall creations `1 / rate` seconds apart: `reserve(now)` -> seconds to wait."""

    def __init__(self, rate: float) -> None:
        self._interval = 1.0 / rate
        self._next = -np.inf

    def reserve(self, now: float) -> float:
        slot = max(now, self._next)
        self._next = slot + self._interval
        return slot - now


class Replayer:
    def __init__(
        self, *, plan: Plan, builder: RequestBuilder, recorder: OutcomeRecorder, sender: Sender,
        clock: Clock, stop: Event, health: EndpointHealth, concurrency: int | None,
        lifecycle: Lifecycle | None = None, sleep: Sleep = wait_or_wake,
    ) -> None:
        self._plan = plan
        self._builder = builder
        self._recorder = recorder
        self._sender = sender
        self._clock = clock
        self._sleep = sleep
        self._stop = stop
        self._health = health
        self._lifecycle = lifecycle
        self._pacer = CreatePacer(lifecycle.create_rate) if lifecycle else None
        self.concurrency = concurrency
        self.due_s = plan.due_s.copy()
        self.stop_reason: str | None = None
        self.calls_done = 0
        self.calls_started = 0
        self.calls_failed = 0
        self.calls_waiting_for_slot = 0.0  # seconds calls were held for a --max-concurrency slot
        # One event wakes the scheduler: a stop; at speed max a free slot; at the end, the last
        # call done.
        self._wake = Event()
        self._backlog: dict[int, deque[int]] = {}  # call -> its due messages; key: call is busy
        self._held: deque[tuple[int, float]] = deque()  # (call, since) waiting for a slot
        self._failed: set[int] = set()  # calls stopped by an unexpected error: no more sends
        self._running_calls = 0
        self._greenlets = 0
        self._joining = False  # every message handed over: the scheduler waits for the calls

    # -- the scheduler -----------------------------------------------------------------------

    def run(self) -> None:
        self._stop.rawlink(self._on_stop)
        try:
            if self._plan.paced:
                self._dispatch_on_time()
            else:
                self._dispatch_at_once()
            self._joining = True
            while self._greenlets:
                self._wake.clear()
                self._sleep(FOREVER_S, self._wake)
        finally:
            self._stop.unlink(self._on_stop)
        self._stopping()
        if self.stop_reason is not None:
            self._recorder.mark_unsent(self.stop_reason)

    def _on_stop(self, _event: Event) -> None:
        self._wake.set()

    def _dispatch_on_time(self) -> None:
        """Hand each message to its call when due, in order of due time (ties: plan order)."""
        plan = self._plan
        lead = LIFECYCLE_LEAD_S if self._lifecycle else 0.0
        handover = plan.due_s
        if lead:
            handover = plan.due_s.copy()
            handover[plan.call_start] -= lead
        order = np.argsort(handover, kind="stable")
        for lo in range(0, order.size, DISPATCH_CHUNK):
            chunk = order[lo : lo + DISPATCH_CHUNK]
            if not self._dispatch(chunk.tolist(), handover[chunk].tolist(),
                                  plan.call[chunk].tolist()):
                return

    def _dispatch(self, messages: list[int], times: list[float], calls: list[int]) -> bool:
        """Hand these messages over at their times; False when the run is stopping."""
        starts, now_s = self._plan.call_start, self._clock.now_s
        for i, at, call in zip(messages, times, calls, strict=True):
            while (delay := at - now_s()) > 0 and not self._stopping():
                self._wake.clear()
                self._sleep(delay, self._wake)
            if self._stopping():
                return False
            backlog = self._backlog.get(call)
            if backlog is not None:  # busy or held: the call's greenlet takes it in turn
                backlog.append(i)
            elif i == starts[call] and self._full():
                self._backlog[call] = deque((i,))
                self._held.append((call, now_s()))
            elif call not in self._failed:
                self._start(call, i)
        return True

    def _dispatch_at_once(self) -> None:
        """Speed max: every call as soon as a slot is free, its messages back to back."""
        for call in range(self._plan.calls):
            waited_from = None
            while self._full() and not self._stopping():
                waited_from = waited_from or self._clock.now_s()
                self._wake.clear()
                self._sleep(FOREVER_S, self._wake)
            if waited_from is not None:
                self.calls_waiting_for_slot += self._clock.now_s() - waited_from
            if self._stopping():
                return
            self._start(call, int(self._plan.call_start[call]))

    def _full(self) -> bool:
        return self.concurrency is not None and self._running_calls >= self.concurrency

    def _start(self, call: int, first: int) -> None:
        if first == self._plan.call_start[call]:
            self._running_calls += 1
            self.calls_started += 1
        self._backlog[call] = deque()
        self._greenlets += 1
        gevent.spawn_raw(self._run_call_safely, call, first)

    def _stopping(self) -> bool:
        if self.stop_reason is None and self._health.down:
            self.stop_reason = ENDPOINT_DOWN
            logger.error(
                "the endpoint has stopped answering (%s on every request for %.0f s): "
                "stopping the run; check that %s is up",
                self._health.last_reason, DOWN_AFTER_SECONDS, self._builder.base_url,
            )
            self._stop.set()
        if self._stop.is_set() and self.stop_reason is None:
            self.stop_reason = STOPPED
        return self._stop.is_set()

    # -- a call's greenlet -------------------------------------------------------------------

    def _run_call_safely(self, call: int, first: int) -> None:
        """A bug in one call must not end the others: log it; its unsent messages stay unsent."""
        try:
            self._run_call(call, first)
        except Exception:
            self.calls_failed += 1
            self._failed.add(call)
            self._call_ended(call)
            logger.exception("call %d of the plan stopped on an unexpected error", call)
        finally:
            self._greenlets -= 1
            if self._joining and not self._greenlets:
                self._wake.set()

    def _run_call(self, call: int, first: int) -> None:
        plan, recorder, clock = self._plan, self._recorder, self._clock
        lo, hi = int(plan.call_start[call]), int(plan.call_end[call])
        if first == lo and self._lifecycle and not self._create(call, lo, hi):
            return
        paced, due_s, backlog = plan.paced, self.due_s, self._backlog[call]
        path = self._builder.messages_path(lo)
        i = first
        while True:
            if paced:
                due = float(due_s[i])
                if not self._wait_until(due):
                    return
            elif self._stopping():
                return
            else:
                due = due_s[i] = clock.now_s()
            request = self._builder.message(i, anchor_ms=clock.epoch_ms(due), path=path)
            recorder.sent(i, clock.now_s())
            result = self._sender.send(request, on_retry=lambda t, i=i: recorder.retried(i, t))
            recorder.done(i, clock.now_s(), result.status, result.reason, result.attempts)
            if i == hi - 1:
                break
            if not paced:
                i += 1
            elif backlog:
                i = backlog.popleft()
            else:
                del self._backlog[call]  # idle until its next message is due
                return
        if self._lifecycle:
            self._end(call, lo, hi)
        self.calls_done += 1
        self._call_ended(call)

    def _wait_until(self, due: float) -> bool:
        """A message handed over early (--lifecycle lead) waits for its due time here."""
        delay = due - self._clock.now_s()
        if delay > 0 and not self._stop.is_set():
            self._sleep(delay, self._stop)
        return not self._stopping()

    def _call_ended(self, call: int) -> None:
        self._backlog.pop(call, None)
        self._running_calls -= 1
        if not self._plan.paced:
            self._wake.set()  # a slot is free: at speed max the scheduler waits for one
        if self._held and not self._stopping():
            held, since = self._held.popleft()
            self.calls_waiting_for_slot += self._clock.now_s() - since
            backlog = self._backlog.pop(held)
            self._start(held, backlog.popleft())
            self._backlog[held] = backlog

    def _create(self, call: int, lo: int, hi: int) -> bool:
        wait_s = self._pacer.reserve(self._clock.now_s())
        if wait_s > 0:
            self._sleep(wait_s, self._stop)
            if self._stop.is_set():
                return False
        first = self.due_s[lo] if self._plan.paced else self._clock.now_s()
        last = self.due_s[hi - 1] if self._plan.paced else first
        start_ms, _ = self._window(call, first, last)
        result = self._sender.send(self._builder.create_call(call, start_ms=start_ms))
        if result.reason:
            logger.debug("creating VoiceCall %d failed (%s); sending its messages anyway",
                         call, result.reason)
        return True

    def _end(self, call: int, lo: int, hi: int) -> None:
        _, end_ms = self._window(call, self.due_s[lo], self.due_s[hi - 1])
        end_ms = max(end_ms, self._clock.epoch_ms(self._clock.now_s()))
        self._sender.send(self._builder.end_call(call, end_ms=end_ms))

    def _window(self, call: int, first_s: float, last_s: float) -> tuple[int, int]:
        return self._builder.call_window_ms(
            call, first_anchor_ms=self._clock.epoch_ms(first_s),
            last_anchor_ms=self._clock.epoch_ms(last_s),
        )
