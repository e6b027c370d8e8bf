"""Streaming a prepared directory through the Replayer: order, timeline, and bounded memory.

A fake sender (no network) records what it was asked to send; the prepared directory is real.
"""

from __future__ import annotations

import time

import gevent
import orjson
import pandas as pd
import pytest
from gevent.event import Event

from replay.client import RequestBuilder, RequestSettings
from replay.dataset import LoadOptions
from replay.dataset import prepare as prepare_module
from replay.dataset.prepare import prepare_dataset
from replay.dataset.prepared import PreparedDataset, open_prepared
from replay.driver.clock import RunClock
from replay.driver.health import EndpointHealth
from replay.driver.options import ReplayConfig
from replay.driver.outputs import OutcomeSink
from replay.driver.replayer import Lifecycle, Replayer, wait_or_wake
from replay.driver.sender import Result
from replay.driver.stream import (
    KEY_COLUMNS,
    READ_AHEAD,
    PreparedStream,
    StreamTally,
    check_streamable,
)
from replay.errors import ConfigError
from replay.plan import PlanOptions, build_plan
from replay.results import series_calls
from replay.results.outcomes import read_outcomes
from replay.results.series import series_of_table

from .test_replayer import FakeClock

BASE = 1_764_000_000_000


def write_prepared(tmp_path, *, calls: int, messages: int, gap_ms: int = 1000):
    rows = []
    for c in range(calls):
        for m in range(messages):
            end = BASE + c * 37 + m * gap_ms
            rows.append({"vendorCallKey": f"c{c:04d}", "participantId": "p",
                         "messageId": f"c{c:04d}-m{m:02d}", "startTime": end - 100,
                         "endTime": end, "content": "hi", "senderType": "END_USER"})
    pd.DataFrame(rows).to_parquet(tmp_path / "t.parquet")
    prepare_dataset([tmp_path / "t.parquet"], tmp_path / "prepared", LoadOptions())
    return open_prepared(tmp_path / "prepared")


class RecordingSender:
    def __init__(self, clock=None):
        self.clock = clock
        self.sent: list[tuple[str, str, float | None]] = []

    def send(self, request, on_sent=None, on_retry=None):
        if on_sent is not None:
            on_sent(self.clock.now_s() if self.clock else 0.0)
        body = orjson.loads(request.body)
        key = request.path.split("/voiceCalls/")[1].split("/")[0]
        self.sent.append((key, body["messageId"], self.clock.now_s() if self.clock else None))
        gevent.sleep(0)
        return Result(202, None, 1)


class Sink:
    def __init__(self):
        self.batches = []

    def add(self, batch):
        self.batches.append((batch.plan.messages, batch.recorder.accepted_count))


def stream_replay(dataset, *, speed, loops=1, max_pending=200_000, resident=None,
                  sender=None, real_clock=False, lifecycle=None, max_gap_s=None, bulk=None,
                  stop=None, sink=None, concurrency=None):
    config = ReplayConfig(dataset=str(dataset.path), host="http://h", speed=speed, loops=loops,
                          lifecycle=lifecycle is not None, max_gap_s=max_gap_s)
    made = resident if resident is not None else {}
    made.update(rows=0, most=0)

    def make_builder(table, plan):
        made["rows"] += len(table)
        made["most"] = max(made["most"], made["rows"] - finished["rows"])
        return RequestBuilder(table=table, plan=plan, endpoint=config.endpoint,
                              settings=RequestSettings(), minter=None)

    finished = {"rows": 0}
    stream = PreparedStream(dataset, config, make_builder)
    sink = sink or Sink()
    tally = StreamTally(sink)

    def done(batch):
        made["most"] = max(made["most"], made["rows"] - finished["rows"])
        finished["rows"] += len(batch.table)
        tally.done(batch)

    clock = RunClock.starting_at(time.time()) if real_clock else FakeClock()
    sender = sender or RecordingSender()
    sender.clock = clock
    replayer = Replayer(
        batches=tally.watch(stream.batches()), paced=speed is not None, sender=sender,
        clock=clock, health=EndpointHealth(now=clock.now_s),
        concurrency=concurrency or (None if speed else int(dataset.manifest["peak_concurrency"])),
        sleep=wait_or_wake if real_clock else clock.sleep, on_batch_done=done,
        max_pending=max_pending, lifecycle=lifecycle, bulk=bulk, stop=stop or Event(),
    )
    replayer.run()
    tally.close()
    return replayer, sender, sink


