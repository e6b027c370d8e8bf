"""Lag as the endpoint sees it: when each message reached the mock, against when it was due.

    arrivals = ledger_arrivals(mock.url)       # from GET /__admin/ledger, before the mock stops
    figures = endpoint_lag(arrivals, outcomes, t0_epoch_s=summary["run"]["t0_epoch_s"])
    # {"count", "p50_ms", "p99_ms", "max_ms"}: arrival - (t0 + due_s), messages in both

The replay reports its schedule lag from its own clock (sent - due, sent being when the request
went out). The mock's ledger has each accepted message's arrival (`arrived_us`, epoch µs, taken
when the mock has read and checked the request), so the same lag seen from the other end adds
what lies between: the kernel, the network, the mock's own queue. Both clocks are the same
machine's wall clock (the run's t0 is a wall-clock epoch anchored to the monotonic clock).
`outcomes` is a pandas frame with vendorCallKey, messageId and due_s (outcomes.parquet).
"""

from __future__ import annotations

import urllib.request

import numpy as np
import orjson
import pandas as pd

FIELDS = ("vendorCallKey", "messageId", "arrived_us")


def ledger_arrivals(url: str, *, timeout_s: float = 120.0) -> pd.DataFrame:
    """vendorCallKey, messageId, arrived_us of every message the mock at `url` accepted."""
    keys, ids, arrived = [], [], []
    with urllib.request.urlopen(f"{url}/__admin/ledger", timeout=timeout_s) as response:
        for line in response:
            if line.strip():
                row = orjson.loads(line)
                keys.append(row["vendorCallKey"])
                ids.append(row["messageId"])
                arrived.append(row["arrived_us"])
    return pd.DataFrame({"vendorCallKey": keys, "messageId": ids,
                         "arrived_us": np.array(arrived, dtype=np.int64)})


def endpoint_lag(arrivals: pd.DataFrame, outcomes: pd.DataFrame, *,
                 t0_epoch_s: float) -> dict[str, float | int | None]:
    """Lag at the endpoint of the messages in both tables (a repeated messageId: its first
    arrival), in ms: count, p50, p99, max."""
    first = arrivals.drop_duplicates(["vendorCallKey", "messageId"], keep="first")
    joined = outcomes[["vendorCallKey", "messageId", "due_s"]].astype(
        {"vendorCallKey": str, "messageId": str}).merge(first, on=["vendorCallKey", "messageId"])
    due_us = np.round((t0_epoch_s + joined["due_s"].to_numpy()) * 1e6).astype(np.int64)
    lag_ms = (joined["arrived_us"].to_numpy() - due_us) / 1000.0
    return lag_stats(lag_ms)


def lag_stats(lag_ms: np.ndarray) -> dict[str, float | int | None]:
    if not lag_ms.size:
        return {"count": 0, "p50_ms": None, "p99_ms": None, "max_ms": None}
    return {"count": int(lag_ms.size), "p50_ms": round(float(np.percentile(lag_ms, 50)), 3),
            "p99_ms": round(float(np.percentile(lag_ms, 99)), 3),
            "max_ms": round(float(lag_ms.max()), 3)}
