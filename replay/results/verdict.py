"""The CI verdict: `--fail-on` thresholds, parsed once, evaluated against a summary.

    thresholds = parse_fail_on("error_rate>0.5%,p95>300ms,lag_p99>50ms")   # ConfigError if bad
    verdict = evaluate(thresholds, summary)    # {"passed", "problems", "thresholds"}
    print(format_verdict(verdict))

Grammar: comma-separated `METRIC OP VALUE[UNIT]` (spaces allowed around each part). Each is a
FAIL condition: the run fails when the measured value satisfies it. OP is one of > >= < <=.

    metric                             measures                           units
    error_rate                         failed / sent                      %, or fraction 0..1
    achieved_ratio                     achieved_mps / intended_mps        %, or fraction 0..1
    failed, unsent, unaccounted        message counts                     none
    p50 p90 p95 p99 p99_9 max mean     service time (final attempt)       ms (default), s
    sched_p50 ... sched_max sched_mean latency from schedule (done - due) ms (default), s
    lag_p50 ... lag_max lag_mean       schedule lag (sent - due)          ms (default), s

`p99.9` may be written for `p99_9`. Measured values and limits are reported in the metric's unit
(ms, % or count). A metric that could not be measured (nothing sent, no rate) fails its threshold.
A partial run (endpoint down, stopped, worker lost) or one with messages unaccounted for never
passes, with or without thresholds: the verdict's `problems` say why. Without thresholds the
verdict follows Locust's rule, as the exit code does: any failed message fails the run.
`decided_by` ("problems", "thresholds" or "failures") and `reason` (one sentence) say what
decided it, so the console, summary.json and the report give the same verdict for the same reason.
"""

from __future__ import annotations

import dataclasses
import operator
import re
from collections.abc import Callable, Iterable
from typing import Any

from replay.errors import ConfigError

_STATS = ("p50", "p90", "p95", "p99", "p99_9", "max", "mean")
_LATENCY_PREFIXES = {"": "service", "sched_": "from_schedule", "lag_": "lag"}
RATIO_METRICS = ("error_rate", "achieved_ratio")
COUNT_METRICS = ("failed", "unsent", "unaccounted")
LATENCY_METRICS = tuple(f"{prefix}{stat}" for prefix in _LATENCY_PREFIXES for stat in _STATS)
METRICS = RATIO_METRICS + COUNT_METRICS + LATENCY_METRICS
_OPERATORS: dict[str, Callable[[float, float], bool]] = {
    ">": operator.gt,
    ">=": operator.ge,
    "<": operator.lt,
    "<=": operator.le,
}
_THRESHOLD = re.compile(
    r"^\s*(?P<metric>[A-Za-z][A-Za-z0-9_.]*)\s*(?P<op>>=|<=|>|<)\s*"
    r"(?P<value>[0-9]+(?:\.[0-9]*)?|\.[0-9]+)\s*(?P<unit>[A-Za-z%]*)\s*$"
)
_HINT = "write METRIC OP VALUE[UNIT] such as p95>300ms, OP one of > >= < <="


@dataclasses.dataclass(frozen=True, kw_only=True)
class Threshold:
    """One fail condition; `limit` is in `unit` (ms, % or count)."""

    expression: str
    metric: str
    op: str
    limit: float
    unit: str

    def fails(self, measured: float | None) -> bool:
        """True when the run fails on this threshold (unmeasured values fail)."""
        return measured is None or _OPERATORS[self.op](measured, self.limit)


def metric_unit(metric: str) -> str:
    if metric in RATIO_METRICS:
        return "%"
    if metric in COUNT_METRICS:
        return "count"
    return "ms"


def parse_fail_on(text: str | None) -> tuple[Threshold, ...]:
    """Parse a `--fail-on` value; empty or None gives no thresholds. ConfigError when bad."""
    if text is None or not text.strip():
        return ()
    return tuple(_parse_one(part.strip(), text) for part in text.split(","))


def _parse_one(part: str, text: str) -> Threshold:
    valid = f"valid metrics: {', '.join(METRICS)}"
    if not part:
        raise ConfigError(f"--fail-on {text!r}: empty threshold between commas; {_HINT}")
    match = _THRESHOLD.match(part)
    if match is None:
        raise ConfigError(f"--fail-on: {part!r} is not a threshold; {_HINT} ({valid})")
    metric = match["metric"].lower().replace("99.9", "99_9")
    if metric not in METRICS:
        raise ConfigError(f"--fail-on: {part!r}: unknown metric {match['metric']!r}; {valid}")
    value = float(match["value"])
    unit = match["unit"].lower()
    kind = metric_unit(metric)
    if kind == "ms":
        if unit not in ("", "ms", "s"):
            raise ConfigError(
                f"--fail-on: {part!r}: unit {match['unit']!r} does not fit {metric}, a latency;"
                " use ms or s"
            )
        limit = value * 1000.0 if unit == "s" else value
    elif kind == "%":
        if unit not in ("", "%"):
            raise ConfigError(
                f"--fail-on: {part!r}: unit {match['unit']!r} does not fit {metric}, a share;"
                " use % or a fraction from 0 to 1"
            )
        if unit == "" and value > 1.0:
            raise ConfigError(
                f"--fail-on: {part!r}: a share without % is a fraction from 0 to 1;"
                f" write {match['value']}% or {value / 100:g}"
            )
        limit = value if unit == "%" else value * 100.0
    else:
        if unit:
            raise ConfigError(
                f"--fail-on: {part!r}: {metric} is a count of messages and takes no unit"
            )
        limit = value
    return Threshold(expression=part, metric=metric, op=match["op"], limit=limit, unit=kind)