def test_a_streamed_replay_sends_every_message_once_each_call_in_order(tmp_path, monkeypatch):
    monkeypatch.setattr(prepare_module, "ROW_GROUP_ROWS", 50)
    dataset = write_prepared(tmp_path, calls=40, messages=6)
    _, sender, sink = stream_replay(dataset, speed=10.0)
    assert len(sender.sent) == 240
    by_call = pd.DataFrame(sender.sent, columns=["key", "id", "t"]).groupby("key")["id"]
    assert all(ids.tolist() == sorted(ids) for _, ids in by_call)
    assert sum(accepted for _, accepted in sink.batches) == 240
    assert len(sink.batches) > 1


def test_each_message_is_sent_at_its_due_time_on_the_whole_datasets_timeline(tmp_path,
                                                                             monkeypatch):
    monkeypatch.setattr(prepare_module, "ROW_GROUP_ROWS", 7)
    dataset = write_prepared(tmp_path, calls=5, messages=4, gap_ms=2000)
    _, sender, _ = stream_replay(dataset, speed=2.0, loops=2)
    times = {(key, message): t for key, message, t in sender.sent}
    assert times["c0000", "c0000-m00"] == 0.0
    assert times["c0003", "c0003-m02"] == (3 * 37 + 2 * 2000) / 2000
    span = (4 * 37 + 3 * 2000) / 2000
    assert times["c0003-p1", "c0003-m02-p1"] == span + 1.0 + (3 * 37 + 2 * 2000) / 2000
    assert len(times) == 40


def test_at_speed_max_a_replay_reads_on_only_while_few_messages_are_pending(tmp_path,
                                                                          monkeypatch):
    # Fails if a replay reads (much) more of the dataset than it is sending: with every
    # response held back, reading stops after the pending window (1,000) plus the read-ahead
    # (a few row groups of 500), far below the 20,000 messages.
    monkeypatch.setattr(prepare_module, "ROW_GROUP_ROWS", 500)
    dataset = write_prepared(tmp_path, calls=2_000, messages=10, gap_ms=1_000)
    release = Event()
    seen: dict = {}

    class HeldSender(RecordingSender):
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
    _, sender, sink = stream_replay(dataset, speed=None, max_pending=1_000, resident=made,
                                    sender=HeldSender(), real_clock=True)
    checker.join()
    # the pending window and the batch over it, the queue, the reader's batch in hand
    assert seen["rows"] <= 1_000 + 500 * (READ_AHEAD + 3)
    assert len(sender.sent) == 20_000
    assert sum(accepted for _, accepted in sink.batches) == 20_000


def test_at_speed_max_with_few_slots_a_replay_reads_on_when_running_calls_wait_for_later_batches(
        tmp_path, monkeypatch):
    # 200 calls that all overlap, 4 slots: the held calls' messages fill the pending window
    # while the running calls wait for their next messages, further on in the dataset.
    monkeypatch.setattr(prepare_module, "ROW_GROUP_ROWS", 100)
    dataset = write_prepared(tmp_path, calls=200, messages=10, gap_ms=10_000)
    with gevent.Timeout(60, AssertionError("the replay stalled")):
        _, sender, sink = stream_replay(dataset, speed=None, max_pending=300, concurrency=4,
                                        real_clock=True)
    assert len(sender.sent) == 2_000
    assert sum(accepted for _, accepted in sink.batches) == 2_000


def test_a_stopped_stream_counts_what_it_never_read_without_planning_it(tmp_path, monkeypatch):
    monkeypatch.setattr(prepare_module, "ROW_GROUP_ROWS", 20)
    dataset = write_prepared(tmp_path, calls=30, messages=10, gap_ms=1_000)
    asked = []  # the rest is read from its key columns alone, from where reading stopped
    tables = PreparedDataset.tables
    monkeypatch.setattr(PreparedDataset, "tables", lambda self, partition=None, columns=None,
                        start=0: asked.append((columns, start)) or tables(self, partition,
                                                                           columns, start))
    config = ReplayConfig(dataset=str(dataset.path), host="http://h", speed=1.0)
    stream = PreparedStream(dataset, config, lambda table, plan: RequestBuilder(
        table=table, plan=plan, endpoint=config.endpoint, settings=RequestSettings(),
        minter=None))
    sink = Sink()
    tally = StreamTally(sink)
    clock, stop = FakeClock(), Event()
    gevent.spawn(lambda: (clock.block_for(3.5), stop.set()))
    sender = RecordingSender()
    sender.clock = clock
    replayer = Replayer(batches=tally.watch(stream.batches()), paced=True, sender=sender,
                        clock=clock, stop=stop, health=EndpointHealth(now=clock.now_s),
                        concurrency=None, sleep=clock.sleep, on_batch_done=tally.done)
    replayer.run()
    tally.close()
    read = sum(messages for messages, _ in sink.batches)
    assert replayer.stop_reason == "stopped"
    assert 0 < len(sender.sent) < read < 300
    assert read + stream.rest_rows() == 300
    assert asked[0] == (None, 0) and asked[-1][0] == KEY_COLUMNS and asked[-1][1] > 0


