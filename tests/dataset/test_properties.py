"""Property tests: whatever bytes or table a file holds, loading it returns Transcripts or raises
DatasetError with a message; never any other exception."""

from __future__ import annotations

import csv
import gzip
import io
import tempfile
from pathlib import Path

import pyarrow as pa
import pyarrow.parquet as pq
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from replay.dataset import FIELDS, LoadOptions, Transcripts, load_transcripts
from replay.errors import DatasetError

from .files import HEADER, good_rows, rows_as_columns

SETTINGS = settings(
    max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)


def _load_outcome(name: str, data: bytes, options: LoadOptions = LoadOptions()) -> None:  # noqa: B008
    with tempfile.TemporaryDirectory() as directory:
        path = Path(directory) / name
        path.write_bytes(data)
        try:
            result = load_transcripts(path, options)
        except DatasetError as error:
            assert str(error).strip()
            assert str(path) in str(error)
        else:
            assert isinstance(result, Transcripts)
            assert list(result.table.columns) == [*FIELDS, "row"]


def _valid_parquet_bytes() -> bytes:
    columns = rows_as_columns(good_rows())
    sink = io.BytesIO()
    pq.write_table(pa.table(columns), sink)
    return sink.getvalue()


VALID_PARQUET = _valid_parquet_bytes()
VALID_CSV = ("\n".join(",".join(row) for row in [list(HEADER), *good_rows()]) + "\n").encode()


@SETTINGS
@given(data=st.binary(max_size=2_000), name=st.sampled_from(["x.csv", "x.csv.gz", "x.parquet"]))
def test_random_bytes_never_raise_anything_but_dataset_error(data, name):
    _load_outcome(name, data)


@SETTINGS
@given(data=st.binary(max_size=2_000))
def test_gzipped_random_bytes_never_raise_anything_but_dataset_error(data):
    _load_outcome("x.csv.gz", gzip.compress(data, mtime=0))


@SETTINGS
@given(
    name=st.sampled_from(["x.csv", "x.parquet"]),
    flips=st.lists(st.tuples(st.integers(0, 10_000), st.integers(0, 255)), min_size=1, max_size=8),
    cut=st.integers(0, 10_000),
)
def test_damaged_valid_files_never_raise_anything_but_dataset_error(name, flips, cut):
    data = bytearray(VALID_PARQUET if name.endswith(".parquet") else VALID_CSV)
    for position, value in flips:
        data[position % len(data)] = value
    _load_outcome(name, bytes(data[: max(cut % (len(data) + 1), 1)]))


CELLS = st.one_of(
    st.none(),
    st.text(max_size=30),
    st.sampled_from(["", "END_USER", "HUMAN_AGENT", "1764086400000", "2025-11-25T16:00:00Z",
                     "-1", "c1", "m1", "\n", '"', ","]),
    st.integers(-(2**63), 2**63 - 1).map(str),
)  # fmt: skip


@st.composite
def csv_texts(draw) -> bytes:
    header = draw(st.one_of(st.just(list(HEADER)), st.lists(st.sampled_from(HEADER), max_size=9)))
    rows = draw(st.lists(st.lists(CELLS, min_size=len(header), max_size=len(header)), max_size=8))
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator=draw(st.sampled_from(["\n", "\r\n"])))
    writer.writerow(header)
    writer.writerows([["" if cell is None else cell for cell in row] for row in rows])
    return buffer.getvalue().encode("utf-8", errors="surrogatepass")


@SETTINGS
@given(data=csv_texts(), skip=st.booleans())
def test_random_csv_tables_load_or_raise_dataset_error(data, skip):
    options = LoadOptions(on_invalid="skip" if skip else "fail", max_content_length=20)
    _load_outcome("x.csv", data, options)


COLUMN_VALUES = st.one_of(
    st.lists(st.one_of(st.none(), st.text(max_size=20)), min_size=1, max_size=6),
    st.lists(st.one_of(st.none(), st.integers(-(2**63), 2**63 - 1)), min_size=1, max_size=6),
    st.lists(st.one_of(st.none(), st.floats()), min_size=1, max_size=6),
    st.lists(st.booleans(), min_size=1, max_size=6),
    st.lists(st.binary(max_size=8), min_size=1, max_size=6),
    st.lists(st.lists(st.integers(0, 5), max_size=2), min_size=1, max_size=6),
)


@st.composite
def parquet_tables(draw) -> bytes:
    names = draw(st.one_of(st.just(list(HEADER)), st.lists(st.sampled_from(HEADER), max_size=9,
                                                            unique=True)))  # fmt: skip
    length = draw(st.integers(0, 6))
    columns = {}
    for name in names:
        values = draw(COLUMN_VALUES)
        columns[name] = (values * (length + 1))[:length]
    sink = io.BytesIO()
    pq.write_table(pa.table(columns) if columns else pa.table({"x": [1]}), sink)
    return sink.getvalue()


@SETTINGS
@given(data=parquet_tables(), skip=st.booleans(), partition=st.sampled_from([None, (0, 2)]))
def test_random_parquet_tables_load_or_raise_dataset_error(data, skip, partition):
    options = LoadOptions(on_invalid="skip" if skip else "fail", partition=partition)
    _load_outcome("x.parquet", data, options)
