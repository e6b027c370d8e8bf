"""The report's charts as plotly.js figures (plain dicts of `data` and `layout`), ready for JSON.

    charts = report_charts(series, histograms)   # [Chart(key, title, figure), ...]

In: a `TimeSeries` (replay.report.series) and named `Histogram`s (replay.report.distributions).
Out: one `Chart` per figure. Values are rounded to `SIGNIFICANT_DIGITS` and NaN becomes null
(a gap in the line), which keeps a page of ~2,000 points per series to a few hundred kilobytes.
Nothing here touches the browser or plotly's Python API: the page hands these to `Plotly.newPlot`.
"""

from __future__ import annotations

import math
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

import numpy as np

from replay.report.distributions import Histogram
from replay.report.series import TimeSeries

SIGNIFICANT_DIGITS = 4
PALETTE = ("#1f77b4", "#ff7f0e", "#2ca02c", "#d62728", "#9467bd", "#8c564b", "#e377c2",
           "#7f7f7f", "#bcbd22", "#17becf")


TIME = "time"
DISTRIBUTION = "distribution"


@dataclass(frozen=True)
class Chart:
    key: str
    title: str
    figure: dict[str, Any]
    group: str = TIME  # TIME: over the run; DISTRIBUTION: a histogram


def report_charts(series: TimeSeries, histograms: dict[str, Histogram]) -> list[Chart]:
    x_title = f"run time, s (one point per {series.bin_s:g} s)"
    return [
        _over_time(series, "rates", "Messages per second: intended vs achieved",
                   "messages/s", [("intended_mps", "intended (due)", "dash"),
                                  ("sent_mps", "sent", "solid"),
                                  ("accepted_mps", "accepted", "solid"),
                                  ("failed_mps", "failed", "solid")], x_title=x_title),
        _over_time(series, "latency", "Latency percentiles", "ms",
                   [("service_p50_ms", "service p50", "solid"),
                    ("service_p95_ms", "service p95", "solid"),
                    ("service_p99_ms", "service p99", "solid"),
                    ("from_schedule_p50_ms", "from schedule p50", "dot"),
                    ("from_schedule_p95_ms", "from schedule p95", "dot"),
                    ("from_schedule_p99_ms", "from schedule p99", "dot")], log_y=True,
                   x_title=x_title),
        _over_time(series, "lag", "Schedule lag (sent − due)", "ms",
                   [("lag_p50_ms", "p50", "solid"), ("lag_p95_ms", "p95", "solid"),
                    ("lag_p99_ms", "p99", "solid"), ("lag_max_ms", "max", "dot")],
                   x_title=x_title),
        _errors(series, x_title),
        _over_time(series, "calls", "Active calls", "calls",
                   [("planned_calls", "planned (first to last due)", "dash"),
                    ("active_calls", "active (first send to last answer)", "solid")],
                   x_title=x_title),
        _histogram("latency_histogram", "Latency distribution (log-scale bins)",
                   [("service time", histograms["service"]),
                    ("from schedule", histograms["from_schedule"])]),
        _histogram("lag_histogram", "Schedule lag distribution (log-scale bins)",
                   [("schedule lag", histograms["lag"])]),
    ]


def rounded(values: Iterable[float]) -> list[float | None]:
    """Values rounded to SIGNIFICANT_DIGITS; NaN and infinities become None."""
    return [float(f"{v:.{SIGNIFICANT_DIGITS}g}") if math.isfinite(v) else None
            for v in np.asarray(values, dtype=float).tolist()]


def _layout(title: str, y_title: str, *, x_title: str, log_y: bool = False,
            log_x: bool = False, **extra: Any) -> dict[str, Any]:
    return {
        "title": {"text": title, "font": {"size": 15}, "x": 0.01, "xanchor": "left"},
        "xaxis": {"title": {"text": x_title}, "zeroline": False,
                  **({"type": "log", "dtick": 1} if log_x else {"type": "linear"})},
        "yaxis": {"title": {"text": y_title}, "rangemode": "tozero",
                  "type": "log" if log_y else "linear"},
        "margin": {"l": 60, "r": 20, "t": 50, "b": 50},
        "legend": {"orientation": "h", "y": -0.22},
        "hovermode": "x unified",
        "height": 360,
        **extra,
    }


def _over_time(series: TimeSeries, key: str, title: str, y_title: str,
               lines: list[tuple[str, str, str]], *, x_title: str, log_y: bool = False) -> Chart:
    x = rounded(series.t)
    data = [
        {"type": "scatter", "mode": "lines", "name": label, "x": x,
         "y": rounded(series.lines[name]), "line": {"dash": dash, "width": 1.6},
         "connectgaps": False}
        for name, label, dash in lines
    ]
    layout = _layout(title, y_title, x_title=x_title, log_y=log_y)
    return Chart(key, title, {"data": data, "layout": layout})


def _errors(series: TimeSeries, x_title: str) -> Chart:
    title = "Errors per second, by reason"
    x = rounded(series.t)
    data = [
        {"type": "bar", "name": reason, "x": x, "y": rounded(values),
         "marker": {"color": PALETTE[(index + 3) % len(PALETTE)]}}
        for index, (reason, values) in enumerate(series.errors.items())
    ]
    layout = _layout(title, "errors/s", x_title=x_title, barmode="stack", bargap=0)
    if not data:
        data = [{"type": "scatter", "mode": "lines", "name": "errors", "x": x,
                 "y": [0] * len(x), "showlegend": False}]
        layout["annotations"] = [{"text": "no errors", "showarrow": False, "xref": "paper",
                                  "yref": "paper", "x": 0.5, "y": 0.5, "font": {"size": 16}}]
    return Chart("errors", title, {"data": data, "layout": layout})


def _histogram(key: str, title: str, named: list[tuple[str, Histogram]]) -> Chart:
    data = []
    for name, histogram in named:
        edges, counts = histogram.edges_ms, histogram.counts
        data.append({
            "type": "scatter", "mode": "lines", "name": f"{name} ({histogram.total:,})",
            "x": rounded(edges), "y": [*counts.tolist(), int(counts[-1]) if counts.size else 0],
            "line": {"shape": "hv", "width": 1.6}, "fill": "tozeroy",
        })
    layout = _layout(title, "messages", x_title="ms (log scale)", log_x=True,
                     hovermode="closest")
    return Chart(key, title, {"data": data, "layout": layout}, group=DISTRIBUTION)
