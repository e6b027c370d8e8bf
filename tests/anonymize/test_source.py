"""Source: a dataset read batch by batch, in file order."""

from __future__ import annotations

import pyarrow as pa
import pyarrow.parquet as pq

from replay.anonymize import source
from replay.anonymize.source import Source
from replay.dataset import LoadOptions


def _write_row_groups(path, groups: int, rows: int) -> None:
    count = groups * rows
    table = pa.table({
        "vendorCallKey": [f"call-{i // 40:06d}" for i in range(count)],
        "participantId": [f"call-{i // 40:06d}END_USER" for i in range(count)],
        "messageId": [f"m{i:08d}" for i in range(count)],
        "startTime": pa.array(range(1_764_000_000_000, 1_764_000_000_000 + count), pa.int64()),
        "endTime": pa.array(range(1_764_000_000_500, 1_764_000_000_500 + count), pa.int64()),
        "content": [f"utterance number {i} of a long and very ordinary call" for i in range(count)],
        "senderType": ["END_USER"] * count,
    })  # fmt: skip
    pq.write_table(table, path, row_group_size=rows)


def test_batches_hold_the_rows_in_file_order_across_row_groups(tmp_path, monkeypatch):
    path = tmp_path / "data.parquet"
    _write_row_groups(path, groups=3, rows=1_000)
    monkeypatch.setattr(source, "BATCH_ROWS", 700)
    batches = list(Source(path, LoadOptions()).batches())
    assert [b.num_rows for b in batches] == [700, 700, 700, 700, 200]
    assert pa.concat_tables(batches)["messageId"].to_pylist() == [f"m{i:08d}" for i in range(3_000)]
