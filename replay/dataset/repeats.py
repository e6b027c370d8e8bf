"""Which rows repeat a (vendorCallKey, messageId) pair seen earlier in the file, exactly and fast.

    repeated(call_codes, message_ids) -> bool numpy mask, True for the second and later rows
                                         of a pair (the first stays valid)

In: int64 call codes (equal exactly when the vendorCallKeys are equal) and the messageId Arrow
column. Fast path: when every id in a chunk has the same byte length (UUIDs and most exported
ids), ids are hashed to 64 bits straight from the Arrow buffers, a few numpy operations for the
whole column; only rows whose (call, hash) repeats are then compared exactly. Otherwise the ids
are factorised (exact, about three times slower).
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import pyarrow as pa

_FNV_OFFSET = np.uint64(0xCBF29CE484222325)
_FNV_PRIME = np.uint64(0x100000001B3)
_CALL_MIX = np.uint64(0x9E3779B97F4A7C15)
_MAX_WORDS = 16  # longer fixed-width ids take the exact path


def repeated(calls: np.ndarray, ids: pa.ChunkedArray) -> np.ndarray:
    hashes = fixed_width_hashes(ids)
    if hashes is None:
        return _exact(calls, ids)
    with np.errstate(over="ignore"):
        keys = hashes ^ (calls.astype(np.uint64) * _CALL_MIX)
    candidates = np.flatnonzero(pd.Series(keys).duplicated(keep=False).to_numpy())
    result = np.zeros(len(calls), dtype=bool)
    if candidates.size:
        result[candidates] = _exact(calls[candidates], ids.take(pa.array(candidates)))
    return result


def _exact(calls: np.ndarray, ids: pa.ChunkedArray) -> np.ndarray:
    codes, uniques = pd.factorize(ids.to_pandas(), use_na_sentinel=False)
    combined = calls.astype(np.int64) * (len(uniques) + 1) + codes
    return pd.Series(combined).duplicated(keep="first").to_numpy()


def fixed_width_hashes(ids: pa.ChunkedArray) -> np.ndarray | None:
    """A uint64 per id (equal ids, equal hashes), or None if a chunk's ids differ in length."""
    parts = []
    for chunk in ids.chunks:
        if len(chunk) == 0:
            continue
        hashes = _chunk_hashes(chunk)
        if hashes is None:
            return None
        parts.append(hashes)
    return np.concatenate(parts) if parts else np.zeros(0, dtype=np.uint64)


def _chunk_hashes(chunk: pa.Array) -> np.ndarray | None:
    if chunk.null_count or not (
        pa.types.is_string(chunk.type) or pa.types.is_large_string(chunk.type)
    ):
        return None
    _, offsets_buffer, data_buffer = chunk.buffers()
    offset_type = np.int64 if pa.types.is_large_string(chunk.type) else np.int32
    offsets = np.frombuffer(offsets_buffer, dtype=offset_type)[
        chunk.offset : chunk.offset + len(chunk) + 1
    ]
    width = int(offsets[1] - offsets[0])
    if width == 0 or int(offsets[-1] - offsets[0]) != width * len(chunk):
        return None
    if not (np.diff(offsets) == width).all():
        return None
    word = next(size for size in (8, 4, 2, 1) if width % size == 0)
    if width // word > _MAX_WORDS:
        return None
    data = np.frombuffer(data_buffer, dtype=np.uint8)[offsets[0] : offsets[-1]]
    words = data.reshape(len(chunk), width).view(f"<u{word}")
    hashes = np.full(len(chunk), _FNV_OFFSET, dtype=np.uint64)
    with np.errstate(over="ignore"):
        for column in range(words.shape[1]):
            hashes ^= words[:, column].astype(np.uint64)
            hashes *= _FNV_PRIME
    return hashes
