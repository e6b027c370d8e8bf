"""Assemble the report's single self-contained HTML page.

    html = render_page(summary, charts, tables, outcome_rows=len(outcomes))

In: the run's summary dict (schema replay-summary/1), `Chart`s (replay.report.charts) and `Table`s
(replay.report.tables). Out: one HTML string with its CSS, its data and plotly.js inline (see
replay.report.plotlyjs), so the page opens offline and fetches nothing.

For tests and browsers the page reports on itself: `<body data-render>` becomes `done` after the
charts are drawn, `data-charts-expected` / `data-charts-rendered` count them, and any script
error lands in `<pre id="script-errors">` and `data-script-errors` (the count).
"""

from __future__ import annotations

import json
import re
from html import escape
from typing import Any

from replay import __version__
from replay.report.charts import DISTRIBUTION, TIME, Chart
from replay.report.formatting import show
from replay.report.plotlyjs import BUNDLE_ELEMENT_ID, PLOTLY_LOADER_JS, plotly_bundle
from replay.report.tables import Table

LATENCY_KINDS = (("lag", "schedule lag (sent − due)"), ("service", "service time (done − sent)"),
                 ("from_schedule", "latency from schedule (done − due)"))
LATENCY_STATS = ("count", "mean", "p50", "p90", "p95", "p99", "p99_9", "max")
SECRET_OPTION = re.compile(r"secret|token|password|passphrase|private", re.IGNORECASE)

STYLE = """
body{font:14px/1.45 system-ui,-apple-system,"Segoe UI",Roboto,sans-serif;margin:0;color:#1d2330;
background:#f4f6f9}
main{max-width:1280px;margin:0 auto;padding:20px 28px 40px}
h1{font-size:22px;margin:0 0 4px}h2{font-size:17px;margin:28px 0 10px}
.sub{color:#5b6576}.badge{display:inline-block;padding:3px 12px;border-radius:14px;color:#fff;
font-weight:600;margin-left:10px;font-size:14px;vertical-align:middle}
.pass{background:#1b8a4b}.fail{background:#c62f2f}
.banner{background:#fff4e0;border:1px solid #e3b96b;padding:8px 12px;border-radius:6px;
margin:12px 0}
.cards{display:grid;grid-template-columns:repeat(auto-fit,minmax(170px,1fr));gap:10px;margin:14px 0}
.card{background:#fff;border-radius:8px;padding:10px 14px;box-shadow:0 1px 2px #0001}
.card .v{font-size:20px;font-weight:600}.card .k{color:#5b6576;font-size:12px}
table{border-collapse:collapse;width:100%;background:#fff}
.row{display:grid;grid-template-columns:repeat(auto-fit,minmax(380px,1fr));gap:0 24px}
table.kv td:first-child{white-space:nowrap}
th,td{padding:5px 9px;border-bottom:1px solid #e6e9ef;text-align:left;vertical-align:top}
th{font-weight:600;color:#3d4656;background:#f9fafc}td.n,th.n{text-align:right;
font-variant-numeric:tabular-nums}
tr.bad td{background:#fdecec}.ok{color:#1b8a4b;font-weight:600}.no{color:#c62f2f;font-weight:600}
.charts{display:grid;grid-template-columns:repeat(auto-fit,minmax(560px,1fr));gap:14px}
.chart{background:#fff;border-radius:8px;box-shadow:0 1px 2px #0001;min-height:360px}
.note{color:#5b6576;font-size:12px;margin:4px 0 0}details{margin-top:8px}
footer{color:#7a8494;font-size:12px;margin-top:30px}
"""

ERROR_RECORDER_JS = """
window.replayScriptErrors = [];
function recordScriptError(message) {
  window.replayScriptErrors.push(String(message));
  const out = document.getElementById("script-errors");
  if (out) { out.textContent = window.replayScriptErrors.join("\\n"); out.hidden = false; }
  if (document.body) document.body.dataset.scriptErrors = window.replayScriptErrors.length;
}
window.addEventListener("error", (e) => recordScriptError(e.message || e));
window.addEventListener("unhandledrejection", (e) => recordScriptError(
  (e.reason && (e.reason.stack || e.reason.message)) || e.reason));
"""

RENDER_JS = """
async function renderCharts() {
  const figures = JSON.parse(document.getElementById("figures").textContent);
  await loadPlotly();
  let rendered = 0;
  for (const chart of figures) {
    const element = document.getElementById("chart-" + chart.key);
    try {
      await Plotly.newPlot(element, chart.figure.data, chart.figure.layout,
                           {displaylogo: false, responsive: true});
      if (element.querySelector("svg.main-svg")) {
        rendered += 1;
        element.dataset.rendered = "yes";
      }
    } catch (error) {
      recordScriptError("chart " + chart.key + ": " + (error.stack || error));
    }
  }
  document.body.dataset.chartsRendered = rendered;
}
renderCharts()
  .catch((error) => recordScriptError(error.stack || error))
  .finally(() => { document.body.dataset.render = "done"; });
"""


