"""--bulk: post messages in batches to `POST /voiceCalls/messages`, each message still counted.

    poster = BulkPoster(settings=config.bulk_settings, sender=sender, clock=clock, stop=stop,
                        on_done=replayer_message_done)      # the Replayer makes its own
    poster.add(call, batch, i, anchor_ms=...)  # from the call's greenlet, when message i is due
    poster.finish_call(call)                   # after the call's last message: its answer
    poster.join()                              # at the end: what is open leaves (or is dropped)

The Replayer hands each due message to the poster instead of posting it (its one seam), as a
message `i` of one of its `Batch`es (the whole plan, or a slice of a streamed dataset: a bulk
request may hold messages of several). A bulk request holds at most `max_calls` calls and
`max_messages` messages per call (the bulk endpoint's limits). It leaves as soon as it is full
(it holds `max_calls` calls, or a call has `max_messages` messages in it), or when its oldest
message has waited `window_s` of run time. Per-call order is kept: a call's next message joins
the open request behind its previous one, or, when that one's request has already left, waits
until it is answered (the call's greenlet blocks in `add`). Every message keeps its own outcome
in its batch's recorder: sent when its request leaves, retried and done with it, its status and
reason; `on_done(batch)` then tells the Replayer the message is accounted for (a streamed batch
is written once all its messages are). A retried request resends the same body (same ids). On
a stop, a request that has not left is dropped: its messages stay unsent (and pending: the
Replayer marks them). Locust's statistics see each attempt under `/voiceCalls/messages`.

For the lateness attribution (replay.results.lateness) each message's batch `waits` get what
held it (the request holding its call's previous message, answered at a time, after its retry
and token waits) and how long it waited in its open request (`window_s`).
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import gevent
import numpy as np
import orjson
from gevent.event import Event
from gevent.pool import Group

from replay.client import RequestBuilder
from replay.driver.clock import RunClock
from replay.driver.options import BulkSettings
from replay.driver.sender import CONNECT_WAIT_NOTED_S, TOKEN_WAIT_NOTED_S, Sender
from replay.plan import Plan

logger = logging.getLogger(__name__)

DRY_RUN_BATCHES = 2


Entry = tuple  # (batch, i, fields, queued_s): message i of the Replayer's `batch` (None in a
# dry run), its body fields, and when it joined the request (run clock)


@dataclass(eq=False)
class BulkRequest:
    """Messages leaving together: call -> (vendorCallKey, [Entry, ...])."""

    opened_s: float
    entries: dict[int, tuple[str, list[Entry]]] = field(default_factory=dict)
    left: bool = False
    answered: Event = field(default_factory=Event)
    answered_s: float = float("nan")  # when the answer came (NaN: dropped, or not yet)
    retry_wait_s: float = 0.0
    token_wait_s: float = 0.0

    @property
    def messages(self) -> list[Entry]:
        return [entry for _key, rows in self.entries.values() for entry in rows]

    def body(self) -> bytes:
        return orjson.dumps({"entries": [
            {"vendorCallKey": key, "messages": [entry[2] for entry in rows]}
            for key, rows in self.entries.values()]})


class BulkPoster:
    """Collects due messages into bulk requests and sends them; one per Replayer."""

    def __init__(self, *, settings: BulkSettings, sender: Sender, clock: RunClock,
                 stop: Event, on_done: Callable[[Any], None]) -> None:
        self._settings = settings
        self._sender = sender
        self._clock = clock
        self._stop = stop
        self._on_done = on_done
        self._open: BulkRequest | None = None
        self._last: dict[int, BulkRequest] = {}  # each call's latest request
        self._in_flight = Group()
        self.requests_sent = 0

    def add(self, call: int, batch: Any, i: int, *, anchor_ms: int) -> bool:
        """Put message i of `batch` (of `call`) in the open request, after its call's previous
        message has been answered if that one's request has left. False when the run is
        stopping (i not sent)."""
        last = self._last.get(call)
        while last is not None and last.left and not last.answered.is_set():
            last.answered.wait()
        if self._stop.is_set():
            return False
        if last is not None and last.left:  # held until that request was answered
            batch.waits.held(i, last.answered_s, last.retry_wait_s, last.token_wait_s)
        request = self._open
        now_s = self._clock.now_s()
        if request is None:
            request = self._open = BulkRequest(opened_s=now_s)
            gevent.spawn_later(self._settings.window_s, self._expire, request)
        entry = request.entries.get(call)
        if entry is None:
            entry = request.entries[call] = (batch.builder.call_key(i), [])
        entry[1].append((batch, i, batch.builder.fields(i, anchor_ms=anchor_ms), now_s))
        self._last[call] = request
        if (len(request.entries) >= self._settings.max_calls
                or len(entry[1]) >= self._settings.max_messages):
            self._leave(request)
        return True

    def busy(self) -> bool:
        """Whether a request is open or in flight."""
        return self._open is not None or len(self._in_flight) > 0

    def finish_call(self, call: int) -> None:
        """Wait until the call's last request has been answered (or dropped on a stop)."""
        last = self._last.pop(call, None)
        if last is not None:
            last.answered.wait()

    def join(self) -> None:
        """Send what is still open (dropped if the run is stopping); wait for every answer."""
        if self._open is not None:
            self._leave(self._open)
        self._in_flight.join()

    def _expire(self, request: BulkRequest) -> None:
        if self._open is request:
            self._leave(request)

    def _leave(self, request: BulkRequest) -> None:
        self._open = None
        request.left = True
        self._in_flight.spawn(self._send, request)

    def _send(self, request: BulkRequest) -> None:
        now_s = self._clock.now_s
        try:
            if self._stop.is_set():
                return  # not sent: the replay marks these messages unsent
            messages = request.messages
            left_s = now_s()
            for batch, i, _fields, queued_s in messages:
                batch.waits.window_s[i] = left_s - queued_s
            http = messages[0][0].builder.bulk_messages(request.body())

            def sent(t: float) -> None:  # when the request goes out on a connection
                for batch, i, _fields, _queued_s in messages:
                    batch.recorder.sent(i, t)

            def retried(t: float) -> None:
                for batch, i, _fields, _queued_s in messages:
                    batch.recorder.retried(i, t)

            result = self._sender.send(http, on_sent=sent, on_retry=retried)
            done_s = now_s()
            request.answered_s = done_s
            request.retry_wait_s = result.retry_wait_s
            if result.token_wait_s > TOKEN_WAIT_NOTED_S:
                request.token_wait_s = result.token_wait_s
            if result.connect_wait_s > CONNECT_WAIT_NOTED_S:
                for batch, i, _fields, _queued_s in messages:
                    batch.waits.went_out(i, result.connect_wait_s)
            for batch, i, _fields, _queued_s in messages:
                batch.recorder.done(i, done_s, result.status, result.reason, result.attempts)
            self.requests_sent += 1
            for batch, _i, _fields, _queued_s in messages:
                self._on_done(batch)
        except Exception:
            logger.exception("a bulk request could not be sent")
        finally:
            request.answered.set()


