"""Replay a plan on the run clock: each call's messages in order, a waiting call costing nothing.

    replayer = Replayer(plan=plan, builder=builder, recorder=recorder, sender=sender,
                        clock=clock, stop=stop_event, health=health, concurrency=None,
                        lifecycle=None, sleep=wait_or_wake)
    replayer.run()                 # returns when every call is done, or the run is stopped
    replayer.due_s                 # due times as recorded (at speed max: when each became sendable)
    replayer.stop_reason           # None, "stopped" or "endpoint_down"
    replayer.lateness              # late messages' lag by cause, added up as batches finish
                                   # (replay.results.lateness; `.block(loop=...)` for the summary)

    Replayer(batches=stream_of_batches, paced=True, ..., on_batch_done=sink.add).run()

The messages come as `Batch`es: the whole plan is one; a streamed dataset
(`replay.driver.stream`) is a batch per slice read, and each batch goes to `on_batch_done` once
all its messages are accounted for. At speed max a stream is read on only while fewer than
`max_pending` messages are pending. Each batch gets `waits` (replay.results.lateness.Waits):
what held each message back, filled in as it happens (slot waits, VoiceCall creation, the
answer to the call's previous message and its retry and token waits); a finished batch is added
to `lateness`, so the attribution needs nothing kept per message once a batch is done.

`bulk` (--bulk settings): due messages go to a `BulkPoster` instead of being posted one by one;
a message is accounted for (its batch's `pending`) when its bulk request is answered.

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
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from functools import partial
from typing import Any, Protocol

import gevent
import numpy as np
from gevent.event import Event

from replay.client import RequestBuilder
from replay.driver.bulk import BulkPoster
from replay.driver.health import DOWN_AFTER_SECONDS, EndpointHealth
from replay.driver.options import BulkSettings
from replay.driver.sender import CONNECT_WAIT_NOTED_S, TOKEN_WAIT_NOTED_S, Sender
from replay.plan import Plan
from replay.results.lateness import Lateness, Waits
from replay.results.recorder import OutcomeRecorder

logger = logging.getLogger(__name__)

LIFECYCLE_LEAD_S = 1.0
STOPPED = "stopped"
ENDPOINT_DOWN = "endpoint_down"
FOREVER_S = 365 * 86_400.0
ROOM_CHECK_S = 0.05  # waiting for room among the pending messages: look again this often
DISPATCH_CHUNK = 4096  # messages whose order is turned into Python ints at a time
MAX_PENDING = 50_000  # at speed max, a stream is read on while fewer messages are pending


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


@dataclass(eq=False, kw_only=True)
class Batch:
    """Messages planned together: a plan, how to build their requests, where to record them.

    The whole dataset is one batch; a streamed dataset is a batch per slice read
    (`replay.driver.stream`). `calls` numbers calls across batches; `first` and `last` mark a
    call's first and last message (a call may span batches).
    """

    plan: Plan
    builder: RequestBuilder
    recorder: OutcomeRecorder
    due_s: np.ndarray  # as recorded: at speed max, when each message became sendable
    calls: np.ndarray
    first: np.ndarray
    last: np.ndarray
    pending: int = -1  # messages neither done nor given up
    dispatched: bool = False
    table: Any = None  # the batch's rows (a streamed batch's own slice), for its outcomes
    waits: Waits | None = None  # what held its messages back (set by the Replayer)

    @classmethod
    def of_plan(cls, plan: Plan, builder: RequestBuilder, recorder: OutcomeRecorder) -> Batch:
        index = np.arange(plan.messages)
        return cls(plan=plan, builder=builder, recorder=recorder, due_s=plan.due_s.copy(),
                   calls=plan.call, first=index == plan.call_start[plan.call],
                   last=index == plan.call_end[plan.call] - 1)

    def __post_init__(self) -> None:
        if self.pending < 0:
            self.pending = self.plan.messages


class Replayer:
    def __init__(
        self, *, plan: Plan | None = None, builder: RequestBuilder | None = None,
        recorder: OutcomeRecorder | None = None, sender: Sender, clock: Clock, stop: Event,
        health: EndpointHealth, concurrency: int | None, lifecycle: Lifecycle | None = None,
        sleep: Sleep = wait_or_wake, batches: Iterable[Batch] | None = None,
        paced: bool | None = None, on_batch_done: Callable[[Batch], None] | None = None,
        max_pending: int = MAX_PENDING, bulk: BulkSettings | None = None,
    ) -> None:
        """Either one `plan` (with its `builder` and `recorder`), or a stream of `batches`
        (paced or not), each handed to `on_batch_done` once all its messages are accounted for.
        `bulk`: post the due messages in bulk requests with these settings."""
        self._batch = Batch.of_plan(plan, builder, recorder) if plan is not None else None
        self._batches = batches if batches is not None else (self._batch,)
        self._paced = plan.paced if plan is not None else bool(paced)
        self._on_batch_done = on_batch_done
        self._max_pending = max_pending
        self._builder = builder
        self._sender = sender
        self._clock = clock
        self._sleep = sleep
        self._stop = stop
        self._health = health
        self._lifecycle = lifecycle
        self._bulk = (BulkPoster(settings=bulk, sender=sender, clock=clock, stop=stop,
                                 on_done=self._message_done) if bulk is not None else None)
        self._pacer = CreatePacer(lifecycle.create_rate) if lifecycle else None
        self.concurrency = concurrency
        self.due_s = self._batch.due_s if self._batch else np.empty(0)
        self.stop_reason: str | None = None
        self.calls_done = 0
        self.calls_started = 0
        self.calls_failed = 0
        self.calls_waiting_for_slot = 0.0  # seconds calls were held for a --max-concurrency slot
        self.lateness = Lateness()
        # One event wakes the scheduler: a stop; at speed max a free slot or room among the
        # pending messages; at the end, the last call done.
        self._wake = Event()
        self._backlog: dict[int, deque[tuple[Batch, int]]] = {}  # call -> due messages; busy
        self._held: deque[tuple[int, float]] = deque()  # (call, since) waiting for a slot
        self._failed: set[int] = set()  # calls stopped by an unexpected error: no more sends
        # each idle call's last answer (done_s, retry_wait_s, token_wait_s), for lateness: its
        # next greenlet takes it; kept only while the call runs
        self._answered: dict[int, tuple[float, float, float]] = {}
        self._live: list[Batch] = []  # batches handed over, not yet done
        self._pending = 0  # messages of live batches not yet done
        self._running_calls = 0
        self._greenlets = 0
        self._joining = False  # every message handed over: the scheduler waits for the calls
        self._want_room = False  # the scheduler waits for fewer pending messages

    # -- the scheduler -----------------------------------------------------------------------

    def run(self) -> None:
        self._stop.rawlink(self._on_stop)
        batches = iter(self._batches)
        try:
            if self._batch is not None and not self._paced:
                self._take(next(batches))
                self._dispatch_at_once()
            else:
                for batch in batches:
                    if not self._dispatch_batch(batch):
                        break
            self._joining = True
            while self._greenlets:
                self._wake.clear()
                self._sleep(FOREVER_S, self._wake)
            if self._bulk is not None:
                self._bulk.join()  # batches still in flight after a stop
        finally:
            self._stop.unlink(self._on_stop)
        self._stopping()
        for batch in list(self._live):  # what is left when the run stopped (a stream's
            # batches not handed over yet are the stream's to count: PreparedStream.rest_rows)
            if self.stop_reason is not None:
                batch.recorder.mark_unsent(self.stop_reason)
            self._finish(batch)

    def _on_stop(self, _event: Event) -> None:
        self._wake.set()

    def _dispatch_batch(self, batch: Batch) -> bool:
        """Hand each message of a batch to its call when due, in order of due time (ties: plan
        order); False when the run is stopping."""
        # Wait for room only while something is being sent: a call whose next message is not
        # read yet frees nothing (at speed max under --max-concurrency the running calls may
        # all wait for later batches while held calls fill the pending count), so then read on.
        while (not self._paced and self._pending > self._max_pending and self._sending()
               and not self._stopping()):
            self._want_room = True
            self._wake.clear()
            self._sleep(ROOM_CHECK_S, self._wake)
        self._want_room = False
        self._take(batch)
        if not batch.pending:
            batch.dispatched = True
            self._finish(batch)
            return True
        handover = batch.plan.due_s
        if self._lifecycle:
            handover = handover.copy()
            handover[batch.first] -= LIFECYCLE_LEAD_S
        order = np.argsort(handover, kind="stable")
        for lo in range(0, order.size, DISPATCH_CHUNK):
            chunk = order[lo : lo + DISPATCH_CHUNK]
            if not self._dispatch(batch, chunk.tolist(), handover[chunk].tolist(),
                                  batch.calls[chunk].tolist(), batch.first[chunk].tolist()):
                return False
        batch.dispatched = True
        if not batch.pending:
            self._finish(batch)
        return True

    def _take(self, batch: Batch) -> None:
        self._live.append(batch)
        self._pending += batch.pending
        batch.waits = Waits(batch.plan.messages, bulk=self._bulk is not None)

    def _dispatch(self, batch: Batch, messages: list[int], times: list[float],
                  calls: list[int], firsts: list[bool]) -> bool:
        now_s = self._clock.now_s
        for i, at, call, first in zip(messages, times, calls, firsts, strict=True):
            while (delay := at - now_s()) > 0 and not self._stopping():
                self._wake.clear()
                self._sleep(delay, self._wake)
            if self._stopping():
                return False
            backlog = self._backlog.get(call)
            if backlog is not None:  # busy or held: the call's greenlet takes it in turn
                backlog.append((batch, i))
            elif first and self._full():
                self._backlog[call] = deque(((batch, i),))
                self._held.append((call, now_s()))
            elif call not in self._failed:
                self._start(call, batch, i, first=first)
        return True

    def _dispatch_at_once(self) -> None:
        """Speed max, the whole plan: every call as soon as a slot is free, back to back."""
        batch = self._batch
        plan = batch.plan
        for call in range(plan.calls):
            waited_from = None
            while self._full() and not self._stopping():
                waited_from = waited_from or self._clock.now_s()
                self._wake.clear()
                self._sleep(FOREVER_S, self._wake)
            if waited_from is not None:
                waited = self._clock.now_s() - waited_from
                self.calls_waiting_for_slot += waited
                batch.waits.slot_s[int(plan.call_start[call])] = waited
            if self._stopping():
                return
            self._start(call, batch, int(plan.call_start[call]), first=True)

    def _sending(self) -> bool:
        """Whether a call's greenlet, or a --bulk request, is at work (and so may free room)."""
        return bool(self._greenlets) or (self._bulk is not None and self._bulk.busy())

    def _full(self) -> bool:
        return self.concurrency is not None and self._running_calls >= self.concurrency

    def _start(self, call: int, batch: Batch, first_i: int, *, first: bool) -> None:
        if first:
            self._running_calls += 1
            self.calls_started += 1
        self._backlog[call] = deque()
        self._greenlets += 1
        gevent.spawn_raw(self._run_call_safely, call, batch, first_i, first)

    def _stopping(self) -> bool:
        if self.stop_reason is None and self._health.down:
            self.stop_reason = ENDPOINT_DOWN
            logger.error(
                "the endpoint has stopped answering (%s on every request for %.0f s): "
                "stopping the run; check that %s is up",
                self._health.last_reason, DOWN_AFTER_SECONDS, self._base_url(),
            )
            self._stop.set()
        if self._stop.is_set() and self.stop_reason is None:
            self.stop_reason = STOPPED
        return self._stop.is_set()

    def _base_url(self) -> str:
        return self._builder.base_url if self._builder else (
            self._live[-1].builder.base_url if self._live else "the endpoint")

    def _finish(self, batch: Batch) -> None:
        if batch in self._live:
            self._live.remove(batch)
        self._pending -= batch.pending
        batch.pending = 0
        if batch.waits is not None:
            self.lateness.add(batch.due_s, batch.recorder.sent_s, batch.first, batch.waits)
            batch.waits = None
        if self._on_batch_done is not None:
            self._on_batch_done(batch)

    # -- a call's greenlet -------------------------------------------------------------------

    def _run_call_safely(self, call: int, batch: Batch, i: int, first: bool) -> None:
        """A bug in one call must not end the others: log it; its unsent messages stay unsent."""
        try:
            self._run_call(call, batch, i, first)
        except Exception:
            self.calls_failed += 1
            self._failed.add(call)
            self._call_ended(call)
            logger.exception("call %d of the plan stopped on an unexpected error", call)
        finally:
            self._greenlets -= 1
            if not self._greenlets and (self._joining or self._want_room):
                self._wake.set()

    def _run_call(self, call: int, batch: Batch, i: int, first: bool) -> None:
        whole = self._batch is not None and not self._paced  # speed max, whole calls
        if first and self._lifecycle and not self._create(batch, call, i):
            return
        clock, backlog, paced = self._clock, self._backlog[call], self._paced
        path = batch.builder.messages_path(i)
        # the answer to the call's previous message (lateness: what holds this one back)
        held_until, held_retry, held_token = (None, 0.0, 0.0) if first else (
            self._answered.pop(call, (None, 0.0, 0.0)))
        while True:
            recorder, due_s = batch.recorder, batch.due_s
            if paced:
                due = float(due_s[i])
                if not self._wait_until(due):
                    return
            elif self._stopping():
                return
            else:
                due = due_s[i] = clock.now_s()
            last = bool(batch.last[i])
            if self._bulk is not None:  # --bulk: the poster records the message's outcome
                if not self._bulk.add(call, batch, i, anchor_ms=clock.epoch_ms(due)):
                    return  # and accounts for it (`_message_done`) when it is answered
            else:
                if held_until is not None:
                    batch.waits.held(i, held_until, held_retry, held_token)
                request = batch.builder.message(i, anchor_ms=clock.epoch_ms(due), path=path)
                result = self._sender.send(  # sent: when the request goes out on a connection
                    request, on_sent=partial(recorder.sent, i),
                    on_retry=partial(recorder.retried, i))
                held_until = clock.now_s()
                recorder.done(i, held_until, result.status, result.reason, result.attempts)
                held_retry, held_token = result.retry_wait_s, result.token_wait_s
                if held_token <= TOKEN_WAIT_NOTED_S:
                    held_token = 0.0
                if result.connect_wait_s > CONNECT_WAIT_NOTED_S or held_token:
                    batch.waits.went_out(i, result.connect_wait_s, held_token)
                self._message_done(batch)
            if last:
                break
            if whole:
                i += 1
            elif backlog:
                batch, i = backlog.popleft()
            else:
                del self._backlog[call]  # idle until its next message is due
                if held_until is not None:
                    self._answered[call] = (held_until, held_retry, held_token)
                return
        if self._bulk is not None:
            self._bulk.finish_call(call)
        if self._lifecycle:
            self._end(batch, i)
        self.calls_done += 1
        self._call_ended(call)

    def _message_done(self, batch: Batch) -> None:
        batch.pending -= 1
        self._pending -= 1
        if not batch.pending and batch.dispatched:
            self._finish(batch)
        if self._want_room and self._pending <= self._max_pending // 2:
            self._wake.set()

    def _wait_until(self, due: float) -> bool:
        """A message handed over early (--lifecycle lead) waits for its due time here."""
        delay = due - self._clock.now_s()
        if delay > 0 and not self._stop.is_set():
            self._sleep(delay, self._stop)
        return not self._stopping()

    def _call_ended(self, call: int) -> None:
        self._backlog.pop(call, None)
        self._answered.pop(call, None)
        self._running_calls -= 1
        if not self._paced:
            self._wake.set()  # a slot is free: at speed max the scheduler waits for one
        if self._held and not self._stopping():
            held, since = self._held.popleft()
            waited = self._clock.now_s() - since
            self.calls_waiting_for_slot += waited
            backlog = self._backlog.pop(held)
            batch, i = backlog.popleft()
            batch.waits.slot_s[i] = waited
            self._start(held, batch, i, first=True)
            self._backlog[held] = backlog

    def _create(self, batch: Batch, call: int, first_i: int) -> bool:
        """--lifecycle: POST /voiceCalls before the call's first message (`first_i` of
        `batch`). The builder knows the call by its number in the batch's own plan; a streamed
        call's window is taken from its messages in that batch."""
        wait_s = self._pacer.reserve(self._clock.now_s())
        if wait_s > 0:
            self._sleep(wait_s, self._stop)
            if self._stop.is_set():
                return False
        plan = batch.plan
        local = int(plan.call[first_i])
        lo, hi = int(plan.call_start[local]), int(plan.call_end[local])
        first = batch.due_s[lo] if self._paced else self._clock.now_s()
        last = batch.due_s[hi - 1] if self._paced else first
        start_ms, _ = self._window(batch, local, first, last)
        result = self._sender.send(batch.builder.create_call(local, start_ms=start_ms))
        batch.waits.created_s[first_i] = self._clock.now_s()
        if result.reason:
            logger.debug("creating VoiceCall %d failed (%s); sending its messages anyway",
                         call, result.reason)
        return True

    def _end(self, batch: Batch, last_i: int) -> None:
        """--lifecycle: PATCH the VoiceCall ended after its last message (`last_i` of `batch`)."""
        local = int(batch.plan.call[last_i])
        lo = int(batch.plan.call_start[local])
        _, end_ms = self._window(batch, local, batch.due_s[lo], batch.due_s[last_i])
        end_ms = max(end_ms, self._clock.epoch_ms(self._clock.now_s()))
        self._sender.send(batch.builder.end_call(local, end_ms=end_ms))

    def _window(self, batch: Batch, call: int, first_s: float, last_s: float) -> tuple[int, int]:
        return batch.builder.call_window_ms(
            call, first_anchor_ms=self._clock.epoch_ms(first_s),
            last_anchor_ms=self._clock.epoch_ms(last_s),
        )