def render_page(summary: dict[str, Any], charts: list[Chart], tables: list[Table], *,
                outcome_rows: int) -> str:
    run = summary.get("run", {})
    verdict = summary.get("verdict", {})
    title = f"Replay report · {run.get('id', 'run')}"
    figures = [{"key": chart.key, "figure": chart.figure} for chart in charts]
    body = "\n".join([
        _header(summary, verdict),
        _headline(summary),
        '<div class="row">',
        _section("Verdict", _verdict(verdict), "verdict"),
        _section("Reconciliation", _reconciliation(summary, outcome_rows), "reconciliation"),
        _section("Mock endpoint ledger", _mock_ledger(summary), "mock"),
        "</div>",
        _section("Latency", _latency(summary.get("latency_ms", {})), "latency"),
        _section("Over the run", _charts([c for c in charts if c.group == TIME]), "charts"),
        _section("Distributions", _charts([c for c in charts if c.group == DISTRIBUTION]),
                 "distributions"),
        *(_section(table.title, _table(table), table.key) for table in tables),
        _section("Run", _run_facts(summary), "run"),
        f"<footer>Built by replay {escape(__version__)} from summary.json and outcomes.parquet; "
        "rebuild with <code>replay report RUN_DIR</code>.</footer>",
    ])
    return f"""<!doctype html>
<html lang="en"><head><meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>{escape(title)}</title>
<style>{STYLE}</style>
<script>{ERROR_RECORDER_JS}</script>
</head>
<body data-render="pending" data-charts-expected="{len(charts)}" data-charts-rendered="0"
 data-script-errors="0">
<main>
{body}
<pre id="script-errors" hidden></pre>
</main>
<script type="application/json" id="figures">{_script_json(figures)}</script>
<script type="application/octet-stream" id="{BUNDLE_ELEMENT_ID}">{plotly_bundle()}</script>
<script>{PLOTLY_LOADER_JS}{RENDER_JS}</script>
</body></html>
"""


def _header(summary: dict[str, Any], verdict: dict[str, Any]) -> str:
    run, dataset, options = summary["run"], summary.get("dataset", {}), summary.get("options", {})
    passed = verdict.get("passed")
    badge = ('<span class="badge pass">PASSED</span>' if passed else
             '<span class="badge fail">FAILED</span>' if passed is False else "")
    speed = options.get("speed")
    line = " · ".join(escape(part) for part in [
        f"dataset {dataset.get('path', '?')}",
        f"speed {speed:g}×" if isinstance(speed, int | float) else f"speed {speed}",
        f"host {run.get('host', '?')}",
        f"{_to_second(run.get('started_at'))} → {_to_second(run.get('ended_at'))}",
        f"{show(run.get('duration_s'), 's')}",
        f"{run.get('workers', '?')} worker(s)",
        f"Locust {run.get('locust_version', '?')}",
    ])
    partial = ""
    if run.get("partial"):
        partial = (f'<div class="banner">Partial run: '
                   f'{escape(str(run.get("partial_reason") or "stopped before the plan ended"))}'
                   "</div>")
    return (f"<header><h1>Replay report: {escape(str(run.get('id', '')))}{badge}</h1>"
            f'<div class="sub">{line}</div>{partial}</header>')


def _to_second(timestamp: Any) -> str:
    """An ISO 8601 time without its fraction of a second, for the header."""
    return re.sub(r"\.\d+", "", str(timestamp)) if timestamp else "?"


def _headline(summary: dict[str, Any]) -> str:
    counts, rates = summary.get("counts", {}), summary.get("rates", {})
    latency = summary.get("latency_ms", {})
    planned = counts.get("planned") or 0
    sent = counts.get("sent") or 0
    cards = [
        ("msg/s achieved / intended", f"{show(rates.get('achieved_mps'), 'number')} / "
                                      f"{show(rates.get('intended_mps'), 'number')}"),
        ("accepted / planned", f"{show(counts.get('accepted'), 'int')} / {show(planned, 'int')}"),
        ("error rate (failed / sent)",
         show((counts.get("failed") or 0) / sent if sent else None, "share")),
        ("schedule lag p99", show(latency.get("lag", {}).get("p99"), "ms")),
        ("service time p95", show(latency.get("service", {}).get("p95"), "ms")),
        ("from schedule p99", show(latency.get("from_schedule", {}).get("p99"), "ms")),
    ]
    return '<div class="cards">' + "".join(
        f'<div class="card"><div class="v">{escape(value)}</div><div class="k">{escape(key)}'
        "</div></div>" for key, value in cards) + "</div>"


def _verdict(verdict: dict[str, Any]) -> str:
    thresholds = verdict.get("thresholds") or []
    problems = "".join(f'<p class="no">FAILED: {escape(str(problem))}</p>'
                       for problem in verdict.get("problems") or [])
    if not thresholds:
        return problems + '<p class="sub">No thresholds were set (<code>--fail-on</code>).</p>'
    rows = []
    for item in thresholds:
        unit = item.get("unit") or ""
        ok = item.get("passed")
        rows.append(
            f'<tr class="{"" if ok else "bad"}"><td><code>{escape(str(item.get("expression")))}'
            f'</code></td><td class="n">{escape(_with_unit(item.get("measured"), unit))}</td>'
            f'<td class="n">{escape(_with_unit(item.get("limit"), unit))}</td>'
            f'<td class="{"ok" if ok else "no"}">{"pass" if ok else "FAIL"}</td></tr>')
    return (problems + '<table><tr><th>threshold</th><th class="n">measured</th>'
            '<th class="n">limit</th><th>result</th></tr>' + "".join(rows) + "</table>")


