"""Read a transcript file into one Arrow table of the API's fields, with where each row came from.

In: a path to `.csv`, `.csv.gz`, `.parquet`, or a directory of `.parquet` files (read in sorted
path order), and the column map. Out: a `RawTable` whose `table` has the columns

    vendorCallKey, participantId, messageId, content, senderType   large_string
    startTime, endTime      as stored (text in CSV; any Arrow type in Parquet, checked later)
    row                     int64, the row as the user counts it: CSV header = row 1, first
                            data row = row 2 (a quoted line break does not start a row);
                            Parquet: 1-based data row in its file
    file                    int32, index into `RawTable.files` (display names)

Extra columns are never read. With a partition `(index, count)` only the calls whose
`call_partition(key, count) == index` are kept; Parquet is read batch by batch so a worker never
holds the other workers' rows. Anything unreadable raises DatasetError naming the file.
"""

from __future__ import annotations

import csv
import gzip
import io
import os
import zlib
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.csv as pacsv
import pyarrow.parquet as pq

from replay.dataset.columns import FIELDS, TIME_FIELDS, column_label, resolve_columns
from replay.dataset.partition import call_partition
from replay.dataset.timestamps import UnsupportedType, parse_epoch_ms
from replay.errors import DatasetError

_BATCH_ROWS = 65_536
_CSV_BLOCK_BYTES = 8 << 20  # fewer, larger chunks: sorting (take) is much faster over them
_READ_ERRORS = (pa.ArrowException, OSError, EOFError, zlib.error, ValueError, csv.Error)
FORMATS = ".csv, .csv.gz, .parquet, or a directory of .parquet files"


@dataclass(frozen=True, kw_only=True)
class RawTable:
    table: pa.Table
    files: tuple[str, ...]


def read_raw(
    path: str | Path,
    column_map: Mapping[str, str],
    partition: tuple[int, int] | None = None,
) -> RawTable:
    display = str(path)
    path = Path(path)
    if path.is_dir():
        files = parquet_files(path, display)
        names = tuple(os.path.join(display, str(file.relative_to(path))) for file in files)
        pieces = [
            _read_parquet(file, name, index, column_map, partition)
            for index, (file, name) in enumerate(zip(files, names, strict=True))
        ]
        return RawTable(table=_concat(pieces), files=names)
    check_file(path, display)
    name = path.name.lower()
    if name.endswith((".csv", ".csv.gz")):
        table = _read_csv(path, display, column_map, gzipped=name.endswith(".gz"))
        if partition is not None:
            table = _keep_partition(table, partition)
        return RawTable(table=table, files=(display,))
    if name.endswith(".parquet"):
        return RawTable(
            table=_read_parquet(path, display, 0, column_map, partition), files=(display,)
        )
    suffix = "".join(path.suffixes) or "no extension"
    raise DatasetError(f"{display}: unknown file type ({suffix}); expected {FORMATS}")


def check_file(path: Path, display: str) -> None:
    if not path.exists():
        raise DatasetError(f"{display}: no such file or directory; check the path")
    if not os.access(path, os.R_OK):
        raise DatasetError(f"{display}: cannot be read (permission denied)")
    if path.stat().st_size == 0:
        raise DatasetError(
            f"{display}: the file is empty; expected a header row naming the columns "
            f"({', '.join(FIELDS)}) and one row per utterance"
        )


def parquet_files(path: Path, display: str) -> list[Path]:
    files = sorted(
        file
        for file in path.rglob("*.parquet")
        if file.is_file()
        and not any(part.startswith((".", "_")) for part in file.relative_to(path).parts)
    )
    if not files:
        raise DatasetError(f"{display}: the directory holds no .parquet files; expected {FORMATS}")
    for file in files:
        check_file(file, os.path.join(display, str(file.relative_to(path))))
    return files


def _csv_options(columns: list[str], on_ragged_row: Any) -> dict[str, Any]:
    """How every CSV read goes: quoted newlines kept, blank lines counted, the wanted columns
    only, all as text (checked later), a ragged row handed to `on_ragged_row`."""
    return {
        "read_options": pacsv.ReadOptions(block_size=_CSV_BLOCK_BYTES),
        "parse_options": pacsv.ParseOptions(newlines_in_values=True, ignore_empty_lines=False,
                                            invalid_row_handler=on_ragged_row),
        "convert_options": pacsv.ConvertOptions(
            include_columns=columns,
            column_types={column: pa.large_string() for column in columns},
            strings_can_be_null=False),
    }


