"""Identifiers that look like the real ones, drawn from a seeded numpy Generator, vectorised.

uuids(rng, n)            -> numpy str array of RFC 4122 version-4 UUIDs (Amazon Connect
                            contact ids and message ids look like this)
salesforce_ids(rng, n, prefix="005")
                         -> numpy str array of 18-character Salesforce record ids (user ids
                            start 005) with the real case-safe 3-character suffix
"""

from __future__ import annotations

import numpy as np

_HEX = np.frombuffer(b"0123456789abcdef", dtype=np.uint8)
_BASE62 = np.frombuffer(
    b"0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz", dtype=np.uint8
)
_SUFFIX = np.frombuffer(b"ABCDEFGHIJKLMNOPQRSTUVWXYZ012345", dtype=np.uint8)


def uuids(rng: np.random.Generator, n: int) -> np.ndarray:
    raw = rng.integers(0, 256, size=(n, 16), dtype=np.uint8)
    raw[:, 6] = (raw[:, 6] & 0x0F) | 0x40  # version 4
    raw[:, 8] = (raw[:, 8] & 0x3F) | 0x80  # RFC 4122 variant
    digits = np.empty((n, 32), dtype=np.uint8)
    digits[:, 0::2] = _HEX[raw >> 4]
    digits[:, 1::2] = _HEX[raw & 0x0F]
    text = np.full((n, 36), ord("-"), dtype=np.uint8)
    for source, target in ((slice(0, 8), slice(0, 8)), (slice(8, 12), slice(9, 13)),
                           (slice(12, 16), slice(14, 18)), (slice(16, 20), slice(19, 23)),
                           (slice(20, 32), slice(24, 36))):  # fmt: skip
        text[:, target] = digits[:, source]
    return _as_str(text)


def salesforce_ids(rng: np.random.Generator, n: int, prefix: str = "005") -> np.ndarray:
    body = _BASE62[rng.integers(0, 62, size=(n, 15 - len(prefix)))]
    head = np.broadcast_to(np.frombuffer(prefix.encode(), dtype=np.uint8), (n, len(prefix)))
    fifteen = np.concatenate((head, body), axis=1)
    upper = (fifteen >= ord("A")) & (fifteen <= ord("Z"))
    weights = 1 << np.arange(5)
    chunks = upper.reshape(n, 3, 5) @ weights  # bit i set when char i of the chunk is upper case
    return _as_str(np.concatenate((fifteen, _SUFFIX[chunks]), axis=1))


def _as_str(codes: np.ndarray) -> np.ndarray:
    width = codes.shape[1]
    return np.ascontiguousarray(codes).view(f"S{width}").ravel().astype(f"U{width}")
