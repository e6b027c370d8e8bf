"""Assemble the report's single self-contained HTML page.

    html = render_page(summary, charts, tables, outcome_rows=series["rows"])

In: the run's summary dict (schema replay-summary/1), `Chart`s (replay.report.charts) and `Table`s
(replay.report.tables). Out: one HTML string with its CSS, its data and plotly.js inline (see
replay.report.plotlyjs), so the page opens offline and fetches nothing. The markup, CSS and
scripts are in templates/report.html.j2 (autoescaped; see replay.report.render); this module
turns the summary into the plain values the template shows.

For tests and browsers the page reports on itself: `<body data-render>` becomes `done` after the
charts are drawn, `data-charts-expected` / `data-charts-rendered` count them, and any script
error lands in `<pre id="script-errors">` and `data-script-errors` (the count).
"""

from __future__ import annotations

import json
import re
from typing import Any

from replay import __version__
from replay.redact import looks_secret
from replay.report.charts import DISTRIBUTION, TIME, Chart
from replay.report.diagnosis import diagnosis
from replay.report.formatting import show
from replay.report.plotlyjs import BUNDLE_ELEMENT_ID, PLOTLY_LOADER_JS, plotly_bundle
from replay.report.render import render
from replay.report.tables import Table
from replay.results.console import nothing_accepted

LATENCY_KINDS = (("lag", "schedule lag (sent − due)"), ("service", "service time (done − sent)"),
                 ("from_schedule", "latency from schedule (done − due)"))
LATENCY_STATS = ("count", "mean", "p50", "p90", "p95", "p99", "p99_9", "max")

def render_page(summary: dict[str, Any], charts: list[Chart], tables: list[Table], *,
                outcome_rows: int) -> str:
    return render("report.html.j2", page=page_values(summary, charts, tables,
                                                     outcome_rows=outcome_rows))


def page_values(summary: dict[str, Any], charts: list[Chart], tables: list[Table], *,
                outcome_rows: int) -> dict[str, Any]:
    """What the template shows, as plain values (text it escapes, rows, flags)."""
    run, dataset = summary.get("run", {}), summary.get("dataset", {})
    options = summary.get("options", {})
    verdict = summary.get("verdict", {})
    speed = options.get("speed")
    figures = [{"key": chart.key, "figure": chart.figure} for chart in charts]
    return {
        "title": f"Replay report · {run.get('id', 'run')}",
        "run_id": str(run.get("id", "")),
        "passed": verdict.get("passed"),
        "facts": [
            f"dataset {dataset.get('path', '?')}",
            f"speed {speed:g}×" if isinstance(speed, int | float) else f"speed {speed}",
            f"host {run.get('host', '?')}",
            f"{_to_second(run.get('started_at'))} → {_to_second(run.get('ended_at'))}",
            show(run.get("duration_s"), "duration"),
            f"{run.get('workers', '?')} worker(s)",
            f"Locust {run.get('locust_version', '?')}",
        ],
        "nothing_accepted": nothing_accepted(summary.get("counts") or {}),
        "partial": (str(run.get("partial_reason") or "stopped before the plan ended")
                    if run.get("partial") else None),
        "cards": _cards(summary),
        "verdict": _verdict(verdict),
        "reconciliation": _reconciliation(summary, outcome_rows),
        "mock": _mock_ledger(summary),
        "latency": _latency(summary.get("latency_ms", {})),
        "diagnosis": diagnosis(summary),
        "time_charts": [chart for chart in charts if chart.group == TIME],
        "distribution_charts": [chart for chart in charts if chart.group == DISTRIBUTION],
        "chart_count": len(charts),
        "tables": tables,
        "run_rows": [(f"run.{key}", show(value), "") for key, value in run.items()]
        + [(f"dataset.{key}", show(value), "") for key, value in dataset.items()],
        "options": [(str(key), _option_value(key, value)) for key, value in options.items()],
        "version": __version__,
        "figures_json": _script_json(figures),
        "bundle_id": BUNDLE_ELEMENT_ID,
        "bundle": plotly_bundle(),
        "loader_js": PLOTLY_LOADER_JS,
    }


def _to_second(timestamp: Any) -> str:
    """An ISO 8601 time without its fraction of a second, for the header."""
    return re.sub(r"\.\d+", "", str(timestamp)) if timestamp else "?"


def _cards(summary: dict[str, Any]) -> list[tuple[str, str]]:
    counts, rates = summary.get("counts", {}), summary.get("rates", {})
    latency = summary.get("latency_ms", {})
    planned = counts.get("planned") or 0
    sent = counts.get("sent") or 0
    return [
        ("msg/s achieved / intended", f"{show(rates.get('achieved_mps'), 'number')} / "
                                      f"{show(rates.get('intended_mps'), 'number')}"),
        ("accepted / planned", f"{show(counts.get('accepted'), 'int')} / {show(planned, 'int')}"),
        ("error rate (failed / sent)",
         show((counts.get("failed") or 0) / sent if sent else None, "share")),
        ("schedule lag p99", show(latency.get("lag", {}).get("p99"), "ms")),
        ("service time p95", show(latency.get("service", {}).get("p95"), "ms")),
        ("from schedule p99", show(latency.get("from_schedule", {}).get("p99"), "ms")),
    ]


