"""Per-interval aggregates of a run's outcomes: what the report's time charts plot.

    series = time_series(outcomes, duration_s=summary["run"]["duration_s"])
    series.bin_s, series.t, series.lines["achieved_mps"], series.errors["http_500"]

In: the outcomes DataFrame of `replay.report.data` (due_s, sent_s, done_s on the run clock).
Out: `TimeSeries`, arrays of one value per interval (`bin_s` seconds wide, at least 1 s, wider for
long runs so no series exceeds `MAX_POINTS`). Which clock reading places a message in an interval:

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

Percentiles are nearest-rank over the messages in the interval; an empty interval is NaN.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np
import pandas as pd

from replay.report.data import latencies_ms

MAX_POINTS = 2000
NICE_BINS_S = (1, 2, 5, 10, 15, 30, 60, 120, 300, 600, 900, 1800, 3600, 7200, 21600, 86400)
MAX_ERROR_SERIES = 8
OTHER_ERRORS = "other"


@dataclass(frozen=True, kw_only=True)
class TimeSeries:
    bin_s: float
    t: np.ndarray
    lines: dict[str, np.ndarray]
    errors: dict[str, np.ndarray]


def bin_width(span_s: float, max_points: int = MAX_POINTS) -> float:
    """The narrowest nice interval (1 s, 2 s, 5 s, ...) that covers `span_s` in `max_points`."""
    for width in NICE_BINS_S:
        if span_s / width <= max_points:
            return float(width)
    return float(math.ceil(span_s / max_points))


def time_series(outcomes: pd.DataFrame, *, duration_s: float = 0.0) -> TimeSeries:
    due = outcomes["due_s"].to_numpy(dtype=float)
    sent = outcomes["sent_s"].to_numpy(dtype=float)
    done = outcomes["done_s"].to_numpy(dtype=float)
    span = max(duration_s or 0.0, _nanmax(due), _nanmax(done), 1.0)
    width = bin_width(span)
    count = math.ceil(span / width) or 1

    def bins(seconds: np.ndarray) -> np.ndarray:
        return np.clip(np.floor(seconds / width), 0, count - 1).astype(np.int64)

    due_bin, sent_ok, done_ok = bins(due), ~np.isnan(sent), ~np.isnan(done)
    sent_bin = bins(np.where(sent_ok, sent, 0.0))
    done_bin = bins(np.where(done_ok, done, 0.0))
    accepted = (outcomes["outcome"] == "accepted").to_numpy(dtype=bool)

    def per_second(selected: np.ndarray, where: np.ndarray) -> np.ndarray:
        return np.bincount(where[selected], minlength=count)[:count] / width

    latency = latencies_ms(outcomes)
    lines: dict[str, np.ndarray] = {
        "intended_mps": per_second(np.ones(len(due), bool), due_bin),
        "sent_mps": per_second(sent_ok, sent_bin),
        "accepted_mps": per_second(done_ok & accepted, done_bin),
        "failed_mps": per_second(done_ok & ~accepted, done_bin),
    }
    lines |= _percentile_lines("lag", latency["lag"][sent_ok], due_bin[sent_ok], count,
                               with_max=True)
    lines |= _percentile_lines("service", latency["service"][done_ok], sent_bin[done_ok], count)
    lines |= _percentile_lines("from_schedule", latency["from_schedule"][done_ok],
                               due_bin[done_ok], count)
    calls = pd.factorize(outcomes["vendorCallKey"])[0]
    lines["active_calls"] = _active(calls, sent_bin, done_bin, sent_ok & done_ok, count)
    lines["planned_calls"] = _active(calls, due_bin, due_bin, np.ones(len(due), bool), count)
    failed = ~accepted
    error_bin = np.where(done_ok, done_bin, due_bin)
    return TimeSeries(
        bin_s=width,
        t=np.arange(count) * width,
        lines=lines,
        errors=_error_lines(outcomes["reason"], failed, error_bin, count, width),
    )


def percentiles_by_bin(
    values: np.ndarray, bins: np.ndarray, count: int, quantiles: tuple[float, ...]
) -> dict[float, np.ndarray]:
    """Nearest-rank quantiles of `values` within each bin 0..count-1 (NaN where a bin is empty)."""
    order = np.lexsort((values, bins))
    ordered = values[order]
    sizes = np.bincount(bins, minlength=count)[:count]
    starts = np.concatenate(([0], np.cumsum(sizes)[:-1]))
    filled = sizes > 0
    result = {}
    for q in quantiles:
        rank = np.maximum(np.ceil(q * sizes).astype(np.int64), 1) - 1
        out = np.full(count, np.nan)
        out[filled] = ordered[(starts + rank)[filled]]
        result[q] = out
    return result


def _percentile_lines(
    name: str, values: np.ndarray, bins: np.ndarray, count: int, *, with_max: bool = False
) -> dict[str, np.ndarray]:
    quantiles = (0.5, 0.95, 0.99, 1.0) if with_max else (0.5, 0.95, 0.99)
    found = percentiles_by_bin(values, bins, count, quantiles)
    labels = {0.5: "p50", 0.95: "p95", 0.99: "p99", 1.0: "max"}
    return {f"{name}_{labels[q]}_ms": found[q] for q in quantiles}


def _active(
    calls: np.ndarray, first: np.ndarray, last: np.ndarray, valid: np.ndarray, count: int
) -> np.ndarray:
    """How many calls span each interval, from their earliest `first` to their latest `last` bin."""
    if not valid.any():
        return np.zeros(count)
    frame = pd.DataFrame({"call": calls[valid], "first": first[valid], "last": last[valid]})
    spans = frame.groupby("call", sort=False).agg(first=("first", "min"), last=("last", "max"))
    steps = np.bincount(spans["first"].to_numpy(), minlength=count + 1).astype(float)
    steps -= np.bincount(spans["last"].to_numpy() + 1, minlength=count + 1)
    return np.cumsum(steps)[:count]


def _error_lines(
    reasons: pd.Series, failed: np.ndarray, bins: np.ndarray, count: int, width: float
) -> dict[str, np.ndarray]:
    """Failures per second by reason: the `MAX_ERROR_SERIES` commonest, the rest as 'other'."""
    if not failed.any():
        return {}
    codes, labels = pd.factorize(reasons)
    ranked = np.bincount(codes[failed], minlength=len(labels))
    kept = [code for code in np.argsort(-ranked, kind="stable")[:MAX_ERROR_SERIES]
            if ranked[code]]
    lines = {}
    for code in kept:
        selected = failed & (codes == code)
        lines[str(labels[code])] = np.bincount(bins[selected], minlength=count)[:count] / width
    rest = failed & ~np.isin(codes, kept)
    if rest.any():
        lines[OTHER_ERRORS] = np.bincount(bins[rest], minlength=count)[:count] / width
    return lines


def _nanmax(values: np.ndarray) -> float:
    finite = values[np.isfinite(values)]
    return float(finite.max()) if finite.size else 0.0
