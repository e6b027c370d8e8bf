"""A quick look at a dataset before anything starts: readable, the right format, some rows.

    check_readable("calls.parquet", column_map)     # DatasetError, as loading it would say

Reads only what it must: each Parquet file's footer (schema and row count), or a CSV's header
and first data row. It catches what needs no full read (a missing, empty, header-only or
non-Parquet file, an unknown extension, a missing column) with the same messages the loader
gives; the rows themselves are checked when the dataset is loaded.
"""

from __future__ import annotations

import csv
import os
import zlib
from collections.abc import Mapping
from pathlib import Path

import pyarrow as pa
import pyarrow.parquet as pq

from replay.dataset.columns import resolve_columns
from replay.dataset.read import (
    FORMATS,
    brief,
    check_file,
    csv_header,
    open_text,
    parquet_files,
)
from replay.errors import DatasetError

_READ_ERRORS = (pa.ArrowException, OSError, EOFError, zlib.error, ValueError, csv.Error)


def check_readable(path: str | Path, column_map: Mapping[str, str]) -> None:
    """Raise DatasetError when the dataset at `path` cannot be a transcript dataset."""
    display = str(path)
    path = Path(path)
    if path.is_dir():
        files = parquet_files(path, display)
        rows = sum(_parquet_rows(file, os.path.join(display, str(file.relative_to(path))),
                                 column_map) for file in files)
    else:
        check_file(path, display)
        name = path.name.lower()
        if name.endswith((".csv", ".csv.gz")):
            rows = _csv_has_rows(path, display, column_map, gzipped=name.endswith(".gz"))
        elif name.endswith(".parquet"):
            rows = _parquet_rows(path, display, column_map)
        else:
            suffix = "".join(path.suffixes) or "no extension"
            raise DatasetError(f"{display}: unknown file type ({suffix}); expected {FORMATS}")
    if not rows:
        raise DatasetError(
            f"{display}: no transcript rows; expected one row per utterance after the header"
        )


def _parquet_rows(path: Path, display: str, column_map: Mapping[str, str]) -> int:
    try:
        parquet = pq.ParquetFile(path)
        header = parquet.schema_arrow.names
        rows = parquet.metadata.num_rows
    except _READ_ERRORS as error:
        raise DatasetError(f"{display}: not a readable Parquet file ({brief(error)})") from None
    resolve_columns(header, column_map, display)
    return rows


def _csv_has_rows(path: Path, display: str, column_map: Mapping[str, str], *,
                  gzipped: bool) -> int:
    resolve_columns(csv_header(path, display, gzipped), column_map, display)
    try:
        with open_text(path, gzipped) as text:
            records = csv.reader(text)
            next(records, None)  # the header
            return int(any(any(field.strip() for field in record) for record in records))
    except UnicodeDecodeError:
        return 1  # the loader names the row that is not UTF-8
    except _READ_ERRORS as error:
        kind = "gzip-compressed CSV" if gzipped else "CSV"
        raise DatasetError(f"{display}: not a readable {kind} file ({brief(error)})") from None
