"""bench.flatdata: flat-rate datasets that the product's own loader accepts."""

from __future__ import annotations

import numpy as np
import pytest

from bench.flatdata import flat_table, write_flat_dataset
from replay.dataset import load_transcripts


@pytest.mark.parametrize(("rate", "speed"), [(1000, 10), (4000, 10), (8000, 1), (300, 2)])
def test_messages_are_due_at_exactly_the_rate_every_second(rate, speed):
    table = flat_table(rate=rate, duration_s=4, speed=speed)
    due_s = (table["endTime"] - table["endTime"].min()) / 1000 / speed
    per_second = np.bincount(due_s.astype(int))
    assert per_second.tolist() == [rate] * 4


def test_each_call_alternates_customer_and_agent_in_order_of_time():
    table = flat_table(rate=100, duration_s=10, gap_s=0.5, call_messages=4)
    for _, call in table.groupby("vendorCallKey"):
        assert call["senderType"].tolist() == ["END_USER", "HUMAN_AGENT"] * 2
        assert call["endTime"].is_monotonic_increasing
        key = call["vendorCallKey"].iloc[0]
        assert call["participantId"].iloc[0] == f"{key}END_USER"
        assert call["participantId"].iloc[1].startswith("005")


def test_lanes_with_long_calls_give_that_many_concurrent_calls():
    table = flat_table(rate=1000, duration_s=2, lanes=64, call_messages=10**9)
    assert table["vendorCallKey"].nunique() == 64


def test_written_dataset_loads_and_validates_with_the_replay_loader(tmp_path):
    path = tmp_path / "flat.parquet"
    count = write_flat_dataset(path, rate=200, duration_s=3, speed=10, call_messages=5)
    transcripts = load_transcripts(path)
    assert len(transcripts.table) == count == 600
    assert not transcripts.table.duplicated(["vendorCallKey", "messageId"]).any()
