"""Build a run's report.html from its files: the one entry point the driver and the CLI call.

    write_report(Path("reports/20261125-170000"))  # -> reports/20261125-170000/report.html

In: a run directory holding `summary.json` and `series.json` (Locust's `*_stats.csv` is used
when present); `outcomes.parquet` is read only when series.json is absent (a run directory
written before series.json existed; see replay.report.data). Out: `report.html`, written
atomically (a temporary file in the same directory, then renamed), so a reader never sees half
a page. Bad or missing inputs raise `ConfigError`.
"""

from __future__ import annotations

import logging
from pathlib import Path

from replay.atomic import write_atomically
from replay.report.charts import report_charts
from replay.report.data import load_run, run_dir_of
from replay.report.distributions import distributions
from replay.report.page import render_page
from replay.report.series import time_series
from replay.report.tables import report_tables

logger = logging.getLogger(__name__)

REPORT_FILE = "report.html"


def build_report(run_dir: Path) -> str:
    """The report page for `run_dir`, as HTML text."""
    run = load_run(run_dir)
    charts = report_charts(time_series(run.series), distributions(run.series))
    return render_page(run.summary, charts, report_tables(run),
                       outcome_rows=int(run.series["rows"]))


def write_report(run_dir: Path) -> Path:
    """Write `run_dir/report.html` atomically and return its path (`run_dir` may also be the
    run's summary.json)."""
    run_dir = run_dir_of(run_dir)
    html = build_report(run_dir)
    target = run_dir / REPORT_FILE
    write_atomically(target, html)
    logger.info("report written to %s (%.1f MB)", target, target.stat().st_size / 1e6)
    return target
