"""The scheduler with a fake sender: order within calls, calls side by side, caps, stops, lifecycle.

gevent runs here without monkey-patching and without a network: the sender only records what
it was asked to send and sleeps to imitate a response time. Assertions are about order, never
about how precise the timing was.
"""

from __future__ import annotations

import time
from collections import defaultdict

import gevent
import numpy as np
import orjson
import pandas as pd
from gevent.event import Event

from replay.client import Endpoint, RequestBuilder, RequestSettings
from replay.driver.clock import RunClock
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


class FakeSender:
    """Records each request; `delays` maps vendorCallKey -> seconds each response takes."""

    def __init__(self, delays: dict[str, float] | None = None, on_send=None):
        self.delays = delays or {}
        self.on_send = on_send
        self.log: list[tuple[str, str, str, str]] = []  # (event, method, key, messageId)
        self.in_flight: dict[str, int] = defaultdict(int)
        self.most_calls_in_flight = 0

    def send(self, request, on_retry=None):
        key = call_key(request)
        message = orjson.loads(request.body).get("messageId", "")
        self.log.append(("start", request.method, key, message))
        self.in_flight[key] += 1
        assert self.in_flight[key] == 1, "two requests of one call in flight at once"
        self.most_calls_in_flight = max(self.most_calls_in_flight,
                                        sum(1 for n in self.in_flight.values() if n))
        if self.on_send:
            self.on_send(self)
        gevent.sleep(self.delays.get(key, 0.0))
        self.in_flight[key] -= 1
        self.log.append(("done", request.method, key, message))
        return Result(202, None, 1)


def replay(rows, *, speed=20.0, concurrency=None, lifecycle=False, sender=None, stop=None):
    data = table(rows)
    plan = build_plan(data, PlanOptions(speed=speed))
    builder = RequestBuilder(table=data, plan=plan, endpoint=Endpoint.from_host("http://h"),
                             settings=RequestSettings(call_center="cc"), minter=None)
    clock = RunClock.starting_at(time.time())
    recorder = OutcomeRecorder(plan.messages)
    sender = sender or FakeSender()
    replayer = Replayer(
        plan=plan, builder=builder, recorder=recorder, sender=sender, clock=clock,
        stop=stop or Event(), health=EndpointHealth(now=clock.now_s), concurrency=concurrency,
        lifecycle=Lifecycle(create_rate=1000.0) if lifecycle else None,
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
        def send(self, request, on_retry=None):
            if call_key(request) == "B":
                raise RuntimeError("boom")
            return super().send(request, on_retry)

    rows = [("A", 0), ("B", 5), ("A", 10), ("B", 15)]
    replayer, recorder, sender = replay(rows, speed=50.0, sender=Broken())
    assert sent_ids(sender) == ["A-0", "A-1"]
    assert replayer.calls_failed == 1
    assert recorder.accepted_count == 2


def test_create_pacer_spaces_creations_by_the_rate():
    pacer = CreatePacer(rate=10.0)
    assert [round(pacer.reserve(0.0), 3) for _ in range(3)] == [0.0, 0.1, 0.2]
    assert pacer.reserve(5.0) == 0.0
