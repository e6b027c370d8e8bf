"""A prepared directory that was changed or is incomplete is refused before anything is read."""

from __future__ import annotations

import json
import shutil

import pandas as pd
import pytest

from replay.dataset import LoadOptions
from replay.dataset.prepare import prepare_dataset
from replay.dataset.prepared import MANIFEST, is_prepared, open_prepared
from replay.errors import DatasetError

BASE = 1_764_000_000_000


@pytest.fixture
def prepared(tmp_path):
    frame = pd.DataFrame({
        "vendorCallKey": [f"c{i % 4}" for i in range(40)],
        "participantId": "p", "messageId": [f"m{i}" for i in range(40)],
        "startTime": [BASE + 1000 * i for i in range(40)],
        "endTime": [BASE + 1000 * i + 500 for i in range(40)],
        "content": "hello", "senderType": "END_USER",
    })
    frame.to_parquet(tmp_path / "t.parquet")
    out = tmp_path / "prepared"
    prepare_dataset([tmp_path / "t.parquet"], out, LoadOptions())
    return out


def test_an_untouched_directory_opens_and_streams_every_row_in_send_order(prepared):
    dataset = open_prepared(prepared)
    assert is_prepared(prepared)
    rows = pd.concat([table.to_pandas() for table in dataset.tables()])
    assert len(rows) == dataset.messages == 40
    assert rows["endTime"].is_monotonic_increasing


def test_a_worker_streams_only_its_share_and_the_shares_add_up(prepared):
    dataset = open_prepared(prepared)
    shares = [pd.concat([t.to_pandas() for t in dataset.tables(partition=(i, 2))])
              for i in range(2)]
    assert sum(len(share) for share in shares) == 40
    assert not set(shares[0]["vendorCallKey"]) & set(shares[1]["vendorCallKey"])


def test_a_changed_part_is_refused(prepared):
    part = prepared / "part-00000.parquet"
    data = bytearray(part.read_bytes())
    data[100] ^= 0xFF
    part.write_bytes(bytes(data))
    with pytest.raises(DatasetError) as error:
        open_prepared(prepared)
    assert str(error.value) == (
        f"{prepared}: part-00000.parquet was changed after `replay prepare` wrote it (its "
        "content does not match the manifest); run `replay prepare` again")


def test_a_missing_part_is_refused_as_incomplete(prepared):
    (prepared / "part-00000.parquet").unlink()
    with pytest.raises(DatasetError) as error:
        open_prepared(prepared)
    assert str(error.value) == (
        f"{prepared}: part-00000.parquet is missing: the prepared dataset is incomplete; run "
        "`replay prepare` again")


def test_an_extra_parquet_file_is_refused(prepared):
    shutil.copy(prepared / "part-00000.parquet", prepared / "part-00001.parquet")
    with pytest.raises(DatasetError, match=r"part-00001\.parquet is not part of the prepared"):
        open_prepared(prepared)


def test_an_edited_manifest_is_refused(prepared):
    manifest = json.loads((prepared / MANIFEST).read_text())
    manifest["messages"] = 39
    (prepared / MANIFEST).write_text(json.dumps(manifest))
    with pytest.raises(DatasetError) as error:
        open_prepared(prepared)
    assert str(error.value) == (
        f"{prepared}: _manifest.json was changed after `replay prepare` wrote it (its checksum "
        "does not match); run `replay prepare` again")


def test_a_directory_of_an_earlier_format_is_refused_with_a_request_to_prepare_again(prepared):
    manifest = json.loads((prepared / MANIFEST).read_text())
    manifest["schema"] = "replay-prepared/1"
    manifest.pop("max_gap_s")
    (prepared / MANIFEST).write_text(json.dumps(manifest))
    with pytest.raises(DatasetError) as error:
        open_prepared(prepared)
    assert str(error.value) == (
        f"{prepared}: _manifest.json is not a replay-prepared/2 manifest; run `replay prepare` "
        "again with this version")
