"""A mergeable latency histogram: geometric buckets, at most 0.1% relative error, exact merges.

    h = Histogram()
    h.record(np.array([0.8, 1.2, 250.0]))        # milliseconds, vectorised
    h.merge(other)                               # exact: bucket counts add
    h.percentile(99.0), h.stats()                # {"count", "mean", "p50", ..., "max"} in ms
    Histogram.from_dict(h.to_dict())             # JSON/msgpack-safe, for worker -> master

Buckets. Bucket 0 holds values below `LOWEST_MS` (0.001 ms), including every negative value (a
message sent early has lag 0). Bucket k >= 1 holds [LOWEST_MS * GROWTH**(k-1), LOWEST_MS *
GROWTH**k) with GROWTH = 1.002; values at or above `HIGHEST_MS` (1e8 ms, about 28 hours) are
clamped into the last bucket and still counted. A percentile is reported as the geometric middle
of its bucket, clamped to the exact minimum and maximum seen, so its relative error is at most
sqrt(1.002) - 1 (0.09995%); values in bucket 0 are reported as 0. Count, sum (hence the mean),
minimum and maximum are kept exactly. NaN values (messages never sent) are ignored.

Percentiles use the nearest-rank definition: the smallest recorded value with at least q% of the
values at or below it (numpy's `method="inverted_cdf"`).

`to_dict()` layout (only non-empty buckets are listed):
    {"schema": "replay-histogram/1", "lowest_ms": 0.001, "growth": 1.002, "count": int,
     "sum_ms": float, "min_ms": float|null, "max_ms": float|null,
     "buckets": [int, ...], "counts": [int, ...]}
"""

from __future__ import annotations

import math
from typing import Any

import numpy as np

SCHEMA = "replay-histogram/1"
LOWEST_MS = 0.001
HIGHEST_MS = 1e8
GROWTH = 1.002
_LOG_GROWTH = math.log(GROWTH)
BUCKETS = math.ceil(math.log(HIGHEST_MS / LOWEST_MS) / _LOG_GROWTH) + 1
STAT_KEYS = ("count", "mean", "p50", "p90", "p95", "p99", "p99_9", "max")
_STAT_QUANTILES = {"p50": 50.0, "p90": 90.0, "p95": 95.0, "p99": 99.0, "p99_9": 99.9}


def bucket_indexes(values_ms: np.ndarray) -> np.ndarray:
    """The bucket of each value (finite values only; negatives and tiny values go to bucket 0)."""
    values = np.asarray(values_ms, dtype=np.float64)
    with np.errstate(divide="ignore", invalid="ignore"):
        scaled = np.log(np.maximum(values, LOWEST_MS) / LOWEST_MS) / _LOG_GROWTH
    indexes = np.floor(np.minimum(scaled, BUCKETS)).astype(np.int64) + 1  # inf: last bucket
    indexes[values < LOWEST_MS] = 0
    return np.minimum(indexes, BUCKETS - 1)


def bucket_middle(index: int) -> float:
    """The value reported for a bucket: 0 for bucket 0, else the geometric middle of its bounds."""
    if index <= 0:
        return 0.0
    return LOWEST_MS * GROWTH ** (index - 0.5)


