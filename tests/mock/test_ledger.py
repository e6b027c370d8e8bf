"""The ledger: outcomes, columns that survive compaction, merging workers, files."""

from __future__ import annotations

import pytest

from replay.mock import ledger as ledger_module
from replay.mock.ledger import Ledger, merge_rows, read_ledger, write_ledger


def fields(message_id: str, start: int = 1000, end: int = 2000, sender: str = "END_USER",
           participant: str = "p") -> tuple:
    return (participant, message_id, start, end, "text", sender)


def test_first_message_is_stored_and_a_repeat_is_a_duplicate():
    ledger = Ledger()
    call = ledger.open_call("k")
    assert ledger.record(call, fields("a"), 1) == ledger_module.STORED
    assert ledger.record(call, fields("a"), 2) == ledger_module.DUPLICATE
    assert ledger.stats()["stored"] == 1 and ledger.stats()["duplicates"] == 1


@pytest.mark.parametrize(("start_ms", "end_ms", "start", "end", "outcome"), [
    (1500, None, 1000, 2000, "outside_window"),
    (500, None, 1000, 2000, "stored"),
    (None, 1500, 1000, 2000, "outside_window"),
    (500, 2000, 1000, 2000, "stored"),
])
def test_window_decides_stored_or_outside(start_ms, end_ms, start, end, outcome):
    ledger = Ledger()
    call = ledger.open_call("k")
    call.set_window(start_ms, end_ms)
    ledger.record(call, fields("a", start, end), 1)
    assert next(ledger.rows())["outcome"] == outcome


def test_call_seq_counts_arrivals_per_call_even_when_filtered():
    ledger = Ledger()
    first, second = ledger.open_call("a"), ledger.open_call("b")
    for number in range(3):
        ledger.record(first, fields(f"a{number}"), 1)
        ledger.record(second, fields(f"b{number}"), 1)
    assert [row["call_seq"] for row in ledger.rows("b")] == [0, 1, 2]


def test_rows_survive_compaction(monkeypatch):
    monkeypatch.setattr(ledger_module, "COMPACT_ROWS", 4)
    ledger = Ledger()
    call = ledger.open_call("k")
    for number in range(10):
        ledger.record(call, fields(str(number), start=number, end=number + 1), 100.0 + number)
    rows = list(ledger.rows())
    assert [row["messageId"] for row in rows] == [str(n) for n in range(10)]
    assert [row["arrived_ms"] for row in rows] == [100_000 + 1000 * n for n in range(10)]
    assert [row["call_seq"] for row in rows] == list(range(10))


def test_rows_taken_while_iterating_are_not_half_listed():
    ledger = Ledger()
    call = ledger.open_call("k")
    ledger.record(call, fields("a"), 1)
    rows = ledger.rows()
    first = next(rows)
    ledger.record(call, fields("b"), 2)
    assert first["messageId"] == "a" and list(rows) == []


def test_end_user_participant_is_normalised_in_rows():
    ledger = Ledger()
    call = ledger.open_call("C1")
    ledger.record(call, fields("a", participant="END_USER"), 1)
    ledger.record(call, fields("b", sender="HUMAN_AGENT", participant="005A"), 1)
    assert [row["participantId"] for row in ledger.rows()] == ["C1END_USER", "005A"]


def test_rows_give_the_arrival_in_microseconds():
    ledger = Ledger()
    call = ledger.open_call("k")
    ledger.record(call, fields("a"), 1764086400.123456)
    ledger.record(call, fields("b"), 1764086400.1235)
    rows = list(ledger.rows())
    assert [row["arrived_us"] for row in rows] == [1764086400123456, 1764086400123500]
    assert [row["arrived_ms"] for row in rows] == [1764086400123, 1764086400123]


def test_merge_orders_by_arrival_and_finds_duplicates_across_workers():
    one = [{"vendorCallKey": "k", "messageId": "a", "arrived_ms": 5, "worker": 0,
            "call_seq": 0, "outcome": "stored"}]
    two = [{"vendorCallKey": "k", "messageId": "a", "arrived_ms": 3, "worker": 1,
            "call_seq": 0, "outcome": "stored"},
           {"vendorCallKey": "k", "messageId": "b", "arrived_ms": 9, "worker": 1,
            "call_seq": 1, "outcome": "stored"}]
    merged = merge_rows([one, two])
    assert [(r["worker"], r["outcome"], r["call_seq"]) for r in merged] == [
        (1, "stored", 0), (0, "duplicate", 1), (1, "stored", 2)]


@pytest.mark.parametrize("suffix", [".jsonl", ".parquet"])
def test_ledger_file_round_trips(tmp_path, suffix):
    ledger = Ledger(worker=2)
    call = ledger.open_call("k")
    ledger.record(call, fields("a"), 1764086400.125)
    ledger.record(call, fields("a"), 1764086400.25)
    path = tmp_path / "out" / f"ledger{suffix}"
    assert write_ledger(ledger.rows(), path) == 2
    assert read_ledger(path) == list(ledger.rows())
    assert not list(path.parent.glob(".*tmp"))


def test_empty_ledger_writes_an_empty_file(tmp_path):
    path = tmp_path / "ledger.parquet"
    write_ledger([], path)
    assert read_ledger(path) == []
