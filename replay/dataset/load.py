"""Load a transcript dataset: read, validate, then sort into the replay's table.

    transcripts = load_transcripts("datasets/sample.parquet", LoadOptions(on_invalid="skip"))
    transcripts.table      # one row per utterance, columns as in docs/architecture.md
    transcripts.skipped    # what --on-invalid skip dropped, and why

`Transcripts.table` columns: vendorCallKey, participantId, messageId (str), startTime, endTime
(int64 epoch ms, UTC), content, senderType (str), row (int64, the row in the file); sorted by
(vendorCallKey, send time, file order) with a RangeIndex. String columns are Arrow-backed.
"""

from __future__ import annotations

import logging
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from types import MappingProxyType
from typing import Literal

import numpy as np
import pandas as pd
import pyarrow as pa

from replay.dataset.columns import FIELDS, TIME_FIELDS
from replay.dataset.read import RawTable, read_raw
from replay.dataset.validate import Findings, find_problems, render
from replay.errors import ConfigError, DatasetError

logger = logging.getLogger(__name__)
MAX_LISTED = 20
EXAMPLES = 5
TEXT_FIELDS = tuple(field for field in FIELDS if field not in TIME_FIELDS)


@dataclass(frozen=True, kw_only=True)
class LoadOptions:
    column_map: Mapping[str, str] = field(default_factory=dict)
    on_invalid: Literal["fail", "skip"] = "fail"
    max_content_length: int = 10_000
    order_by: Literal["endTime", "startTime"] = "endTime"
    partition: tuple[int, int] | None = None

    def __post_init__(self) -> None:
        object.__setattr__(self, "column_map", MappingProxyType(dict(self.column_map)))
        if self.on_invalid not in ("fail", "skip"):
            raise ConfigError(f"--on-invalid must be fail or skip, not {self.on_invalid!r}")
        if self.order_by not in TIME_FIELDS:
            raise ConfigError(f"order_by must be endTime or startTime, not {self.order_by!r}")
        if self.max_content_length < 1:
            raise ConfigError(
                f"--max-content-length must be a positive number, not {self.max_content_length}"
            )
        if self.partition is not None:
            index, count = self.partition
            if not 0 <= index < count:
                raise ConfigError(f"partition index {index} is not within 0..{count - 1}")


@dataclass(frozen=True, kw_only=True)
class SkipReport:
    """Rows dropped by on_invalid="skip": how many, how many per rule, a few examples."""

    count: int = 0
    by_reason: Mapping[str, int] = field(default_factory=dict)
    examples: tuple[str, ...] = ()

    def describe(self) -> str:
        if not self.count:
            return "no invalid rows"
        reasons = ", ".join(f"{n} {reason}" for reason, n in self.by_reason.items())
        plural = "s" if self.count != 1 else ""
        return f"skipped {self.count} invalid row{plural} ({reasons})"


@dataclass(frozen=True, kw_only=True)
class Transcripts:
    source: str
    table: pd.DataFrame
    skipped: SkipReport = field(default_factory=SkipReport)

    @property
    def messages(self) -> int:
        return len(self.table)

    @property
    def calls(self) -> int:
        return int(self.table["vendorCallKey"].nunique())


def load_transcripts(path: str | Path, options: LoadOptions = LoadOptions()) -> Transcripts:
    raw = read_raw(path, options.column_map, options.partition)
    if raw.table.num_rows == 0 and options.partition is None:
        raise DatasetError(
            f"{path}: no transcript rows; expected one row per utterance after the header"
        )
    findings = find_problems(raw, options.max_content_length)
    keep = None
    skipped = SkipReport()
    if findings.problems:
        bad = findings.bad_rows()
        if options.on_invalid == "fail" or bad.all():
            raise DatasetError(_failure(path, raw, findings, options, bad))
        skipped = SkipReport(
            count=int(bad.sum()),
            by_reason=findings.rows_by_reason(),
            examples=tuple(
                render(findings, raw, options.column_map, options.max_content_length, EXAMPLES)
            ),
        )
        logger.warning("%s: %s", path, skipped.describe())
        keep = ~bad
    columns = {name: raw.table.column(name) for name in (*TEXT_FIELDS, "row", "file")}
    del raw  # from here `columns` holds the only references, so each is freed once taken
    table = _replay_table(columns, findings, keep, options.order_by)
    return Transcripts(source=str(path), table=table, skipped=skipped)


def _failure(
    path: str | Path, raw: RawTable, findings: Findings, options: LoadOptions, bad: np.ndarray
) -> str:
    count, rows = findings.count(), int(bad.sum())
    lines = render(findings, raw, options.column_map, options.max_content_length, MAX_LISTED)
    if count > len(lines):
        lines.append(f"and {count - len(lines)} more")
    problems = f"{count} problem{'s' if count != 1 else ''} in {rows} row{'s' if rows != 1 else ''}"
    advice = (
        "every row is invalid"
        if bad.all() and options.on_invalid == "skip"
        else "fix them, or pass --on-invalid skip to drop those rows"
    )
    return f"{path}: {problems}; {advice}:\n  " + "\n  ".join(lines)


def _replay_table(
    columns: dict[str, pa.ChunkedArray],
    findings: Findings,
    keep: np.ndarray | None,
    order_by: str,
) -> pd.DataFrame:
    """The kept rows, sorted by (vendorCallKey, send time, file order), as pandas columns.

    Consumes `columns`: each raw text column is released as soon as its sorted copy exists, so
    the load never holds two copies of the whole table.
    """
    count = len(findings.start_ms)
    positions = np.flatnonzero(keep) if keep is not None else np.arange(count)
    start_ms, end_ms = findings.start_ms[positions], findings.end_ms[positions]
    rows = columns.pop("row").to_numpy()[positions]
    files = columns.pop("file").to_numpy()[positions]
    send_ms = end_ms if order_by == "endTime" else start_ms
    order = np.lexsort((rows, files, send_ms, findings.call_codes[positions]))
    taken = pa.array(positions[order])
    sorted_columns = {}
    for name in FIELDS:
        if name == "startTime":
            sorted_columns[name] = pa.array(start_ms[order])
        elif name == "endTime":
            sorted_columns[name] = pa.array(end_ms[order])
        else:
            sorted_columns[name] = columns.pop(name).take(taken)
    sorted_columns["row"] = pa.array(rows[order])
    return pa.table(sorted_columns).to_pandas()
