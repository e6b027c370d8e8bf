"""Large plain files are prepared once into the cache, keyed by the file's identity, and reused."""

from __future__ import annotations

import os

import pandas as pd

from replay.dataset import LoadOptions
from replay.dataset import cache as cache_module
from replay.dataset.cache import cache_root, needs_preparing, prepared_in_cache
from replay.dataset.prepared import open_prepared

BASE = 1_764_000_000_000


def write(path, calls: int) -> None:
    pd.DataFrame({
        "vendorCallKey": [f"c{i % calls}" for i in range(20)], "participantId": "p",
        "messageId": [f"m{i}" for i in range(20)],
        "startTime": [BASE + i for i in range(20)], "endTime": [BASE + i + 5 for i in range(20)],
        "content": "hi", "senderType": "END_USER",
    }).to_csv(path, index=False)


def test_only_plain_files_above_the_threshold_are_prepared_first(tmp_path, monkeypatch):
    write(tmp_path / "t.csv", calls=2)
    assert not needs_preparing(tmp_path / "t.csv")
    monkeypatch.setattr(cache_module, "PREPARE_FROM_BYTES", 10)
    assert needs_preparing(tmp_path / "t.csv")
    assert not needs_preparing(tmp_path)


def test_the_cache_entry_is_reused_until_the_file_changes(tmp_path):
    source = tmp_path / "t.csv"
    write(source, calls=2)
    root = tmp_path / "cache"
    first = prepared_in_cache(source, LoadOptions(), root=root)
    made = (first / "_manifest.json").stat().st_mtime_ns
    assert prepared_in_cache(source, LoadOptions(), root=root) == first
    assert (first / "_manifest.json").stat().st_mtime_ns == made
    write(source, calls=4)
    os.utime(source, ns=(made + 10**9, made + 10**9))
    second = prepared_in_cache(source, LoadOptions(), root=root)
    assert second != first
    assert open_prepared(second).manifest["calls"] == 4


def test_the_cache_lives_where_the_environment_says(tmp_path):
    assert cache_root({"REPLAY_CACHE_DIR": str(tmp_path)}) == tmp_path
    assert cache_root({"XDG_CACHE_HOME": str(tmp_path)}) == tmp_path / "replay" / "prepared"


def test_a_run_with_max_gap_gets_its_own_entry_prepared_with_that_max_gap(tmp_path):
    source = tmp_path / "t.csv"
    write(source, calls=2)
    root = tmp_path / "cache"
    plain = prepared_in_cache(source, LoadOptions(), root=root)
    capped = prepared_in_cache(source, LoadOptions(), root=root, max_gap_s=0.002)
    assert capped != plain
    assert open_prepared(plain).max_gap_s is None
    assert open_prepared(capped).max_gap_s == 0.002
    assert prepared_in_cache(source, LoadOptions(), root=root, max_gap_s=0.002) == capped
