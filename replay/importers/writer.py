"""Write imported calls to a dataset Parquet file, row group by row group, atomically.

    with DatasetWriter("calls.parquet", transform=None) as writer:
        writer.add(call, start_ms)          # a Call (see model.py) and its time base
    # the file now exists, complete; on an exception nothing is left behind

The file has exactly the dataset's seven columns (docs/architecture.md: vendorCallKey,
participantId, messageId, content, senderType as strings, startTime and endTime as int64 epoch
ms), rows in the order added, no pandas metadata, and row groups of `ROW_GROUP_ROWS` rows:
the same calls always give the same bytes. Memory holds at most one row group of rows.
`transform`, when given, is applied to each row group (a pyarrow Table of those columns)
before it is written, e.g. to anonymise the text; it must keep the schema.
"""

from __future__ import annotations

import os
import tempfile
from collections.abc import Callable
from pathlib import Path
from types import TracebackType

import pyarrow as pa
import pyarrow.parquet as pq

from replay.errors import ConfigError
from replay.importers.model import Call

ROW_GROUP_ROWS = 65_536
SCHEMA = pa.schema([
    ("vendorCallKey", pa.large_string()),
    ("participantId", pa.large_string()),
    ("messageId", pa.large_string()),
    ("startTime", pa.int64()),
    ("endTime", pa.int64()),
    ("content", pa.large_string()),
    ("senderType", pa.large_string()),
])
Transform = Callable[[pa.Table], pa.Table]


def check_name(path: str | Path) -> Path:
    """--out names a .parquet file, not a directory (ConfigError otherwise)."""
    path = Path(path)
    if not path.name.lower().endswith(".parquet"):
        raise ConfigError(f"--out {path}: expected a file name ending .parquet")
    if path.is_dir():
        raise ConfigError(f"--out {path}: is a directory; give the path of the file to "
                          "write, e.g. calls.parquet")
    return path


def check_out(path: str | Path) -> Path:
    """Everything about --out that can be known before reading a source: its name, and that a
    file can be written beside it (the parent directories are made, as the write would)."""
    path = check_name(path)
    existing = next(parent for parent in path.parents if parent.exists())
    if not existing.is_dir():
        raise ConfigError(f"--out {path}: {existing} is not a directory; give a path in a "
                          "folder you can write to")
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        with tempfile.NamedTemporaryFile(prefix=f".{path.name}.", suffix=".tmp",
                                         dir=path.parent):
            pass
    except OSError as error:
        raise _unwritable(path, error) from None
    return path


def _unwritable(path: Path, error: OSError) -> ConfigError:
    return ConfigError(f"--out {path}: cannot write it ({error.strerror}); give a "
                       "path in a folder you can write to")


class DatasetWriter:
    def __init__(
        self, path: str | Path, transform: Transform | None = None,
        row_group_rows: int = ROW_GROUP_ROWS,
    ) -> None:
        self.path = check_name(path)
        self.transform = transform
        self.row_group_rows = row_group_rows
        self.rows = 0
        self._columns: tuple[list, ...] = tuple([] for _ in SCHEMA.names)
        self._buffered = 0
        self._temporary: Path | None = None
        self._writer: pq.ParquetWriter | None = None

    def __enter__(self) -> DatasetWriter:
        try:
            self.path.parent.mkdir(parents=True, exist_ok=True)
            handle, name = tempfile.mkstemp(
                prefix=f".{self.path.name}.", suffix=".tmp", dir=self.path.parent
            )
        except OSError as error:
            raise self._unwritable(error) from None
        os.close(handle)
        self._temporary = Path(name)
        self._writer = pq.ParquetWriter(
            name, SCHEMA, compression="zstd", write_statistics=True
        )
        return self

    def add(self, call: Call, start_ms: int = 0) -> None:
        keys, participants, ids, starts, ends, contents, senders = self._columns
        count = len(call.message_ids)
        keys.extend([call.call_key] * count)
        participants.extend(call.participant_ids)
        ids.extend(call.message_ids)
        if start_ms:
            starts.extend([start_ms + value for value in call.starts])
            ends.extend([start_ms + value for value in call.ends])
        else:
            starts.extend(call.starts)
            ends.extend(call.ends)
        contents.extend(call.contents)
        senders.extend(call.sender_types)
        self._buffered += count
        if self._buffered >= self.row_group_rows:
            self._flush()

    def _flush(self) -> None:
        if not self._buffered:
            return
        table = pa.Table.from_arrays(
            [pa.array(column, type=kind) for column, kind in zip(
                self._columns, SCHEMA.types, strict=True)],
            schema=SCHEMA,
        )
        for column in self._columns:
            column.clear()
        self._buffered = 0
        if self.transform is not None:
            table = self.transform(table)
            if not table.schema.equals(SCHEMA):
                raise TypeError(f"the import's transform changed the schema to {table.schema}")
        self._writer.write_table(table, row_group_size=self.row_group_rows)
        self.rows += table.num_rows

    def __exit__(
        self, kind: type[BaseException] | None, error: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        try:
            try:
                if kind is None:
                    self._flush()
            finally:
                self._writer.close()
            if kind is None:
                os.chmod(self._temporary, 0o644)
                try:
                    os.replace(self._temporary, self.path)
                except OSError as error:
                    raise self._unwritable(error) from None
        finally:
            self._temporary.unlink(missing_ok=True)

    def _unwritable(self, error: OSError) -> ConfigError:
        return _unwritable(self.path, error)
