"""A worker's outbox of outcome chunks (replay/driver/distributed.py ChunkOutbox): chunks made
in the threadpool are sent from the loop's thread, in order, close() waits for them all, and no
more than a window of them is ever sent ahead of the master's acknowledgements; and which
workers the master counts as lost."""

from __future__ import annotations

from types import SimpleNamespace

import gevent
from gevent.monkey import get_original

from replay.driver.distributed import ChunkOutbox, MasterRole
from replay.driver.threads import in_thread

# The OS thread, even when gevent has patched threading (as Locust does in the test process).
os_thread_id = get_original("_thread", "get_ident")


def test_chunks_made_in_the_threadpool_are_sent_from_the_loop_in_order():
    sent: list[tuple[bytes, int]] = []

    def send(chunk: bytes) -> None:
        sent.append((chunk, os_thread_id()))
        gevent.spawn(outbox.acknowledge)  # the master, once the chunk is spooled

    outbox = ChunkOutbox(send)

    def make(first: int) -> None:
        for number in range(first, first + 50):
            outbox.put(b"chunk %d" % number)

    for first in range(0, 200, 50):  # as a streamed run's sink does, batch after batch
        in_thread(make, first)
    assert outbox.close() == 200
    assert [chunk for chunk, _ in sent] == [b"chunk %d" % number for number in range(200)]
    assert {thread for _, thread in sent} == {os_thread_id()}


def test_close_with_nothing_made_sends_nothing():
    sent: list[bytes] = []
    outbox = ChunkOutbox(sent.append)
    gevent.sleep(0)
    assert outbox.close() == 0
    assert sent == []


def test_no_more_than_the_window_is_sent_before_the_master_acknowledges():
    sent: list[bytes] = []
    outbox = ChunkOutbox(sent.append, window=3)
    for number in range(10):  # a streamed run's sink, faster than the master's disk
        outbox.put(b"chunk %d" % number)
    gevent.sleep(0.05)
    assert len(sent) == 3
    outbox.acknowledge()
    outbox.acknowledge()
    gevent.sleep(0.05)
    assert len(sent) == 5
    for _ in range(5):
        outbox.acknowledge()
    assert outbox.close() == 10
    assert sent == [b"chunk %d" % number for number in range(10)]


def test_a_share_in_memory_makes_its_next_chunk_only_once_the_window_has_room():
    outbox = ChunkOutbox(lambda chunk: None, window=2)
    made = []

    def make_chunks() -> None:  # as a worker sends a share it held in memory
        for number in range(4):
            outbox.put(b"chunk %d" % number)
            made.append(number)
            outbox.wait_for_room()

    maker = gevent.spawn(make_chunks)
    gevent.sleep(0.05)
    assert made == [0, 1]  # two unacknowledged: the third waits
    outbox.acknowledge()
    gevent.sleep(0.05)
    assert made == [0, 1, 2]
    for _ in range(3):
        outbox.acknowledge()
    maker.join(timeout=5)
    assert made == [0, 1, 2, 3]
    assert outbox.close() == 4


def master_with_workers(states: dict[str, str]):
    """A MasterRole over a fake Locust master whose list of workers holds `states`."""
    nodes = {client_id: SimpleNamespace(id=client_id, state=state)
             for client_id, state in states.items()}
    runner = SimpleNamespace(register_message=lambda *_: None, clients=nodes)
    environment = SimpleNamespace(
        runner=runner, stop_timeout=0,
        events=SimpleNamespace(test_start=SimpleNamespace(add_listener=lambda _: None)),
        parsed_options=SimpleNamespace(headless=False, run_time=None))
    role = MasterRole(SimpleNamespace(), environment)
    role.workers = {0: "a", 1: "b"}
    return role


def test_a_worker_out_of_locusts_list_for_a_moment_after_a_stop_is_not_lost():
    role = master_with_workers({"a": "ready"})  # b stopped: Locust adds it back once ready
    assert role._lost() == set()
    role.runner.clients["b"] = SimpleNamespace(id="b", state="ready")
    role.absent_grace_s = 0.0
    assert role._lost() == set()


def test_a_worker_out_of_the_list_longer_than_the_grace_or_missing_heartbeats_is_lost():
    role = master_with_workers({"a": "missing"})
    role.absent_grace_s = 0.0
    assert role._lost() == {0, 1}