def test_a_stream_stopped_after_its_last_batch_was_handed_over_has_nothing_left_to_count(
        tmp_path, monkeypatch):
    monkeypatch.setattr(prepare_module, "ROW_GROUP_ROWS", 20)
    dataset = write_prepared(tmp_path, calls=5, messages=4, gap_ms=1_000)
    config = ReplayConfig(dataset=str(dataset.path), host="http://h", speed=1.0)
    stream = PreparedStream(dataset, config, lambda table, plan: RequestBuilder(
        table=table, plan=plan, endpoint=config.endpoint, settings=RequestSettings(),
        minter=None))
    handed = sum(batch.plan.messages for batch in stream.batches())
    with gevent.Timeout(10, AssertionError("rest_rows waited for a stream already read")):
        assert (handed, stream.rest_rows()) == (20, 0)


class LifecycleSender(RecordingSender):
    """Records creates and ends too: (method, key, messageId or "", time)."""

    def send(self, request, on_sent=None, on_retry=None):
        if on_sent is not None:
            on_sent(self.clock.now_s())
        body = orjson.loads(request.body)
        key = body.get("vendorCallKey") or request.path.split("/voiceCalls/")[1].split("/")[0]
        self.sent.append((request.method, key, body.get("messageId", ""), self.clock.now_s()))
        gevent.sleep(0)
        return Result(202, None, 1)


def test_with_lifecycle_a_streamed_call_is_created_first_and_ended_after_its_last(
        tmp_path, monkeypatch):
    monkeypatch.setattr(prepare_module, "ROW_GROUP_ROWS", 7)  # calls span several batches
    dataset = write_prepared(tmp_path, calls=6, messages=5, gap_ms=2000)
    replayer, sender, sink = stream_replay(dataset, speed=4.0, sender=LifecycleSender(),
                                           lifecycle=Lifecycle(create_rate=1000.0))
    assert replayer.calls_done == 6
    assert sum(accepted for _, accepted in sink.batches) == 30
    for c in range(6):
        key = f"c{c:04d}"
        steps = [(method, message) for method, k, message, _ in sender.sent if k == key]
        assert steps == [("POST", ""), *[("POST", f"{key}-m{m:02d}") for m in range(5)],
                         ("PATCH", "")]


def test_with_lifecycle_streamed_creations_are_paced_by_the_create_rate(tmp_path, monkeypatch):
    monkeypatch.setattr(prepare_module, "ROW_GROUP_ROWS", 7)
    dataset = write_prepared(tmp_path, calls=4, messages=2)
    _, sender, _ = stream_replay(dataset, speed=None, sender=LifecycleSender(),
                                 lifecycle=Lifecycle(create_rate=2.0))
    creates = [t for method, _, message, t in sender.sent if method == "POST" and not message]
    assert len(creates) == 4
    assert sorted(creates) == [0.0, 0.5, 1.0, 1.5]


def write_held_calls(tmp_path, *, max_gap_s):
    """Calls that overlap, each with a long hold (60 s) in the middle, prepared with --max-gap."""
    rows = []
    for c in range(8):
        for m in range(6):
            end = BASE + c * 1500 + m * 1000 + (60_000 if m >= 3 else 0)
            rows.append({"vendorCallKey": f"c{c:04d}", "participantId": "p",
                         "messageId": f"c{c:04d}-m{m:02d}", "startTime": end - 100,
                         "endTime": end, "content": "hi", "senderType": "END_USER"})
    pd.DataFrame(rows).to_parquet(tmp_path / "t.parquet")
    prepare_dataset([tmp_path / "t.parquet"], tmp_path / "prepared", LoadOptions(),
                    max_gap_s=max_gap_s)
    return open_prepared(tmp_path / "prepared"), pd.DataFrame(rows)


