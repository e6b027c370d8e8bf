"""The report's tables, computed from the outcomes (and Locust's stats CSV for other endpoints).

    for table in report_tables(run): table.title, table.columns, table.rows

In: `RunFiles` from `replay.report.data`. Out: `Table`s whose rows are dicts keyed by the columns'
keys, raw values (formatting is the page's job); each `Column.kind` says how to show a value:
`text`, `int`, `ms`, `share` (a fraction shown as a percentage) or `s` (run-clock seconds).

- By endpoint: the transcript endpoint from the outcomes (service time); any other request Locust
  recorded (call lifecycle) from its stats CSV, whose percentiles Locust rounds.
- By senderType: messages, error share, service-time p50/p95/p99 and latency-from-schedule p99.
- By worker (distributed runs only): the same, plus schedule-lag p99, per Locust worker.
- Error reasons: every failed or unsent message grouped by reason, with one example each.
- Slowest calls: calls ranked by their worst latency from schedule.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd

from replay.report.data import RunFiles, latencies_ms

TRANSCRIPT_ENDPOINT = "POST /voiceCalls/{vendorCallKey}/messages"
MAX_ERROR_ROWS = 20
MAX_SLOW_CALLS = 15


@dataclass(frozen=True)
class Column:
    key: str
    title: str
    kind: str = "text"


@dataclass(frozen=True, kw_only=True)
class Table:
    title: str
    columns: tuple[Column, ...]
    rows: list[dict[str, Any]]
    note: str = ""
    key: str = ""


LATENCY_COLUMNS = (
    Column("count", "messages", "int"),
    Column("error_share", "errors", "share"),
    Column("p50", "p50", "ms"),
    Column("p95", "p95", "ms"),
    Column("p99", "p99", "ms"),
)


def report_tables(run: RunFiles) -> list[Table]:
    frame = _with_latencies(run.outcomes)
    tables = [by_endpoint(frame, run.locust_stats), by_sender_type(frame)]
    if frame["worker"].nunique() > 1:
        tables.append(by_worker(frame))
    return [*tables, error_reasons(frame), slowest_calls(frame)]


def nearest_rank(values: np.ndarray, q: float) -> float:
    values = values[np.isfinite(values)]
    if not values.size:
        return float("nan")
    rank = max(int(np.ceil(q * values.size)), 1) - 1
    return float(np.partition(values, rank)[rank])


def by_endpoint(frame: pd.DataFrame, locust_stats: pd.DataFrame | None) -> Table:
    rows = [{"endpoint": TRANSCRIPT_ENDPOINT, "source": "outcomes", **_group_stats(frame)}]
    note = "Service time (response minus send) of the final attempt."
    if locust_stats is not None:
        others = locust_stats[
            (locust_stats["Name"] != "Aggregated")
            & ~locust_stats["Name"].astype(str).str.contains("/messages", regex=False)
        ]
        for record in others.to_dict("records"):
            requests = int(record["Request Count"])
            rows.append({
                "endpoint": f"{record['Type']} {record['Name']}",
                "source": "Locust stats",
                "count": requests,
                "error_share": int(record["Failure Count"]) / requests if requests else 0.0,
                "p50": float(record["50%"]),
                "p95": float(record["95%"]),
                "p99": float(record["99%"]),
            })
        if len(others):
            note += " Rows from Locust's stats CSV carry Locust's rounded percentiles."
    columns = (Column("endpoint", "endpoint"), Column("source", "from"), *LATENCY_COLUMNS)
    return Table(title="By endpoint", key="endpoints", columns=columns, rows=rows, note=note)


def by_sender_type(frame: pd.DataFrame) -> Table:
    rows = [
        {"senderType": sender, **_group_stats(group)}
        for sender, group in frame.groupby("senderType", sort=True, observed=True)
    ]
    columns = (
        Column("senderType", "senderType"),
        *LATENCY_COLUMNS,
        Column("from_schedule_p99", "p99 from schedule", "ms"),
    )
    return Table(
        title="By senderType", key="senders", columns=columns, rows=rows,
        note="p50/p95/p99: service time; errors: failed or unsent messages.",
    )


def by_worker(frame: pd.DataFrame) -> Table:
    rows = [
        {"worker": int(worker), **_group_stats(group),
         "lag_p99": nearest_rank(group["lag_ms"].to_numpy(dtype=float), 0.99)}
        for worker, group in frame.groupby("worker", sort=True)
    ]
    columns = (
        Column("worker", "worker", "int"),
        *LATENCY_COLUMNS,
        Column("lag_p99", "schedule lag p99", "ms"),
    )
    return Table(
        title="By worker", key="workers", columns=columns, rows=rows,
        note="Each call belongs to one worker; p50/p95/p99: service time.",
    )


def error_reasons(frame: pd.DataFrame, limit: int = MAX_ERROR_ROWS) -> Table:
    failed = frame[frame["outcome"] != "accepted"]
    rows = []
    if len(failed):
        groups = failed.groupby(["reason", "status"], sort=False, observed=True)
        counts = groups.size().sort_values(ascending=False, kind="stable")
        firsts = groups.head(1).set_index(["reason", "status"])
        for (reason, status), count in counts.head(limit).items():
            example = firsts.loc[(reason, status)]
            rows.append({
                "reason": reason,
                "status": int(status),
                "count": int(count),
                "share": count / len(frame),
                "example": f"{example['vendorCallKey']} / {example['messageId']}",
                "due_s": float(example["due_s"]),
            })
        hidden = len(counts) - len(rows)
    else:
        hidden = 0
    columns = (
        Column("reason", "reason"),
        Column("status", "status", "int"),
        Column("count", "messages", "int"),
        Column("share", "of planned", "share"),
        Column("example", "example (vendorCallKey / messageId)"),
        Column("due_s", "due at", "s"),
    )
    note = f"{hidden} rarer reason(s) not shown." if hidden else ""
    return Table(title="Error reasons", key="errors", columns=columns, rows=rows, note=note)


def slowest_calls(frame: pd.DataFrame, limit: int = MAX_SLOW_CALLS) -> Table:
    rows = []
    if len(frame):
        calls = frame.groupby("vendorCallKey", sort=False, observed=True).agg(
            messages=("messageId", "size"),
            errors=("is_error", "sum"),
            worst_ms=("from_schedule_ms", "max"),
        )
        final = frame.sort_values("call_seq").groupby("vendorCallKey", observed=True).tail(1)
        calls["final_ms"] = final.set_index("vendorCallKey")["from_schedule_ms"]
        ranked = calls.dropna(subset=["worst_ms"]).nlargest(limit, "worst_ms")
        for key, call in ranked.iterrows():
            rows.append({
                "vendorCallKey": key,
                "messages": int(call["messages"]),
                "errors": int(call["errors"]),
                "worst_ms": float(call["worst_ms"]),
                "final_ms": float(call["final_ms"]),
            })
    columns = (
        Column("vendorCallKey", "vendorCallKey"),
        Column("messages", "messages", "int"),
        Column("errors", "errors", "int"),
        Column("worst_ms", "worst latency from schedule", "ms"),
        Column("final_ms", "last message, from schedule", "ms"),
    )
    return Table(
        title="Slowest calls", key="slowest", columns=columns, rows=rows,
        note="Latency from schedule = response minus due time: how late the call's telephony "
             "system would have seen the answer.",
    )


def _with_latencies(outcomes: pd.DataFrame) -> pd.DataFrame:
    latency = latencies_ms(outcomes)
    return outcomes.assign(
        service_ms=latency["service"],
        lag_ms=latency["lag"],
        from_schedule_ms=latency["from_schedule"],
        is_error=outcomes["outcome"] != "accepted",
    )


def _group_stats(group: pd.DataFrame) -> dict[str, float]:
    service = group["service_ms"].to_numpy(dtype=float)
    count = len(group)
    return {
        "count": count,
        "error_share": float(group["is_error"].sum()) / count if count else 0.0,
        "p50": nearest_rank(service, 0.5),
        "p95": nearest_rank(service, 0.95),
        "p99": nearest_rank(service, 0.99),
        "from_schedule_p99": nearest_rank(group["from_schedule_ms"].to_numpy(dtype=float), 0.99),
    }
