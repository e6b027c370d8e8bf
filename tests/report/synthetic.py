"""A realistic run directory made from synthetic numbers, written with replay.results' own writers.

    write_synthetic_run(tmp_path / "run", messages=20_000, seed=7)

Writes summary.json, outcomes.parquet and series.json (and, with `locust_csv=True`, a Locust
stats CSV with call-lifecycle rows) the way a real run does: the outcome arrays go through
`OutcomeRecorder` / `build_outcomes`, the summary through `build_summary`, the series through
`SeriesBuilder` a slice at a time (`series=False` leaves it out, as in a run directory written
before series.json existed). The numbers tell a story a report must
show: a steady replay with a slow patch (service time climbs, 503s and timeouts) a little after
the middle, 429s sprinkled throughout, and the last call never sent.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pyarrow as pa

from replay.results.outcomes import SCHEMA, build_outcomes, write_outcomes
from replay.results.recorder import OutcomeRecorder
from replay.results.series import SERIES_FILE, series_of_table, write_series
from replay.results.summary import build_summary, write_summary
from replay.results.verdict import parse_fail_on

SENDERS = np.array(["END_USER", "HUMAN_AGENT", "VIRTUAL_AGENT", "SUPERVISOR"])
LOCUST_CSV_HEADER = (
    "Type,Name,Request Count,Failure Count,Median Response Time,Average Response Time,"
    "Min Response Time,Max Response Time,Average Content Size,Requests/s,Failures/s,"
    "50%,66%,75%,80%,90%,95%,98%,99%,99.9%,99.99%,100%"
)


def write_synthetic_run(
    run_dir: Path,
    *,
    messages: int = 5_000,
    span_s: float = 120.0,
    seed: int = 7,
    fail_on: str = "error_rate>1%,p95>300ms,lag_p99>50ms",
    mock: bool = True,
    locust_csv: bool = True,
    run_id: str = "synthetic",
    series: bool = True,
) -> Path:
    rng = np.random.default_rng(seed)
    run_dir = Path(run_dir)
    run_dir.mkdir(parents=True, exist_ok=True)
    per_call = 30
    calls = max(messages // per_call, 1)
    call = np.sort(rng.integers(0, calls, messages))
    call[-1] = calls - 1
    seq = np.arange(messages) - np.searchsorted(call, call)
    starts = rng.uniform(0, span_s * 0.75, calls)
    gaps = rng.exponential(span_s * 0.25 / per_call, messages)
    due = starts[call] + _per_call_cumsum(gaps, call) - gaps[np.searchsorted(call, call)]
    due = np.minimum(due, span_s)

    slow = (due > span_s * 0.55) & (due < span_s * 0.65)
    lag_s = rng.lognormal(np.log(0.0004), 0.6, messages) + slow * rng.exponential(0.02, messages)
    service_s = rng.lognormal(np.log(0.004), 0.5, messages) * np.where(slow, 30.0, 1.0)
    status = np.full(messages, 202, dtype=np.int16)
    status[rng.random(messages) < 0.002] = 429
    status[slow & (rng.random(messages) < 0.06)] = 503
    timeout = slow & (rng.random(messages) < 0.01)
    unsent = call == calls - 1

    recorder = OutcomeRecorder(messages)
    sent = due + lag_s
    done = sent + np.where(timeout, 5.0, service_s)
    for i in np.flatnonzero(~unsent):
        recorder.sent(i, float(sent[i]))
        if timeout[i]:
            recorder.done(i, float(done[i]), 0, "timeout")
        else:
            recorder.done(i, float(done[i]), int(status[i]))
    for i in np.flatnonzero(unsent):
        recorder.not_sent(i, "not_sent")

    identity = {
        "vendorCallKey": np.char.add("CA-", call.astype(str)),
        "messageId": np.char.add("m-", np.arange(messages).astype(str)),
        "senderType": SENDERS[np.minimum(rng.geometric(0.55, messages) - 1, 3)],
        "call_seq": seq,
        "pass": np.zeros(messages, dtype=np.int16),
    }
    table = build_outcomes(identity, worker=0, due_s=due, recorder=recorder)
    write_outcomes(run_dir / "outcomes.parquet", table)
    accepted = int(np.count_nonzero(~unsent & ~timeout & (status == 202)))
    summary = build_summary(
        run={
            "id": run_id, "started_at": "2026-11-25T17:00:00Z", "ended_at": "2026-11-25T17:02:05Z",
            "duration_s": span_s + 5.0, "t0_epoch_s": 1795539600.0,
            "host": "http://127.0.0.1:8080", "workers": 1, "locust_version": "2.47.0",
        },
        dataset={"path": "datasets/sample.parquet", "calls": calls, "messages": messages,
                 "span_s": span_s * 10},
        options={"speed": 10.0, "send_at": "end", "loops": 1, "lifecycle": True},
        outcomes=table,
        skipped=2,
        mock_stats={"received": accepted, "stored": accepted, "duplicates": 0,
                    "outside_window": 0} if mock else None,
        thresholds=parse_fail_on(fail_on),
    )
    write_summary(run_dir / "summary.json", summary)
    if series:
        write_series(run_dir / SERIES_FILE,
                     series_of_table(table, duration_s=span_s + 5.0, batch_rows=50_000))
    if locust_csv:
        (run_dir / "locust_stats.csv").write_text("\n".join([
            LOCUST_CSV_HEADER,
            f"POST,/voiceCalls,{calls},0,21,23,8,95,60,1.1,0,21,24,26,28,35,44,60,80,95,95,95",
            f"PATCH,/voiceCalls/[vendorCallKey],{calls - 1},0,12,14,5,70,20,1.1,0,"
            "12,14,15,16,20,26,40,55,70,70,70",
            f"POST,/voiceCalls/[vendorCallKey]/messages,{messages},9,4,5,1,5000,23,40,0,"
            "4,5,5,6,7,9,30,130,5000,5000,5000",
            f",Aggregated,{messages + 2 * calls},9,4,5,1,5000,23,42,0,"
            "4,5,5,6,7,9,30,130,5000,5000,5000",
        ]) + "\n")
    return run_dir


def _per_call_cumsum(values: np.ndarray, call: np.ndarray) -> np.ndarray:
    """Cumulative sum of `values` restarting at each call (rows sorted by call)."""
    total = np.cumsum(values)
    first = np.searchsorted(call, call)
    return total - np.concatenate(([0.0], total))[first]


def outcomes_from_rows(rows: list[tuple]) -> pa.Table:
    """An outcomes table (replay.results.outcomes.SCHEMA) from a few hand-written rows:
    (vendorCallKey, call_seq, senderType, due_s, sent_s, done_s, status, outcome, reason)
    with an optional tenth field, the worker (else 0); messageIds are m0, m1, ..."""
    names = ["vendorCallKey", "call_seq", "senderType", "due_s", "sent_s", "done_s", "status",
             "outcome", "reason"]
    columns = {name: [row[i] for row in rows] for i, name in enumerate(names)}
    sent = np.array(columns["sent_s"], dtype=float)
    return pa.table({
        **{name: columns[name] for name in ("vendorCallKey", "senderType", "call_seq")},
        "messageId": [f"m{i}" for i in range(len(rows))],
        "pass": [0] * len(rows),
        "worker": [row[9] if len(row) > 9 else 0 for row in rows],
        "due_s": columns["due_s"], "sent_s": sent, "final_sent_s": sent,
        "done_s": np.array(columns["done_s"], dtype=float),
        "status": columns["status"], "outcome": columns["outcome"], "reason": columns["reason"],
        "attempts": np.where(np.isnan(sent), 0, 1),
    }).select(SCHEMA.names).cast(SCHEMA)
