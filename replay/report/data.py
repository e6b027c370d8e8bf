"""Read a run directory's files for the report: summary.json, series.json, Locust's CSV.

    run = load_run(Path("reports/20261125-170000"))
    run.summary["counts"]["planned"], run.series["lines"]["sent_mps"], run.locust_stats

In: the files described in docs/architecture.md ("Run outputs"), read by `replay.results`
(`read_summary`, `read_series`: one reader and one schema for each file). The report never
reads outcomes.parquet when series.json is there; a run directory written before series.json
existed has only outcomes.parquet, whose series is then computed here (`read_outcomes`, then
`series_of_table`: memory grows with the run). Locust's `*_stats.csv` is optional.
Out: a frozen `RunFiles`. Anything missing or unreadable raises `ConfigError` naming the file, what
is wrong and how to get a good one; never a traceback.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pandas as pd

from replay.errors import ConfigError
from replay.results.outcomes import read_outcomes
from replay.results.series import SERIES_FILE, read_series, series_of_table
from replay.results.summary import read_summary

logger = logging.getLogger(__name__)

SUMMARY_FILE = "summary.json"
OUTCOMES_FILE = "outcomes.parquet"
SUMMARY_SECTIONS = ("run", "counts", "latency_ms", "reconciliation", "verdict")

LOCUST_STATS_COLUMNS = ("Type", "Name", "Request Count", "Failure Count", "50%", "95%", "99%")

_REMEDY = "rebuild the run with `replay run`, or point at a directory that holds its outputs"


@dataclass(frozen=True, kw_only=True)
class RunFiles:
    """One run's files, checked; `series` is series.json's content (replay.results.series)."""

    run_dir: Path
    summary: dict[str, Any]
    series: dict[str, Any]
    locust_stats: pd.DataFrame | None


def run_dir_of(path: Path) -> Path:
    """The run directory a user named: the directory itself, or the summary.json in it."""
    path = Path(path)
    if path.is_dir():
        return path
    if path.is_file() and path.name == SUMMARY_FILE:
        return path.parent
    what = "not a run directory" if path.exists() else "no such run directory"
    raise ConfigError(f"{path}: {what}; give a run's directory (reports/<run-id>) or the "
                      f"{SUMMARY_FILE} in it")


def load_run(run_dir: Path) -> RunFiles:
    """Read and check a run directory (or its summary.json); raise ConfigError naming the first
    bad file."""
    run_dir = run_dir_of(run_dir)
    summary = load_summary(run_dir / SUMMARY_FILE)
    return RunFiles(
        run_dir=run_dir,
        summary=summary,
        series=load_series(run_dir, duration_s=float(summary["run"].get("duration_s") or 0)),
        locust_stats=load_locust_stats(run_dir),
    )


def load_summary(path: Path) -> dict[str, Any]:
    """Read `summary.json` through `replay.results.read_summary` (also accepts a run directory),
    and check it has the sections the report shows."""
    path = Path(path)
    if path.is_dir():
        path = path / SUMMARY_FILE
    if not path.exists() and path.name != SUMMARY_FILE:
        raise ConfigError(f"{path}: no such run directory or summary file")
    summary = read_summary(path)
    for section in SUMMARY_SECTIONS:
        if not isinstance(summary.get(section), dict):
            raise ConfigError(f"{path}: section {section!r} is missing or not an object; {_REMEDY}")
    return summary


def load_series(run_dir: Path, *, duration_s: float = 0.0) -> dict[str, Any]:
    """series.json, or for a run written before it existed, the series of outcomes.parquet."""
    path = Path(run_dir) / SERIES_FILE
    if path.exists():
        return read_series(path)
    logger.info("%s: no %s (a run written by an older version): computing it from %s",
                run_dir, SERIES_FILE, OUTCOMES_FILE)
    return series_of_table(read_outcomes(Path(run_dir) / OUTCOMES_FILE), duration_s=duration_s)


def load_locust_stats(run_dir: Path) -> pd.DataFrame | None:
    """Locust's `<prefix>_stats.csv` in the run directory, or None when absent or unreadable."""
    candidates = sorted(run_dir.glob("*_stats.csv"))
    if not candidates:
        return None
    path = candidates[0]
    try:
        frame = pd.read_csv(path)
    except (OSError, ValueError, pd.errors.ParserError) as error:
        logger.warning("%s: ignored, not a readable Locust stats CSV (%s)", path, error)
        return None
    if any(column not in frame.columns for column in LOCUST_STATS_COLUMNS):
        logger.warning("%s: ignored, lacks Locust's stats columns", path)
        return None
    return frame
