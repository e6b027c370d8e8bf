"""Mergeable numbers of a run: counts, latency histograms and per-second bins from outcomes.

    measures = measure_outcomes(table)          # one worker's (or the whole run's) outcomes
    measures.merge(other)                       # exact: counts and histogram buckets add
    Measures.from_dict(measures.to_dict())      # JSON/msgpack-safe, for worker -> master

A distributed master merges its workers' Measures and passes the result to
`summary.build_summary(measures=...)`: percentiles come from merged histograms, never from an
average of percentiles (issue 6).

What is measured, per outcome row (times on the run clock, latencies in ms):
    lag            sent_s - due_s, every sent message (negative, i.e. early, counts as 0)
    service        done_s - final_sent_s, every message whose final attempt ended
                   (accepted or failed), like Locust's response time
    from_schedule  done_s - due_s, the same messages (latency a real telephony system would see)
    due_per_s / sent_per_s   messages due / first sent in each whole run-clock second
    retried        messages whose final attempt was not their first (attempts > 1)
    attempts       attempts made in all (what Locust's request table counts)
"""

from __future__ import annotations

import dataclasses
from collections import Counter
from typing import Any

import numpy as np
import pandas as pd
import pyarrow as pa

from replay.results.histogram import Histogram

LATENCIES = ("lag", "service", "from_schedule")
OUTCOMES = ("accepted", "failed", "unsent")
NO_RESPONSE_STATUS = 0


@dataclasses.dataclass(kw_only=True)
class Measures:
    """Counts, histograms and time bins of some outcome rows; see the module docstring."""

    rows: int = 0
    sent: int = 0
    accepted: int = 0
    failed: int = 0
    unsent: int = 0
    failed_no_response: int = 0
    retried: int = 0
    attempts: int = 0
    failed_by_status: Counter[str] = dataclasses.field(default_factory=Counter)
    failed_by_reason: Counter[str] = dataclasses.field(default_factory=Counter)
    unsent_by_reason: Counter[str] = dataclasses.field(default_factory=Counter)
    latency: dict[str, Histogram] = dataclasses.field(
        default_factory=lambda: {name: Histogram() for name in LATENCIES}
    )
    due_per_s: Counter[int] = dataclasses.field(default_factory=Counter)
    sent_per_s: Counter[int] = dataclasses.field(default_factory=Counter)
    due_min_s: float | None = None
    due_max_s: float | None = None
    sent_min_s: float | None = None
    sent_max_s: float | None = None

    def merge(self, other: Measures) -> Measures:
        """Add `other` into self (exact); returns self."""
        for name in _COUNTS:
            setattr(self, name, getattr(self, name) + getattr(other, name))
        for name in _COUNTERS + _BINS:
            getattr(self, name).update(getattr(other, name))
        for name in LATENCIES:
            self.latency[name].merge(other.latency[name])
        for name in _BOUNDS:
            choose = min if name.endswith("_min_s") else max
            setattr(self, name, _pick(choose, getattr(self, name), getattr(other, name)))
        return self

    def to_dict(self) -> dict[str, Any]:
        """JSON/msgpack-safe form (string keys, lists, numbers, None)."""
        data: dict[str, Any] = {name: getattr(self, name) for name in _COUNTS + _BOUNDS}
        data.update({name: dict(getattr(self, name)) for name in _COUNTERS})
        data["latency"] = {name: hist.to_dict() for name, hist in self.latency.items()}
        for name in _BINS:
            bins = getattr(self, name)
            seconds = sorted(bins)
            data[name] = {"second": seconds, "count": [bins[second] for second in seconds]}
        return data

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> Measures:
        """Rebuild from `to_dict()`."""
        return cls(
            **{name: data[name] for name in _COUNTS + _BOUNDS},
            **{name: Counter(data[name]) for name in _COUNTERS},
            **{
                name: Counter(dict(zip(data[name]["second"], data[name]["count"], strict=True)))
                for name in _BINS
            },
            latency={name: Histogram.from_dict(data["latency"][name]) for name in LATENCIES},
        )


_COUNTS = ("rows", "sent", "accepted", "failed", "unsent", "failed_no_response", "retried",
           "attempts")
_COUNTERS = ("failed_by_status", "failed_by_reason", "unsent_by_reason")
_BINS = ("due_per_s", "sent_per_s")
_BOUNDS = ("due_min_s", "due_max_s", "sent_min_s", "sent_max_s")


