"""series.json: the report's charts and tables, aggregated batch by batch as outcomes are written.

    builder = SeriesBuilder()
    builder.add(table, last=last)       # each outcomes table (a batch, a spool's row group)
    write_series(run_dir / "series.json", builder.finish(duration_s=run["duration_s"]))
    data = read_series(run_dir / "series.json")   # what replay.report draws, without outcomes

In: outcome tables with the columns of outcomes.parquet (replay.results.outcomes.SCHEMA). The
builder never keeps rows: per run-clock second it keeps counts, failures by reason and sparse
latency histograms; per senderType, per worker and for the whole run one mergeable Histogram
per latency; per (reason, status) a count and the first example; per call a few numbers (first
send, last answer, worst latency) only while the call is open: `last` (a bool per row, true on
a call's last message) lets a call close once all its rows are in
(replay.results.series_calls), so the builder's memory follows the calls in flight, not the
run's calls. Adding N batches gives exactly what adding their concatenation gives, with or
without `last`.

Out (`"schema": "replay-series/1"`), one row per interval of `bin_s` seconds: 1 s for runs up to
`MAX_POINTS` seconds, wider for longer runs (replay.report.series places messages the same way):
`t`, `lines` (intended/sent/accepted/failed per second, lag/service/from-schedule p50/p95/p99
(lag also max), active and planned calls), `errors` (failures per second by reason: the
`MAX_ERROR_SERIES` commonest, the rest as "other"), `distributions` (log histograms, 10 bins a
decade from 0.01 ms), `groups` (count, errors, percentiles by senderType and worker, and `all`),
`error_reasons` (every reason and status, commonest first, one example each) and
`slowest_calls` (the `MAX_SLOW_CALLS` calls with the worst latency from schedule).
Per-interval percentiles come from buckets 3.3% wide, clamped to the interval's exact max.
"""

from __future__ import annotations

import json
import math
import os
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import pyarrow as pa

from replay.atomic import write_atomically
from replay.errors import ConfigError
from replay.results.histogram import GROWTH, LOWEST_MS, Histogram, bucket_indexes
from replay.results.series_calls import MAX_SLOW_CALLS as MAX_SLOW_CALLS  # in the docstring
from replay.results.series_calls import CallAggregates

SCHEMA = "replay-series/1"
SERIES_FILE = "series.json"
MAX_POINTS = 2000
NICE_BINS_S = (1, 2, 5, 10, 15, 30, 60, 120, 300, 600, 900, 1800, 3600, 7200, 21600, 86400)
MAX_ERROR_SERIES = 8
OTHER_ERRORS = "other"
COARSE = 16  # per-second buckets: 16 of the Histogram's 0.2% buckets (3.25% wide)
KINDS = ("lag", "service", "from_schedule")
DIST_FLOOR_MS = 0.01
DIST_BINS_PER_DECADE = 10
DIST_DECADES = 11  # 0.01 ms .. 1e9 ms
_COMPACT_ROWS = 200_000


def bin_width(span_s: float, max_points: int = MAX_POINTS) -> float:
    """The narrowest nice interval (1 s, 2 s, 5 s, ...) that covers `span_s` in `max_points`."""
    for width in NICE_BINS_S:
        if span_s / width <= max_points:
            return float(width)
    return float(math.ceil(span_s / max_points))


