"""Log-scale histograms of a run's latencies, for the report's distribution charts.

    hist = log_histogram(lag_ms)
    hist.edges_ms (len n+1), hist.counts (len n)

In: a float array of milliseconds (NaN ignored). Out: `Histogram` with `BINS_PER_DECADE` bins per
power of ten from `FLOOR_MS` up to the largest value; values at or below `FLOOR_MS` (including a
slightly negative schedule lag, which clock jitter can produce) fall into the first bin.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np

FLOOR_MS = 0.01
BINS_PER_DECADE = 10


@dataclass(frozen=True, kw_only=True)
class Histogram:
    edges_ms: np.ndarray
    counts: np.ndarray

    @property
    def total(self) -> int:
        return int(self.counts.sum())


def log_histogram(values_ms: np.ndarray) -> Histogram:
    finite = values_ms[np.isfinite(values_ms)]
    top = max(float(finite.max()) if finite.size else 1.0, FLOOR_MS * 10)
    first = math.log10(FLOOR_MS)
    decades = math.ceil(math.log10(top) - first + 1e-9)
    edges = 10.0 ** (first + np.arange(decades * BINS_PER_DECADE + 1) / BINS_PER_DECADE)
    index = np.searchsorted(edges, np.maximum(finite, FLOOR_MS), side="right") - 1
    index = np.clip(index, 0, len(edges) - 2)
    counts = np.bincount(index, minlength=len(edges) - 1)
    return Histogram(edges_ms=edges, counts=counts)
