"""Anonymization as a step of another writer: a table transform, then the finishing touch.

    step = AnonymizeStep(build(AnonymizeOptions, args))          # reads the key
    with DatasetWriter("calls.parquet", transform=step) as writer:  # replay import's writer
        ...                                                      # step(table) per row group
    report = step.finish("calls.parquet")                        # --shift-to, and the counts

`step(table)` anonymizes one table of the dataset's columns (`anonymize_table`) and keeps the
counts, so raw rows are never written. `--shift-to` needs the earliest startTime of the whole
dataset, known only at the end: `finish` then rewrites the (already anonymized) Parquet file
with every time moved by the one offset, streaming, atomically.
"""

from __future__ import annotations

import dataclasses
from pathlib import Path

import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.parquet as pq

from replay.anonymize.dataset import Report, Tally
from replay.anonymize.detect import Detector
from replay.anonymize.options import AnonymizeOptions
from replay.anonymize.sink import DatasetSink
from replay.anonymize.table import anonymize_table

BATCH_ROWS = 65_536


class AnonymizeStep:
    def __init__(self, options: AnonymizeOptions, max_content_length: int = 10_000) -> None:
        self.settings = options.settings(max_content_length)
        self.shift_to = options.shift_to
        self._detector = Detector(self.settings.phone_region)
        self._tally = Tally()

    def __repr__(self) -> str:
        return f"AnonymizeStep(content={self.settings.content!r})"

    def __call__(self, table: pa.Table) -> pa.Table:
        out, counts = anonymize_table(table, self.settings, detector=self._detector)
        self._tally.add(counts)
        return out.cast(table.schema) if out.schema != table.schema else out

    def finish(self, path: str | Path) -> Report:
        """Apply --shift-to to the written file (when given); the counts of the whole run."""
        settings = self.settings
        if self.shift_to is not None and self._tally.rows:
            shift_ms = shift_parquet(path, round(self.shift_to.timestamp() * 1000))
            settings = dataclasses.replace(settings, shift_ms=shift_ms)
        return self._tally.report(settings)


def shift_parquet(path: str | Path, earliest_ms: int) -> int:
    """Rewrite a dataset Parquet file so its earliest startTime is `earliest_ms`; the offset."""
    parquet = pq.ParquetFile(path, pre_buffer=False)  # pre-buffered ranges are never freed
    lowest = min(
        int(pc.min(batch.column("startTime")).as_py())
        for batch in parquet.iter_batches(batch_size=BATCH_ROWS, columns=["startTime"])
    )
    offset = earliest_ms - lowest
    if offset == 0:
        return 0
    schema = parquet.schema_arrow
    with DatasetSink(path) as sink:
        for batch in parquet.iter_batches(batch_size=BATCH_ROWS):
            table = pa.Table.from_batches([batch])
            for name in ("startTime", "endTime"):
                index = table.schema.get_field_index(name)
                table = table.set_column(index, name, pc.add(table.column(name), offset))
            sink.write(table.cast(schema))
    return offset