class SeriesBuilder:
    """Adds outcome tables into per-second, per-call and per-group aggregates; see the module."""

    def __init__(self) -> None:
        self.rows = 0
        self._max_t = 0.0
        self._counts: dict[str, np.ndarray] = {}  # intended/sent/accepted/failed per second
        self._errors: dict[str, np.ndarray] = {}  # reason -> failures per second
        self._buckets: dict[str, list[pd.Series]] = {kind: [] for kind in KINDS}
        self._max: dict[str, np.ndarray] = {}
        self._calls = CallAggregates()  # per call: only while the call is open
        self._groups: dict[tuple[str, str], dict[str, Any]] = {}
        self._reasons: dict[tuple[str, int], dict[str, Any]] = {}
        self._dist = {kind: np.zeros(DIST_DECADES * DIST_BINS_PER_DECADE, np.int64)
                      for kind in KINDS}
        self._dist_max = dict.fromkeys(KINDS, -math.inf)

    @property
    def peak_calls_held(self) -> int:
        """The most per-call entries held at once (open calls and rows waiting to merge)."""
        return self._calls.peak_retained

    def add(self, table: pa.Table, last: np.ndarray | None = None) -> None:
        """Add outcome rows; `last` (a bool per row, optional) marks each call's last
        message, so that a call's own numbers are dropped once all its rows are in."""
        if table.num_rows == 0:
            return
        frame = _frame(table)
        self.rows += len(frame)
        due, sent, done = (frame[c].to_numpy(float) for c in ("due_s", "sent_s", "done_s"))
        sent_ok, done_ok = ~np.isnan(sent), ~np.isnan(done)
        accepted = (frame["outcome"] == "accepted").to_numpy(bool)
        failed = ~accepted
        latency = {
            "lag": np.maximum(sent - due, 0.0) * 1000.0,
            "service": (done - frame["final_sent_s"].to_numpy(float)) * 1000.0,
            "from_schedule": (done - due) * 1000.0,
        }
        self._max_t = max(self._max_t, _nanmax(due), _nanmax(done))
        due_s, sent_s, done_s = _second(due), _second(sent), _second(done)
        self._count("intended", due_s)
        self._count("sent", sent_s[sent_ok])
        self._count("accepted", done_s[done_ok & accepted])
        self._count("failed", done_s[done_ok & failed])
        error_s = np.where(done_ok, done_s, due_s)
        reasons = frame["reason"].astype(str).to_numpy()
        for reason in np.unique(reasons[failed]):
            self._errors[reason] = _add_at(self._errors.get(reason),
                                           error_s[failed & (reasons == reason)])
        placed = {"lag": (sent_ok, due_s), "service": (done_ok, sent_s),
                  "from_schedule": (done_ok, due_s)}
        for kind, (valid, seconds) in placed.items():
            self._per_second_latency(kind, latency[kind][valid], seconds[valid])
            self._distribution(kind, latency[kind])
        self._calls.add(frame, sent, done, due, sent_ok & done_ok, failed,
                        latency["from_schedule"], last)
        self._add_groups(frame, failed, latency)
        self._add_reasons(frame, failed)

    # --- per second -----------------------------------------------------------------------------

    def _count(self, name: str, seconds: np.ndarray) -> None:
        self._counts[name] = _add_at(self._counts.get(name), seconds)

    def _per_second_latency(self, kind: str, values: np.ndarray, seconds: np.ndarray) -> None:
        finite = np.isfinite(values)
        values, seconds = values[finite], seconds[finite]
        if not values.size:
            return
        keys = seconds * 1_000_000 + bucket_indexes(values) // COARSE
        unique, counts = np.unique(keys, return_counts=True)
        parts = self._buckets[kind]
        parts.append(pd.Series(counts, index=unique))
        if sum(map(len, parts)) > 2 * max(len(parts[0]), _COMPACT_ROWS):  # amortised
            self._buckets[kind] = [_compact(parts)]
        top = self._max.get(kind, np.full(0, -np.inf))
        size = int(seconds.max()) + 1
        if top.size < size:
            top = np.concatenate([top, np.full(size - top.size, -np.inf)])
        np.maximum.at(top, seconds, values)
        self._max[kind] = top

    def _distribution(self, kind: str, values: np.ndarray) -> None:
        finite = values[np.isfinite(values)]
        if not finite.size:
            return
        edges = _dist_edges(DIST_DECADES)
        index = np.searchsorted(edges, np.maximum(finite, DIST_FLOOR_MS), side="right") - 1
        index = np.clip(index, 0, len(edges) - 2)
        self._dist[kind] += np.bincount(index, minlength=len(edges) - 1)
        self._dist_max[kind] = max(self._dist_max[kind], float(finite.max()))

    # --- per call, per group, per reason --------------------------------------------------------

    def _add_groups(self, frame: pd.DataFrame, failed: np.ndarray,
                    latency: dict[str, np.ndarray]) -> None:
        columns = {"all": np.full(len(frame), "all"),
                   "senderType": frame["senderType"].astype(str).to_numpy(),
                   "worker": frame["worker"].to_numpy(np.int64)}
        for by, values in columns.items():
            for value in pd.unique(values):
                rows = values == value
                group = self._groups.setdefault((by, str(value)), {
                    "count": 0, "errors": 0, **{kind: Histogram() for kind in KINDS}})
                group["count"] += int(rows.sum())
                group["errors"] += int(failed[rows].sum())
                for kind in KINDS:
                    group[kind].record(latency[kind][rows])

    def _add_reasons(self, frame: pd.DataFrame, failed: np.ndarray) -> None:
        rows = frame[failed]
        if not len(rows):
            return
        rows = rows.assign(reason=rows["reason"].astype(str), status=rows["status"].astype(int))
        groups = rows.groupby(["reason", "status"], sort=False)
        firsts = groups.head(1).set_index(["reason", "status"])
        for (reason, status), count in groups.size().items():
            entry = self._reasons.get((reason, status))
            if entry is None:
                example = firsts.loc[(reason, status)]
                self._reasons[(reason, status)] = {
                    "reason": reason, "status": int(status), "count": int(count),
                    "example": f"{example['vendorCallKey']} / {example['messageId']}",
                    "due_s": float(example["due_s"])}
            else:
                entry["count"] += int(count)

    # --- the file -------------------------------------------------------------------------------

    def finish(self, *, duration_s: float = 0.0) -> dict[str, Any]:
        """The series.json content, in intervals fitted to the run's span."""
        span = max(duration_s or 0.0, self._max_t, 1.0)
        width = bin_width(span)
        count = math.ceil(span / width) or 1

        def rebin(per_second: np.ndarray | None) -> np.ndarray:
            if per_second is None or not per_second.size:
                return np.zeros(count)
            bins = np.minimum(np.arange(per_second.size) // int(width), count - 1) \
                if width == int(width) else np.minimum(
                    np.floor(np.arange(per_second.size) / width).astype(int), count - 1)
            return np.bincount(bins, weights=per_second, minlength=count)[:count]

        lines = {f"{name}_mps": rebin(self._counts.get(name)) / width
                 for name in ("intended", "sent", "accepted", "failed")}
        for kind in KINDS:
            lines |= self._percentile_lines(kind, width, count)
        self._calls.close_all()
        lines["active_calls"] = self._calls.active("active", rebin)
        lines["planned_calls"] = self._calls.active("planned", rebin)
        return {
            "schema": SCHEMA,
            "rows": self.rows,
            "bin_s": width,
            "t": _list(np.arange(count) * width),
            "lines": {name: _list(values) for name, values in lines.items()},
            "errors": self._error_lines(rebin, width),
            "distributions": {kind: self._distribution_dict(kind) for kind in KINDS},
            "groups": self._group_rows(),
            "error_reasons": sorted(self._reasons.values(), key=lambda r: -r["count"]),
            "slowest_calls": self._calls.slowest(),
        }

    def _percentile_lines(self, kind: str, width: float, count: int) -> dict[str, np.ndarray]:
        quantiles = {"p50": 0.5, "p95": 0.95, "p99": 0.99}
        out = {f"{kind}_{label}_ms": np.full(count, np.nan) for label in quantiles}
        top = self._max.get(kind)
        if top is None:
            if kind == "lag":
                out["lag_max_ms"] = np.full(count, np.nan)
            return out
        bin_of = lambda seconds: np.minimum(np.floor(seconds / width).astype(int), count - 1)  # noqa: E731
        counts = _compact(self._buckets[kind])
        seconds, coarse = counts.index.to_numpy() // 1_000_000, counts.index.to_numpy() % 1_000_000
        bins = bin_of(seconds)
        order = np.lexsort((coarse, bins))
        bins, coarse, weights = bins[order], coarse[order], counts.to_numpy()[order]
        maximum = np.full(count, -np.inf)
        np.maximum.at(maximum, bin_of(np.arange(top.size)), top)
        totals = np.bincount(bins, weights=weights, minlength=count)[:count]
        cumulative = np.cumsum(weights)
        before = np.concatenate(([0], np.cumsum(totals)[:-1]))
        middle = LOWEST_MS * GROWTH ** (coarse * COARSE + COARSE / 2)
        middle[coarse == 0] = 0.0
        for label, q in quantiles.items():
            filled = totals > 0
            rank = before + np.maximum(np.ceil(np.round(q * totals, 9)), 1)
            position = np.searchsorted(cumulative, rank[filled])
            out[f"{kind}_{label}_ms"][filled] = np.minimum(middle[position], maximum[filled])
        if kind == "lag":
            out["lag_max_ms"] = np.where(np.isfinite(maximum), maximum, np.nan)
        return out

    def _error_lines(self, rebin: Any, width: float) -> dict[str, list[float | None]]:
        totals = {reason: int(values.sum()) for reason, values in self._errors.items()}
        ranked = sorted(totals, key=lambda reason: -totals[reason])
        kept = [reason for reason in ranked[:MAX_ERROR_SERIES] if totals[reason]]
        lines = {reason: rebin(self._errors[reason]) / width for reason in kept}
        rest = [self._errors[reason] for reason in ranked[MAX_ERROR_SERIES:]]
        if rest:
            lines[OTHER_ERRORS] = sum(rebin(values) for values in rest) / width
        return {reason: _list(values) for reason, values in lines.items()}

    def _distribution_dict(self, kind: str) -> dict[str, list[float]]:
        top = max(self._dist_max[kind] if math.isfinite(self._dist_max[kind]) else 1.0,
                  DIST_FLOOR_MS * 10)
        decades = math.ceil(math.log10(top) - math.log10(DIST_FLOOR_MS) + 1e-9)
        bins = min(decades, DIST_DECADES) * DIST_BINS_PER_DECADE
        counts = self._dist[kind][:bins].copy()
        counts[-1] += self._dist[kind][bins:].sum()
        return {"edges_ms": _list(_dist_edges(bins // DIST_BINS_PER_DECADE)),
                "counts": [int(c) for c in counts]}

    def _group_rows(self) -> dict[str, dict[str, dict[str, Any]]]:
        groups: dict[str, dict[str, dict[str, Any]]] = {}
        for (by, value), group in sorted(self._groups.items()):
            groups.setdefault(by, {})[value] = {
                "count": group["count"], "errors": group["errors"],
                **{f"{kind}_{label}": group[kind].percentile(q)
                   for kind in KINDS for label, q in (("p50", 50.0), ("p95", 95.0),
                                                      ("p99", 99.0))},
            }
        return groups


def write_series(path: str | os.PathLike[str], series: dict[str, Any]) -> Path:
    """Write series.json atomically (a temp file renamed into place)."""
    path = Path(path)
    write_atomically(path, json.dumps(series, separators=(",", ":"), allow_nan=False))
    return path


def read_series(path: str | os.PathLike[str]) -> dict[str, Any]:
    """Read series.json; ConfigError naming the file when it is unreadable or of another schema."""
    path = Path(path)
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError) as error:
        raise ConfigError(f"{path}: not a readable series file ({error}); rebuild it by "
                          f"running the replay again, or delete it to report from "
                          f"outcomes.parquet") from None
    if not isinstance(data, dict) or data.get("schema") != SCHEMA:
        raise ConfigError(f"{path}: not a {SCHEMA} file; delete it to report from "
                          f"outcomes.parquet")
    return data


def series_of_table(table: pa.Table, *, duration_s: float = 0.0,
                    batch_rows: int = 1_000_000) -> dict[str, Any]:
    """The series of a whole outcomes table (a local run's, or an older run's outcomes.parquet),
    a slice at a time; each call's last row is its highest `call_seq` in the table."""
    builder = SeriesBuilder()
    last = last_rows(table)
    for start in range(0, table.num_rows, batch_rows):
        builder.add(table.slice(start, batch_rows), last=last[start:start + batch_rows])
    return builder.finish(duration_s=duration_s)


def last_rows(table: pa.Table) -> np.ndarray:
    """True on each call's row with the highest `call_seq` in `table` (all its calls' rows)."""
    if table.num_rows == 0:
        return np.zeros(0, bool)
    frame = table.select(["vendorCallKey", "call_seq"]).to_pandas()
    seq = frame["call_seq"].to_numpy(np.int64)
    highest = frame.groupby("vendorCallKey", observed=True, sort=False)["call_seq"].transform("max")
    return seq == highest.to_numpy(np.int64)


def _frame(table: pa.Table) -> pd.DataFrame:
    names = ["vendorCallKey", "messageId", "senderType", "call_seq", "worker", "due_s",
             "sent_s", "final_sent_s", "done_s", "status", "outcome", "reason"]
    return table.select(names).to_pandas()


def _second(seconds: np.ndarray) -> np.ndarray:
    return np.floor(np.nan_to_num(np.maximum(seconds, 0.0), nan=0.0)).astype(np.int64)


def _add_at(counts: np.ndarray | None, seconds: np.ndarray) -> np.ndarray:
    counts = np.zeros(0) if counts is None else counts
    if not seconds.size:
        return counts
    new = np.bincount(seconds).astype(float)
    if new.size > counts.size:
        counts = np.concatenate([counts, np.zeros(new.size - counts.size)])
    counts[: new.size] += new
    return counts


def _compact(parts: list[pd.Series]) -> pd.Series:
    return pd.concat(parts).groupby(level=0).sum()


def _dist_edges(decades: int) -> np.ndarray:
    first = math.log10(DIST_FLOOR_MS)
    return 10.0 ** (first + np.arange(decades * DIST_BINS_PER_DECADE + 1) / DIST_BINS_PER_DECADE)


def _number(value: float) -> float | None:
    return float(value) if value is not None and math.isfinite(value) else None


def _list(values: np.ndarray) -> list[float | None]:
    return [_number(float(value)) for value in values]


def _nanmax(values: np.ndarray) -> float:
    finite = values[np.isfinite(values)]
    return float(finite.max()) if finite.size else 0.0
