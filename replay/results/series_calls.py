"""series.json's per-call numbers, held only while a call is open: active calls, slowest calls.

    calls = CallAggregates()
    calls.add(frame, sent, done, due, answered, failed, from_schedule_ms, last)  # per table
    calls.close_all()                                    # at the end: the calls still open
    calls.active("active", rebin), calls.slowest()       # series.json's lines and table

In: outcome rows a table at a time (replay.results.series), in any order, each with its
call's key and `call_seq`, and optionally `last`: a bool per row, true on a call's last
message. A call is *closed* once its last row and all the rows before it are in (rows in, =
last `call_seq` + 1): its span is then added to per-second counts of starts and ends, and its
numbers offered to a top-`MAX_SLOW_CALLS` table, and its state dropped. So what is kept is the
open calls (about the calls in flight, plus a table's worth of rows waiting to be merged),
never one entry per call of the run. Without `last`, every call stays open until `close_all`,
which gives the same numbers.

Out: per interval, the calls active (first send to last answer) and planned (first due to
last due), counted as `series.finish` always did (an interval holds a call when its span
touches it); the slowest calls by worst latency from schedule, ties by key.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import numpy as np
import pandas as pd

MAX_SLOW_CALLS = 15
MERGE_ROWS = 65_536  # per-call rows waiting before they are merged into the open calls
SPANS = {"active": ("first_sent", "last_done"), "planned": ("first_due", "last_due")}
_SLOW_COLUMNS = ["call", "messages", "errors", "worst_ms", "final_ms"]


class CallAggregates:
    """Open calls' numbers; closed calls as per-second span counts and a bounded top table."""

    def __init__(self) -> None:
        self._open = _merge(pd.DataFrame(columns=_columns()))
        self._waiting: list[pd.DataFrame] = []
        self._waiting_rows = 0
        self._edges: dict[str, np.ndarray] = {}  # "<span>_start"/"<span>_end" -> per second
        self._slowest = self._open[_SLOW_COLUMNS].iloc[:0]
        self.peak_retained = 0  # the most per-call rows held at once (open + waiting)

    @property
    def retained(self) -> int:
        """Per-call rows held now: the open calls and the rows waiting to be merged."""
        return len(self._open) + self._waiting_rows

    def add(self, frame: pd.DataFrame, sent: np.ndarray, done: np.ndarray, due: np.ndarray,
            answered: np.ndarray, failed: np.ndarray, from_schedule_ms: np.ndarray,
            last: np.ndarray | None) -> None:
        seq = frame["call_seq"].to_numpy(np.int64)
        length = (np.zeros(len(frame), np.int64) if last is None
                  else np.where(np.asarray(last, bool), seq + 1, 0))
        part = _merge(pd.DataFrame({
            "call": frame["vendorCallKey"].astype(str).to_numpy(),
            "first_sent": np.where(answered, sent, np.nan),
            "last_done": np.where(answered, done, np.nan),
            "first_due": due, "last_due": due,
            "messages": 1, "errors": failed.astype(np.int64),
            "worst_ms": from_schedule_ms, "final_seq": seq, "final_ms": from_schedule_ms,
            "length": length,
        }))
        self._waiting.append(part)
        self._waiting_rows += len(part)
        self.peak_retained = max(self.peak_retained, self.retained)
        if self._waiting_rows > max(len(self._open), MERGE_ROWS):  # amortised
            self._merge_waiting()

    def close_all(self) -> None:
        """Close every call still open (the run's end: nothing more comes)."""
        self._merge_waiting()
        self._close(self._open)
        self._open = self._open.iloc[:0]

    def active(self, span: str, rebin: Callable[[np.ndarray | None], np.ndarray]) -> np.ndarray:
        """Calls whose `span` ("active" or "planned") touches each interval; `rebin` sums
        per-second counts into the series' intervals (the last one takes any later second)."""
        starts = rebin(self._edges.get(f"{span}_start"))
        ends = rebin(self._edges.get(f"{span}_end"))
        steps = np.concatenate([starts, [0.0]])
        steps[1:] -= ends
        return np.cumsum(steps)[: starts.size]

    def slowest(self) -> list[dict[str, Any]]:
        return [{"vendorCallKey": row.call, "messages": int(row.messages),
                 "errors": int(row.errors), "worst_ms": float(row.worst_ms),
                 "final_ms": _number(row.final_ms)} for row in self._slowest.itertuples()]

    def _merge_waiting(self) -> None:
        if not self._waiting:
            return
        merged = _merge(_concat([self._open, *self._waiting]))
        self._waiting, self._waiting_rows = [], 0
        complete = (merged["length"] > 0) & (merged["messages"] >= merged["length"])
        self._close(merged[complete])
        self._open = merged[~complete].reset_index(drop=True)

    def _close(self, calls: pd.DataFrame) -> None:
        if not len(calls):
            return
        for span, (first, last) in SPANS.items():
            spans = calls[[first, last]].dropna()
            for edge, column in (("start", first), ("end", last)):
                self._edges[f"{span}_{edge}"] = _add_seconds(self._edges.get(f"{span}_{edge}"),
                                                             spans[column].to_numpy(float))
        candidates = _concat([self._slowest, calls.dropna(subset=["worst_ms"])[_SLOW_COLUMNS]])
        self._slowest = candidates.sort_values(["worst_ms", "call"], ascending=[False, True],
                                               kind="stable").head(MAX_SLOW_CALLS)


