"""--bulk with a fake sender: batch limits, the window, per-call order, outcomes, stops.

gevent runs without monkey-patching and without a network; the fake sender records each batch
and sleeps to imitate a response. Assertions are about what went together and in which order.
"""

from __future__ import annotations

import time

import gevent
import numpy as np
import orjson
import pytest
from gevent.event import Event

from replay.client import Endpoint, RequestBuilder, RequestSettings
from replay.driver.bulk import BulkPoster, dry_run_batches
from replay.driver.clock import RunClock
from replay.driver.health import EndpointHealth
from replay.driver.options import BulkSettings
from replay.driver.replayer import Replayer
from replay.driver.sender import Result
from replay.plan import PlanOptions, build_plan
from replay.results.recorder import OutcomeRecorder

from .test_replayer import table

ACCEPTED = Result(202, None, 1)
SHORT_WINDOW = BulkSettings(window_s=0.02)


class BatchSender:
    """Records each batch as [(vendorCallKey, [messageId, ...]), ...]; answers `status`."""

    def __init__(self, delay_s: float = 0.0, result: Result = ACCEPTED,
                 retries: int = 0):
        self.delay_s = delay_s
        self.result = result
        self.retries = retries
        self.batches: list[list[tuple[str, list[str]]]] = []
        self.paths: set[str] = set()
        self.names: set[str] = set()

    def send(self, request, on_sent=None, on_retry=None):
        on_sent(0.0)
        document = orjson.loads(request.body)
        self.paths.add(request.path)
        self.names.add(request.name)
        self.batches.append([(entry["vendorCallKey"],
                              [m["messageId"] for m in entry["messages"]])
                             for entry in document["entries"]])
        for _ in range(self.retries):
            on_retry(0.0)
        gevent.sleep(self.delay_s)
        return self.result


def run_bulk(rows, *, speed: float | None = 20.0, settings=SHORT_WINDOW,
             sender=None, stop=None):
    data = table(rows)
    plan = build_plan(data, PlanOptions(speed=speed))
    builder = RequestBuilder(table=data, plan=plan, endpoint=Endpoint.from_host("http://h"),
                             settings=RequestSettings(call_center="cc"), minter=None)
    clock = RunClock.starting_at(time.time())
    recorder = OutcomeRecorder(plan.messages)
    sender = sender or BatchSender()
    stop = stop or Event()
    poster = BulkPoster(settings=settings, builder=builder, sender=sender, recorder=recorder,
                        clock=clock, stop=stop)
    replayer = Replayer(plan=plan, builder=builder, recorder=recorder, sender=sender,
                        clock=clock, stop=stop, health=EndpointHealth(now=clock.now_s),
                        concurrency=None, bulk=poster)
    replayer.run()
    return sender, recorder, replayer


def test_messages_due_together_leave_in_one_batch_to_the_bulk_endpoint():
    sender, recorder, _ = run_bulk([("a", 0), ("b", 0), ("c", 0)])
    assert sender.batches == [[("a", ["a-0"]), ("b", ["b-0"]), ("c", ["c-0"])]]
    assert sender.paths == {"/telephony/v1/voiceCalls/messages"}
    assert sender.names == {"/voiceCalls/messages"}
    assert list(recorder.status) == [202, 202, 202]


def test_a_batch_leaves_as_soon_as_it_holds_max_calls_calls():
    rows = [(key, 0) for key in "abcdefg"]
    sender, _, _ = run_bulk(rows, settings=BulkSettings(max_calls=3, window_s=0.05))
    assert [len(batch) for batch in sender.batches] == [3, 3, 1]


def test_a_call_puts_at_most_max_messages_in_one_batch_in_order():
    rows = [("a", 0)] * 7
    sender, _, _ = run_bulk(rows, speed=None, settings=BulkSettings(max_messages=3,
                                                                    window_s=0.05))
    ids = [mid for batch in sender.batches for _key, mids in batch for mid in mids]
    assert ids == [f"a-{n}" for n in range(7)]
    assert all(len(mids) <= 3 for batch in sender.batches for _key, mids in batch)


def test_a_calls_next_message_waits_for_the_answer_to_its_previous_batch():
    sender = BatchSender(delay_s=0.05)
    rows = [("a", 0), ("a", 1), ("b", 0), ("b", 1)]
    # The first batch (a-0, b-0) leaves after the window; a-1 and b-1 are due while it is in
    # flight: they go together in a second batch, only after the first was answered.
    sender, _, _ = run_bulk(rows, sender=sender, speed=1000,
                            settings=BulkSettings(window_s=0.001))
    order = [mid for batch in sender.batches for _key, mids in batch for mid in mids]
    assert order.index("a-0") < order.index("a-1") and order.index("b-0") < order.index("b-1")
    assert all(("a", ["a-0", "a-1"]) not in batch for batch in sender.batches[1:])


def test_every_message_of_a_batch_gets_the_batch_outcome_and_attempts():
    sender = BatchSender(result=Result(503, "http_503", 3), retries=2)
    _, recorder, _ = run_bulk([("a", 0), ("b", 0)], sender=sender)
    assert list(recorder.status) == [503, 503]
    assert list(recorder.attempts) == [3, 3]
    assert not np.isnan(recorder.sent_s).any() and not np.isnan(recorder.done_s).any()


def test_a_stop_leaves_the_open_batch_unsent():
    stop = Event()
    stop.set()
    sender, recorder, replayer = run_bulk([("a", 0), ("b", 0)], stop=stop)
    assert sender.batches == []
    assert list(recorder.status) == [-1, -1]
    assert replayer.stop_reason == "stopped"


def test_dry_run_batches_group_messages_within_the_window():
    data = table([("a", 0), ("b", 100), ("c", 5000), ("a", 5050)])
    plan = build_plan(data, PlanOptions(speed=1.0))
    builder = RequestBuilder(table=data, plan=plan, endpoint=Endpoint.from_host("http://h"),
                             settings=RequestSettings(call_center="cc"), minter=None)
    batches = dry_run_batches(plan, builder, BulkSettings(window_s=0.2), lambda s: 0)
    bodies = [[(e["vendorCallKey"], [m["messageId"] for m in e["messages"]])
               for e in orjson.loads(body)["entries"]] for _s, body in batches]
    assert bodies == [[("a", ["a-0"]), ("b", ["b-0"])], [("c", ["c-0"]), ("a", ["a-1"])]]
    assert batches[0][0] == pytest.approx(0.2)