class Histogram:
    """Counts of latency values (ms) in fixed geometric buckets; see the module docstring."""

    __slots__ = ("_counts", "_max", "_min", "_sum")

    def __init__(self) -> None:
        self._counts = np.zeros(BUCKETS, dtype=np.int64)
        self._sum = 0.0
        self._min = math.inf
        self._max = -math.inf

    def record(self, values_ms: np.ndarray | list[float]) -> None:
        """Count every finite value (ms); negatives count as 0, NaN is skipped."""
        values = np.asarray(values_ms, dtype=np.float64).ravel()
        values = values[~np.isnan(values)]
        if values.size == 0:
            return
        values = np.maximum(values, 0.0)
        self._counts += np.bincount(bucket_indexes(values), minlength=BUCKETS)
        self._sum += float(values.sum())
        self._min = min(self._min, float(values.min()))
        self._max = max(self._max, float(values.max()))

    def merge(self, other: Histogram) -> Histogram:
        """Add `other`'s counts into this histogram (exact); returns self."""
        self._counts += other._counts
        self._sum += other._sum
        self._min = min(self._min, other._min)
        self._max = max(self._max, other._max)
        return self

    @property
    def count(self) -> int:
        return int(self._counts.sum())

    @property
    def mean(self) -> float | None:
        count = self.count
        return self._sum / count if count else None

    @property
    def max(self) -> float | None:
        return self._max if self.count else None

    @property
    def min(self) -> float | None:
        return self._min if self.count else None

    def percentile(self, q: float) -> float | None:
        """The q-th percentile (0 < q <= 100) in ms by nearest rank, or None when empty."""
        if not 0.0 < q <= 100.0:
            raise ValueError(f"percentile must be in (0, 100], got {q}")
        count = self.count
        if count == 0:
            return None
        if q == 100.0:
            return self._max
        rank = max(1, math.ceil(round(q * count / 100.0, 9)))  # round: 99.9% of 1000 is 999
        index = int(np.searchsorted(np.cumsum(self._counts), rank))
        return min(max(bucket_middle(index), self._min), self._max)

    def stats(self) -> dict[str, float | int | None]:
        """count, mean, p50, p90, p95, p99, p99_9, max in ms (None when empty), rounded to 1 µs."""
        result: dict[str, float | int | None] = {"count": self.count, "mean": _ms(self.mean)}
        for key, q in _STAT_QUANTILES.items():
            result[key] = _ms(self.percentile(q))
        result["max"] = _ms(self.max)
        return result

    def to_dict(self) -> dict[str, Any]:
        """A compact JSON/msgpack-safe form (non-empty buckets only); see the module docstring."""
        nonzero = np.flatnonzero(self._counts)
        empty = nonzero.size == 0
        return {
            "schema": SCHEMA,
            "lowest_ms": LOWEST_MS,
            "growth": GROWTH,
            "count": self.count,
            "sum_ms": self._sum,
            "min_ms": None if empty else self._min,
            "max_ms": None if empty else self._max,
            "buckets": nonzero.tolist(),
            "counts": self._counts[nonzero].tolist(),
        }

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> Histogram:
        """Rebuild a histogram from `to_dict()`; ValueError if the layout differs from this one."""
        if data.get("schema") != SCHEMA:
            raise ValueError(f"not a {SCHEMA} histogram (schema {data.get('schema')!r})")
        if data.get("lowest_ms") != LOWEST_MS or data.get("growth") != GROWTH:
            raise ValueError(
                f"histogram layout lowest_ms={data.get('lowest_ms')} growth={data.get('growth')}"
                f" differs from this version's lowest_ms={LOWEST_MS} growth={GROWTH}"
            )
        buckets = np.asarray(data["buckets"], dtype=np.int64)
        counts = np.asarray(data["counts"], dtype=np.int64)
        if buckets.shape != counts.shape or (
            buckets.size and (buckets.min() < 0 or buckets.max() >= BUCKETS)
        ):
            raise ValueError("histogram buckets and counts do not match this layout")
        histogram = cls()
        np.add.at(histogram._counts, buckets, counts)
        histogram._sum = float(data["sum_ms"])
        if histogram.count:
            histogram._min = float(data["min_ms"])
            histogram._max = float(data["max_ms"])
        return histogram

    def __eq__(self, other: object) -> bool:
        if not isinstance(other, Histogram):
            return NotImplemented
        return (
            np.array_equal(self._counts, other._counts)
            and self.min == other.min
            and self.max == other.max
            and math.isclose(self._sum, other._sum, rel_tol=1e-9, abs_tol=1e-9)
        )

    __hash__ = None  # type: ignore[assignment]  # mutable, compared by content

    def __repr__(self) -> str:
        return f"Histogram(count={self.count}, max={self.max})"


def _ms(value: float | None) -> float | None:
    return None if value is None else round(value, 3)