def _reconciliation(summary: dict[str, Any], outcome_rows: int) -> str:
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
    html = _key_value_table(rows, bad={"unaccounted for"} if unaccounted else set())
    balanced = rec.get("balanced", unaccounted == 0)
    verdict = ('<span class="ok">balanced</span>' if balanced and unaccounted == 0
               else '<span class="no">NOT balanced</span>')
    return f"<p>Every planned message accounted for: {verdict}</p>{html}"


def _mock_ledger(summary: dict[str, Any]) -> str:
    mock = (summary.get("reconciliation") or {}).get("mock")
    if not mock:
        return '<p class="sub">None: the endpoint was not the bundled mock.</p>'
    notes = {"received": "requests that reached it", "stored": "distinct messages kept",
             "duplicates": "repeats of a messageId", "outside_window": "outside the call window",
             "ambiguous": "failed without a response: may or may not have arrived"}
    rows = [(name.replace("_", " "), show(mock[name], "int"), note)
            for name, note in notes.items() if name in mock]
    matches = mock.get("matches")
    rows.append(("matches accepted", show(matches),
                 "accepted ≤ stored + outside window ≤ accepted + ambiguous"))
    return _key_value_table(rows, bad=set() if matches else {"matches accepted"})


def _counted(counts: dict[str, int] | None) -> str:
    """'503: 67, 429: 21' from a {label: count} dict, commonest first."""
    if not counts:
        return "none"
    return ", ".join(f"{label}: {count:,}" for label, count in
                     sorted(counts.items(), key=lambda item: -item[1]))


def _latency(latency: dict[str, Any]) -> str:
    header = "".join(f'<th class="n">{escape(stat.replace("_", "."))}</th>'
                     for stat in LATENCY_STATS)
    rows = []
    for key, label in LATENCY_KINDS:
        values = latency.get(key) or {}
        cells = "".join(
            f'<td class="n">{escape(show(values.get(stat), "int" if stat == "count" else "ms"))}'
            "</td>" for stat in LATENCY_STATS)
        rows.append(f"<tr><td>{escape(label)}</td>{cells}</tr>")
    return (f"<table><tr><th>measure</th>{header}</tr>{''.join(rows)}</table>"
            '<p class="note">From the run\'s mergeable histograms (summary.json).</p>')


def _charts(charts: list[Chart]) -> str:
    return '<div class="charts">' + "".join(
        f'<div class="chart" id="chart-{escape(chart.key)}" role="img" '
        f'aria-label="{escape(chart.title)}"></div>' for chart in charts) + "</div>"


def _table(table: Table) -> str:
    if not table.rows:
        body = f'<tr><td colspan="{len(table.columns)}" class="sub">none</td></tr>'
    else:
        body = "".join(
            "<tr>" + "".join(
                f'<td class="{"" if column.kind == "text" else "n"}">'
                f"{escape(show(row.get(column.key), column.kind))}</td>"
                for column in table.columns) + "</tr>"
            for row in table.rows)
    head = "".join(f'<th class="{"" if column.kind == "text" else "n"}">{escape(column.title)}</th>'
                   for column in table.columns)
    note = f'<p class="note">{escape(table.note)}</p>' if table.note else ""
    return f"<table><tr>{head}</tr>{body}</table>{note}"


def _run_facts(summary: dict[str, Any]) -> str:
    run, dataset = summary.get("run", {}), summary.get("dataset", {})
    rows = [(f"run.{key}", show(value), "") for key, value in run.items()]
    rows += [(f"dataset.{key}", show(value), "") for key, value in dataset.items()]
    options = "".join(
        f"<tr><td>{escape(str(key))}</td><td>{escape(_option_value(key, value))}</td></tr>"
        for key, value in (summary.get("options") or {}).items())
    return (_key_value_table(rows) + "<details><summary>Options</summary><table>"
            f"{options}</table></details>")


def _option_value(key: str, value: Any) -> str:
    text = json.dumps(value) if not isinstance(value, str) else value
    if SECRET_OPTION.search(str(key)) or "-----BEGIN" in text:
        return "(hidden)"
    return text


def _key_value_table(rows: list[tuple[str, str, str]], bad: set[str] | None = None) -> str:
    bad = bad or set()
    return '<table class="kv">' + "".join(
        f'<tr class="{"bad" if name in bad else ""}"><td>{escape(name)}</td>'
        f'<td class="n">{escape(value)}</td><td class="sub">{escape(note)}</td></tr>'
        for name, value, note in rows) + "</table>"


def _section(title: str, content: str, key: str) -> str:
    return f'<section id="{escape(key)}"><h2>{escape(title)}</h2>{content}</section>'


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
