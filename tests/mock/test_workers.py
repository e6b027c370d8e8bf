"""--workers N: one port, several processes, one merged view of stats and ledger."""

from __future__ import annotations

import pytest

from replay.mock.ledger import read_ledger
from replay.mock.process import start_mock

from .mock_helpers import call, message, post_message, unique_key


@pytest.fixture(scope="module")
def cluster(tmp_path_factory):
    out = tmp_path_factory.mktemp("workers") / "ledger.parquet"
    running = start_mock(["--no-auth", "--workers", "2", "--ledger-out", str(out)], timeout=60)
    yield running, out
    running.stop()


def test_connections_are_spread_over_the_workers_and_the_ledger_is_merged(cluster):
    running, _ = cluster
    key = unique_key()
    for number in range(40):  # each request on a new connection
        assert post_message(running.url, key, message(f"m-{number}")).status == 202
    rows = [row for row in running.ledger() if row["vendorCallKey"] == key]
    assert len(rows) == 40
    assert {row["worker"] for row in rows} == {0, 1}
    assert [row["call_seq"] for row in rows] == list(range(40))


def test_duplicates_across_workers_are_found_in_the_merged_stats(cluster):
    running, _ = cluster
    running.reset()
    key = unique_key()
    for _ in range(20):
        post_message(running.url, key, message("same"))
    stats = running.stats()
    assert (stats["received"], stats["stored"], stats["duplicates"]) == (20, 1, 19)
    assert stats["workers"] == 2
    summary = running.call(key)
    assert (summary["stored"], summary["duplicates"]) == (1, 19)


def test_health_names_the_number_of_workers(cluster):
    running, _ = cluster
    assert call(running.url, "GET", "/__admin/health").json["workers"] == 2


def test_local_stats_answer_for_one_worker(cluster):
    running, _ = cluster
    running.reset()
    for number in range(10):
        post_message(running.url, unique_key(), message(f"m-{number}"))
    local = call(running.url, "GET", "/__admin/local/stats").json
    assert local["workers"] == 1 and local["received"] <= 10


def test_sigterm_merges_the_ledger_parts_into_ledger_out(cluster):
    running, out = cluster
    running.reset()
    key = unique_key()
    for number in range(30):
        post_message(running.url, key, message(f"m-{number % 10}"))
    assert running.stop() == 0
    rows = read_ledger(out)
    assert len(rows) == 30
    assert sum(row["outcome"] == "duplicate" for row in rows) == 20
    assert {row["worker"] for row in rows} == {0, 1}

