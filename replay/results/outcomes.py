"""The outcomes table: one row per planned message, built from a recorder, kept as Parquet.

    table = build_outcomes(identity, worker=0, due_s=plan.due_s, recorder=recorder)
    write_outcomes(run_dir / "outcomes.parquet", table)     # atomic: temp file, then rename
    table = read_outcomes(path)                             # validated against SCHEMA
    table = concat_outcomes([table_worker0, table_worker1])

`identity` maps vendorCallKey, messageId, senderType (strings), call_seq and pass (integers) to
arrays in plan order (anything `pyarrow.array` takes: numpy, pandas, Arrow, lists).

Columns (described field by field in replay/results/schema.py, which the docs show):

    vendorCallKey  dictionary<string>  as sent (with the --loops pass suffix)
    messageId      string              as sent
    senderType     dictionary<string>
    call_seq       int32     position in its call, from 0
    pass           int16     the --loops pass, from 0
    worker         int16     the worker that owned the call (0 in a local run)
    due_s          float64   run-clock seconds when the message was due
    sent_s         float64   first attempt started; NaN if never sent
    final_sent_s   float64   final attempt started (= sent_s without retries); NaN if never sent
    done_s         float64   final attempt ended; NaN if never sent or never finished
    status         int16     HTTP status of the final attempt; 0 = no response; -1 = not sent
    outcome        dictionary<string>  accepted | failed | unsent
    reason         dictionary<string>  "" when accepted; else http_<status>, timeout,
                   connection_error, tls_error, dns_error, invalid_response, no_response,
                   unfinished (sent, but the run ended before its response), not_sent (or the
                   reason the driver gave), error_<ExceptionClass>
    attempts       int16     attempts made (retries + 1); 0 if never sent

Parquet: zstd compression, dictionary encoding for the repetitive string columns.
"""

from __future__ import annotations

import os
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

import numpy as np
import pyarrow as pa
import pyarrow.parquet as pq

from replay.atomic import atomic_path
from replay.errors import ConfigError
from replay.results.recorder import NOT_SENT, UNFINISHED, OutcomeRecorder

_DICT = pa.dictionary(pa.int32(), pa.string())
SCHEMA = pa.schema(
    [
        ("vendorCallKey", _DICT),
        ("messageId", pa.string()),
        ("senderType", _DICT),
        ("call_seq", pa.int32()),
        ("pass", pa.int16()),
        ("worker", pa.int16()),
        ("due_s", pa.float64()),
        ("sent_s", pa.float64()),
        ("final_sent_s", pa.float64()),
        ("done_s", pa.float64()),
        ("status", pa.int16()),
        ("outcome", _DICT),
        ("reason", _DICT),
        ("attempts", pa.int16()),
    ]
)
IDENTITY_COLUMNS = ("vendorCallKey", "messageId", "senderType", "call_seq", "pass")
OUTCOMES = ("accepted", "failed", "unsent")
_DICTIONARY_COLUMNS = ["vendorCallKey", "senderType", "outcome", "reason"]


def build_outcomes(
    identity: Mapping[str, Any],
    *,
    worker: int | np.ndarray,
    due_s: np.ndarray,
    recorder: OutcomeRecorder,
) -> pa.Table:
    """The outcomes table of one recorder (one process's share of the plan), in plan order."""
    size = recorder.size
    missing = [name for name in IDENTITY_COLUMNS if name not in identity]
    if missing:
        raise ValueError(f"identity lacks column(s) {', '.join(missing)}")
    due_s = np.asarray(due_s, dtype=np.float64)
    if due_s.shape != (size,):
        raise ValueError(f"due_s has {due_s.size} values for a recorder of {size}")

    sent = ~np.isnan(recorder.sent_s)
    done = ~np.isnan(recorder.done_s)
    codes = recorder.reason_code.astype(np.int32)
    reasons = list(recorder.reasons)
    unsent_code = reasons.index(NOT_SENT)
    codes[~sent & (codes == 0)] = unsent_code
    unfinished = sent & ~done
    codes[unfinished] = reasons.index(UNFINISHED)
    status = recorder.status.copy()
    status[unfinished] = 0
    status[~sent] = -1
    attempts = recorder.attempts.copy()
    attempts[unfinished] = 1
    attempts[~sent] = 0
    outcome = np.where(sent, np.where(codes == 0, 0, 1), 2).astype(np.int32)
    final_sent = np.where(np.isnan(recorder.final_sent_s), recorder.sent_s, recorder.final_sent_s)

    columns = {
        "vendorCallKey": _dictionary(identity["vendorCallKey"]),
        "messageId": pa.array(identity["messageId"]).cast(pa.string()),
        "senderType": _dictionary(identity["senderType"]),
        "call_seq": pa.array(np.asarray(identity["call_seq"]), pa.int32()),
        "pass": pa.array(np.asarray(identity["pass"]), pa.int16()),
        "worker": pa.array(np.broadcast_to(np.asarray(worker, dtype=np.int16), size)),
        "due_s": pa.array(due_s),
        "sent_s": pa.array(recorder.sent_s),
        "final_sent_s": pa.array(final_sent),
        "done_s": pa.array(recorder.done_s),
        "status": pa.array(status),
        "outcome": pa.DictionaryArray.from_arrays(outcome, pa.array(OUTCOMES, pa.string())),
        "reason": pa.DictionaryArray.from_arrays(codes, pa.array(reasons, pa.string())),
        "attempts": pa.array(attempts),
    }
    lengths = {name: len(column) for name, column in columns.items() if len(column) != size}
    if lengths:
        raise ValueError(f"columns {lengths} do not have the recorder's {size} rows")
    return pa.table(columns, schema=SCHEMA)