def _pick(choose: Any, a: float | None, b: float | None) -> float | None:
    if a is None:
        return b
    if b is None:
        return a
    return choose(a, b)


def measure_outcomes(outcomes: pa.Table | pd.DataFrame) -> Measures:
    """Measures of an outcomes table (Arrow or pandas, columns as in `outcomes.SCHEMA`)."""
    table = (
        pa.Table.from_pandas(outcomes, preserve_index=False)
        if isinstance(outcomes, pd.DataFrame)
        else outcomes
    )
    due = _floats(table, "due_s")
    sent_s = _floats(table, "sent_s")
    final_sent = _floats(table, "final_sent_s") if "final_sent_s" in table.column_names else sent_s
    done = _floats(table, "done_s")
    status = table.column("status").to_numpy().astype(np.int64)
    outcome_codes, outcome_labels = _codes(table.column("outcome"))
    reason_codes, reason_labels = _codes(table.column("reason"))
    measures = Measures(rows=len(table))
    if len(table) == 0:
        return measures
    outcome = np.asarray(outcome_labels, dtype=object)[outcome_codes]
    accepted = outcome == "accepted"
    failed = outcome == "failed"
    unsent = outcome == "unsent"
    unknown = ~(accepted | failed | unsent)
    if unknown.any():
        raise ValueError(f"outcome column holds {sorted(set(outcome[unknown]))}, not {OUTCOMES}")
    measures.accepted = int(accepted.sum())
    measures.failed = int(failed.sum())
    measures.unsent = int(unsent.sum())
    measures.sent = measures.accepted + measures.failed
    measures.failed_no_response = int((failed & (status == NO_RESPONSE_STATUS)).sum())
    if "attempts" in table.column_names:
        attempts = table.column("attempts").to_numpy().astype(np.int64)
        measures.retried = int(np.count_nonzero(attempts > 1))
        measures.attempts = int(attempts.sum())
    measures.failed_by_status = _count(status[failed].astype(str))
    measures.failed_by_reason = _count_codes(reason_codes[failed], reason_labels)
    measures.unsent_by_reason = _count_codes(reason_codes[unsent], reason_labels)
    measures.latency["lag"].record((sent_s - due) * 1000.0)
    measures.latency["service"].record((done - final_sent) * 1000.0)
    measures.latency["from_schedule"].record((done - due) * 1000.0)
    measures.due_per_s = _per_second(due)
    measures.sent_per_s = _per_second(sent_s)
    measures.due_min_s, measures.due_max_s = _range(due)
    measures.sent_min_s, measures.sent_max_s = _range(sent_s)
    return measures


def _floats(table: pa.Table, name: str) -> np.ndarray:
    return table.column(name).to_numpy().astype(np.float64)


def _codes(column: pa.ChunkedArray | pa.Array) -> tuple[np.ndarray, list[str]]:
    """Integer codes and their labels for a string or dictionary column."""
    if isinstance(column, pa.ChunkedArray):
        column = column.combine_chunks() if column.num_chunks else pa.array([], pa.string())
    if not pa.types.is_dictionary(column.type):
        column = column.cast(pa.string()).dictionary_encode()
    indices = column.indices.fill_null(0).to_numpy().astype(np.int64)
    labels = ["" if label is None else label for label in column.dictionary.to_pylist()]
    return indices, labels


def _count(values: np.ndarray) -> Counter[str]:
    keys, counts = np.unique(values, return_counts=True)
    return Counter({str(key): int(count) for key, count in zip(keys, counts, strict=True)})


def _count_codes(codes: np.ndarray, labels: list[str]) -> Counter[str]:
    counts = np.bincount(codes, minlength=len(labels))
    result: Counter[str] = Counter()
    for code in np.flatnonzero(counts):
        result[labels[code]] += int(counts[code])
    return result


def _per_second(times_s: np.ndarray) -> Counter[int]:
    times = times_s[~np.isnan(times_s)]
    if times.size == 0:
        return Counter()
    seconds = np.floor(times).astype(np.int64)
    keys, counts = np.unique(seconds, return_counts=True)
    return Counter({int(key): int(count) for key, count in zip(keys, counts, strict=True)})


def _range(times_s: np.ndarray) -> tuple[float | None, float | None]:
    times = times_s[~np.isnan(times_s)]
    if times.size == 0:
        return None, None
    return float(times.min()), float(times.max())
