"""`replay report RUN_DIR` (or RUN_DIR/summary.json): rebuild a run's report.html from
summary.json and series.json."""

from __future__ import annotations

import argparse
from pathlib import Path


def register(subparsers: argparse._SubParsersAction) -> None:
    parser = subparsers.add_parser(
        "report",
        help="rebuild a run's HTML report from its files",
        description="Rebuild RUN_DIR/report.html from RUN_DIR/summary.json and "
        "RUN_DIR/series.json (and Locust's *_stats.csv when present); a run directory written "
        "before series.json existed is reported from its outcomes.parquet. The page is "
        "self-contained: it opens offline and fetches nothing. RUN_DIR may also be given as "
        "RUN_DIR/summary.json.",
    )
    parser.add_argument("run_dir", metavar="RUN_DIR", type=Path,
                        help="a run's output directory, e.g. reports/<run-id>, or the "
                        "summary.json in it")
    parser.set_defaults(handler=run)


def run(args: argparse.Namespace) -> int:
    from replay.report import write_report  # pandas and plotly: only when the command runs

    path = write_report(args.run_dir)
    print(f"{path} ({path.stat().st_size / 1e6:.1f} MB)")
    return 0
