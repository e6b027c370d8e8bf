"""A prepared directory that was changed or is incomplete is refused before anything is read;
a part is read in full to check it once per identity of its file (verification stamps)."""

from __future__ import annotations

import json
import os
import shutil
import time

import pandas as pd
import pytest
from gevent.monkey import get_original

from replay.dataset import LoadOptions
from replay.dataset import prepare as prepare_module
from replay.dataset import prepared as prepared_module
from replay.dataset import stamps as stamps_module
from replay.dataset.prepare import prepare_dataset
from replay.dataset.prepared import MANIFEST, is_prepared, manifest_checksum, open_prepared
from replay.dataset.stamps import STAMP, file_identity
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


def test_start_skips_row_groups_across_parts_and_columns_reads_only_those(tmp_path,
                                                                           monkeypatch, prepared):
    monkeypatch.setattr(prepare_module, "ROW_GROUP_ROWS", 4)
    monkeypatch.setattr(prepare_module, "PART_ROWS", 12)  # 4 parts of 3 row groups
    out = tmp_path / "grouped"
    prepare_dataset([tmp_path / "t.parquet"], out, LoadOptions())
    dataset = open_prepared(out)
    every = [table.column("messageId").to_pylist() for table in dataset.tables()]
    assert len(dataset.manifest["parts"]) > 1 and len(every) == 10
    for start in (0, 2, 3, 7, 10, 12):
        rest = list(dataset.tables(columns=["vendorCallKey", "messageId"], start=start))
        assert [table.column("messageId").to_pylist() for table in rest] == every[start:]
        assert all(table.column_names == ["vendorCallKey", "messageId"] for table in rest)


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


def in_os_threads(function, arguments):
    """function(argument) for each argument, each in its own OS thread, even once Locust has
    gevent-patched the test process (then a patched thread is a greenlet, and one blocked in
    flock would block the other forever)."""
    start, allocate = (get_original("_thread", name)
                       for name in ("start_new_thread", "allocate_lock"))
    results, finished = [None] * len(arguments), []
    for index, argument in enumerate(arguments):
        done = allocate()
        done.acquire()
        finished.append(done)

        def call(index=index, argument=argument, done=done):
            try:
                results[index] = function(argument)
            finally:
                done.release()

        start(call, ())
    for done in finished:
        done.acquire()
    return results


@pytest.fixture
def digests(monkeypatch):
    """The parts whose digest is computed (read in full) from now on."""
    hashed: list[str] = []

    def counting(path):
        hashed.append(path.name)
        return real_digest(path)

    real_digest = prepared_module.file_digest
    monkeypatch.setattr(prepared_module, "file_digest", counting)
    return hashed


@pytest.fixture
def three_parts(tmp_path, monkeypatch):
    monkeypatch.setattr(prepare_module, "PART_ROWS", 15)
    frame = pd.DataFrame({
        "vendorCallKey": [f"c{i % 4}" for i in range(40)],
        "participantId": "p", "messageId": [f"m{i}" for i in range(40)],
        "startTime": [BASE + 1000 * i for i in range(40)],
        "endTime": [BASE + 1000 * i + 500 for i in range(40)],
        "content": "hello", "senderType": "END_USER",
    })
    frame.to_parquet(tmp_path / "t.parquet")
    out = tmp_path / "three"
    prepare_dataset([tmp_path / "t.parquet"], out, LoadOptions())
    assert len(json.loads((out / MANIFEST).read_text())["parts"]) == 3
    return out


def test_a_run_after_prepare_reads_no_part_to_check_it(three_parts, digests):
    assert (three_parts / STAMP).is_file()
    assert open_prepared(three_parts).messages == 40
    assert digests == []


def test_a_part_edited_in_place_keeping_its_size_and_mtime_is_refused(three_parts):
    part = three_parts / "part-00001.parquet"
    before = part.stat()
    time.sleep(0.05)  # past a coarse clock tick, as any later edit is
    data = bytearray(part.read_bytes())
    data[100] ^= 0xFF
    part.write_bytes(bytes(data))
    os.utime(part, ns=(before.st_atime_ns, before.st_mtime_ns))  # as `touch -r` would
    assert part.stat().st_size == before.st_size
    with pytest.raises(DatasetError) as error:
        open_prepared(three_parts)
    assert str(error.value) == (
        f"{three_parts}: part-00001.parquet was changed after `replay prepare` wrote it (its "
        "content does not match the manifest); run `replay prepare` again")


