"""AnonymizeStep: a table transform for another writer, then --shift-to and the counts."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

import pyarrow as pa
import pyarrow.parquet as pq
import pytest

from replay.anonymize.keys import write_new_key
from replay.anonymize.options import AnonymizeOptions
from replay.anonymize.step import AnonymizeStep
from replay.errors import ConfigError

SAMPLE = Path(__file__).resolve().parents[2] / "datasets" / "sample.parquet"
SCHEMA = pa.schema([(name, pa.int64() if name.endswith("Time") else pa.large_string())
                    for name in ("vendorCallKey", "participantId", "messageId", "startTime",
                                 "endTime", "content", "senderType")])  # fmt: skip


def _write_through(step: AnonymizeStep, path: Path) -> pa.Table:
    """What a writer with a transform does: one table per row group, each transformed."""
    original = pq.read_table(SAMPLE).select(SCHEMA.names).cast(SCHEMA)
    with pq.ParquetWriter(path, SCHEMA) as writer:
        for batch in original.to_batches(1_000):
            table = step(pa.Table.from_batches([batch]))
            assert table.schema.equals(SCHEMA)
            writer.write_table(table)
    return original


def test_the_step_anonymizes_each_table_and_counts_the_whole_run(tmp_path):
    key = write_new_key(tmp_path / "anonymize.key")
    step = AnonymizeStep(AnonymizeOptions(key_file=str(key)))
    original = _write_through(step, tmp_path / "out.parquet")
    report = step.finish(tmp_path / "out.parquet")
    written = pq.read_table(tmp_path / "out.parquet")
    assert written.num_rows == report.rows == 5_010
    assert (report.calls, report.participants, report.replacements["NUMBER"]) == (100, 151, 276)
    assert not set(written["vendorCallKey"].to_pylist()) & set(
        original["vendorCallKey"].to_pylist()
    )
    assert written["startTime"].equals(original["startTime"])


def test_shift_to_rewrites_the_file_so_the_earliest_start_is_that_moment(tmp_path):
    key = write_new_key(tmp_path / "anonymize.key")
    moment = datetime(2026, 1, 5, 9, tzinfo=UTC)
    step = AnonymizeStep(AnonymizeOptions(key_file=str(key), shift_to=moment, content="keep"))
    original = _write_through(step, tmp_path / "out.parquet")
    report = step.finish(tmp_path / "out.parquet")
    written = pq.read_table(tmp_path / "out.parquet")
    assert written.schema.equals(SCHEMA)
    start = written["startTime"].to_numpy()
    assert start.min() == 1_767_603_600_000
    offset = start - original["startTime"].to_numpy()
    assert (offset == report.shift_ms).all()
    assert (written["endTime"].to_numpy() - original["endTime"].to_numpy() == offset).all()
    assert written["content"].equals(original["content"])
    assert sorted(p.name for p in tmp_path.iterdir()) == ["anonymize.key", "out.parquet"]


def test_the_step_needs_a_key_file():
    with pytest.raises(ConfigError, match="--key-file is required"):
        AnonymizeStep(AnonymizeOptions())


def test_the_steps_repr_hides_the_key(tmp_path):
    key = write_new_key(tmp_path / "anonymize.key")
    step = AnonymizeStep(AnonymizeOptions(key_file=str(key)))
    assert key.read_text().strip() not in repr(step) + repr(step.settings)
