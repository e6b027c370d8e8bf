"""Read a dataset batch by batch, checking each batch by `replay validate`'s rules.

    source = Source("export/", LoadOptions(column_map=...))
    for batch in source.batches():         # pa.Table: the dataset's fields, as stored
        ...
    source.earliest_start_ms()              # for --shift-to (reads only startTime)

Parquet (a file, or a directory of them read in sorted path order, names starting with `.` or
`_` ignored, as `replay validate` does) streams through `ParquetFile.iter_batches`: memory
holds one batch plus 8 bytes per row (a hash of each (vendorCallKey, messageId), to find a
messageId repeated across batches). CSV is read whole, as `replay validate` reads it.

Any problem a batch shows makes the whole dataset go through `load_transcripts`, so the error
the user sees is exactly the one `replay validate` prints (every problem, with file and row).
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.parquet as pq

from replay.dataset import LoadOptions, load_transcripts
from replay.dataset.columns import FIELDS, TIME_FIELDS, resolve_columns
from replay.dataset.read import RawTable, read_raw
from replay.dataset.timestamps import OK, UnsupportedType, parse_epoch_ms
from replay.dataset.validate import find_problems
from replay.errors import DatasetError

BATCH_ROWS = 65_536
# ParquetFile(pre_buffer=False): with pre-buffering (pyarrow's default) iter_batches keeps every
# row group's buffered ranges until the file is closed, so memory grows with the file (measured:
# +30 MiB per 256,000-row row group); without it, memory stays flat.
_READ_ERRORS = (pa.ArrowException, OSError, ValueError)


class Source:
    def __init__(self, path: str | Path, options: LoadOptions) -> None:
        if options.on_invalid != "fail":
            raise ValueError("anonymize reads datasets with on_invalid='fail' only")
        self.path = Path(path)
        self.options = options
        self._parquet = self.path.is_dir() or self.path.name.lower().endswith(".parquet")

    def batches(self) -> Iterator[pa.Table]:
        """Valid batches of the dataset's fields, in file order; DatasetError when invalid."""
        if not self._parquet:
            yield from self._csv_batches()
            return
        seen: list[np.ndarray] = []
        rows = 0
        for table in self._parquet_tables():
            self._check(table)
            seen.append(_pair_hashes(table))
            rows += table.num_rows
            yield table.select(FIELDS)
        hashes = np.concatenate(seen) if seen else np.zeros(0, np.uint64)
        if rows == 0 or len(np.unique(hashes)) < len(hashes):
            load_transcripts(self.path, self.options)  # raises replay validate's own error
            # (a 64-bit hash clash when it does not: the dataset is valid after all)

    def earliest_start_ms(self) -> int:
        earliest = None
        for table in self._parquet_tables() if self._parquet else self._csv_batches():
            ms, status = parse_epoch_ms(table.column("startTime"))
            valid = ms[status == OK]
            if len(valid):
                low = int(valid.min())
                earliest = low if earliest is None else min(earliest, low)
        if earliest is None:
            load_transcripts(self.path, self.options)
            raise DatasetError(f"{self.path}: no transcript rows")
        return earliest

    def _csv_batches(self) -> Iterator[pa.Table]:
        raw = read_raw(self.path, self.options.column_map)
        if raw.table.num_rows == 0 or find_problems(raw, self.options.max_content_length).problems:
            load_transcripts(self.path, self.options)
            raise DatasetError(f"{self.path}: invalid dataset; run replay validate on it")
        table = raw.table.select(FIELDS)
        del raw
        for offset in range(0, table.num_rows, BATCH_ROWS):
            yield table.slice(offset, BATCH_ROWS)

    def _parquet_tables(self) -> Iterator[pa.Table]:
        """Each file's batches with the fields, plus `row` (1-based) and `file` columns."""
        files = parquet_files(self.path)
        if not files:
            load_transcripts(self.path, self.options)
        for index, file in enumerate(files):
            try:
                parquet = pq.ParquetFile(file, pre_buffer=False)  # see BATCH_ROWS
                wanted = resolve_columns(
                    parquet.schema_arrow.names, self.options.column_map, str(file)
                )
                first_row = 1
                for batch in parquet.iter_batches(
                    batch_size=BATCH_ROWS, columns=list(dict.fromkeys(wanted.values()))
                ):
                    table = pa.table(
                        {field: batch.column(wanted[field]) for field in FIELDS}
                        | {
                            "row": pa.array(np.arange(first_row, first_row + batch.num_rows)),
                            "file": pa.array(np.full(batch.num_rows, index, np.int32)),
                        }
                    )
                    first_row += batch.num_rows
                    yield table
            except (*_READ_ERRORS, DatasetError):
                load_transcripts(self.path, self.options)
                raise

    def _check(self, table: pa.Table) -> None:
        try:
            columns = {
                name: table.column(name)
                if name in TIME_FIELDS or name in ("row", "file")
                else table.column(name).cast(pa.large_string())
                for name in table.column_names
            }
            findings = find_problems(
                RawTable(table=pa.table(columns), files=(str(self.path),)),
                self.options.max_content_length,
            )
            valid = not findings.problems
        except (UnsupportedType, pa.ArrowException):
            valid = False
        if not valid:
            load_transcripts(self.path, self.options)
            raise DatasetError(f"{self.path}: invalid dataset; run replay validate on it")


def parquet_files(path: Path) -> list[Path]:
    if not path.is_dir():
        return [path] if path.is_file() else []
    return sorted(
        file
        for file in path.rglob("*.parquet")
        if file.is_file()
        and not any(part.startswith((".", "_")) for part in file.relative_to(path).parts)
    )


def _pair_hashes(table: pa.Table) -> np.ndarray:
    frame = pd.DataFrame(
        {
            "call": table.column("vendorCallKey").to_pandas(),
            "message": table.column("messageId").to_pandas(),
        }
    )
    return pd.util.hash_pandas_object(frame, index=False).to_numpy()
