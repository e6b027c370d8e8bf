"""The many-concurrent-calls dataset: every call overlaps every other, a burst of first messages.

    write_burst_dataset(path, calls=50_000, messages=10, gap_s=20.0, start_window_s=10.0)

Call i starts at `i * start_window_s / calls` seconds (dataset time) and has `messages`
messages `gap_s` apart, so all calls are active at once once the window has passed: with the
defaults, 50,000 calls and 500,000 messages whose first messages all fall in the first 10 s.
Replayed at --speed 0.5 that is a burst of 2,500 first messages a second for 20 s, then
50,000 calls waiting 40 s between messages. Columns as in docs/architecture.md; sorted by
send time.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pyarrow as pa
import pyarrow.parquet as pq

EPOCH_MS = 1_764_000_000_000
CONTENT = "I am calling about my order, it has not arrived and I would like to know where it is."
AGENT_ID = "005BURST0000001"


def burst_table(*, calls: int = 50_000, messages: int = 10, gap_s: float = 20.0,
                start_window_s: float = 10.0) -> pa.Table:
    call = np.tile(np.arange(calls), messages)
    seq = np.repeat(np.arange(messages), calls)
    end_ms = (EPOCH_MS + np.floor(call * (start_window_s * 1000.0 / calls)).astype(np.int64)
              + seq * round(gap_s * 1000))
    keys = np.char.add("burst-", np.char.zfill(call.astype(str), 6))
    customer = seq % 2 == 0
    return pa.table({
        "vendorCallKey": pa.array(keys, pa.large_string()),
        "participantId": pa.array(np.where(customer, np.char.add(keys, "END_USER"), AGENT_ID),
                                  pa.large_string()),
        "messageId": pa.array(np.char.add(np.char.add(keys, "-m"), seq.astype(str)),
                              pa.large_string()),
        "startTime": pa.array(end_ms - 1500),
        "endTime": pa.array(end_ms),
        "content": pa.array(np.full(call.size, CONTENT), pa.large_string()),
        "senderType": pa.array(np.where(customer, "END_USER", "HUMAN_AGENT"), pa.large_string()),
    })


def write_burst_dataset(path: Path, **shape: float) -> int:
    """Write the dataset to `path` (Parquet); returns the number of messages."""
    table = burst_table(**shape)
    pq.write_table(table, path, row_group_size=100_000)
    return table.num_rows