def measure(metric: str, summary: dict[str, Any]) -> float | None:
    """The value of `metric` in a summary.json dict, in the metric's unit; None if unmeasured."""
    counts = summary["counts"]
    if metric == "error_rate":
        return _share(counts["failed"], counts["sent"])
    if metric == "achieved_ratio":
        rates = summary["rates"]
        return _share(rates.get("achieved_mps"), rates.get("intended_mps"))
    if metric in ("failed", "unsent"):
        return float(counts[metric])
    if metric == "unaccounted":
        return float(summary["reconciliation"]["unaccounted"])
    for prefix in ("sched_", "lag_", ""):
        if metric.startswith(prefix) and metric[len(prefix) :] in _STATS:
            value = summary["latency_ms"][_LATENCY_PREFIXES[prefix]][metric[len(prefix) :]]
            return None if value is None else float(value)
    raise KeyError(metric)


def _share(part: float | None, whole: float | None) -> float | None:
    if part is None or not whole:
        return None
    return round(100.0 * part / whole, 6)


def run_problems(summary: dict[str, Any]) -> list[str]:
    """What fails a run whatever its thresholds: it is partial, or messages are unaccounted for."""
    problems = []
    run = summary.get("run") or {}
    if run.get("partial"):
        problems.append(f"the run is partial ({run.get('partial_reason') or 'stopped early'})")
    unaccounted = (summary.get("reconciliation") or {}).get("unaccounted") or 0
    if unaccounted:
        problems.append(f"{unaccounted:,} planned messages are unaccounted for")
    return problems


def evaluate(thresholds: Iterable[Threshold], summary: dict[str, Any]) -> dict[str, Any]:
    """The summary's verdict block: every threshold with its measured value, `problems` (see
    `run_problems`), and `passed`: no problem and every threshold passed."""
    rows = []
    for threshold in thresholds:
        measured = measure(threshold.metric, summary)
        rows.append(
            {
                "expression": threshold.expression,
                "metric": threshold.metric,
                "measured": measured,
                "limit": threshold.limit,
                "unit": threshold.unit,
                "passed": not threshold.fails(measured),
            }
        )
    problems = run_problems(summary)
    failed = int(summary["counts"]["failed"] or 0)
    if rows:
        passed = not problems and all(row["passed"] for row in rows)
    else:
        passed = not problems and not failed
    decided_by = "problems" if problems else "thresholds" if rows else "failures"
    return {"passed": passed, "decided_by": decided_by,
            "reason": _reason(problems, rows, failed, int(summary["counts"]["sent"] or 0)),
            "problems": problems, "thresholds": rows}


def _reason(problems: list[str], rows: list[dict[str, Any]], failed: int, sent: int) -> str:
    """One sentence: what decided the verdict."""
    failing = sum(not row["passed"] for row in rows)
    if problems:
        text = "; ".join(problems)
        return text + (f"; {failing} of {len(rows)} thresholds failed" if failing else "")
    if rows:
        if failing:
            return f"{failing} of {len(rows)} --fail-on thresholds failed"
        return f"every --fail-on threshold passed ({len(rows)})"
    if failed:
        return (f"{failed:,} of {sent:,} sent messages failed, and without --fail-on thresholds"
                " any failed message fails the run (Locust's rule)")
    return ("no message failed (without --fail-on thresholds any failed message would fail the"
            " run, as in Locust)")


def format_verdict(verdict: dict[str, Any]) -> str:
    """The verdict as console lines: a headline, then one line per threshold."""
    rows = verdict["thresholds"]
    problems = verdict.get("problems") or []
    failed = sum(not row["passed"] for row in rows)
    if problems:
        head = "FAILED: " + "; ".join(problems)
        if failed:
            head += f"; {failed} of {len(rows)} thresholds failed"
    elif not rows:
        state = "PASSED" if verdict["passed"] else "FAILED"
        return f"Verdict: {state}: {verdict.get('reason') or 'no --fail-on thresholds'}"
    else:
        head = "PASSED" if verdict["passed"] else f"FAILED ({failed} of {len(rows)} thresholds)"
    if not rows:
        return f"Verdict: {head}"
    width = max(len(row["expression"]) for row in rows)
    lines = [f"Verdict: {head}"]
    for row in rows:
        measured = row["measured"]
        unit = "" if row["unit"] == "count" else f" {row['unit']}"
        shown = "not measured" if measured is None else f"measured {_number(measured)}{unit}"
        state = "pass" if row["passed"] else "FAIL"
        lines.append(f"  {state}  {row['expression']:<{width}}  {shown}")
    return "\n".join(lines)


def _number(value: float) -> str:
    return f"{value:,.0f}" if value == int(value) and abs(value) >= 1 else f"{value:.4g}"
