"""Write real CSV / Parquet files of transcript rows for the dataset tests."""

from __future__ import annotations

import csv
import gzip
from pathlib import Path

import pyarrow as pa
import pyarrow.parquet as pq

HEADER = (
    "vendorCallKey",
    "participantId",
    "messageId",
    "startTime",
    "endTime",
    "content",
    "senderType",
)
AGENT = "005Hs00000A1b2cAAA"


def good_rows() -> list[list[str]]:
    """Three valid utterances of two calls; the CSV rows 2, 3 and 4."""
    return [
        ["c1", "c1END_USER", "m1", "1764086400000", "1764086401000", "Hello", "END_USER"],
        ["c1", AGENT, "m2", "1764086402000", "1764086403000", "Hi, how can I help?", "HUMAN_AGENT"],
        ["c2", "c2END_USER", "m1", "1764086400500", "1764086402500", "Yes", "END_USER"],
    ]


def write_csv(
    rows: list[list[str]], name: str = "datasets/calls.csv", header=HEADER, encoding="utf-8"
) -> str:
    path = Path(name)
    path.parent.mkdir(parents=True, exist_ok=True)
    opener = gzip.open if name.endswith(".gz") else open
    with opener(path, "wt", encoding=encoding, newline="") as file:
        writer = csv.writer(file, lineterminator="\n")
        writer.writerow(header)
        writer.writerows(rows)
    return name


def write_parquet(columns: dict[str, list], name: str = "datasets/calls.parquet") -> str:
    path = Path(name)
    path.parent.mkdir(parents=True, exist_ok=True)
    pq.write_table(pa.table(columns), path)
    return name


def rows_as_columns(rows: list[list[str]], header=HEADER) -> dict[str, list]:
    return {name: [row[index] for row in rows] for index, name in enumerate(header)}
