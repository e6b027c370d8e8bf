"""The scheduler with a fake sender on a fake clock: order within calls, caps, stops, lifecycle.

gevent runs here without monkey-patching and without a network: the sender only records what
it was asked to send, and a response "takes" fake seconds. The fake clock moves only when every
greenlet waits, straight to the next moment one of them waits for, so these tests take no real
time and their times are exact.
"""

from __future__ import annotations

import heapq
import itertools
from collections import defaultdict

import gevent
import numpy as np
import orjson
import pandas as pd
import pytest
from gevent.event import Event

from replay.client import Endpoint, RequestBuilder, RequestSettings
from replay.driver.health import EndpointHealth
from replay.driver.replayer import CreatePacer, Lifecycle, Replayer
from replay.driver.sender import Result
from replay.plan import PlanOptions, build_plan
from replay.results.recorder import OutcomeRecorder

BASE = 1_764_000_000_000


def table(rows: list[tuple[str, int]]) -> pd.DataFrame:
    """(vendorCallKey, endTime offset ms) rows; messageIds k-0, k-1, ... per call in order."""
    seen: dict[str, int] = defaultdict(int)
    ids = []
    for key, _ in rows:
        ids.append(f"{key}-{seen[key]}")
        seen[key] += 1
    return pd.DataFrame({
        "vendorCallKey": [key for key, _ in rows],
        "participantId": [f"{key}END_USER" for key, _ in rows],
        "messageId": ids,
        "startTime": np.array([BASE + t - 100 for _, t in rows], dtype=np.int64),
        "endTime": np.array([BASE + t for _, t in rows], dtype=np.int64),
        "content": ["hi"] * len(rows),
        "senderType": ["END_USER"] * len(rows),
        "row": np.arange(len(rows), dtype=np.int64),
    })


def call_key(request) -> str:
    """The vendorCallKey a request is about (path, or body of POST /voiceCalls)."""
    if request.path.endswith("/voiceCalls"):
        return orjson.loads(request.body)["vendorCallKey"]
    return request.path.split("/voiceCalls/")[1].split("/")[0]


class FakeClock:
    """Run-clock time that moves only when every greenlet waits (`sleep`, `block_for`).

    `sleep(seconds, wake)` is the Replayer's injected sleep; `block_for(seconds)` is how a fake
    response takes time. When nothing can run (gevent.idle), time jumps to the earliest moment
    someone waits for.
    """

    def __init__(self) -> None:
        self.t = 0.0
        self._waiting: list[tuple[float, int, Event]] = []
        self._seq = itertools.count()
        self.sleeps: list[float] = []

    def now_s(self) -> float:
        return self.t

    def epoch_ms(self, run_s: float) -> int:
        return round((1_800_000_000.0 + float(run_s)) * 1000.0)

    def block_for(self, seconds: float) -> None:
        event = Event()
        heapq.heappush(self._waiting, (self.t + seconds, next(self._seq), event))
        event.wait()

    def sleep(self, seconds: float, wake: Event) -> None:
        self.sleeps.append(seconds)
        until = self.t + seconds
        while not wake.is_set():
            gevent.idle()
            if wake.is_set():
                return
            if self._waiting and self._waiting[0][0] <= until:
                at, _, event = heapq.heappop(self._waiting)
                self.t = max(self.t, at)
                event.set()
                continue
            assert until < 1e6, "fake clock: everyone waits for ever"
            self.t = until
            return


class FakeSender:
    """Records each request; `delays` maps vendorCallKey -> seconds each response takes."""

    def __init__(self, delays: dict[str, float] | None = None, on_send=None, clock=None):
        self.clock = clock
        self.delays = delays or {}
        self.on_send = on_send
        self.log: list[tuple[str, str, str, str]] = []  # (event, method, key, messageId)
        self.in_flight: dict[str, int] = defaultdict(int)
        self.most_calls_in_flight = 0
        self.times: list[tuple[str, float | None]] = []

    def send(self, request, on_sent=None, on_retry=None):
        if on_sent is not None:
            on_sent(self.clock.now_s() if self.clock else 0.0)
        key = call_key(request)
        message = orjson.loads(request.body).get("messageId", "")
        self.log.append(("start", request.method, key, message))
        self.times.append((message, self.clock.now_s() if self.clock else None))
        self.in_flight[key] += 1
        assert self.in_flight[key] == 1, "two requests of one call in flight at once"
        self.most_calls_in_flight = max(self.most_calls_in_flight,
                                        sum(1 for n in self.in_flight.values() if n))
        if self.on_send:
            self.on_send(self)
        if self.delays.get(key):
            self.clock.block_for(self.delays[key])
        self.in_flight[key] -= 1
        self.log.append(("done", request.method, key, message))
        return Result(202, None, 1)


