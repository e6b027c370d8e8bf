"""Large generated datasets for the scale benchmark, written a million rows at a time.

    write_big_dataset(path, messages=10_000_000, fmt="parquet")     # or fmt="csv"

`lanes` calls run side by side (10,000 by default); each lane is a series of calls of
`call_messages` messages `gap_s` apart, so the dataset has a flat rate of lanes / gap_s
messages a second (5,000 with the defaults) and `messages / call_messages` calls. Rows are
written in send-time order; memory stays at one chunk whatever the size.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pyarrow as pa
import pyarrow.csv as pacsv
import pyarrow.parquet as pq

EPOCH_MS = 1_764_000_000_000
CHUNK = 1_000_000
CONTENT = ("Thanks for waiting, I can see the order on your account and it shipped this "
           "morning, so it should arrive by Thursday.")


def big_chunk(first: int, count: int, *, lanes: int, call_messages: int,
              gap_s: float) -> pa.Table:
    n = np.arange(first, first + count, dtype=np.int64)
    lane, turn = n % lanes, n // lanes
    call, seq = turn // call_messages, turn % call_messages
    end_ms = EPOCH_MS + turn * round(gap_s * 1000) + (lane * round(gap_s * 1000)) // lanes
    keys = np.char.add(np.char.add("big-", np.char.zfill(lane.astype(str), 5)),
                       np.char.add("-", np.char.zfill(call.astype(str), 7)))
    customer = seq % 2 == 0
    return pa.table({
        "vendorCallKey": pa.array(keys, pa.string()),
        "participantId": pa.array(np.where(customer, "customer", "agent-005"), pa.string()),
        "messageId": pa.array(np.char.add(keys, np.char.add("-m", seq.astype(str))), pa.string()),
        "startTime": pa.array(end_ms - 1500),
        "endTime": pa.array(end_ms),
        "content": pa.array(np.full(count, CONTENT), pa.string()),
        "senderType": pa.array(np.where(customer, "END_USER", "HUMAN_AGENT"), pa.string()),
    })


def write_big_dataset(path: Path, *, messages: int, fmt: str = "parquet", lanes: int = 10_000,
                      call_messages: int = 20, gap_s: float = 2.0) -> int:
    """Write `messages` rows to `path` (.parquet or .csv); returns the number written."""
    writer = None
    try:
        for first in range(0, messages, CHUNK):
            chunk = big_chunk(first, min(CHUNK, messages - first), lanes=lanes,
                              call_messages=call_messages, gap_s=gap_s)
            if writer is None:
                writer = (pq.ParquetWriter(path, chunk.schema, compression="zstd")
                          if fmt == "parquet" else pacsv.CSVWriter(path, chunk.schema))
            writer.write_table(chunk)
    finally:
        if writer is not None:
            writer.close()
    return messages