def test_max_gap_on_a_stream_sends_each_message_when_the_in_memory_plan_would(tmp_path,
                                                                             monkeypatch):
    monkeypatch.setattr(prepare_module, "ROW_GROUP_ROWS", 5)
    dataset, frame = write_held_calls(tmp_path, max_gap_s=2.0)
    _, sender, sink = stream_replay(dataset, speed=4.0, max_gap_s=2.0)
    plan = build_plan(frame, PlanOptions(speed=4.0, max_gap_s=2.0))
    expected = {message: due for message, due in zip(
        frame["messageId"].to_numpy()[plan.row], plan.due_s.tolist(), strict=True)}
    sent = {message: t for _, message, t in sender.sent}
    assert sent == pytest.approx(expected, abs=1e-9)
    assert sent["c0000-m03"] == 3 * 1000 / 4000 + (2000 - 1000) / 4000  # 61 s of hold -> 2 s
    by_call = pd.DataFrame(sender.sent, columns=["key", "id", "t"]).groupby("key")["id"]
    assert all(ids.tolist() == sorted(ids) for _, ids in by_call)
    assert sum(accepted for _, accepted in sink.batches) == 48


def test_a_run_must_ask_for_the_max_gap_the_directory_was_prepared_with(tmp_path):
    dataset, _ = write_held_calls(tmp_path, max_gap_s=2.0)
    for asked, message in (
        (None, "was prepared with --max-gap 2; run with the same, or prepare it again with no "
               "--max-gap"),
        (5.0, "was prepared with --max-gap 2; run with the same, or prepare it again with "
              "--max-gap 5"),
    ):
        config = ReplayConfig(dataset=str(dataset.path), host="http://h", speed=1.0,
                              max_gap_s=asked)
        with pytest.raises(ConfigError) as error:
            check_streamable(config, dataset)
        assert str(error.value) == (
            f"{dataset.path} {message} (`replay prepare` shortens the silences inside calls, so "
            "that the directory is in sending order)")


def test_the_series_of_a_streamed_run_holds_the_calls_in_flight_not_every_call(tmp_path,
                                                                               monkeypatch):
    monkeypatch.setattr(prepare_module, "ROW_GROUP_ROWS", 60)  # 50 batches
    monkeypatch.setattr(series_calls, "MERGE_ROWS", 60)
    dataset = write_prepared(tmp_path, calls=1_000, messages=3, gap_ms=500)  # ~30 in flight
    sink = OutcomeSink(path=str(tmp_path / "outcomes.parquet"))
    stream_replay(dataset, speed=1.0, sink=sink)
    sink.close()
    assert sink.series.peak_calls_held < 200  # of 1,000 calls, each dropped once it ended
    assert sink.series.finish(duration_s=40.0) == series_of_table(
        read_outcomes(tmp_path / "outcomes.parquet"), duration_s=40.0)


class SlowFirstSender(RecordingSender):
    """Each call's first message takes `delay_s` fake seconds to answer."""

    def __init__(self, delay_s: float):
        super().__init__()
        self.delay_s = delay_s

    def send(self, request, on_sent=None, on_retry=None):
        if on_sent is not None:
            on_sent(self.clock.now_s())  # out at once; the answer takes delay_s
        if orjson.loads(request.body)["messageId"].endswith("-m00"):
            self.clock.block_for(self.delay_s)
        return super().send(request, None, on_retry)


def test_a_streamed_replay_attributes_lag_behind_a_slow_response_across_batches(
        tmp_path, monkeypatch):
    monkeypatch.setattr(prepare_module, "ROW_GROUP_ROWS", 1)  # every message its own batch
    dataset = write_prepared(tmp_path, calls=1, messages=3, gap_ms=100)
    class WaitsSink(Sink):  # whether a batch still holds its lateness record when written
        def add(self, batch):
            self.batches.append(batch.waits)

    replayer, _, sink = stream_replay(dataset, speed=1.0, sender=SlowFirstSender(0.5),
                                      sink=WaitsSink())
    # due 0.0, 0.1, 0.2; the first answer comes at 0.5, the two others go out then
    block = replayer.lateness.block()
    assert sink.batches == [None, None, None]  # added up and dropped as each batch finished
    assert block["late_messages"] == 2
    assert block["lag_s"]["slow_responses"] == pytest.approx(0.4 + 0.3)
    assert block["lag_s"]["event_loop"] == pytest.approx(0.0)
    assert block["largest"] == "slow_responses"


def test_a_stream_stopped_after_its_last_batch_was_handed_over_has_no_rest_to_count(
        tmp_path, monkeypatch):
    # A run stopped while its last messages are in flight (at --speed max the whole stream
    # may be read by then) must not wait for batches that will never come.
    monkeypatch.setattr(prepare_module, "ROW_GROUP_ROWS", 20)
    dataset = write_prepared(tmp_path, calls=6, messages=10)
    config = ReplayConfig(dataset=str(dataset.path), host="http://h", speed=None)
    stream = PreparedStream(dataset, config, lambda table, plan: None)
    assert sum(batch.plan.messages for batch in stream.batches()) == 60
    assert stream.rest_rows() == 0
