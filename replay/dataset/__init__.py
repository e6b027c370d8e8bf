"""Transcript datasets: load, map columns, validate, partition and summarise.

    from replay.dataset import LoadOptions, load_transcripts, summarise
    transcripts = load_transcripts("datasets/sample.parquet", LoadOptions(on_invalid="skip"))

Modules: columns (field names, column maps), read (files -> Arrow), timestamps (epoch ms),
validate (rules and messages), repeats (repeated messageIds), load (the public loader),
partition (call -> worker), summary (counts and rates at a replay speed), arguments (the
dataset options shared by commands).
"""

from __future__ import annotations

from replay.dataset.columns import (
    FIELDS,
    SENDER_TYPES,
    load_column_map_file,
    parse_column_map,
)
from replay.dataset.load import LoadOptions, SkipReport, Transcripts, load_transcripts
from replay.dataset.partition import call_partition
from replay.dataset.summary import summarise

__all__ = [
    "FIELDS",
    "SENDER_TYPES",
    "LoadOptions",
    "SkipReport",
    "Transcripts",
    "call_partition",
    "load_column_map_file",
    "load_transcripts",
    "parse_column_map",
    "summarise",
]