def _dictionary(values: Any) -> pa.DictionaryArray:
    array = values if isinstance(values, pa.Array | pa.ChunkedArray) else pa.array(values)
    if isinstance(array, pa.ChunkedArray):
        array = array.combine_chunks()
    if pa.types.is_dictionary(array.type):
        return array.cast(_DICT)
    return array.cast(pa.string()).dictionary_encode().cast(_DICT)


def concat_outcomes(tables: Sequence[pa.Table]) -> pa.Table:
    """One table from several workers' tables (rows kept in the given order)."""
    if not tables:
        return SCHEMA.empty_table()
    return pa.concat_tables([table.cast(SCHEMA) for table in tables]).unify_dictionaries()


def write_outcomes(path: str | os.PathLike[str], table: pa.Table) -> Path:
    """Write `table` to `path` as Parquet (zstd), atomically: a temp file renamed into place."""
    path = Path(path)
    with atomic_path(path) as temporary:
        pq.write_table(
            table.cast(SCHEMA),
            temporary,
            compression="zstd",
            use_dictionary=_DICTIONARY_COLUMNS,
        )
    return path


def read_outcomes(path: str | os.PathLike[str]) -> pa.Table:
    """Read an outcomes file; ConfigError naming the file when it is missing or malformed."""
    path = Path(path)
    try:
        table = pq.read_table(path)
    except FileNotFoundError:
        raise ConfigError(f"{path}: no such file; is this a run directory?") from None
    except (OSError, pa.ArrowInvalid) as error:
        raise ConfigError(f"{path}: not a readable Parquet file ({error})") from None
    missing = [name for name in SCHEMA.names if name not in table.column_names]
    if "final_sent_s" in missing and "sent_s" in table.column_names:
        table = table.append_column("final_sent_s", table.column("sent_s"))
        missing.remove("final_sent_s")
    if missing:
        raise ConfigError(f"{path}: not an outcomes file, column(s) missing: {', '.join(missing)}")
    try:
        return table.select(SCHEMA.names).cast(SCHEMA)
    except (pa.ArrowInvalid, pa.ArrowNotImplementedError) as error:
        raise ConfigError(f"{path}: a column has the wrong type ({error})") from None


class OutcomesWriter:
    """outcomes.parquet written a table at a time (a row group or more each), never held whole.

        with OutcomesWriter(path) as writer:
            writer.write(table)          # e.g. one streamed batch's outcomes
        # renamed into place on a clean exit; the temp file removed on an error

    The file is the one `write_outcomes` writes, in the order the tables were given
    (`schema`: SCHEMA with more columns, for a file of the driver's own, such as a spool).
    """

    def __init__(self, path: str | os.PathLike[str], schema: pa.Schema = SCHEMA) -> None:
        self.path = Path(path)
        self._schema = schema
        self._temp = self.path.with_name(f".{self.path.name}.{os.getpid()}.tmp")
        self._writer: pq.ParquetWriter | None = None
        self.rows = 0

    def write(self, table: pa.Table) -> None:
        if self._writer is None:
            self._writer = pq.ParquetWriter(self._temp, self._schema, compression="zstd",
                                            use_dictionary=_DICTIONARY_COLUMNS)
        self._writer.write_table(table.cast(self._schema))
        self.rows += table.num_rows

    def close(self) -> Path:
        if self._writer is None:
            self.write(self._schema.empty_table())
        self._writer.close()
        os.replace(self._temp, self.path)
        return self.path

    def abort(self) -> None:
        if self._writer is not None:
            self._writer.close()
        self._temp.unlink(missing_ok=True)

    def __enter__(self) -> OutcomesWriter:
        return self

    def __exit__(self, kind: object, *_: object) -> None:
        if kind is None:
            self.close()
        else:
            self.abort()