def _columns() -> dict[str, Any]:
    return {"call": pd.Series(dtype=object), "first_sent": pd.Series(dtype=float),
            "last_done": pd.Series(dtype=float), "first_due": pd.Series(dtype=float),
            "last_due": pd.Series(dtype=float), "messages": pd.Series(dtype=np.int64),
            "errors": pd.Series(dtype=np.int64), "worst_ms": pd.Series(dtype=float),
            "final_seq": pd.Series(dtype=np.int64), "final_ms": pd.Series(dtype=float),
            "length": pd.Series(dtype=np.int64)}


def _merge(frame: pd.DataFrame) -> pd.DataFrame:
    """One row per call: earliest/latest times, sums, worst latency, the highest call_seq's,
    and the call's length once its last row is known (0 before)."""
    ordered = frame.sort_values(["call", "final_seq"], kind="stable")
    groups = ordered.groupby("call", sort=False)
    return pd.DataFrame({
        "call": groups["call"].first(),
        "first_sent": groups["first_sent"].min(), "last_done": groups["last_done"].max(),
        "first_due": groups["first_due"].min(), "last_due": groups["last_due"].max(),
        "messages": groups["messages"].sum(), "errors": groups["errors"].sum(),
        "worst_ms": groups["worst_ms"].max(),
        "final_seq": groups["final_seq"].last(),
        "final_ms": groups.tail(1).set_index("call")["final_ms"],
        "length": groups["length"].max(),
    }).reset_index(drop=True)


def _concat(frames: list[pd.DataFrame]) -> pd.DataFrame:
    """The frames' rows (the first frame's columns when all are empty)."""
    filled = [frame for frame in frames if len(frame)]
    return pd.concat(filled, ignore_index=True) if filled else frames[0]


def _add_seconds(counts: np.ndarray | None, seconds: np.ndarray) -> np.ndarray:
    """Per-second counts (index: whole second, negatives in 0) plus these moments."""
    counts = np.zeros(0) if counts is None else counts
    if not seconds.size:
        return counts
    new = np.bincount(np.floor(np.maximum(seconds, 0.0)).astype(np.int64)).astype(float)
    if new.size > counts.size:
        counts = np.concatenate([counts, np.zeros(new.size - counts.size)])
    counts[: new.size] += new
    return counts


def _number(value: float) -> float | None:
    return float(value) if value is not None and np.isfinite(value) else None
