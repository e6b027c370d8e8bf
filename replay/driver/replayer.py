"""Replay a plan on the run clock: one greenlet per active call, each call's messages in order.

    replayer = Replayer(plan=plan, builder=builder, recorder=recorder, sender=sender,
                        clock=clock, stop=stop_event, concurrency=None, lifecycle=None)
    replayer.run()                 # returns when every call is done, or the run is stopped
    replayer.due_s                 # due times as recorded (at speed max: when each became sendable)
    replayer.stop_reason           # None, "stopped" or "endpoint_down"
    replayer.waits                 # measured waits (slots, retries, tokens), see results.lateness

Scheduling. A scheduler walks the calls in order of first due time and starts each call's
greenlet just before its first message is due (`SPAWN_LEAD_S`; `LIFECYCLE_LEAD_S` with
--lifecycle, to create the VoiceCall first). A call greenlet posts its messages one after the
other: it sleeps until a message's due time, measured on the run clock (never by sleeping the
gap), posts it, waits for the response (and retries), then goes on. A slow response holds back
only its own call. `concurrency` caps how many calls run at once (None: as many as the timeline
needs); at speed max every call starts as soon as a slot frees and sends without waiting.

Stopping (Ctrl-C, SIGTERM, the web UI's stop, or the endpoint gone): no new message is sent
(a waiting call notices within `STOP_CHECK_S`), requests in flight finish or time out, and
every message never sent is marked not sent, with the reason (`stopped` or `endpoint_down`).
"""

from __future__ import annotations

import logging
from dataclasses import dataclass

import gevent
import numpy as np
from gevent.event import Event
from gevent.pool import Pool

from replay.client import RequestBuilder
from replay.driver.bulk import BulkPoster
from replay.driver.clock import RunClock
from replay.driver.health import DOWN_AFTER_SECONDS, EndpointHealth
from replay.driver.sender import Sender
from replay.plan import Plan
from replay.results.lateness import Waits
from replay.results.recorder import OutcomeRecorder

logger = logging.getLogger(__name__)

SPAWN_LEAD_S = 0.05
STOP_CHECK_S = 1.0  # a call waiting for its next message notices a stop within this long
LIFECYCLE_LEAD_S = 1.0
TOKEN_WAIT_NOTED_S = 1e-4  # shorter "waits" for a token are the queue pop itself
STOPPED = "stopped"
ENDPOINT_DOWN = "endpoint_down"


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
        clock: RunClock, stop: Event, health: EndpointHealth, concurrency: int | None,
        lifecycle: Lifecycle | None = None, bulk: BulkPoster | None = None,
    ) -> None:
        self._plan = plan
        self._builder = builder
        self._recorder = recorder
        self._sender = sender
        self._clock = clock
        self._stop = stop
        self._health = health
        self._lifecycle = lifecycle
        self._pacer = CreatePacer(lifecycle.create_rate) if lifecycle else None
        self._bulk = bulk
        self.concurrency = concurrency
        self.due_s = plan.due_s.copy()
        self.stop_reason: str | None = None
        self.calls_done = 0
        self.calls_started = 0
        self.calls_failed = 0
        self.calls_waiting_for_slot = 0.0  # seconds the scheduler spent waiting for a free slot
        self.waits = Waits.for_plan(messages=plan.messages, calls=plan.calls)

    def run(self) -> None:
        pool = Pool(self.concurrency)
        plan = self._plan
        lead = LIFECYCLE_LEAD_S if self._lifecycle else SPAWN_LEAD_S
        for call in range(plan.calls):
            if plan.paced and not self._wait_until(plan.due_s[plan.call_start[call]] - lead):
                break
            if pool.full():
                waited_from = self._clock.now_s()
                while not pool.wait_available(timeout=0.5):
                    if self._stopping():
                        break
                waited = self._clock.now_s() - waited_from
                self.calls_waiting_for_slot += waited
                self.waits.slot_s[call] = waited
            if self._stopping():
                break
            self.calls_started += 1
            pool.spawn(self._run_call_safely, call)
        pool.join()
        if self._bulk is not None:
            self._bulk.join()  # batches still in flight after a stop
        self._mark_unsent()

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

    def _wait_until(self, run_s: float) -> bool:
        """Sleep until run-clock time run_s; False if the run is stopping.

        gevent.sleep, in steps of at most STOP_CHECK_S, rather than `stop.wait(delay)`: every
        waiting call would link itself to the one stop event and unlink again, which costs
        about twice the CPU per message with thousands of calls waiting (measured: 17.6 µs
        against 9.1 µs per wait with 4,000 calls).
        """
        now_s = self._clock.now_s
        while not self._stopping():
            delay = run_s - now_s()
            if delay <= 0:
                return True
            gevent.sleep(delay if delay < STOP_CHECK_S else STOP_CHECK_S)
        return False

    def _run_call_safely(self, call: int) -> None:
        """A bug in one call must not end the others: log it; its unsent messages stay unsent."""
        try:
            self._run_call(call)
        except Exception:
            self.calls_failed += 1
            logger.exception("call %d of the plan stopped on an unexpected error", call)

    def _run_call(self, call: int) -> None:
        plan = self._plan
        lo, hi = int(plan.call_start[call]), int(plan.call_end[call])
        if self._lifecycle and not self._create(call, lo, hi):
            return
        recorder, clock, due_s, waits = self._recorder, self._clock, self.due_s, self.waits
        path = self._builder.messages_path(lo)
        for i in range(lo, hi):
            if plan.paced:
                due = float(due_s[i])
                if not self._wait_until(due):
                    return
            elif self._stopping():
                return
            else:
                due = due_s[i] = clock.now_s()
            if self._bulk is not None:  # --bulk: the poster records the message's outcome
                if not self._bulk.add(call, i, anchor_ms=clock.epoch_ms(due)):
                    return
                continue
            request = self._builder.message(i, anchor_ms=clock.epoch_ms(due), path=path)
            recorder.sent(i, clock.now_s())
            result = self._sender.send(request, on_retry=lambda t, i=i: recorder.retried(i, t))
            recorder.done(i, clock.now_s(), result.status, result.reason, result.attempts)
            if result.retry_wait_s:
                waits.retry_s[i] = result.retry_wait_s
            if result.token_wait_s > TOKEN_WAIT_NOTED_S:
                waits.token_s[i] = result.token_wait_s
        if self._bulk is not None:
            self._bulk.finish_call(call)
        if self._lifecycle:
            self._end(call, lo, hi)
        self.calls_done += 1

    def _create(self, call: int, lo: int, hi: int) -> bool:
        wait_s = self._pacer.reserve(self._clock.now_s())
        if wait_s > 0 and self._stop.wait(wait_s):
            return False
        first = self.due_s[lo] if self._plan.paced else self._clock.now_s()
        last = self.due_s[hi - 1] if self._plan.paced else first
        start_ms, _ = self._window(call, first, last)
        result = self._sender.send(self._builder.create_call(call, start_ms=start_ms))
        self.waits.created_s[call] = self._clock.now_s()
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

    def _mark_unsent(self) -> None:
        if self.stop_reason is not None:
            self._recorder.mark_unsent(self.stop_reason)
