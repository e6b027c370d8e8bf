"""bench.scale_distributed, smoke profile: two distributed runs measured, a lost share counted."""

from __future__ import annotations

import math
import subprocess
import sys

import psutil
import pytest

from bench import scale_distributed
from bench.bigdata import write_big_dataset
from bench.context import PROFILES, Context
from bench.keys import make_keys
from bench.procs import Processes, bench_cores
from replay.dataset.partition import call_partition
from replay.dataset.prepared import open_prepared

pytestmark = pytest.mark.e2e
SIZES = (20_000, 40_000)


def prepared_directory(tmp_path, messages):
    source = tmp_path / f"big-{messages}.parquet"
    write_big_dataset(source, messages=messages, lanes=2_000)
    out = tmp_path / f"prepared-{messages}"
    subprocess.run([sys.executable, "-m", "replay", "prepare", str(source), "--out", str(out)],
                   check=True, capture_output=True, timeout=300)
    return out


def test_the_smoke_part_measures_master_and_workers_per_size_and_counts_a_lost_share(tmp_path):
    prepared = {size: prepared_directory(tmp_path, size) for size in SIZES}
    server, generator = bench_cores()
    details: dict = {}
    with Processes(tmp_path / "logs") as procs:
        ctx = Context(profile=PROFILES["smoke"], procs=procs, run_dir=tmp_path,
                      keys=make_keys(tmp_path), server_core=server, generator_core=generator)
        figures = {figure.key: figure.median
                   for figure in scale_distributed.run(ctx, prepared, details)}
        started = [child.pid for child in procs.children]
    assert not [pid for pid in started if psutil.pid_exists(pid)
                and psutil.Process(pid).status() != psutil.STATUS_ZOMBIE]
    for size in SIZES:
        measured = details["distributed"][str(size)]
        assert measured["balanced"] and measured["sent"] > 0
        assert len(measured["worker_peaks_mib"]) == 2
        for name in ("master_peak_mib", "worker_peak_mib", "achieved_mps", "master_seconds"):
            assert figures[f"scale.distributed.{size}.{name}"] > 0
        assert math.isfinite(figures[f"scale.distributed.{size}.end_s"])
    assert figures["scale.distributed.master_peak_ratio"] >= 1.0
    assert figures["scale.distributed.worker_peak_ratio"] >= 1.0
    share = sum(int((call_partition(table.column(0).to_pandas(), 2) == 1).sum())
                for table in open_prepared(prepared[SIZES[-1]]).tables(columns=["vendorCallKey"]))
    assert details["distributed"]["count_share"]["messages"] == share
    assert figures["scale.distributed.count_share.seconds"] > 0
