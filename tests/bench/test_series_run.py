"""bench.series_run: a series.json build over many short calls, with and without last flags."""

from __future__ import annotations

from bench.series_run import BATCH_ROWS, build, tables


def test_the_tables_hold_every_message_of_every_call_once_in_due_order():
    rows, keys, previous = 0, set(), -1.0
    for table, last in tables(30_000):
        due = table["due_s"].to_numpy()
        assert due[0] >= previous and (due[1:] >= due[:-1]).all()
        previous = due[-1]
        rows += table.num_rows
        keys.update(table["vendorCallKey"].to_pylist())
        assert int(last.sum()) == int((table["call_seq"].to_numpy() == 1).sum())
    assert (rows, len(keys)) == (60_000, 30_000)


def test_a_build_with_flags_holds_fewer_calls_than_the_reference_that_keeps_them():
    closed, kept = build(100_000, keep_calls=False), build(100_000, keep_calls=True)
    assert closed["rows"] == kept["rows"] == 200_000
    assert kept["peak_calls_held"] >= 100_000
    assert closed["peak_calls_held"] < 100_000 - BATCH_ROWS
    assert closed["seconds"] > 0 and closed["peak_rss_mib"] > 0
