"""bench.verify_check: a fresh copy of a prepared directory is hashed whole, then found stamped."""

from __future__ import annotations

import pandas as pd

from bench.verify_check import measure_copy_check
from replay.dataset import LoadOptions
from replay.dataset.prepare import prepare_dataset

BASE = 1_764_000_000_000


def test_a_copy_is_checked_whole_then_found_stamped_and_removed(tmp_path):
    pd.DataFrame({
        "vendorCallKey": [f"c{i % 4}" for i in range(40)], "participantId": "p",
        "messageId": [f"m{i}" for i in range(40)],
        "startTime": [BASE + 1000 * i for i in range(40)],
        "endTime": [BASE + 1000 * i + 500 for i in range(40)],
        "content": "hello", "senderType": "END_USER",
    }).to_parquet(tmp_path / "t.parquet")
    prepare_dataset([tmp_path / "t.parquet"], tmp_path / "prepared", LoadOptions())
    measured = measure_copy_check(tmp_path / "prepared", tmp_path, core=0)
    copied, stamped = measured["copied"], measured["stamped"]
    assert (copied["parts"], copied["parts_hashed"]) == (1, 1)
    assert copied["bytes_hashed"] == copied["bytes"] > 0
    assert (stamped["parts_hashed"], stamped["bytes_hashed"]) == (0, 0)
    assert copied["seconds"] > 0 and stamped["seconds"] > 0
    assert sorted(p.name for p in tmp_path.iterdir()) == ["prepared", "t.parquet"]
