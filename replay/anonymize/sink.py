"""Write a dataset batch by batch, atomically: `.parquet`, `.csv` or `.csv.gz` by the name.

    with DatasetSink("out.parquet") as sink:
        sink.write(table)          # as many times as there are batches
    # the file appears complete when the block ends, or not at all (an error removes it)

The data goes to a temporary file beside the target, renamed over it at the end. Parquet gets
snappy compression; CSV has a header row and every text value quoted.
"""

from __future__ import annotations

import os
import tempfile
from pathlib import Path
from types import TracebackType

import pyarrow as pa
import pyarrow.csv as pacsv
import pyarrow.parquet as pq

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
        self._temporary: Path | None = None
        self._stream: pa.NativeFile | None = None
        self._writer: pq.ParquetWriter | pacsv.CSVWriter | None = None

    def __enter__(self) -> DatasetSink:
        handle, name = tempfile.mkstemp(
            prefix=f".{self.path.name}.", suffix=".tmp", dir=self.path.parent
        )
        os.close(handle)
        self._temporary = Path(name)
        return self

    def write(self, table: pa.Table) -> None:
        if self._writer is None:
            self._writer = self._open(table.schema)
        self._writer.write_table(table)

    def __exit__(
        self,
        kind: type[BaseException] | None,
        error: BaseException | None,
        trace: TracebackType | None,
    ) -> None:
        assert self._temporary is not None
        try:
            if self._writer is not None:
                self._writer.close()
            if self._stream is not None:
                self._stream.close()
            if kind is None:
                if self._writer is None:
                    raise ValueError("no rows were written")
                os.chmod(self._temporary, 0o644)
                os.replace(self._temporary, self.path)
        finally:
            self._temporary.unlink(missing_ok=True)

    def _open(self, schema: pa.Schema) -> pq.ParquetWriter | pacsv.CSVWriter:
        assert self._temporary is not None
        if self._format == "parquet":
            return pq.ParquetWriter(self._temporary, schema, compression="snappy")
        self._stream = pa.output_stream(self._temporary, compression="gzip" if self._gzip else None)
        return pacsv.CSVWriter(self._stream, schema)
