"""Read a run directory's files for the report: summary.json, outcomes.parquet, Locust's CSV.

    run = load_run(Path("reports/20261125-170000"))
    run.summary["counts"]["planned"], run.outcomes["due_s"], run.locust_stats

In: the files described in docs/architecture.md ("Run outputs"). `summary.json` must carry
`"schema": "replay-summary/1"`; `outcomes.parquet` must have the columns in `OUTCOME_COLUMNS`
(extra columns are ignored; `final_sent_s`, when present, times the final attempt of a retried
message and otherwise equals `sent_s`). Locust's `*_stats.csv` is optional.
Out: a frozen `RunFiles`. Anything missing or unreadable raises `ConfigError` naming the file, what
is wrong and how to get a good one; never a traceback.
"""

from __future__ import annotations

import json
import logging
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.parquet as pq

from replay.errors import ConfigError

logger = logging.getLogger(__name__)

SUMMARY_FILE = "summary.json"
OUTCOMES_FILE = "outcomes.parquet"
SUMMARY_SCHEMA = "replay-summary/1"
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
    """Parse and check `summary.json` (also accepts a run directory)."""
    path = Path(path)
    if path.is_dir():
        path = path / SUMMARY_FILE
    if not path.exists() and path.name != SUMMARY_FILE:
        raise ConfigError(f"{path}: no such run directory or summary file")
    if not path.is_file():
        raise ConfigError(f"{path}: file not found; {_REMEDY}")
    try:
        summary = json.loads(path.read_text(encoding="utf-8"))
    except (UnicodeDecodeError, json.JSONDecodeError) as error:
        raise ConfigError(f"{path}: not valid JSON ({error}); {_REMEDY}") from None
    if not isinstance(summary, dict) or summary.get("schema") != SUMMARY_SCHEMA:
        found = summary.get("schema") if isinstance(summary, dict) else type(summary).__name__
        raise ConfigError(
            f"{path}: expected a run summary with \"schema\": \"{SUMMARY_SCHEMA}\", found {found!r}"
        )
    for section in SUMMARY_SECTIONS:
        if not isinstance(summary.get(section), dict):
            raise ConfigError(f"{path}: section {section!r} is missing or not an object; {_REMEDY}")
    return summary


def load_outcomes(path: Path) -> pd.DataFrame:
    """Read the outcome columns of `outcomes.parquet` into a DataFrame with the report's dtypes."""
    if not path.is_file():
        raise ConfigError(f"{path}: file not found; {_REMEDY}")
    try:
        schema = pq.read_schema(path)
        missing = [name for name in OUTCOME_COLUMNS if name not in schema.names]
        if missing:
            raise ConfigError(
                f"{path}: column(s) {', '.join(missing)} missing; an outcomes file has "
                f"{', '.join(OUTCOME_COLUMNS)} (see docs/architecture.md, outcomes.parquet)"
            )
        columns = list(OUTCOME_COLUMNS)
        if FINAL_SENT in schema.names:
            columns.append(FINAL_SENT)
        frame = pq.read_table(path, columns=columns).to_pandas().astype(OUTCOME_COLUMNS)
        if FINAL_SENT not in frame.columns:
            frame[FINAL_SENT] = frame["sent_s"]
        return frame.astype({FINAL_SENT: "float64"})
    except ConfigError:
        raise
    except (pa.ArrowException, OSError, ValueError, TypeError) as error:
        raise ConfigError(
            f"{path}: not a readable outcomes Parquet file ({error}); {_REMEDY}"
        ) from None


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
