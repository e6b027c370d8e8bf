"""Timestamps: epoch ms or ISO 8601 in one column, to int64 ms with a status per value."""

from __future__ import annotations

import datetime

import pyarrow as pa
import pytest

from replay.dataset.timestamps import EMPTY, NEGATIVE, NOT_TIME, OK, UnsupportedType, parse_epoch_ms


@pytest.mark.parametrize(
    ("text", "ms", "status"),
    [
        ("1764086400000", 1764086400000, OK),
        ("  1764086400000 ", 1764086400000, OK),
        ("2025-11-25T16:00:00Z", 1764086400000, OK),
        ("2025-11-25T16:00:00.123Z", 1764086400123, OK),
        ("2025-11-25T17:00:00+01:00", 1764086400000, OK),
        ("2025-11-25T11:00:00-05:00", 1764086400000, OK),
        ("2025-11-25T16:00:00", 1764086400000, OK),  # naive means UTC
        ("2025-11-25 16:00:00", 1764086400000, OK),
        ("0", 0, OK),
        ("", 0, EMPTY),
        ("   ", 0, EMPTY),
        (None, 0, EMPTY),
        ("-5", 0, NEGATIVE),
        ("1969-12-31T23:59:59Z", 0, NEGATIVE),
        ("yesterday", 0, NOT_TIME),
        ("1764086400000.0", 0, NOT_TIME),
        ("1.7e12", 0, NOT_TIME),
        ("99999999999999999999", 0, NOT_TIME),
        ("253402300800000", 0, NOT_TIME),  # after year 9999
        ("2025-13-45T00:00:00Z", 0, NOT_TIME),
    ],
)
def test_text_values(text, ms, status):
    values, statuses = parse_epoch_ms(pa.chunked_array([[text]], pa.large_string()))
    assert (values.tolist(), statuses.tolist()) == ([ms], [status])


def test_both_forms_mix_in_one_column():
    column = pa.array(["1764086400000", "2025-11-25T16:00:01Z", "nope"])
    values, statuses = parse_epoch_ms(column)
    assert values.tolist() == [1764086400000, 1764086401000, 0]
    assert statuses.tolist() == [OK, OK, NOT_TIME]


@pytest.mark.parametrize(
    ("array", "ms", "status"),
    [
        (pa.array([1764086400000, None, -1]), [1764086400000, 0, 0], [OK, EMPTY, NEGATIVE]),
        (pa.array([2**64 - 1, 5], pa.uint64()), [0, 5], [NOT_TIME, OK]),
        (pa.array([1.0, None, float("nan"), 1.5, float("inf")]), [1, 0, 0, 0, 0],
         [OK, EMPTY, EMPTY, NOT_TIME, NOT_TIME]),
        (pa.array([1764086400000123, None], pa.timestamp("us", tz="UTC")), [1764086400000, 0],
         [OK, EMPTY]),
        (pa.array([datetime.date(2025, 11, 25)]), [1764028800000], [OK]),
        (pa.array([None, None], pa.null()), [0, 0], [EMPTY, EMPTY]),
        (pa.array(["5", "x"]).dictionary_encode(), [5, 0], [OK, NOT_TIME]),
    ],
)  # fmt: skip
def test_parquet_types(array, ms, status):
    values, statuses = parse_epoch_ms(array)
    assert (values.tolist(), statuses.tolist()) == (ms, status)


def test_other_types_are_unsupported():
    with pytest.raises(UnsupportedType):
        parse_epoch_ms(pa.array([True]))
