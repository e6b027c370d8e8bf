"""Which worker owns a call: `call_partition(keys, count)` -> a worker index per key.

The index is crc32 of the key's UTF-8 bytes, modulo `count`: the same on every process and
machine (Python's `hash()` is salted per process, so it is never used). Each call belongs to
exactly one worker, so a call's messages stay in order on one worker.

    call_partition(pd.Series(["call-1", "call-2"]), 4)  ->  array([i1, i2])  (0 <= i < 4)
"""

from __future__ import annotations

import zlib
from collections.abc import Sequence

import numpy as np
import pandas as pd


def call_partition(keys: pd.Series | np.ndarray | Sequence[str], count: int) -> np.ndarray:
    """Worker index (0 <= index < count) of each vendorCallKey; missing keys hash as ""."""
    if count < 1:
        raise ValueError(f"partition count must be at least 1, not {count}")
    codes, uniques = pd.factorize(pd.Series(keys, dtype="str").fillna(""), use_na_sentinel=False)
    hashes = np.fromiter(
        (zlib.crc32(str(key).encode("utf-8")) for key in uniques),
        dtype=np.int64,
        count=len(uniques),
    )
    return (hashes % count)[codes]
