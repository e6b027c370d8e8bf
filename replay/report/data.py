"""Read a run directory's files for the report: summary.json, outcomes.parquet, Locust's CSV.

    run = load_run(Path("reports/20261125-170000"))
    run.summary["counts"]["planned"], run.outcomes["due_s"], run.locust_stats

In: the files described in docs/architecture.md ("Run outputs"), read by `replay.results`
(`read_summary`, `read_outcomes`: one reader and one schema for each file). The report keeps
the columns in `OUTCOME_COLUMNS` plus `final_sent_s`. Locust's `*_stats.csv` is optional.
Out: a frozen `RunFiles`. Anything missing or unreadable raises `ConfigError` naming the file, what
is wrong and how to get a good one; never a traceback.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import pyarrow as pa

from replay.errors import ConfigError
from replay.results.outcomes import read_outcomes
from replay.results.summary import read_summary

logger = logging.getLogger(__name__)

SUMMARY_FILE = "summary.json"
OUTCOMES_FILE = "outcomes.parquet"
SUMMARY_SECTIONS = ("run", "counts", "latency_ms", "reconciliation", "verdict")

# column -> pandas dtype the report works with (repetitive strings as categories: less memory)
OUTCOME_COLUMNS: dict[str, str] = {
    "vendorCallKey": "category",
    "messageId": "string",
    "senderType": "category",
    "call_seq": "int32",
    "worker": "int16",
    "due_s": "float64",
    "sent_s": "float64",
    "done_s": "float64",
    "status": "int16",
    "outcome": "category",
    "reason": "category",
}

FINAL_SENT = "final_sent_s"
LOCUST_STATS_COLUMNS = ("Type", "Name", "Request Count", "Failure Count", "50%", "95%", "99%")

_REMEDY = "rebuild the run with `replay run`, or point at a directory that holds its outputs"


@dataclass(frozen=True, kw_only=True)
class RunFiles:
    """One run's files, checked; `outcomes` has the `OUTCOME_COLUMNS` and `final_sent_s`."""

    run_dir: Path
    summary: dict[str, Any]
    outcomes: pd.DataFrame
    locust_stats: pd.DataFrame | None


def load_run(run_dir: Path) -> RunFiles:
    """Read and check a run directory; raise ConfigError naming the first bad file."""
    run_dir = Path(run_dir)
    if not run_dir.is_dir():
        raise ConfigError(
            f"{run_dir}: not a directory; give the run's directory (reports/<run-id>)"
        )
    return RunFiles(
        run_dir=run_dir,
        summary=load_summary(run_dir / SUMMARY_FILE),
        outcomes=load_outcomes(run_dir / OUTCOMES_FILE),
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


def load_outcomes(path: Path) -> pd.DataFrame:
    """Read `outcomes.parquet` through `replay.results.read_outcomes` (its one schema), as a
    DataFrame of the report's columns and dtypes."""
    table = read_outcomes(path)
    try:
        return table.select([*OUTCOME_COLUMNS, FINAL_SENT]).to_pandas().astype(
            {**OUTCOME_COLUMNS, FINAL_SENT: "float64"})
    except (pa.ArrowException, ValueError, TypeError) as error:
        raise ConfigError(f"{path}: a column cannot be read as the report needs it ({error}); "
                          f"{_REMEDY}") from None


def latencies_ms(outcomes: pd.DataFrame) -> dict[str, np.ndarray]:
    """Per-message milliseconds, NaN where unmeasured, as the summary defines them:
    lag = sent - due (early counts as 0), service = done - final attempt's start,
    from_schedule = done - due."""
    due = outcomes["due_s"].to_numpy(dtype=float)
    sent = outcomes["sent_s"].to_numpy(dtype=float)
    done = outcomes["done_s"].to_numpy(dtype=float)
    final_sent = outcomes[FINAL_SENT].to_numpy(dtype=float)
    return {
        "lag": np.maximum(sent - due, 0.0) * 1000.0,
        "service": (done - final_sent) * 1000.0,
        "from_schedule": (done - due) * 1000.0,
    }


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
