"""What a dataset holds and what replaying it at a speed will ask of the endpoint.

    summarise(transcripts, speed=10.0) -> dict (JSON-ready)

Keys: source, calls, messages, skipped_invalid, skipped_by_reason, skipped_examples (the first
few skipped rows' messages), sender_types (count per
senderType, all five), messages_per_call (min, median, max), call_duration_s (median, max: first
startTime to last endTime), send_at ("endTime" or "startTime"), first_send / last_send (ISO 8601
UTC), span_s (first to last send time), speed, replay_duration_s (span_s / speed), mean_mps
(messages / replay_duration_s, never above peak_mps: replay.plan.mean_rate), peak_mps (most
messages due within one second of the replay), peak_concurrent_calls (most calls
between their first and last message at one moment; the same at any speed).
"""

from __future__ import annotations

from datetime import UTC, datetime

import numpy as np

from replay.dataset.columns import SENDER_TYPES
from replay.dataset.load import Transcripts
from replay.plan import check_speed, mean_rate


def summarise(transcripts: Transcripts, speed: float, send_at: str = "endTime") -> dict:
    check_speed(speed)
    table = transcripts.table
    messages = len(table)
    senders = table["senderType"].value_counts()
    summary: dict = {
        "source": transcripts.source,
        "calls": 0,
        "messages": messages,
        "skipped_invalid": transcripts.skipped.count,
        "skipped_by_reason": dict(transcripts.skipped.by_reason),
        "skipped_examples": list(transcripts.skipped.examples),
        "sender_types": {kind: int(senders.get(kind, 0)) for kind in SENDER_TYPES},
        "send_at": send_at,
        "speed": speed,
    }
    if not messages:
        return summary | {
            "span_s": 0.0,
            "replay_duration_s": 0.0,
            "mean_mps": 0.0,
            "peak_mps": 0,
            "peak_concurrent_calls": 0,
        }
    send_ms = table[send_at].to_numpy()
    starts = _call_starts(table["vendorCallKey"].to_numpy())
    first_send = np.minimum.reduceat(send_ms, starts)
    last_send = np.maximum.reduceat(send_ms, starts)
    duration_s = (
        np.maximum.reduceat(table["endTime"].to_numpy(), starts)
        - np.minimum.reduceat(table["startTime"].to_numpy(), starts)
    ) / 1000
    per_call = np.diff(np.append(starts, messages))
    t0, t1 = int(send_ms.min()), int(send_ms.max())
    span_s = (t1 - t0) / 1000
    replay_s = span_s / speed
    due_s = (send_ms - t0) / 1000 / speed
    peak_mps = int(np.unique(due_s.astype(np.int64), return_counts=True)[1].max())
    return summary | {
        "calls": len(starts),
        "messages_per_call": {
            "min": int(per_call.min()),
            "median": float(np.median(per_call)),
            "max": int(per_call.max()),
        },
        "call_duration_s": {
            "median": round(float(np.median(duration_s)), 3),
            "max": round(float(duration_s.max()), 3),
        },
        "first_send": _iso(t0),
        "last_send": _iso(t1),
        "span_s": span_s,
        "replay_duration_s": round(replay_s, 3),
        "mean_mps": round(mean_rate(messages, replay_s, peak_mps), 3),
        "peak_mps": peak_mps,
        "peak_concurrent_calls": _peak_overlap(first_send, last_send),
    }


def _call_starts(keys: np.ndarray) -> np.ndarray:
    """Positions where a new call begins (the table is sorted by vendorCallKey)."""
    changes = np.flatnonzero(keys[1:] != keys[:-1]) + 1
    return np.concatenate(([0], changes))


def _peak_overlap(starts: np.ndarray, ends: np.ndarray) -> int:
    times = np.concatenate((starts, ends))
    steps = np.concatenate((np.ones(len(starts), np.int64), -np.ones(len(ends), np.int64)))
    order = np.lexsort((-steps, times))  # a call starting when another ends overlaps it
    return int(np.cumsum(steps[order]).max())


def _iso(ms: int) -> str:
    moment = datetime.fromtimestamp(ms / 1000, tz=UTC)
    return moment.isoformat(timespec="milliseconds").replace("+00:00", "Z")