def test_a_truncated_part_is_refused_as_changed(three_parts, digests):
    part = three_parts / "part-00002.parquet"
    part.write_bytes(part.read_bytes()[:-10])
    with pytest.raises(DatasetError) as error:
        open_prepared(three_parts)
    assert str(error.value) == (
        f"{three_parts}: part-00002.parquet was changed after `replay prepare` wrote it (its "
        "content does not match the manifest); run `replay prepare` again")
    assert digests == []  # its size says so without reading it


def test_a_copied_directory_is_checked_in_full_once_then_stamped(three_parts, tmp_path, digests,
                                                                  monkeypatch):
    monkeypatch.setattr(stamps_module, "SETTLE_NS", 0)
    copy = shutil.copytree(three_parts, tmp_path / "copy")  # the stamp comes along
    open_prepared(copy)
    assert sorted(digests) == ["part-00000.parquet", "part-00001.parquet", "part-00002.parquet"]
    digests.clear()
    open_prepared(copy)
    open_prepared(three_parts)
    assert digests == []


def test_a_part_changed_moments_ago_is_checked_again_next_time(three_parts, tmp_path, digests):
    copy = shutil.copytree(three_parts, tmp_path / "copy")
    open_prepared(copy)
    open_prepared(copy)
    assert len(digests) == 6  # copied within SETTLE_NS: never stamped in that state


def test_a_directory_where_no_stamp_can_be_written_is_stamped_in_the_user_cache(
        three_parts, tmp_path, digests, monkeypatch):
    monkeypatch.setattr(stamps_module, "SETTLE_NS", 0)
    monkeypatch.setenv("REPLAY_CACHE_DIR", str(tmp_path / "cache"))
    copy = shutil.copytree(three_parts, tmp_path / "copy")
    (copy / STAMP).unlink()
    (copy / STAMP).mkdir()  # unwritable as a file, as in a read-only directory
    open_prepared(copy)
    digests.clear()
    open_prepared(copy)
    assert digests == []
    assert sorted(p.name for p in copy.iterdir()) == [  # no temporary file left behind
        MANIFEST, STAMP, "part-00000.parquet", "part-00001.parquet", "part-00002.parquet"]
    assert len(list((tmp_path / "cache" / ".verified").glob("copy-*.json"))) == 1


def test_an_edited_stamp_does_not_let_a_changed_part_through(three_parts):
    part = three_parts / "part-00000.parquet"
    data = bytearray(part.read_bytes())
    data[100] ^= 0xFF
    part.write_bytes(bytes(data))
    stamp = json.loads((three_parts / STAMP).read_text())
    stamp["parts"]["part-00000.parquet"] = list(file_identity(part.stat()))
    (three_parts / STAMP).write_text(json.dumps(stamp))
    with pytest.raises(DatasetError, match=r"part-00000\.parquet was changed after"):
        open_prepared(three_parts)


def test_a_stamp_of_an_earlier_manifest_is_ignored(three_parts, digests):
    manifest = json.loads((three_parts / MANIFEST).read_text())
    manifest["created_at"] = "2026-01-01T00:00:00Z"  # as if prepared again: a new checksum
    manifest["checksum"] = manifest_checksum(manifest)
    (three_parts / MANIFEST).write_text(json.dumps(manifest))
    open_prepared(three_parts)
    assert len(digests) == 3


def test_a_missing_part_is_refused_even_when_the_others_are_stamped(three_parts, digests):
    (three_parts / "part-00001.parquet").unlink()
    with pytest.raises(DatasetError) as error:
        open_prepared(three_parts)
    assert str(error.value) == (
        f"{three_parts}: part-00001.parquet is missing: the prepared dataset is incomplete; run "
        "`replay prepare` again")


def test_a_changed_part_among_several_is_named_when_checked_in_parallel(three_parts):
    (three_parts / STAMP).unlink()
    part = three_parts / "part-00002.parquet"
    data = bytearray(part.read_bytes())
    data[50] ^= 0xFF
    part.write_bytes(bytes(data))
    with pytest.raises(DatasetError, match=r": part-00002\.parquet was changed after"):
        open_prepared(three_parts)


def test_processes_checking_one_directory_at_once_hash_it_once(three_parts, tmp_path, digests,
                                                               monkeypatch):
    monkeypatch.setattr(stamps_module, "SETTLE_NS", 0)
    copy = shutil.copytree(three_parts, tmp_path / "copy")
    slow_digest = prepared_module.file_digest

    def slow(path):
        time.sleep(0.2)  # long enough for the other check to start meanwhile
        return slow_digest(path)

    monkeypatch.setattr(prepared_module, "file_digest", slow)
    opened = in_os_threads(open_prepared, [copy, copy])  # a lock per open file: as two processes
    assert [dataset.messages for dataset in opened] == [40, 40]
    assert len(digests) == 3