def brief(error: BaseException) -> str:
    """An exception's message on one line, at most 160 characters, for a user-facing error."""
    text = " ".join(str(error).split()) or type(error).__name__
    return text if len(text) <= 160 else text[:159] + "…"


# --- CSV -------------------------------------------------------------------------------------


def open_text(path: Path, gzipped: bool) -> io.TextIOBase:
    raw = gzip.open(path, "rb") if gzipped else open(path, "rb")  # noqa: SIM115 (closed by caller)
    return io.TextIOWrapper(raw, encoding="utf-8-sig", newline="")


def csv_header(path: Path, display: str, gzipped: bool) -> list[str]:
    try:
        with open_text(path, gzipped) as text:
            header = next(csv.reader(text), None)
    except UnicodeDecodeError:
        raise DatasetError(_not_utf8(display)) from None
    except (OSError, EOFError, zlib.error) as error:
        kind = "gzip-compressed CSV" if gzipped else "CSV"
        raise DatasetError(f"{display}: not a readable {kind} file ({brief(error)})") from None
    except csv.Error as error:
        raise DatasetError(f"{display}: not a readable CSV file ({brief(error)})") from None
    if not header:
        raise DatasetError(
            f"{display}: no header row; expected the first line to name the columns "
            f"({', '.join(FIELDS)})"
        )
    return header


def _not_utf8(display: str) -> str:
    return f"{display}: not UTF-8 text; save the file with UTF-8 encoding and try again"


def _read_csv(
    path: Path, display: str, column_map: Mapping[str, str], *, gzipped: bool
) -> pa.Table:
    header = csv_header(path, display, gzipped)
    wanted = resolve_columns(header, column_map, display)
    columns = list(dict.fromkeys(wanted.values()))
    ragged: list[int] = []

    def on_ragged_row(row: pacsv.InvalidRow) -> str:
        ragged.append(row.actual_columns)
        return "error"

    try:
        with pa.input_stream(path, compression="gzip" if gzipped else None) as stream:
            table = pacsv.read_csv(stream, **_csv_options(columns, on_ragged_row))
    except _READ_ERRORS as error:
        if ragged:
            raise DatasetError(_ragged_message(path, display, len(header), gzipped)) from None
        if "UTF8" in str(error) or isinstance(error, UnicodeError):
            raise DatasetError(_not_utf8(display)) from None
        raise DatasetError(f"{display}: not a readable CSV file ({brief(error)})") from None
    rows = pa.array(np.arange(2, table.num_rows + 2, dtype=np.int64))
    table = pa.table(
        {field: table.column(wanted[field]) for field in FIELDS}
        | {"row": rows, "file": pa.array(np.zeros(table.num_rows, np.int32))}
    )
    return _drop_blank_rows(table)


def _ragged_message(path: Path, display: str, width: int, gzipped: bool) -> str:
    """Find the first row whose field count differs from the header's (error path only)."""
    try:
        with open_text(path, gzipped) as text:
            for number, record in enumerate(csv.reader(text), start=1):
                if record and len(record) != width:
                    shown = ",".join(record)
                    shown = shown if len(shown) <= 60 else shown[:59] + "…"
                    return (
                        f"{display}, row {number}: {len(record)} fields where the header has "
                        f"{width} ({shown!r}); quote values that contain commas, and close "
                        "every quote"
                    )
    except UnicodeDecodeError:
        return _not_utf8(display)
    except (OSError, EOFError, zlib.error, csv.Error):
        pass
    return f"{display}: a row's field count differs from the header's {width}"


def _drop_blank_rows(table: pa.Table) -> pa.Table:
    """Blank lines (every field empty) carry no utterance; they keep their row numbers."""
    blank = None
    for field in FIELDS:
        empty = pc.equal(table.column(field), "")
        blank = empty if blank is None else pc.and_(blank, empty)
    return table.filter(pc.invert(blank)) if pc.any(blank).as_py() else table


