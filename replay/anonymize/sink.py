"""Write a dataset batch by batch, atomically: `.parquet`, `.csv` or `.csv.gz` by the name.

    with DatasetSink("out.parquet") as sink:
        sink.write(table)          # as many times as there are batches
    # the file appears complete when the block ends, or not at all (an error removes it)

The data goes to a temporary file beside the target, renamed over it at the end
(replay.atomic.atomic_path). Parquet gets snappy compression; CSV has a header row and every
text value quoted.
"""

from __future__ import annotations

from contextlib import ExitStack
from pathlib import Path
from types import TracebackType

import pyarrow as pa
import pyarrow.csv as pacsv
import pyarrow.parquet as pq

from replay.atomic import atomic_path
from replay.errors import ConfigError

SUFFIXES = (".parquet", ".csv", ".csv.gz")


class DatasetSink:
    def __init__(self, path: str | Path) -> None:
        self.path = Path(path)
        name = self.path.name.lower()
        if not name.endswith(SUFFIXES) or self.path.is_dir():
            raise ConfigError(
                f"--out {self.path}: expected a file name ending {', '.join(SUFFIXES)}"
            )
        if not self.path.parent.is_dir():
            raise ConfigError(f"--out {self.path}: the directory {self.path.parent} does not exist")
        self._format = "parquet" if name.endswith(".parquet") else "csv"
        self._gzip = name.endswith(".gz")
        self._stack = ExitStack()
        self._temporary: Path | None = None
        self._writer: pq.ParquetWriter | pacsv.CSVWriter | None = None

    def __enter__(self) -> DatasetSink:
        self._temporary = self._stack.enter_context(atomic_path(self.path))
        return self

    def write(self, table: pa.Table) -> None:
        if self._writer is None:
            self._writer = self._open(table.schema)
            self._stack.callback(self._writer.close)
        self._writer.write_table(table)

    def __exit__(
        self,
        kind: type[BaseException] | None,
        error: BaseException | None,
        trace: TracebackType | None,
    ) -> bool:
        """Close the writer, then rename the file into place, or remove it on an error."""
        if kind is None and self._writer is None:
            empty = ValueError(f"{self.path}: no rows to write")
            self._stack.__exit__(ValueError, empty, None)
            raise empty
        return self._stack.__exit__(kind, error, trace)

    def _open(self, schema: pa.Schema) -> pq.ParquetWriter | pacsv.CSVWriter:
        assert self._temporary is not None
        if self._format == "parquet":
            return pq.ParquetWriter(self._temporary, schema, compression="snappy")
        stream = pa.output_stream(self._temporary, compression="gzip" if self._gzip else None)
        self._stack.callback(stream.close)
        return pacsv.CSVWriter(stream, schema)
