"""Check every row of a raw transcript table against the dataset rules, vectorised.

In: a `RawTable` (see read.py), the column map (to name columns as the file does) and the
content length limit. Out: `Findings`: the parsed `start_ms`/`end_ms` (int64 numpy arrays) and
one `Problem` per (rule, column) that any row breaks, as a boolean row mask. Nothing loops over
rows in Python; only the messages shown to the user (at most `limit`) are rendered one by one.

Rules (the `reason` names appear in skip reports and JSON output):

    empty value              a required field is missing or blank (not content)
    bad timestamp            neither epoch milliseconds nor ISO 8601
    negative timestamp       before 1970-01-01T00:00:00Z
    endTime before startTime
    unknown senderType       not one of the five documented values
    repeated messageId       a messageId seen earlier in the same call
    empty content            content missing or only whitespace
    content too long         more characters than the limit
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc

from replay.dataset import timestamps
from replay.dataset.columns import FIELDS, SENDER_TYPES, TIME_FIELDS, column_label
from replay.dataset.read import RawTable
from replay.dataset.repeats import repeated

TIME_EXAMPLE = "e.g. 1764086400000 or 2025-11-25T16:00:00Z"
_SHOWN_CHARS = 40
_SENDERS = ", ".join(SENDER_TYPES)


@dataclass(frozen=True)
class Problem:
    reason: str
    field: str
    rows: np.ndarray  # bool mask over the table's rows


@dataclass(frozen=True)
class Findings:
    start_ms: np.ndarray
    end_ms: np.ndarray
    call_codes: np.ndarray  # int64 per row, ordered like the sorted vendorCallKeys
    problems: tuple[Problem, ...]

    def bad_rows(self) -> np.ndarray:
        bad = np.zeros(len(self.start_ms), bool)
        for problem in self.problems:
            bad |= problem.rows
        return bad

    def rows_by_reason(self) -> dict[str, int]:
        masks: dict[str, np.ndarray] = {}
        for problem in self.problems:
            masks[problem.reason] = masks.get(problem.reason, False) | problem.rows
        return {reason: int(mask.sum()) for reason, mask in masks.items()}

    def count(self) -> int:
        return int(sum(problem.rows.sum() for problem in self.problems))


def _mask(array: pa.ChunkedArray | pa.Array) -> np.ndarray:
    return np.asarray(pc.fill_null(array, False).to_numpy(zero_copy_only=False), dtype=bool)


def _blank(column: pa.ChunkedArray) -> np.ndarray:
    """Null, empty or only whitespace (without copying the strings)."""
    empty = pc.or_(pc.equal(pc.utf8_length(column), 0), pc.utf8_is_space(column))
    return _mask(pc.fill_null(empty, True))


def find_problems(raw: RawTable, max_content_length: int) -> Findings:
    table = raw.table
    problems: list[Problem] = []

    def add(reason: str, field: str, rows: np.ndarray) -> None:
        if rows.any():
            problems.append(Problem(reason, field, rows))

    blank = {field: _blank(table.column(field)) for field in FIELDS if field not in TIME_FIELDS}
    parsed = {field: timestamps.parse_epoch_ms(table.column(field)) for field in TIME_FIELDS}
    for field in FIELDS:
        if field in TIME_FIELDS:
            status = parsed[field][1]
            add("empty value", field, status == timestamps.EMPTY)
            add("bad timestamp", field, status == timestamps.NOT_TIME)
            add("negative timestamp", field, status == timestamps.NEGATIVE)
        elif field != "content":
            add("empty value", field, blank[field])
    (start_ms, start_status), (end_ms, end_status) = parsed["startTime"], parsed["endTime"]
    both = (start_status == timestamps.OK) & (end_status == timestamps.OK)
    add("endTime before startTime", "endTime", both & (end_ms < start_ms))
    senders = table.column("senderType")
    known = _mask(pc.is_in(senders, value_set=pa.array(SENDER_TYPES)))
    add("unknown senderType", "senderType", ~known & ~blank["senderType"])
    calls = _codes(table.column("vendorCallKey"), sort=True)
    named = ~blank["vendorCallKey"] & ~blank["messageId"]
    add("repeated messageId", "messageId", named & repeated(calls, table.column("messageId")))
    add("empty content", "content", blank["content"])
    length = pc.fill_null(pc.utf8_length(table.column("content")), 0)
    too_long = _mask(pc.greater(length, max_content_length)) & ~blank["content"]
    add("content too long", "content", too_long)
    return Findings(start_ms=start_ms, end_ms=end_ms, call_codes=calls, problems=tuple(problems))


def _codes(column: pa.ChunkedArray, sort: bool = False) -> np.ndarray:
    codes, _ = pd.factorize(column.to_pandas(), sort=sort, use_na_sentinel=False)
    return codes.astype(np.int64, copy=False)


def _call_message_codes(calls: np.ndarray, table: pa.Table) -> np.ndarray:
    """One int64 per row, equal exactly when (vendorCallKey, messageId) are equal."""
    messages = _codes(table.column("messageId"))
    return calls * (int(messages.max(initial=0)) + 1) + messages


# --- messages --------------------------------------------------------------------------------


def shown(value: object) -> str:
    """A value as an error quotes it: text in quotes, escaped and cut to 40 characters."""
    if value is None:
        return "empty"
    if not isinstance(value, str):
        return str(value)
    text = value.encode("unicode_escape").decode("ascii") if not value.isprintable() else value
    if len(text) > _SHOWN_CHARS:
        text = text[: _SHOWN_CHARS - 1] + "…"
    return f"'{text}'"


def render(
    findings: Findings,
    raw: RawTable,
    column_map: Mapping[str, str],
    max_content_length: int,
    limit: int,
) -> list[str]:
    """The first `limit` problems as messages, in file, row and column order."""
    positions, fields, reasons = [], [], []
    for number, problem in enumerate(findings.problems):
        where = np.flatnonzero(problem.rows)
        positions.append(where)
        fields.append(np.full(len(where), FIELDS.index(problem.field)))
        reasons.append(np.full(len(where), number))
    position, problem_of = np.concatenate(positions), np.concatenate(reasons)
    files = raw.table.column("file").to_numpy()[position]
    rows = raw.table.column("row").to_numpy()[position]
    order = np.lexsort((np.concatenate(fields), rows, files))[:limit]
    repeats = any(problem.reason == "repeated messageId" for problem in findings.problems)
    codes = _call_message_codes(findings.call_codes, raw.table) if repeats else None
    return [
        _message(
            findings.problems[problem_of[index]],
            int(position[index]),
            raw,
            column_map,
            max_content_length,
            codes,
        )
        for index in order
    ]


def _message(
    problem: Problem,
    at: int,
    raw: RawTable,
    column_map: Mapping[str, str],
    max_content_length: int,
    codes: np.ndarray | None,
) -> str:
    table = raw.table
    file = int(table.column("file")[at].as_py())
    row = int(table.column("row")[at].as_py())
    value = table.column(problem.field)[at].as_py()
    where = f"{raw.files[file]}, row {row}, column {column_label(problem.field, column_map)}"
    reason = problem.reason
    if reason == "empty value":
        return f"{where}: empty value; expected a {problem.field} in every row"
    if reason == "bad timestamp":
        return f"{where}: {shown(value)} is not epoch milliseconds or ISO 8601 ({TIME_EXAMPLE})"
    if reason == "negative timestamp":
        return (
            f"{where}: {shown(value)} is before 1970-01-01T00:00:00Z; "
            "expected epoch milliseconds or ISO 8601 after the Unix epoch"
        )
    if reason == "endTime before startTime":
        start = shown(table.column("startTime")[at].as_py())
        return f"{where}: {shown(value)} is before startTime {start}; expected endTime >= startTime"
    if reason == "unknown senderType":
        return f"{where}: {shown(value)} is not a senderType; expected one of {_SENDERS}"
    if reason == "repeated messageId":
        assert codes is not None
        first = int(np.flatnonzero(codes == codes[at])[0])
        first_file = int(table.column("file")[first].as_py())
        first_row = int(table.column("row")[first].as_py())
        earlier = (
            f"row {first_row}"
            if first_file == file
            else f"{raw.files[first_file]}, row {first_row}"
        )
        call = shown(table.column("vendorCallKey")[at].as_py())
        return (
            f"{where}: {shown(value)} repeats the messageId of {earlier} in call {call}; "
            "expected messageIds unique within a call"
        )
    if reason == "empty content":
        return f"{where}: empty content; expected the utterance's text"
    if reason == "content too long":
        return (
            f"{where}: {shown(value)} is {len(value)} characters; expected at most "
            f"{max_content_length} (raise --max-content-length to allow longer content)"
        )
    raise AssertionError(f"no message for rule {reason!r}")
