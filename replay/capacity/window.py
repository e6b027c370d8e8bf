"""Each step's dataset: the busiest stretch of the transcripts, with ids suffixed per step.

    stretch = busiest_stretch(times_ms, length_ms)     # (start_ms, end_ms) holding most messages
    table = step_table(transcripts.table, send_at="end", length_ms=60_000 * speed, step=3)
    write_step_dataset(table, path)                     # Parquet, canonical columns, atomically

A capacity step replays `--window` seconds of run time: the stretch of `window × speed` dataset
seconds that holds the most messages (by each message's send time, endTime or startTime with
--send-at start), or the whole dataset when no window is given or it is longer. Every
vendorCallKey and messageId gets the suffix `-s<step>`, as `--loops` suffixes its passes, so no
two steps ever post the same message to the endpoint. A call cut by the stretch keeps only its
messages inside it, in their order.
"""

from __future__ import annotations

import os
import tempfile
from pathlib import Path

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.parquet as pq

COLUMNS = ("vendorCallKey", "participantId", "messageId", "startTime", "endTime", "content",
           "senderType")


def step_suffix(step: int) -> str:
    return f"-s{step}"


def busiest_stretch(times_ms: np.ndarray, length_ms: float) -> tuple[int, int]:
    """[start, start + length) over the sorted or unsorted times that holds the most of them
    (the earliest such stretch); it starts at one of the times."""
    times = np.sort(np.asarray(times_ms, dtype=np.int64))
    ends = np.searchsorted(times, times + length_ms, side="left")
    first = int(np.argmax(ends - np.arange(len(times))))
    start = int(times[first])
    return start, start + int(np.ceil(length_ms))


def step_table(table: pd.DataFrame, *, send_at: str, length_ms: float | None,
               step: int) -> pd.DataFrame:
    """The messages a step replays, canonical columns only, ids suffixed `-s<step>`."""
    times = table["startTime" if send_at == "start" else "endTime"].to_numpy(dtype=np.int64)
    out = table.loc[:, list(COLUMNS)]
    if length_ms is not None and len(times) and np.ptp(times) >= length_ms:
        start, end = busiest_stretch(times, length_ms)
        out = out[(times >= start) & (times < end)]
    suffix = step_suffix(step)
    out = out.assign(vendorCallKey=out["vendorCallKey"].astype(str) + suffix,
                     messageId=out["messageId"].astype(str) + suffix)
    return out.reset_index(drop=True)


def write_step_dataset(table: pd.DataFrame, path: Path) -> Path:
    """Write `table` as Parquet at `path` (temp file + rename)."""
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, temp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
    os.close(fd)
    try:
        pq.write_table(pa.Table.from_pandas(table, preserve_index=False), temp)
        os.replace(temp, path)
    except BaseException:
        Path(temp).unlink(missing_ok=True)
        raise
    return path