def _keep_partition(table: pa.Table, partition: tuple[int, int]) -> pa.Table:
    index, count = partition
    owners = call_partition(table.column("vendorCallKey").to_pandas(), count)
    return table.filter(pa.array(owners == index))


# --- Parquet ---------------------------------------------------------------------------------


def _read_parquet(
    path: Path,
    display: str,
    file_index: int,
    column_map: Mapping[str, str],
    partition: tuple[int, int] | None,
) -> pa.Table:
    try:
        parquet = pq.ParquetFile(path)
        header = parquet.schema_arrow.names
    except _READ_ERRORS as error:
        raise DatasetError(f"{display}: not a readable Parquet file ({brief(error)})") from None
    wanted = resolve_columns(header, column_map, display)
    columns = list(dict.fromkeys(wanted.values()))
    pieces = []
    first_row = 1
    try:
        for batch in _batches(parquet, columns, partition):
            rows = np.arange(first_row, first_row + batch.num_rows, dtype=np.int64)
            first_row += batch.num_rows
            piece = _normalise(batch, wanted, display, column_map)
            piece = piece.append_column("row", pa.array(rows))
            piece = piece.append_column("file", pa.array(np.full(len(rows), file_index, np.int32)))
            if partition is not None:
                piece = _keep_partition(piece, partition)
            pieces.append(piece)
        if not pieces:
            empty = parquet.schema_arrow.empty_table().select(columns)
            piece = _normalise(empty, wanted, display, column_map)
            piece = piece.append_column("row", pa.array([], pa.int64()))
            pieces.append(piece.append_column("file", pa.array([], pa.int32())))
    except _READ_ERRORS as error:
        raise DatasetError(f"{display}: not a readable Parquet file ({brief(error)})") from None
    return _concat(pieces)


def _batches(
    parquet: pq.ParquetFile, columns: list[str], partition: tuple[int, int] | None
) -> Iterator[pa.Table | pa.RecordBatch]:
    if partition is None:
        yield parquet.read(columns=columns)
    else:
        yield from parquet.iter_batches(batch_size=_BATCH_ROWS, columns=columns)


def _normalise(
    batch: pa.Table | pa.RecordBatch,
    wanted: Mapping[str, str],
    display: str,
    column_map: Mapping[str, str],
) -> pa.Table:
    """Text fields as Arrow strings; timestamp fields kept as stored if a timestamp can be."""
    names = batch.schema.names
    columns = {}
    for field in FIELDS:
        column = batch.column(names.index(wanted[field]))
        label = column_label(field, column_map)
        if field in TIME_FIELDS:
            try:
                parse_epoch_ms(column.slice(0, 0))
            except UnsupportedType:
                raise DatasetError(
                    f"{display}, column {label}: Parquet type {column.type} cannot hold a "
                    "timestamp; expected int64 epoch milliseconds or ISO 8601 text"
                ) from None
            columns[field] = column
        else:
            columns[field] = _as_text(column, display, label)
    return pa.table(columns)


def _as_text(column: pa.Array, display: str, label: str) -> pa.Array:
    if pa.types.is_large_string(column.type):
        return column
    try:
        return pc.cast(column, pa.large_string())
    except pa.ArrowException:
        raise DatasetError(
            f"{display}, column {label}: Parquet type {column.type} cannot be read as text; "
            "expected a string column"
        ) from None


def _concat(pieces: list[pa.Table]) -> pa.Table:
    """One table; a timestamp column stored as different types across files becomes text."""
    pieces = [piece for piece in pieces if piece.num_rows] or pieces[:1]
    for field in TIME_FIELDS:
        if len({piece.schema.field(field).type for piece in pieces}) > 1:
            pieces = [_with_text_column(piece, field) for piece in pieces]
    return pa.concat_tables(pieces) if len(pieces) > 1 else pieces[0]


def _with_text_column(piece: pa.Table, field: str) -> pa.Table:
    index = piece.schema.get_field_index(field)
    column = piece.column(field)
    if pa.types.is_dictionary(column.type):
        column = column.cast(column.type.value_type)
    return piece.set_column(index, field, pc.cast(column, pa.string()))


# --- streaming, for `replay prepare` ---------------------------------------------------------


