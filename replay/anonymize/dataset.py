"""Anonymize a whole dataset file into another, streaming, and count what was done.

    report = anonymize_dataset("export.parquet", "safe.parquet", settings, LoadOptions())
    print(report.describe())

In: a dataset path (anything `replay validate` reads), the output path (.parquet, .csv,
.csv.gz), `Settings` and the dataset options (column map, content length limit). Out: the file,
written atomically with the same rows in the same order, and a `Report` of counts. With
`shift_to`, every startTime and endTime moves by one offset so that the earliest startTime is
that moment. `Tally` adds up `BatchCounts` for any caller that anonymizes batch by batch (the
import step does too).
"""

from __future__ import annotations

import dataclasses
from collections import Counter
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path

import pyarrow as pa

from replay.anonymize.detect import Detector
from replay.anonymize.sink import DatasetSink
from replay.anonymize.source import Source
from replay.anonymize.table import KINDS, BatchCounts, Settings, anonymize_table
from replay.dataset import LoadOptions


@dataclass(frozen=True, kw_only=True)
class Report:
    rows: int
    calls: int
    participants: int
    changed: int
    replacements: dict[str, int]
    content: str
    shift_ms: int

    def describe(self) -> str:
        kinds = ", ".join(f"{kind} {self.replacements.get(kind, 0):,}" for kind in KINDS)
        content = {
            "mask": f"masked: {self.changed:,} utterances changed; replacements {kinds}",
            "synthetic": f"synthetic: {self.changed:,} utterances replaced by generated text",
            "keep": "kept as it was",
        }[self.content]
        shift = f"shifted by {self.shift_ms / 1000:+,.3f} s" if self.shift_ms else "unchanged"
        return "\n".join(
            [
                f"  rows               {self.rows:,}",
                f"  ids rewritten      {self.calls:,} vendorCallKeys, {self.participants:,} "
                f"participantIds, {self.rows:,} messageIds",
                f"  content            {content}",
                f"  times              {shift}",
            ]
        )


@dataclass
class Tally:
    """Running totals over batches; distinct ids kept as sets (a few per call)."""

    rows: int = 0
    changed: int = 0
    replacements: Counter[str] = field(default_factory=Counter)
    calls: set[str] = field(default_factory=set)
    participants: set[str] = field(default_factory=set)

    def add(self, counts: BatchCounts) -> None:
        self.rows += counts.rows
        self.changed += counts.changed
        self.replacements.update(counts.replacements)
        self.calls.update(counts.calls)
        self.participants.update(counts.participants)

    def report(self, settings: Settings) -> Report:
        return Report(
            rows=self.rows,
            calls=len(self.calls),
            participants=len(self.participants),
            changed=self.changed,
            replacements={kind: self.replacements[kind] for kind in KINDS},
            content=settings.content,
            shift_ms=settings.shift_ms,
        )


def anonymize_dataset(
    path: str | Path,
    out: str | Path,
    settings: Settings,
    options: LoadOptions,
    *,
    shift_to: datetime | None = None,
) -> Report:
    source = Source(path, options)
    sink = DatasetSink(out)  # checks --out before any reading
    if shift_to is not None:
        target_ms = round(shift_to.timestamp() * 1000)
        settings = dataclasses.replace(settings, shift_ms=target_ms - source.earliest_start_ms())
    detector = Detector(settings.phone_region)
    tally = Tally()
    with sink:
        for batch in source.batches():
            table, counts = anonymize_table(batch, settings, detector=detector)
            sink.write(_as_written(table))
            tally.add(counts)
    return tally.report(settings)


def _as_written(table: pa.Table) -> pa.Table:
    """Plain `string` columns: readable by every Parquet and CSV consumer."""
    return table.cast(
        pa.schema(
            [
                pa.field(name, pa.string() if pa.types.is_large_string(kind) else kind)
                for name, kind in zip(table.column_names, table.schema.types, strict=True)
            ]
        )
    )
