"""Each step's dataset: the busiest stretch, canonical columns, ids suffixed per step."""

from __future__ import annotations

import numpy as np
import pandas as pd

from replay.capacity.window import busiest_stretch, step_table, write_step_dataset
from replay.dataset import load_transcripts

BASE = 1_764_000_000_000


def _table(ends_ms: list[int], keys: list[str] | None = None) -> pd.DataFrame:
    keys = keys or [f"c{n % 2}" for n in range(len(ends_ms))]
    return pd.DataFrame({
        "vendorCallKey": keys, "participantId": "p", "messageId": [f"m{n}" for n in
                                                                   range(len(ends_ms))],
        "startTime": [end - 500 for end in ends_ms], "endTime": ends_ms, "content": "hi",
        "senderType": "END_USER", "row": range(2, len(ends_ms) + 2)})


def test_busiest_stretch_holds_the_most_messages():
    times = np.array([0, 100, 5000, 5100, 5200, 5300, 9000])
    assert busiest_stretch(times, 1000) == (5000, 6000)


def test_busiest_stretch_takes_the_earliest_of_equal_stretches():
    assert busiest_stretch(np.array([300, 400, 2000, 2100]), 500) == (300, 800)


def test_step_table_keeps_only_the_busiest_stretch_in_call_order():
    table = _table([0, 100, 5000, 5100, 5200, 5300, 9000])
    out = step_table(table, send_at="end", length_ms=1000, step=1)
    assert list(out["endTime"]) == [5000, 5100, 5200, 5300]
    assert list(out.columns) == ["vendorCallKey", "participantId", "messageId", "startTime",
                                 "endTime", "content", "senderType"]


def test_step_table_suffixes_call_and_message_ids_with_the_step():
    out = step_table(_table([0, 10]), send_at="end", length_ms=None, step=3)
    assert list(out["vendorCallKey"]) == ["c0-s3", "c1-s3"]
    assert list(out["messageId"]) == ["m0-s3", "m1-s3"]


def test_a_window_longer_than_the_dataset_keeps_everything():
    out = step_table(_table([0, 10, 20]), send_at="end", length_ms=60_000, step=1)
    assert len(out) == 3


def test_send_at_start_chooses_the_stretch_by_start_times():
    table = _table([1000, 1100, 3000])
    table["startTime"] = [0, 2900, 2950]
    out = step_table(table, send_at="start", length_ms=200, step=1)
    assert list(out["startTime"]) == [2900, 2950]


def test_the_step_dataset_loads_back_as_transcripts(tmp_path):
    out = step_table(_table([BASE + 0, BASE + 10, BASE + 20, BASE + 30]), send_at="end",
                     length_ms=None, step=2)
    path = write_step_dataset(out, tmp_path / "datasets" / "step-02.parquet")
    loaded = load_transcripts(path).table
    assert sorted(loaded["messageId"]) == ["m0-s2", "m1-s2", "m2-s2", "m3-s2"]
    assert [p.name for p in path.parent.iterdir()] == ["step-02.parquet"]
