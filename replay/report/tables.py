"""The report's tables, from series.json (and Locust's stats CSV for other endpoints).

    for table in report_tables(run): table.title, table.columns, table.rows

In: `RunFiles` from `replay.report.data`, whose `series` (replay.results.series) holds the
groups' counts and percentiles, every error reason with its first example, and the slowest calls,
all aggregated batch by batch during the run. Out: `Table`s whose rows are dicts keyed by the
columns' keys, raw values (formatting is the page's job); each `Column.kind` says how to show a
value: `text`, `int`, `ms`, `share` (a fraction shown as a percentage) or `s` (run-clock seconds).

- By endpoint: the transcript endpoint from the series (service time); any other request Locust
  recorded (call lifecycle) from its stats CSV, whose percentiles Locust rounds.
- By senderType: messages, error share, service-time p50/p95/p99 and latency-from-schedule p99.
- By worker (distributed runs only): the same, plus schedule-lag p99, per Locust worker.
- Error reasons: every failed or unsent message grouped by reason, with one example each.
- Slowest calls: calls ranked by their worst latency from schedule.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Any

import pandas as pd

from replay.report.data import RunFiles
from replay.results.series import MAX_SLOW_CALLS

TRANSCRIPT_ENDPOINT = "POST /voiceCalls/{vendorCallKey}/messages"
MAX_ERROR_ROWS = 20


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
    groups = run.series["groups"]
    whole = groups.get("all", {}).get("all", {"count": 0, "errors": 0})
    tables = [by_endpoint(whole, run.locust_stats), by_sender_type(groups.get("senderType", {}))]
    workers = groups.get("worker", {})
    if len(workers) > 1:
        tables.append(by_worker(workers))
    return [*tables, error_reasons(run.series["error_reasons"], whole["count"]),
            slowest_calls(run.series["slowest_calls"])]


def by_endpoint(whole: dict[str, Any], locust_stats: pd.DataFrame | None) -> Table:
    """`whole`: the series' group of every message (count, errors, percentiles)."""
    rows = [{"endpoint": TRANSCRIPT_ENDPOINT, "source": "outcomes", **_group_stats(whole)}]
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


def by_sender_type(senders: dict[str, dict[str, Any]]) -> Table:
    rows = [{"senderType": sender, **_group_stats(group)}
            for sender, group in sorted(senders.items())]
    columns = (
        Column("senderType", "senderType"),
        *LATENCY_COLUMNS,
        Column("from_schedule_p99", "p99 from schedule", "ms"),
    )
    return Table(
        title="By senderType", key="senders", columns=columns, rows=rows,
        note="p50/p95/p99: service time; errors: failed or unsent messages.",
    )


def by_worker(workers: dict[str, dict[str, Any]]) -> Table:
    rows = [{"worker": int(worker), **_group_stats(group), "lag_p99": _ms(group.get("lag_p99"))}
            for worker, group in sorted(workers.items(), key=lambda item: int(item[0]))]
    columns = (
        Column("worker", "worker", "int"),
        *LATENCY_COLUMNS,
        Column("lag_p99", "schedule lag p99", "ms"),
    )
    return Table(
        title="By worker", key="workers", columns=columns, rows=rows,
        note="Each call belongs to one worker; p50/p95/p99: service time.",
    )


def error_reasons(reasons: list[dict[str, Any]], messages: int,
                  limit: int = MAX_ERROR_ROWS) -> Table:
    """`reasons`: the series' error reasons, commonest first; `messages`: every outcome row."""
    rows = [{**reason, "share": reason["count"] / messages if messages else 0.0}
            for reason in reasons[:limit]]
    hidden = len(reasons) - len(rows)
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


def slowest_calls(calls: list[dict[str, Any]], limit: int = MAX_SLOW_CALLS) -> Table:
    rows = [{**call, "final_ms": _ms(call["final_ms"])} for call in calls[:limit]]
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


def _group_stats(group: dict[str, Any]) -> dict[str, float]:
    count = int(group.get("count", 0))
    return {
        "count": count,
        "error_share": group.get("errors", 0) / count if count else 0.0,
        "p50": _ms(group.get("service_p50")),
        "p95": _ms(group.get("service_p95")),
        "p99": _ms(group.get("service_p99")),
        "from_schedule_p99": _ms(group.get("from_schedule_p99")),
    }


def _ms(value: float | None) -> float:
    return math.nan if value is None else float(value)
