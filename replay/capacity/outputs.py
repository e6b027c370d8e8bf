"""The search's answer: capacity.json (schema "replay-capacity/1") and capacity.html.

    document = capacity_document(result, meta)      # the JSON document, from the steps
    write_capacity(capacity_dir, document)          # capacity.json + capacity.html, atomically
    print(format_answer(document))                  # the answer in a few lines

The page is built from the document alone (a Jinja2 template, autoescaped): for each --fail-on
threshold, a chart of the value measured at each step's speed against its limit, the pass/fail
boundary shaded; the steps in a table linking to each step's report.html. docs/guides/capacity.md
documents every field.
"""

from __future__ import annotations

import json
import os
import tempfile
from pathlib import Path
from typing import Any

import jinja2

from replay import __version__
from replay.capacity.search import START_FAILED, SearchResult
from replay.capacity.steps import StepResult, format_speed, step_name
from replay.report.plotlyjs import BUNDLE_ELEMENT_ID, PLOTLY_LOADER_JS, plotly_bundle

SCHEMA = "replay-capacity/1"
PASS_COLOUR = "#1b8a4b"
FAIL_COLOUR = "#c62f2f"

# The page's own template, and the report's style sheet and chart scripts (included by name).
_TEMPLATES = jinja2.Environment(
    loader=jinja2.ChoiceLoader([jinja2.PackageLoader("replay.capacity", "templates"),
                                jinja2.PackageLoader("replay.report", "templates")]),
    autoescape=True,
    undefined=jinja2.StrictUndefined,
)


def capacity_document(result: SearchResult[StepResult], meta: dict[str, Any]) -> dict[str, Any]:
    """capacity.json's content: `meta` (run, dataset, fail_on, settings) plus the answer."""
    steps = {step.index: step for step in result.steps}
    passing = _lowest([s for s in result.steps if s.passed], highest=True)
    failing = _lowest([s for s in result.steps if not s.passed], highest=False)
    rates = passing.result.rates if passing else {}
    answer = {
        "found": passing is not None,
        "speed": passing.speed if passing else None,
        "peak_mps": rates.get("peak_intended_mps"),
        "mean_mps": rates.get("intended_mps"),
        "first_failing_speed": failing.speed if failing else None,
        "broken": [_threshold(row) for row in failing.result.broken] if failing else [],
        "problems": list(failing.result.problems) if failing else [],
        "stopped": result.stopped,
    }
    return {
        "schema": SCHEMA,
        **meta,
        "capacity": answer,
        "steps": [_step(steps[index].phase, steps[index].result) for index in sorted(steps)],
    }


def _lowest(steps: list, *, highest: bool):
    if not steps:
        return None
    return (max if highest else min)(steps, key=lambda step: step.speed)


def _threshold(row: dict[str, Any]) -> dict[str, Any]:
    return {key: row.get(key) for key in ("expression", "metric", "measured", "limit", "unit",
                                          "passed")}


def _step(phase: str, step: StepResult) -> dict[str, Any]:
    name = step_name(step.index)
    report = step.run_dir / "report.html"
    return {
        "index": step.index,
        "speed": step.speed,
        "phase": phase,
        "passed": step.passed,
        "exit_code": step.exit_code,
        "endpoint_down": step.endpoint_down,
        "messages": step.messages,
        "run_dir": name,
        "report": f"{name}/report.html" if report.is_file() else None,
        "rates": {key: step.rates.get(key) for key in
                  ("intended_mps", "peak_intended_mps", "achieved_mps", "peak_achieved_mps")},
        "thresholds": [_threshold(row) for row in step.thresholds],
        "problems": list(step.problems),
    }


def exit_code_for(document: dict[str, Any]) -> int:
    """0 when a capacity was found, 1 when even the start speed failed."""
    return 1 if document["capacity"]["stopped"] == START_FAILED else 0


def format_answer(document: dict[str, Any]) -> str:
    """The answer as the command prints it."""
    answer = document["capacity"]
    lines = []
    if answer["found"]:
        lines.append(f"Capacity: speed {format_speed(answer['speed'])} holds "
                     f"({_rate(answer['peak_mps'])} msg/s at peak, {_rate(answer['mean_mps'])} "
                     "msg/s on average)")
    else:
        lines.append("Capacity: none found: even the start speed "
                     f"{format_speed(document['settings']['start_speed'])} fails")
    if answer["first_failing_speed"] is not None:
        broke = [f"{row['expression']} (measured {format_value(row)})"
                 for row in answer["broken"]]
        broke += answer["problems"]
        lines.append(f"First failing speed: {format_speed(answer['first_failing_speed'])}: "
                     + ("; ".join(broke) or "failed"))
    else:
        lines.append(f"No step failed (the search stopped: {answer['stopped']}); "
                     "the capacity is at least the speed above")
    return "\n".join(lines)


