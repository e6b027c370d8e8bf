"""The run report: one self-contained HTML page per run, comparison of two runs, live UI tab.

    from replay.report import write_report
    write_report(run_dir)            # run_dir/report.html from summary.json + series.json

`replay.report.live.install_live_tab(environment, snapshot_fn)` adds the "Replay" tab to Locust's
web UI; `replay.report.compare` compares two runs' summaries. Nothing here imports Locust.
"""

from __future__ import annotations

from replay.report.build import REPORT_FILE, build_report, write_report

__all__ = ["REPORT_FILE", "build_report", "write_report"]
