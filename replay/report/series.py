"""The report's time charts' data: series.json's per-interval lines as arrays.

    series = time_series(run.series)     # run.series: series.json (replay.results.series)
    series.bin_s, series.t, series.lines["achieved_mps"], series.errors["http_500"]

In: the content of series.json, computed during the run batch by batch. Out: `TimeSeries`,
arrays of one value per interval (`bin_s` seconds wide, at least 1 s, wider for long runs so no
series exceeds `MAX_POINTS`); a value the file holds as null (an empty interval) is NaN. Which
clock reading places a message in an interval:

| series | placed by | value |
|---|---|---|
| intended_mps | due_s | messages due per second |
| sent_mps | sent_s | messages sent per second |
| accepted_mps, failed_mps | done_s | final answers per second |
| lag_p50/p95/p99/max_ms | due_s | sent - due (early counts as 0) |
| service_p50/p95/p99_ms | sent_s | done - start of the final attempt |
| from_schedule_p50/p95/p99_ms | due_s | done - due |
| errors[reason] | done_s (due_s if never sent) | failures and unsent messages per second |
| active_calls | sent_s .. done_s | calls between their first send and last answer |
| planned_calls | due_s | calls between their first and last due time |

Percentiles are nearest-rank over the messages in the interval, read from buckets 3.3% wide and
never above the interval's exact maximum.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np

from replay.results.series import MAX_ERROR_SERIES, MAX_POINTS, OTHER_ERRORS, bin_width

__all__ = ["MAX_ERROR_SERIES", "MAX_POINTS", "OTHER_ERRORS", "TimeSeries", "bin_width",
           "time_series"]


@dataclass(frozen=True, kw_only=True)
class TimeSeries:
    bin_s: float
    t: np.ndarray
    lines: dict[str, np.ndarray]
    errors: dict[str, np.ndarray]


def time_series(series: dict[str, Any]) -> TimeSeries:
    return TimeSeries(
        bin_s=float(series["bin_s"]),
        t=_array(series["t"]),
        lines={name: _array(values) for name, values in series["lines"].items()},
        errors={reason: _array(values) for reason, values in series["errors"].items()},
    )


def _array(values: list[float | None]) -> np.ndarray:
    return np.array([np.nan if value is None else value for value in values], dtype=float)
