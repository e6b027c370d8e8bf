"""The end-of-run text block: counts, rates, latency table, reconciliation, lateness, verdict.

    print(format_summary(summary))     # summary: a summary.json dict (replay-summary/1)
"""

from __future__ import annotations

import textwrap
from collections.abc import Mapping
from typing import Any

from replay.results.progress import lateness_note, token_note
from replay.results.units import format_count, format_duration, format_ms, format_rate
from replay.results.verdict import format_verdict

_LATENCY_ROWS = (
    ("schedule lag", "lag"),
    ("service", "service"),
    ("from schedule", "from_schedule"),
)
_STAT_COLUMNS = (("p50", "p50"), ("p90", "p90"), ("p95", "p95"), ("p99", "p99"),
                 ("p99.9", "p99_9"), ("max", "max"), ("mean", "mean"))  # fmt: skip
_TOP_REASONS = 8
CONNECTION_WAIT_SHOWN_S = 1.0  # requests waited this long in all for a connection: say so


def format_summary(summary: Mapping[str, Any], *, concurrency_cap: int | None = None) -> str:
    """The whole block, lines joined with newlines, no trailing newline."""
    lines = [_headline(summary)]
    retrying = bool((summary.get("options") or {}).get("retries"))
    lines += _counts(summary["counts"], retrying=retrying)
    lines.append(_rates(summary["rates"]))
    options = summary.get("options") or {}
    if options.get("bulk"):
        lines.append(f"Bulk: batches of at most {options['bulk_max_calls']} calls x "
                     f"{options['bulk_max_messages']} messages, leaving when full or after "
                     f"{options['bulk_window_s'] * 1000:g} ms (that wait counts as schedule lag)")
    connections = summary.get("connections")
    if connections and (connections["peak_open"] >= connections["limit"]
                        or connections["wait_s"] >= CONNECTION_WAIT_SHOWN_S):
        lines.append(f"Connections: {connections['peak_open']:,} open at most (--connections "
                     f"{connections['limit']:,} per process); {connections['waited']:,} "
                     f"requests waited {connections['wait_s']:,.1f} s in all for one")
    lines += _latency(summary["latency_ms"])
    lines += _reconciliation(summary["reconciliation"])
    for note in (token_note(summary), lateness_note(summary, concurrency_cap=concurrency_cap)):
        if note:
            lines += textwrap.wrap(note, width=100)
    lines.append(format_verdict(summary["verdict"]))
    return "\n".join(lines)


def _headline(summary: Mapping[str, Any]) -> str:
    run = summary["run"]
    workers = run.get("workers") or 1
    text = (
        f"Replay {run.get('id') or ''} against {run.get('host') or '?'}:"
        f" {format_duration(run.get('duration_s'))},"
        f" {workers} worker{'s' if workers != 1 else ''}"
    )
    if run.get("partial"):
        text += f" - PARTIAL run ({run.get('partial_reason') or 'stopped early'})"
    nothing = nothing_accepted(summary["counts"])
    if nothing:
        text += f" - {nothing}"
    return text


def nothing_accepted(counts: Mapping[str, Any]) -> str | None:
    """"NOTHING WAS ACCEPTED: ..." when no message was accepted (and some were planned)."""
    if counts.get("accepted") or not counts.get("planned"):
        return None
    sent, failed = counts.get("sent") or 0, counts.get("failed") or 0
    if not sent:
        return "NOTHING WAS ACCEPTED: no message was sent"
    return (f"NOTHING WAS ACCEPTED: {format_count(failed)} of {format_count(sent)} sent"
            " messages failed")


def _counts(counts: Mapping[str, Any], *, retrying: bool = False) -> list[str]:
    names = ("planned", "sent", "accepted", "failed", "skipped", "unsent")
    lines = ["Messages: " + ", ".join(f"{name} {format_count(counts[name])}" for name in names)]
    retries = retries_text(counts)
    if retries and (retrying or counts.get("retried")):
        lines.append(f"  {retries}")
    for key, label in (("failed_by_reason", "failed"), ("unsent_by_reason", "unsent")):
        reasons = counts.get(key) or {}
        if reasons:
            shown = list(reasons.items())[:_TOP_REASONS]
            more = f", {len(reasons) - len(shown)} more" if len(reasons) > len(shown) else ""
            listed = ", ".join(f"{reason} {format_count(count)}" for reason, count in shown)
            lines.append(f"  {label} by reason: {listed}{more}")
    return lines


def retries_text(counts: Mapping[str, Any]) -> str:
    """How many messages needed a retry and how many attempts were made ("" if not counted)."""
    if counts.get("retried") is None:
        return ""
    retried, attempts = counts["retried"], counts.get("attempts")
    if not retried:
        return (f"retries: none ({format_count(attempts)} attempts for"
                f" {format_count(counts.get('sent'))} messages sent)")
    return (f"retries: {format_count(retried)} messages needed a retry,"
            f" {format_count(attempts)} attempts in all (Locust's own table counts every"
            " attempt; the counts above count each message once)")


def _rates(rates: Mapping[str, Any]) -> str:
    def peak(value: Any) -> str:
        return "" if value is None else f" (peak {format_count(value)}/s)"

    return (
        f"Rates: intended {format_rate(rates.get('intended_mps'))}"
        f"{peak(rates.get('peak_intended_mps'))}, achieved {format_rate(rates.get('achieved_mps'))}"
        f"{peak(rates.get('peak_achieved_mps'))}"
    )


def _latency(latency: Mapping[str, Any]) -> list[str]:
    header = f"  {'latency':<14}{'count':>10}" + "".join(f"{h:>10}" for h, _ in _STAT_COLUMNS)
    lines = ["Latency:", header]
    for label, key in _LATENCY_ROWS:
        stats = latency[key]
        cells = "".join(f"{format_ms(stats[k]):>10}" for _, k in _STAT_COLUMNS)
        lines.append(f"  {label:<14}{format_count(stats['count']):>10}{cells}")
    return lines


def _reconciliation(block: Mapping[str, Any]) -> list[str]:
    equation = (
        f"{format_count(block['planned'])} planned = {format_count(block['accepted'])} accepted"
        f" + {format_count(block['failed'])} failed + {format_count(block['skipped'])} skipped"
        f" + {format_count(block['unsent'])} unsent"
    )
    if block["balanced"]:
        lines = [f"Reconciliation: balanced ({equation})"]
    else:
        lines = [
            f"Reconciliation: NOT balanced, {format_count(block['unaccounted'])} messages"
            f" unaccounted for ({equation})"
        ]
    mock = block.get("mock")
    if mock:
        verdict = "matches" if mock["matches"] else "DOES NOT match"
        lines.append(
            f"  mock ledger {verdict} the accepted messages: {format_count(mock['stored'])}"
            f" stored + {format_count(mock['outside_window'])} outside the call window"
            f" ({format_count(mock['duplicates'])} duplicates,"
            f" {format_count(mock['ambiguous'])} failed without a response)"
        )
    return lines
