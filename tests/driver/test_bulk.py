"""--bulk with a fake sender: batch limits, the window, per-call order, outcomes, stops, streamed
batches, and the lateness the poster measures.

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
from replay.dataset import prepare as prepare_module
from replay.driver.bulk import dry_run_batches
from replay.driver.clock import RunClock
from replay.driver.health import EndpointHealth
from replay.driver.options import BulkSettings
from replay.driver.replayer import Replayer
from replay.driver.sender import Result
from replay.plan import PlanOptions, build_plan
from replay.results.recorder import OutcomeRecorder

from .test_replayer import table
from .test_stream import READ_AHEAD, Sink, stream_replay, write_prepared

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

    clock = None  # set by the replay helpers

    def send(self, request, on_sent=None, on_retry=None):
        on_sent(self.clock.now_s() if self.clock else 0.0)
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
    sender.clock = clock
    stop = stop or Event()
    replayer = Replayer(plan=plan, builder=builder, recorder=recorder, sender=sender,
                        clock=clock, stop=stop, health=EndpointHealth(now=clock.now_s),
                        concurrency=None, bulk=settings)
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


def test_a_bulk_message_held_by_its_calls_previous_request_gets_its_retry_waits():
    # a-0's request is answered after 0.1 s, 0.08 s of which were retry waits; a-1 is due
    # meanwhile: its lag is put down to those retries first
    sender = BatchSender(delay_s=0.1, result=Result(202, None, 2, retry_wait_s=0.08))
    _, recorder, replayer = run_bulk([("a", 0), ("a", 20)], sender=sender, speed=1.0,
                                     settings=BulkSettings(window_s=0.001))
    block = replayer.lateness.block()
    assert list(recorder.status) == [202, 202]
    assert block["late_messages"] == 1
    assert block["lag_s"]["retry_waits"] == pytest.approx(0.08)
    assert "bulk_window" in block["lag_s"]


def test_the_wait_for_a_bulk_request_to_leave_is_attributed_to_the_bulk_window():
    _, _, replayer = run_bulk([("a", 0), ("b", 0)], speed=1.0,
                              settings=BulkSettings(window_s=0.1))
    block = replayer.lateness.block()
    assert block["late_messages"] == 2
    assert block["largest"] == "bulk_window"
    assert block["lag_s"]["bulk_window"] == pytest.approx(0.2, abs=0.05)


def streamed(tmp_path, monkeypatch, *, calls, messages, rows_per_batch, **options):
    monkeypatch.setattr(prepare_module, "ROW_GROUP_ROWS", rows_per_batch)
    dataset = write_prepared(tmp_path, calls=calls, messages=messages, gap_ms=200)
    sink = AnsweredSink()
    replayer, sender, _ = stream_replay(dataset, real_clock=True, sink=sink, **options)
    return replayer, sender, sink.batches


class AnsweredSink(Sink):
    """(messages, accepted, done) of each batch as it reaches the sink."""

    def add(self, batch):
        self.batches.append((batch.plan.messages, batch.recorder.accepted_count,
                             batch.recorder.done_count))


def test_a_streamed_bulk_replay_posts_every_message_once_each_call_in_order(tmp_path,
                                                                          monkeypatch):
    sender = BatchSender(delay_s=0.01)
    replayer, sender, written = streamed(
        tmp_path, monkeypatch, calls=12, messages=5, rows_per_batch=7, speed=20.0,
        sender=sender, bulk=BulkSettings(window_s=0.02))
    sent = [(key, mid) for batch in sender.batches for key, mids in batch for mid in mids]
    assert sorted(sent) == sorted((f"c{c:04d}", f"c{c:04d}-m{m:02d}")
                                  for c in range(12) for m in range(5))
    for c in range(12):
        ids = [mid for key, mid in sent if key == f"c{c:04d}"]
        assert ids == sorted(ids)
    assert len(sender.batches) < 60 and sender.paths == {"/telephony/v1/voiceCalls/messages"}
    # a batch of the stream reaches the sink only once every message of it was answered
    assert len(written) > 1
    assert all(messages == accepted == done for messages, accepted, done in written)
    assert sum(messages for messages, _, _ in written) == 60
    assert replayer.lateness.block()["lag_s"].keys() >= {"bulk_window"}


def test_a_streamed_bulk_replay_at_speed_max_keeps_every_call_in_order(tmp_path, monkeypatch):
    _, sender, written = streamed(
        tmp_path, monkeypatch, calls=20, messages=4, rows_per_batch=9, speed=None,
        sender=BatchSender(), bulk=BulkSettings(window_s=0.005), max_pending=10)
    sent = [(key, mid) for batch in sender.batches for key, mids in batch for mid in mids]
    assert len(sent) == len(set(sent)) == 80
    for c in range(20):
        ids = [mid for key, mid in sent if key == f"c{c:04d}"]
        assert ids == sorted(ids)
    assert all(messages == accepted for messages, accepted, _ in written)


def test_a_stopped_streamed_bulk_replay_leaves_every_message_accounted_for(tmp_path,
                                                                          monkeypatch):
    stop = Event()
    gevent.spawn_later(0.3, stop.set)
    replayer, sender, written = streamed(
        tmp_path, monkeypatch, calls=10, messages=10, rows_per_batch=7, speed=5.0,
        sender=BatchSender(delay_s=0.01), bulk=BulkSettings(window_s=0.05), stop=stop)
    sent = sum(len(mids) for batch in sender.batches for _key, mids in batch)
    assert replayer.stop_reason == "stopped"
    assert 0 < sent < 100
    # every message read was answered (accepted) or left unsent: none is half-counted
    assert sum(accepted for _, accepted, _ in written) == sent
    assert all(accepted == done for _, accepted, done in written)


def test_a_streamed_bulk_replay_at_speed_max_reads_on_only_while_few_messages_are_pending(
        tmp_path, monkeypatch):
    # Fails if messages queued in bulk requests stopped counting as pending: with every answer
    # held back, reading stops after the pending window plus the read-ahead.
    monkeypatch.setattr(prepare_module, "ROW_GROUP_ROWS", 500)
    release = Event()
    seen: dict = {}

    class HeldSender(BatchSender):
        def send(self, request, on_sent=None, on_retry=None):
            if not release.is_set():
                release.wait()
            return super().send(request, on_sent, on_retry)

    def watch():
        for _ in range(200):
            gevent.sleep(0.01)
        seen.update(made)
        release.set()

    made: dict = {}
    checker = gevent.spawn(watch)
    dataset = write_prepared(tmp_path, calls=2_000, messages=10, gap_ms=1_000)
    sender = HeldSender()
    stream_replay(dataset, speed=None, max_pending=1_000, resident=made, sender=sender,
                  real_clock=True, bulk=BulkSettings(window_s=0.01), sink=AnsweredSink())
    checker.join()
    assert seen["rows"] <= 1_000 + 500 * (READ_AHEAD + 3)
    assert sum(len(mids) for batch in sender.batches for _key, mids in batch) == 20_000
