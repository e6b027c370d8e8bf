"""Datasets with a perfectly flat send rate, written with pandas for the replay benchmarks.

    write_flat_dataset(path, rate=8000, duration_s=15, speed=10)

`lanes = rate * gap_s` lanes run side by side; lane i sends a message every `gap_s` seconds of
replay time, offset by `i * gap_s / lanes`, so the messages are due at exactly `rate` per second
with no ramp. Each lane is a series of back-to-back calls of `call_messages` messages (customer
and agent turns alternating), so calls start and end all through the run. Times in the file are
the replay times multiplied by `speed`, so replaying it at `--speed speed` gives `rate`. For
`--speed max`, pass `lanes` calls of many messages each: concurrency is then `lanes` calls.

Columns (the dataset interface of docs/architecture.md): vendorCallKey, participantId, messageId,
startTime, endTime (epoch ms), content, senderType. Sorted by due time.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd

CONTENT = ("Thanks for waiting, I can see the order on your account and it shipped this "
           "morning, so it should arrive by Thursday.")
AGENT_ID = "005BENCH00000001"
EPOCH_MS = 1_764_000_000_000  # 2025-11-24: any fixed past instant


def flat_table(*, rate: float, duration_s: float, speed: float = 1.0, gap_s: float = 0.5,
               call_messages: int = 60, lanes: int | None = None) -> pd.DataFrame:
    """The table of a flat-rate dataset; see the module docstring."""
    if lanes is None:
        lanes = max(1, round(rate * gap_s))
    gap_s = lanes / rate
    per_lane = max(1, round(duration_s / gap_s))
    lane = np.repeat(np.arange(lanes), per_lane)
    turn = np.tile(np.arange(per_lane), lanes)
    due_s = lane * (gap_s / lanes) + turn * gap_s
    end_ms = EPOCH_MS + np.floor(due_s * speed * 1000 + 1e-6).astype(np.int64)
    call = turn // call_messages
    seq = turn % call_messages
    keys = (pd.Series(lane).astype(str).str.zfill(5) + "-"
            + pd.Series(call).astype(str).str.zfill(5)).radd("bench-")
    customer = seq % 2 == 0
    table = pd.DataFrame({
        "vendorCallKey": keys,
        "participantId": np.where(customer, keys + "END_USER", AGENT_ID),
        "messageId": keys + "-m" + pd.Series(seq).astype(str),
        "startTime": end_ms - 1500,
        "endTime": end_ms,
        "content": CONTENT,
        "senderType": np.where(customer, "END_USER", "HUMAN_AGENT"),
    })
    return table.iloc[np.argsort(due_s, kind="stable")].reset_index(drop=True)


def write_flat_dataset(path: Path, **shape: float) -> int:
    """Write a flat-rate dataset to `path` (Parquet); returns the number of messages."""
    table = flat_table(**shape)
    table.to_parquet(path, index=False)
    return len(table)