def _verdict(verdict: dict[str, Any]) -> dict[str, Any]:
    reason = verdict.get("reason")
    return {
        "problems": [str(problem) for problem in verdict.get("problems") or []],
        # With no thresholds, what decided the verdict (Locust's rule on failed messages).
        "decided": (None if not reason or verdict.get("problems") else
                    {"passed": bool(verdict.get("passed")), "reason": str(reason)}),
        "thresholds": [
            {"expression": str(item.get("expression")), "passed": bool(item.get("passed")),
             "measured": _with_unit(item.get("measured"), item.get("unit") or ""),
             "limit": _with_unit(item.get("limit"), item.get("unit") or "")}
            for item in verdict.get("thresholds") or []
        ],
    }


def _reconciliation(summary: dict[str, Any], outcome_rows: int) -> dict[str, Any]:
    rec, counts = summary.get("reconciliation", {}), summary.get("counts", {})
    planned = int(rec.get("planned", counts.get("planned", 0)) or 0)
    parts = {name: int(rec.get(name, counts.get(name, 0)) or 0)
             for name in ("accepted", "failed", "skipped", "unsent")}
    unaccounted = int(rec.get("unaccounted", planned - sum(parts.values())) or 0)
    status_text = _counted(counts.get("failed_by_status"))
    if "0" in (counts.get("failed_by_status") or {}):
        status_text += " (0 = no response)"
    reason_text = _counted(counts.get("failed_by_reason"))
    rows = [
        ("planned", show(planned, "int"), ""),
        ("accepted", show(parts["accepted"], "int"), ""),
        ("failed", show(parts["failed"], "int"), f"by status: {status_text}"),
        ("", "", f"by reason: {reason_text}"),
        ("skipped as invalid", show(parts["skipped"], "int"), ""),
        ("unsent", show(parts["unsent"], "int"),
         f"by reason: {_counted(counts.get('unsent_by_reason'))}" if parts["unsent"] else ""),
        ("unaccounted for", show(unaccounted, "int"),
         "planned = accepted + failed + skipped + unsent" if unaccounted == 0 else
         "planned ≠ accepted + failed + skipped + unsent: messages are missing from the count"),
    ]
    if counts.get("retried") is not None:
        rows.append(("needed a retry", show(counts["retried"], "int"),
                     f"attempts in all: {show(counts.get('attempts'), 'int')} (Locust's own "
                     "statistics count every attempt as a request)"))
    if outcome_rows not in (planned, planned - parts["skipped"]):
        rows.append(("rows in outcomes.parquet", show(outcome_rows, "int"),
                     "differs from planned: the outcomes file is incomplete"))
    return {
        "rows": rows,
        "bad": ("unaccounted for",) if unaccounted else (),
        "balanced": bool(rec.get("balanced", unaccounted == 0)) and unaccounted == 0,
    }


def _mock_ledger(summary: dict[str, Any]) -> dict[str, Any] | None:
    mock = (summary.get("reconciliation") or {}).get("mock")
    if not mock:
        return None
    notes = {"received": "requests that reached it", "stored": "distinct messages kept",
             "duplicates": "repeats of a messageId", "outside_window": "outside the call window",
             "ambiguous": "failed without a response: may or may not have arrived"}
    rows = [(name.replace("_", " "), show(mock[name], "int"), note)
            for name, note in notes.items() if name in mock]
    matches = mock.get("matches")
    rows.append(("matches accepted", show(matches),
                 "accepted ≤ stored + outside window ≤ accepted + ambiguous"))
    return {"rows": rows, "bad": () if matches else ("matches accepted",)}


def _counted(counts: dict[str, int] | None) -> str:
    """'503: 67, 429: 21' from a {label: count} dict, commonest first."""
    if not counts:
        return "none"
    return ", ".join(f"{label}: {count:,}" for label, count in
                     sorted(counts.items(), key=lambda item: -item[1]))


def _latency(latency: dict[str, Any]) -> dict[str, Any]:
    rows = []
    for key, label in LATENCY_KINDS:
        values = latency.get(key) or {}
        rows.append((label, [show(values.get(stat), "int" if stat == "count" else "ms")
                             for stat in LATENCY_STATS]))
    return {"stats": [stat.replace("_", ".") for stat in LATENCY_STATS], "rows": rows}


def _option_value(key: str, value: Any) -> str:
    text = json.dumps(value) if not isinstance(value, str) else value
    if looks_secret(key, text):
        return "(hidden)"
    return text


def _with_unit(value: Any, unit: str) -> str:
    """A threshold's value in its unit: ms, % or a plain count."""
    if not isinstance(value, int | float) or isinstance(value, bool):
        return show(value)
    if unit == "ms":
        return show(value, "ms")
    if unit == "%":
        return f"{show(value, 'number')}%"
    if unit in ("", "count"):
        return show(value, "number")
    return f"{show(value, 'number')} {unit}"


def _script_json(value: Any) -> str:
    """JSON safe inside a <script> element (no `</` can close it early)."""
    return json.dumps(value, separators=(",", ":"), allow_nan=False).replace("</", "<\\/")
