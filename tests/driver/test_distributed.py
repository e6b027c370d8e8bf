"""A worker's outbox of outcome chunks (replay/driver/distributed.py ChunkOutbox): chunks made
in the threadpool are sent from the loop's thread, in order, and close() waits for them all."""

from __future__ import annotations

import gevent
from gevent.monkey import get_original

from replay.driver.distributed import ChunkOutbox
from replay.driver.threads import in_thread

# The OS thread, even when gevent has patched threading (as Locust does in the test process).
os_thread_id = get_original("_thread", "get_ident")


def test_chunks_made_in_the_threadpool_are_sent_from_the_loop_in_order():
    sent: list[tuple[bytes, int]] = []
    outbox = ChunkOutbox(lambda chunk: sent.append((chunk, os_thread_id())))

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