def _rate(value: float | None) -> str:
    return "?" if value is None else f"{value:,.0f}" if value >= 100 else f"{value:,.1f}"


def format_value(row: dict[str, Any]) -> str:
    measured = row.get("measured")
    if measured is None:
        return "n/a"
    unit = row.get("unit") or ""
    if unit == "%":
        return f"{measured:.2f}%"
    return f"{measured:,.1f} {unit}".strip()


def write_capacity(capacity_dir: Path, document: dict[str, Any]) -> tuple[Path, Path]:
    """capacity.json and capacity.html in `capacity_dir`, each written atomically."""
    json_path = _write_atomically(capacity_dir / "capacity.json",
                                  json.dumps(document, indent=2, allow_nan=False) + "\n")
    html_path = _write_atomically(capacity_dir / "capacity.html", render_page(document))
    return json_path, html_path


def render_page(document: dict[str, Any]) -> str:
    figures = charts(document)
    return _TEMPLATES.get_template("capacity.html.j2").render(
        document=document, answer=document["capacity"], figures=figures,
        loader_js=PLOTLY_LOADER_JS, bundle_id=BUNDLE_ELEMENT_ID, bundle=plotly_bundle(),
        version=__version__, format_speed=format_speed, summary_line=format_answer(document),
    )


def charts(document: dict[str, Any]) -> list[dict[str, Any]]:
    """One plotly figure per threshold: the measured value at each step's speed, the limit, the
    boundary between the highest passing and the first failing speed shaded."""
    steps = sorted(document["steps"], key=lambda step: step["speed"])
    answer = document["capacity"]
    expressions: list[str] = []
    for step in steps:
        for row in step["thresholds"]:
            if row["expression"] not in expressions:
                expressions.append(row["expression"])
    figures = []
    for number, expression in enumerate(expressions):
        points = [(step, row) for step in steps for row in step["thresholds"]
                  if row["expression"] == expression and row["measured"] is not None]
        if not points:
            continue
        unit = points[0][1]["unit"] or ""
        limit = points[0][1]["limit"]
        figures.append({"key": f"threshold-{number}", "figure": {
            "data": [{
                "type": "scatter", "mode": "lines+markers", "name": expression,
                "x": [step["speed"] for step, _row in points],
                "y": [row["measured"] for _step, row in points],
                "text": [f"step {step['index']}" for step, _row in points],
                "marker": {"size": 11, "color": [PASS_COLOUR if step["passed"] else FAIL_COLOUR
                                                 for step, _row in points]},
                "line": {"color": "#8a94a6", "dash": "dot"},
                "hovertemplate": "speed %{x}<br>%{y} " + unit + "<br>%{text}<extra></extra>",
            }],
            "layout": {
                "title": {"text": f"{expression}: measured at each speed", "x": 0.02,
                          "xanchor": "left"},
                "xaxis": {"title": {"text": "speed (× real time)"}, "rangemode": "tozero"},
                "yaxis": {"title": {"text": f"{points[0][1]['metric']} ({unit})"},
                          "rangemode": "tozero"},
                "shapes": [_limit_line(limit), *_boundary(answer)],
                "annotations": [{"xref": "paper", "x": 1, "y": limit, "xanchor": "right",
                                 "yanchor": "bottom", "showarrow": False,
                                 "text": f"limit {limit:g} {unit}"}],
                "margin": {"t": 50, "r": 20, "b": 50, "l": 70}, "showlegend": False,
            },
        }})
    return figures


def _limit_line(limit: float) -> dict[str, Any]:
    return {"type": "line", "xref": "paper", "x0": 0, "x1": 1, "y0": limit, "y1": limit,
            "line": {"color": FAIL_COLOUR, "dash": "dash", "width": 2}}


def _boundary(answer: dict[str, Any]) -> list[dict[str, Any]]:
    low, high = answer["speed"], answer["first_failing_speed"]
    if low is None or high is None:
        return []
    return [{"type": "rect", "yref": "paper", "y0": 0, "y1": 1, "x0": low, "x1": high,
             "fillcolor": "#e3b96b", "opacity": 0.35, "line": {"width": 0}, "layer": "below"}]


def _write_atomically(path: Path, text: str) -> Path:
    fd, temp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
    try:
        with os.fdopen(fd, "w", encoding="utf-8") as handle:
            handle.write(text)
        os.replace(temp, path)
    except BaseException:
        Path(temp).unlink(missing_ok=True)
        raise
    return path
