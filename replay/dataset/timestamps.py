"""Turn a timestamp column into epoch milliseconds, vectorised, with a status per value.

In: a pyarrow (Chunked)Array of any type a file may hold: text (epoch milliseconds or ISO 8601,
mixed freely; an ISO string without an offset is UTC), integers, floats that hold integers,
Arrow timestamps or dates. Out: `(ms, status)`, two numpy arrays as long as the column:

    ms      int64   milliseconds since 1970-01-01 UTC (0 where status is not OK)
    status  int8    OK, EMPTY (null or blank), NOT_TIME (neither form), NEGATIVE (before 1970)

Any other Arrow type (booleans, lists, ...) raises UnsupportedType.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc

OK, EMPTY, NOT_TIME, NEGATIVE = 0, 1, 2, 3
MAX_MS = 253402300799999  # 9999-12-31T23:59:59.999Z: beyond it a number is not a timestamp
_INTEGER_TEXT = r"^[+-]?[0-9]{1,18}$"


class UnsupportedType(TypeError):
    """The column's Arrow type can hold neither epoch milliseconds nor ISO 8601 text."""


def parse_epoch_ms(column: pa.Array | pa.ChunkedArray) -> tuple[np.ndarray, np.ndarray]:
    kind = column.type
    if pa.types.is_dictionary(kind):
        column = column.cast(kind.value_type)
        kind = kind.value_type
    if pa.types.is_null(kind):
        return np.zeros(len(column), np.int64), np.full(len(column), EMPTY, np.int8)
    if pa.types.is_string(kind) or pa.types.is_large_string(kind) or pa.types.is_string_view(kind):
        return _from_text(column)
    if pa.types.is_integer(kind):
        wide = pc.cast(column, pa.float64(), safe=False) if _overflows(column) else column
        return _from_numbers(wide)
    if pa.types.is_floating(kind):
        return _from_numbers(column)
    if pa.types.is_timestamp(kind) or pa.types.is_date(kind):
        as_ms = pc.cast(column, pa.timestamp("ms", tz="UTC"), safe=False)
        return _from_numbers(as_ms.cast(pa.int64()))
    raise UnsupportedType(str(kind))


def _overflows(column: pa.Array | pa.ChunkedArray) -> bool:
    if not pa.types.is_unsigned_integer(column.type) or column.null_count == len(column):
        return False
    return pc.max(column).as_py() > np.iinfo(np.int64).max


def _from_numbers(column: pa.Array | pa.ChunkedArray) -> tuple[np.ndarray, np.ndarray]:
    empty = pc.is_null(column, nan_is_null=True).to_numpy(zero_copy_only=False)
    if pa.types.is_floating(column.type):
        values = column.fill_null(0).to_numpy(zero_copy_only=False).astype(np.float64)
        values[empty] = 0.0
        with np.errstate(invalid="ignore"):
            integral = np.isfinite(values) & (np.floor(values) == values)
            integral &= np.abs(values) <= MAX_MS
        status = np.where(integral, OK, NOT_TIME).astype(np.int8)
        ms = np.where(integral, values, 0).astype(np.int64)
    else:
        ms = column.fill_null(0).to_numpy(zero_copy_only=False).astype(np.int64)
        status = np.where(ms > MAX_MS, NOT_TIME, OK).astype(np.int8)
    status[(status == OK) & (ms < 0)] = NEGATIVE
    status[empty] = EMPTY
    ms[status != OK] = 0
    return ms, status


def _from_text(column: pa.Array | pa.ChunkedArray) -> tuple[np.ndarray, np.ndarray]:
    text = pc.utf8_trim_whitespace(column)
    empty = pc.fill_null(pc.equal(text, ""), True).to_numpy(zero_copy_only=False)
    integer = pc.fill_null(pc.match_substring_regex(text, _INTEGER_TEXT), False)
    integer = integer.to_numpy(zero_copy_only=False)
    ms = np.zeros(len(column), np.int64)
    status = np.full(len(column), NOT_TIME, np.int8)
    if integer.any():
        digits = pc.if_else(integer, text, "0")
        ms = pc.cast(digits, pa.int64()).to_numpy(zero_copy_only=False).astype(np.int64)
        status[integer] = OK
        status[integer & (ms > MAX_MS)] = NOT_TIME
    dated = ~integer & ~empty
    if dated.any():
        positions = np.flatnonzero(dated)
        strings = pd.Series(text.take(pa.array(positions)), dtype="str")
        parsed = pd.to_datetime(strings, format="ISO8601", utc=True, errors="coerce")
        ok = parsed.notna().to_numpy()
        ms[positions[ok]] = parsed[ok].dt.as_unit("ms").astype("int64").to_numpy()
        status[positions[ok]] = OK
    status[(status == OK) & (ms < 0)] = NEGATIVE
    status[empty] = EMPTY
    ms[status != OK] = 0
    return ms, status