def raw_files(path: str | Path) -> tuple[tuple[Path, str], ...]:
    """The files `read_raw` would read for `path`, as (path, display name), checked readable."""
    display = str(path)
    path = Path(path)
    if path.is_dir():
        files = parquet_files(path, display)
        return tuple((file, os.path.join(display, str(file.relative_to(path)))) for file in files)
    check_file(path, display)
    if not path.name.lower().endswith((".csv", ".csv.gz", ".parquet")):
        suffix = "".join(path.suffixes) or "no extension"
        raise DatasetError(f"{display}: unknown file type ({suffix}); expected {FORMATS}")
    return ((path, display),)


def times_are_integers(file: Path, display: str, column_map: Mapping[str, str]) -> bool:
    """Whether the file stores both timestamp fields as int64 (Parquet only; CSV is text)."""
    if not file.name.lower().endswith(".parquet"):
        return False
    try:
        schema = pq.ParquetFile(file).schema_arrow
    except _READ_ERRORS as error:
        raise DatasetError(f"{display}: not a readable Parquet file ({brief(error)})") from None
    wanted = resolve_columns(schema.names, column_map, display)
    return all(schema.field(wanted[field]).type == pa.int64() for field in TIME_FIELDS)


def iter_raw_batches(
    file: Path, display: str, file_index: int, column_map: Mapping[str, str], *,
    batch_rows: int = 262_144,
) -> Iterator[pa.Table]:
    """One file's rows in batches, with the columns and row numbers `read_raw` gives them.

    Never holds more than a batch (and the reader's block) of the file in memory.
    """
    name = file.name.lower()
    if name.endswith(".parquet"):
        yield from _parquet_batches(file, display, file_index, column_map, batch_rows)
    else:
        yield from _csv_batches(file, display, file_index, column_map,
                                gzipped=name.endswith(".gz"))


def _parquet_batches(
    file: Path, display: str, file_index: int, column_map: Mapping[str, str], batch_rows: int
) -> Iterator[pa.Table]:
    try:
        parquet = pq.ParquetFile(file)
        wanted = resolve_columns(parquet.schema_arrow.names, column_map, display)
        columns = list(dict.fromkeys(wanted.values()))
        first_row = 1
        for batch in parquet.iter_batches(batch_size=batch_rows, columns=columns):
            rows = np.arange(first_row, first_row + batch.num_rows, dtype=np.int64)
            first_row += batch.num_rows
            piece = _normalise(batch, wanted, display, column_map)
            piece = piece.append_column("row", pa.array(rows))
            yield piece.append_column("file", pa.array(np.full(len(rows), file_index, np.int32)))
    except _READ_ERRORS as error:
        raise DatasetError(f"{display}: not a readable Parquet file ({brief(error)})") from None


def _csv_batches(
    file: Path, display: str, file_index: int, column_map: Mapping[str, str], *, gzipped: bool
) -> Iterator[pa.Table]:
    header = csv_header(file, display, gzipped)
    wanted = resolve_columns(header, column_map, display)
    columns = list(dict.fromkeys(wanted.values()))
    ragged: list[int] = []

    def on_ragged_row(row: pacsv.InvalidRow) -> str:
        ragged.append(row.actual_columns)
        return "error"

    first_row = 2
    try:
        with pa.input_stream(file, compression="gzip" if gzipped else None) as stream:
            reader = pacsv.open_csv(stream, **_csv_options(columns, on_ragged_row))
            for batch in reader:
                rows = pa.array(np.arange(first_row, first_row + batch.num_rows, dtype=np.int64))
                first_row += batch.num_rows
                names = batch.schema.names
                table = pa.table(
                    {field: batch.column(names.index(wanted[field])) for field in FIELDS}
                    | {"row": rows,
                       "file": pa.array(np.full(batch.num_rows, file_index, np.int32))}
                )
                yield _drop_blank_rows(table)
    except _READ_ERRORS as error:
        if ragged:
            raise DatasetError(_ragged_message(file, display, len(header), gzipped)) from None
        if "UTF8" in str(error) or isinstance(error, UnicodeError):
            raise DatasetError(_not_utf8(display)) from None
        raise DatasetError(f"{display}: not a readable CSV file ({brief(error)})") from None
