"""The run as GitHub-flavoured Markdown, appended to the job summary of a GitHub Actions step.

    text = markdown_summary(summary)          # summary: a summary.json dict (replay-summary/1)
    append_step_summary(summary, os.environ)  # appends to $GITHUB_STEP_SUMMARY when it is set

Sections: a headline with the verdict, the thresholds (measured value and limit), the message
counts (with retries and failure reasons), the rates, the latency table and the reconciliation.
GitHub renders the file's Markdown on the run's page; appending (never truncating) keeps what
earlier steps wrote. No Locust import.
"""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path
from typing import Any

from replay.results.units import format_count, format_duration, format_ms, format_rate

ENV_VAR = "GITHUB_STEP_SUMMARY"
_LATENCY_ROWS = (("schedule lag", "lag"), ("service", "service"),
                 ("from schedule", "from_schedule"))  # fmt: skip
_STATS = (("p50", "p50"), ("p90", "p90"), ("p95", "p95"), ("p99", "p99"), ("p99.9", "p99_9"),
          ("max", "max"), ("mean", "mean"))  # fmt: skip


def append_step_summary(summary: Mapping[str, Any], environ: Mapping[str, str]) -> Path | None:
    """Append `markdown_summary(summary)` to the file named by GITHUB_STEP_SUMMARY, if set."""
    target = environ.get(ENV_VAR)
    if not target:
        return None
    path = Path(target)
    with path.open("a", encoding="utf-8") as stream:
        stream.write(markdown_summary(summary))
    return path


def markdown_summary(summary: Mapping[str, Any]) -> str:
    """The whole summary as Markdown, ending with a blank line."""
    parts = [_headline(summary), _thresholds(summary.get("verdict") or {}),
             _counts(summary.get("counts") or {}), _rates(summary.get("rates") or {}),
             _latency(summary.get("latency_ms") or {}),
             _reconciliation(summary.get("reconciliation") or {})]
    return "\n\n".join(part for part in parts if part) + "\n\n"


def _headline(summary: Mapping[str, Any]) -> str:
    run, verdict = summary.get("run") or {}, summary.get("verdict") or {}
    mark = "✅ PASSED" if verdict.get("passed") else "❌ FAILED"
    lines = [f"### Transcript replay `{_cell(run.get('id') or '')}`: {mark}", "",
             f"Against `{_cell(run.get('host') or '?')}`, {format_duration(run.get('duration_s'))},"
             f" {run.get('workers') or 1} worker(s)."]
    if run.get("partial"):
        lines.append(f"**Partial run**: {_cell(run.get('partial_reason') or 'stopped early')}.")
    for problem in verdict.get("problems") or []:
        lines.append(f"- ❌ {_cell(problem)}")
    if not verdict.get("thresholds"):
        lines.append("No `--fail-on` thresholds: the run fails when any message fails.")
    return "\n".join(lines)


def _thresholds(verdict: Mapping[str, Any]) -> str:
    rows = verdict.get("thresholds") or []
    if not rows:
        return ""
    lines = ["| threshold | measured | limit | result |", "|---|---:|---:|---|"]
    for row in rows:
        measured = row["measured"]
        shown = "not measured" if measured is None else _with_unit(measured, row["unit"])
        lines.append(f"| `{_cell(row['expression'])}` | {shown} |"
                     f" {_with_unit(row['limit'], row['unit'])} |"
                     f" {'pass' if row['passed'] else '**FAIL**'} |")
    return "\n".join(lines)


def _with_unit(value: float, unit: str) -> str:
    if unit == "count":
        return f"{value:,.0f}"
    return f"{value:,.4g}%" if unit == "%" else f"{value:,.4g} {unit}"


def _counts(counts: Mapping[str, Any]) -> str:
    names = ("planned", "sent", "accepted", "failed", "skipped", "unsent")
    lines = ["| " + " | ".join(names) + " |", "|" + "---:|" * len(names),
             "| " + " | ".join(format_count(counts.get(name)) for name in names) + " |"]
    retried = counts.get("retried")
    if retried is not None:
        lines += ["", f"Retries: {format_count(retried)} messages needed a retry;"
                      f" {format_count(counts.get('attempts'))} attempts in all."]
    for key, label in (("failed_by_reason", "Failed"), ("unsent_by_reason", "Unsent")):
        reasons = counts.get(key) or {}
        if reasons:
            listed = ", ".join(f"`{_cell(reason)}` {format_count(count)}"
                               for reason, count in reasons.items())
            lines += ["", f"{label} by reason: {listed}."]
    return "\n".join(lines)


def _rates(rates: Mapping[str, Any]) -> str:
    return (f"Rates: intended {format_rate(rates.get('intended_mps'))},"
            f" achieved {format_rate(rates.get('achieved_mps'))}.")


def _latency(latency: Mapping[str, Any]) -> str:
    if not latency:
        return ""
    header = "| latency | count | " + " | ".join(label for label, _ in _STATS) + " |"
    lines = [header, "|---|" + "---:|" * (len(_STATS) + 1)]
    for label, key in _LATENCY_ROWS:
        stats = latency.get(key) or {}
        cells = " | ".join(format_ms(stats.get(stat)) for _, stat in _STATS)
        lines.append(f"| {label} | {format_count(stats.get('count'))} | {cells} |")
    return "\n".join(lines)


def _reconciliation(block: Mapping[str, Any]) -> str:
    if not block:
        return ""
    equation = (f"{format_count(block.get('planned'))} planned ="
                f" {format_count(block.get('accepted'))} accepted +"
                f" {format_count(block.get('failed'))} failed +"
                f" {format_count(block.get('skipped'))} skipped +"
                f" {format_count(block.get('unsent'))} unsent")
    if block.get("balanced"):
        lines = [f"Reconciliation: balanced ({equation})."]
    else:
        lines = [f"Reconciliation: **not balanced**, {format_count(block.get('unaccounted'))}"
                 f" messages unaccounted for ({equation})."]
    mock = block.get("mock")
    if mock:
        agrees = "matches" if mock.get("matches") else "**does not match**"
        lines.append(f"The mock's ledger {agrees} the accepted messages"
                     f" ({format_count(mock.get('stored'))} stored,"
                     f" {format_count(mock.get('outside_window'))} outside the call window,"
                     f" {format_count(mock.get('duplicates'))} duplicates).")
    return " ".join(lines)


def _cell(text: str) -> str:
    """Text safe inside a Markdown table cell or a code span."""
    return str(text).replace("|", "\\|").replace("`", "'").replace("\n", " ")
