"""--bulk: post messages in batches to `POST /voiceCalls/messages`, each message still counted.

    poster = BulkPoster(settings=config.bulk_settings, builder=builder, sender=sender,
                        recorder=recorder, clock=clock, stop=stop)
    poster.add(call, i, anchor_ms=...)     # from the call's greenlet, when message i is due
    poster.finish_call(call)               # after the call's last message: wait for its answer

The Replayer hands each due message to the poster instead of posting it (its one seam). A batch
holds at most `max_calls` calls and `max_messages` messages per call (the bulk endpoint's
limits). It leaves as soon as it is full (it holds `max_calls` calls, or a call has
`max_messages` messages in it), or when its oldest message has waited `window_s` of run time.
Per-call order is kept: a call's next message joins the open batch behind its previous one, or,
when that one's batch has already left, waits until it is answered (the call's greenlet blocks in
`add`). Every message keeps its own outcome: sent when its batch leaves, retried and done with
its batch, the batch's status and reason. A retried batch resends the same body (same ids). On
a stop, a batch that has not left is dropped: its messages stay unsent. Locust's statistics see
each attempt under the name `/voiceCalls/messages`.
"""

from __future__ import annotations

import logging
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
from replay.driver.sender import Sender
from replay.plan import Plan
from replay.results.recorder import OutcomeRecorder

logger = logging.getLogger(__name__)

DRY_RUN_BATCHES = 2


@dataclass(eq=False)
class Batch:
    """Messages waiting to leave together: call -> (vendorCallKey, [(i, fields), ...])."""

    opened_s: float
    entries: dict[int, tuple[str, list[tuple[int, dict]]]] = field(default_factory=dict)
    left: bool = False
    answered: Event = field(default_factory=Event)

    @property
    def messages(self) -> list[int]:
        return [i for _key, rows in self.entries.values() for i, _fields in rows]

    def body(self) -> bytes:
        return orjson.dumps({"entries": [
            {"vendorCallKey": key, "messages": [fields for _i, fields in rows]}
            for key, rows in self.entries.values()]})


class BulkPoster:
    """Collects due messages into batches and sends them; one per process."""

    def __init__(self, *, settings: BulkSettings, builder: RequestBuilder, sender: Sender,
                 recorder: OutcomeRecorder, clock: RunClock, stop: Event) -> None:
        self._settings = settings
        self._builder = builder
        self._sender = sender
        self._recorder = recorder
        self._clock = clock
        self._stop = stop
        self._open: Batch | None = None
        self._last: dict[int, Batch] = {}  # each call's latest batch
        self._in_flight = Group()
        self.batches_sent = 0

    def add(self, call: int, i: int, *, anchor_ms: int) -> bool:
        """Put message i of `call` in the open batch, after its call's previous message has been
        answered if that one's batch has left. False when the run is stopping (i not sent)."""
        last = self._last.get(call)
        while last is not None and last.left and not last.answered.is_set():
            last.answered.wait()
        if self._stop.is_set():
            return False
        batch = self._open
        if batch is None:
            batch = self._open = Batch(opened_s=self._clock.now_s())
            gevent.spawn_later(self._settings.window_s, self._expire, batch)
        entry = batch.entries.get(call)
        if entry is None:
            entry = batch.entries[call] = (self._builder.call_key(i), [])
        entry[1].append((i, self._builder.fields(i, anchor_ms=anchor_ms)))
        self._last[call] = batch
        if (len(batch.entries) >= self._settings.max_calls
                or len(entry[1]) >= self._settings.max_messages):
            self._leave(batch)
        return True

    def finish_call(self, call: int) -> None:
        """Wait until the call's last batch has been answered (or dropped on a stop)."""
        last = self._last.pop(call, None)
        if last is not None:
            last.answered.wait()

    def join(self) -> None:
        """Send what is still open (dropped if the run is stopping); wait for every answer."""
        if self._open is not None:
            self._leave(self._open)
        self._in_flight.join()

    def _expire(self, batch: Batch) -> None:
        if self._open is batch:
            self._leave(batch)

    def _leave(self, batch: Batch) -> None:
        self._open = None
        batch.left = True
        self._in_flight.spawn(self._send, batch)

    def _send(self, batch: Batch) -> None:
        recorder, now_s = self._recorder, self._clock.now_s
        try:
            if self._stop.is_set():
                return  # not sent: the replay marks these messages unsent
            messages = batch.messages
            request = self._builder.bulk_messages(batch.body())

            def sent(t: float) -> None:
                for i in messages:
                    recorder.sent(i, t)

            def retried(t: float) -> None:
                for i in messages:
                    recorder.retried(i, t)

            result = self._sender.send(request, on_sent=sent, on_retry=retried)
            done_s = now_s()
            for i in messages:
                recorder.done(i, done_s, result.status, result.reason, result.attempts)
            self.batches_sent += 1
        except Exception:
            logger.exception("a bulk batch could not be sent")
        finally:
            batch.answered.set()


def dry_run_batches(plan: Plan, builder: RequestBuilder, settings: BulkSettings,
                    epoch_ms: Any, count: int = DRY_RUN_BATCHES) -> list[tuple[float, bytes]]:
    """The first `count` batches as they would leave if every answer came at once:
    [(run-clock seconds it leaves, body)]; `epoch_ms(run_s)` anchors the timestamps."""
    batches: list[tuple[float, bytes]] = []
    batch: Batch | None = None
    for i in np.argsort(plan.due_s, kind="stable").tolist():
        due = float(plan.due_s[i])
        if batch is not None and due - batch.opened_s >= settings.window_s:
            batches.append((batch.opened_s + settings.window_s, batch.body()))
            batch = None
        if len(batches) >= count:
            break
        if batch is None:
            batch = Batch(opened_s=due)
        call = int(np.searchsorted(plan.call_start, i, side="right")) - 1
        entry = batch.entries.setdefault(call, (builder.call_key(i), []))
        entry[1].append((i, builder.fields(i, anchor_ms=epoch_ms(due))))
        if (len(batch.entries) >= settings.max_calls
                or len(entry[1]) >= settings.max_messages):
            batches.append((due, batch.body()))
            batch = None
    if batch is not None and len(batches) < count:
        batches.append((batch.opened_s + settings.window_s, batch.body()))
    return batches[:count]