def replay(rows, *, speed=20.0, concurrency=None, lifecycle=False, sender=None, stop=None,
           clock=None):
    data = table(rows)
    plan = build_plan(data, PlanOptions(speed=speed))
    builder = RequestBuilder(table=data, plan=plan, endpoint=Endpoint.from_host("http://h"),
                             settings=RequestSettings(call_center="cc"), minter=None)
    clock = clock or FakeClock()
    recorder = OutcomeRecorder(plan.messages)
    sender = sender or FakeSender()
    sender.clock = clock
    replayer = Replayer(
        plan=plan, builder=builder, recorder=recorder, sender=sender, clock=clock,
        stop=stop or Event(), health=EndpointHealth(now=clock.now_s), concurrency=concurrency,
        lifecycle=Lifecycle(create_rate=1000.0) if lifecycle else None, sleep=clock.sleep,
    )
    replayer.run()
    return replayer, recorder, sender


def sent_ids(sender) -> list[str]:
    return [message for event, _, _, message in sender.log if event == "start" and message]


def test_every_message_is_sent_once_and_each_calls_messages_in_order():
    rows = [("A", 0), ("B", 10), ("A", 20), ("B", 30), ("A", 40), ("B", 50)]
    _, recorder, sender = replay(rows, speed=20.0)
    ids = sent_ids(sender)
    assert sorted(ids) == ["A-0", "A-1", "A-2", "B-0", "B-1", "B-2"]
    assert [i for i in ids if i.startswith("A")] == ["A-0", "A-1", "A-2"]
    assert [i for i in ids if i.startswith("B")] == ["B-0", "B-1", "B-2"]
    assert recorder.accepted_count == 6
    assert not np.isnan(recorder.done_s).any()


def test_a_slow_response_holds_back_only_its_own_call():
    # A's first response takes 0.5 s; B's message is due 0.05 s in: it goes out meanwhile.
    rows = [("A", 0), ("A", 10), ("B", 50)]
    _, _, sender = replay(rows, speed=1.0, sender=FakeSender(delays={"A": 0.5}))
    order = [(event, message) for event, _, _, message in sender.log]
    assert order.index(("start", "B-0")) < order.index(("done", "A-0"))
    assert order.index(("start", "A-1")) > order.index(("done", "A-0"))


def test_max_concurrency_caps_the_calls_in_flight_at_speed_max():
    rows = [(key, 0) for key in "ABCDEF"] + [(key, 10) for key in "ABCDEF"]
    replayer, recorder, sender = replay(rows, speed=None, concurrency=2,
                                        sender=FakeSender(delays=dict.fromkeys("ABCDEF", 0.01)))
    assert sender.most_calls_in_flight <= 2
    assert recorder.accepted_count == 12
    # at speed max, due is when a message became sendable: never after it was sent
    assert (replayer.due_s <= recorder.sent_s).all()


def test_stopping_sends_nothing_more_and_marks_the_rest_unsent():
    stop = Event()

    def stop_after_three(sender):
        if len(sent_ids(sender)) == 3:
            stop.set()

    rows = [("A", t) for t in range(0, 200, 20)]
    replayer, recorder, sender = replay(rows, speed=20.0, stop=stop,
                                        sender=FakeSender(on_send=stop_after_three))
    assert sent_ids(sender) == ["A-0", "A-1", "A-2"]
    assert replayer.stop_reason == "stopped"
    assert recorder.done_count == 3
    unsent_code = recorder.reasons.index("stopped")
    assert (recorder.reason_code[3:] == unsent_code).all()


def test_lifecycle_creates_each_call_before_its_messages_and_ends_it_after():
    rows = [("A", 0), ("A", 10), ("B", 5)]
    _, _, sender = replay(rows, speed=50.0, lifecycle=True)
    for key, messages in (("A", ["A-0", "A-1"]), ("B", ["B-0"])):
        steps = [(method, message) for event, method, k, message in sender.log
                 if event == "start" and k == key]
        assert steps == [("POST", ""), *[("POST", m) for m in messages], ("PATCH", "")]


