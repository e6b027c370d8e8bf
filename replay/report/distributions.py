"""Log-scale histograms of a run's latencies, for the report's distribution charts.

    hists = distributions(run.series)     # {"lag": Histogram, "service": ..., "from_schedule": ...}
    hists["lag"].edges_ms (len n+1), hists["lag"].counts (len n)

In: series.json's `distributions` (replay.results.series counts every message as it is written):
`BINS_PER_DECADE` bins per power of ten from `FLOOR_MS` up to the largest value; values at or
below `FLOOR_MS` (including a slightly negative schedule lag, which clock jitter can produce) are
in the first bin. Out: one `Histogram` per latency.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np

from replay.results.series import DIST_BINS_PER_DECADE as BINS_PER_DECADE
from replay.results.series import DIST_FLOOR_MS as FLOOR_MS

__all__ = ["BINS_PER_DECADE", "FLOOR_MS", "Histogram", "distributions"]


@dataclass(frozen=True, kw_only=True)
class Histogram:
    edges_ms: np.ndarray
    counts: np.ndarray

    @property
    def total(self) -> int:
        return int(self.counts.sum())


def distributions(series: dict[str, Any]) -> dict[str, Histogram]:
    return {
        kind: Histogram(edges_ms=np.array(hist["edges_ms"], dtype=float),
                        counts=np.array(hist["counts"], dtype=np.int64))
        for kind, hist in series["distributions"].items()
    }