def dry_run_batches(plan: Plan, builder: RequestBuilder, settings: BulkSettings,
                    epoch_ms: Any, count: int = DRY_RUN_BATCHES) -> list[tuple[float, bytes]]:
    """The first `count` batches as they would leave if every answer came at once:
    [(run-clock seconds it leaves, body)]; `epoch_ms(run_s)` anchors the timestamps."""
    batches: list[tuple[float, bytes]] = []
    batch: BulkRequest | None = None
    for i in np.argsort(plan.due_s, kind="stable").tolist():
        due = float(plan.due_s[i])
        if batch is not None and due - batch.opened_s >= settings.window_s:
            batches.append((batch.opened_s + settings.window_s, batch.body()))
            batch = None
        if len(batches) >= count:
            break
        if batch is None:
            batch = BulkRequest(opened_s=due)
        call = int(np.searchsorted(plan.call_start, i, side="right")) - 1
        entry = batch.entries.setdefault(call, (builder.call_key(i), []))
        entry[1].append((None, i, builder.fields(i, anchor_ms=epoch_ms(due)), due))
        if (len(batch.entries) >= settings.max_calls
                or len(entry[1]) >= settings.max_messages):
            batches.append((due, batch.body()))
            batch = None
    if batch is not None and len(batches) < count:
        batches.append((batch.opened_s + settings.window_s, batch.body()))
    return batches[:count]