def test_an_unexpected_error_in_one_call_leaves_the_other_calls_running():
    class Broken(FakeSender):
        def send(self, request, on_sent=None, on_retry=None):
            if call_key(request) == "B":
                raise RuntimeError("boom")
            return super().send(request, on_sent, on_retry)

    rows = [("A", 0), ("B", 5), ("A", 10), ("B", 15)]
    replayer, recorder, sender = replay(rows, speed=50.0, sender=Broken())
    assert sent_ids(sender) == ["A-0", "A-1"]
    assert replayer.calls_failed == 1
    assert recorder.accepted_count == 2


def test_create_pacer_spaces_creations_by_the_rate():
    pacer = CreatePacer(rate=10.0)
    assert [round(pacer.reserve(0.0), 3) for _ in range(3)] == [0.0, 0.1, 0.2]
    assert pacer.reserve(5.0) == 0.0


def test_each_message_goes_out_exactly_when_due_on_the_clock():
    rows = [("A", 0), ("B", 500), ("A", 1000), ("B", 4000)]
    replayer, recorder, sender = replay(rows, speed=2.0)
    assert sender.times == [("A-0", 0.0), ("B-0", 0.25), ("A-1", 0.5), ("B-1", 2.0)]
    assert (recorder.sent_s == replayer.due_s).all()


def test_a_message_due_while_its_call_waits_for_a_response_goes_right_after_it():
    # A-0's response takes 3 s; A-1 is due at 1 s: it goes out when A-0 is done, at 3 s.
    rows = [("A", 0), ("A", 1000), ("A", 5000)]
    _, recorder, sender = replay(rows, speed=1.0, sender=FakeSender(delays={"A": 3.0}))
    assert sender.times == [("A-0", 0.0), ("A-1", 3.0), ("A-2", 6.0)]
    assert recorder.accepted_count == 3


def test_waiting_calls_cost_no_wake_ups_only_one_sleep_per_distinct_due_time():
    # 200 calls, each waiting 100 s between its two messages: the scheduler sleeps once per
    # due time, never once a second per waiting call.
    rows = [(f"c{k:03d}", k) for k in range(200)] + [(f"c{k:03d}", 100_000 + k) for k in range(200)]
    clock = FakeClock()
    _, recorder, _ = replay(rows, speed=1.0, clock=clock)
    assert recorder.accepted_count == 400
    assert len(clock.sleeps) <= 400


def test_a_stop_wakes_the_scheduler_at_once_even_in_a_long_wait():
    stop = Event()
    clock = FakeClock()
    gevent.spawn(lambda: (clock.block_for(5.0), stop.set()))
    rows = [("A", 0), ("A", 3_600_000)]
    replayer, recorder, _ = replay(rows, speed=1.0, stop=stop, clock=clock)
    assert clock.now_s() == 5.0
    assert replayer.stop_reason == "stopped"
    assert recorder.done_count == 1


def test_a_call_held_for_a_concurrency_slot_keeps_its_order_and_starts_when_one_frees():
    rows = [("A", 0), ("B", 100), ("A", 2000), ("B", 2100)]
    replayer, recorder, sender = replay(rows, speed=1.0, concurrency=1)
    assert sent_ids(sender) == ["A-0", "A-1", "B-0", "B-1"]
    assert dict(sender.times)["B-0"] == 2.0  # when A ended
    assert replayer.calls_waiting_for_slot == 1.9
    assert recorder.accepted_count == 4


def test_lateness_puts_a_wait_for_a_concurrency_slot_and_for_a_slow_answer_down_to_each():
    # A-1 waits 0.49 s behind A-0's answer (0.5 s); B waits for A's slot until A ends (2.5 s)
    rows = [("A", 0), ("B", 100), ("A", 10), ("A", 2000)]
    replayer, _, _ = replay(rows, speed=1.0, concurrency=1,
                            sender=FakeSender(delays={"A": 0.5}))
    block = replayer.lateness.block()
    assert block["late_messages"] == 2  # A-1 and B-0; A-2 goes out when due
    assert block["lag_s"]["slow_responses"] == pytest.approx(0.49)
    assert block["lag_s"]["concurrency_slot"] == pytest.approx(2.4)
    assert replayer.calls_waiting_for_slot == pytest.approx(2.4)
    assert "bulk_window" not in block["lag_s"]
