"""End to end, distributed: a Locust master and two workers (real processes) against the mock.

Workers get no replay options on their command line: the master sends them its own.
"""

from __future__ import annotations

import json
import subprocess
import sys
import time
from collections import defaultdict

import pyarrow.parquet as pq
import pytest

from replay.dataset import LoadOptions
from replay.dataset import prepare as prepare_module
from replay.dataset.prepare import prepare_dataset
from replay.mock.process import start_mock

from .conftest import (
    LOCUSTFILE,
    REPO,
    free_port,
    locust_args,
    start_locust,
    write_dataset,
)

pytestmark = pytest.mark.e2e

CALLS, MESSAGES = 24, 8


def start_worker(port: int, *, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL
                 ) -> subprocess.Popen:
    """A Locust worker of the locustfile, joining the master on 127.0.0.1:`port`."""
    return subprocess.Popen([sys.executable, "-m", "locust", "-f", str(LOCUSTFILE), "--worker",
                             "--master-host", "127.0.0.1", "--master-port", str(port)],
                            stdout=stdout, stderr=stderr, cwd=REPO)


@pytest.fixture(scope="module")
def distributed(tmp_path_factory):
    folder = tmp_path_factory.mktemp("distributed")
    dataset = write_dataset(folder / "calls.parquet", calls=CALLS, messages=MESSAGES, span_s=100)
    port = free_port()
    run_dir = folder / "reports" / "dist"
    with start_mock(["--no-auth"]) as mock:
        master = start_locust(
            locust_args(dataset=dataset, host=mock.url, key_pair=None, run_dir=run_dir,
                        extra=["--speed", "25", "--mock-admin", mock.url, "--master",
                               "--master-bind-host", "127.0.0.1", "--master-bind-port",
                               str(port), "--expect-workers", "2", "-u", "2"]),
            run_dir=run_dir)
        logs = [open(folder / f"worker{i}.log", "w") for i in range(2)]  # noqa: SIM115
        workers = [start_worker(port, stdout=log, stderr=subprocess.STDOUT) for log in logs]
        try:
            _, stderr = master.communicate(timeout=90)
            for worker in workers:
                worker.communicate(timeout=30)
        finally:
            for process in (master, *workers):
                process.kill()
            for log in logs:
                log.close()
        ledger = mock.ledger()
    summary = json.loads((run_dir / "summary.json").read_text())
    outcomes = pq.read_table(run_dir / "outcomes.parquet").to_pandas()
    series = json.loads((run_dir / "series.json").read_text())
    return master.returncode, stderr, summary, outcomes, ledger, series


def test_the_master_writes_one_balanced_summary_for_both_workers(distributed):
    returncode, stderr, summary, _, ledger, series = distributed
    assert returncode == 0, stderr[-3000:]
    counts = summary["counts"]
    assert summary["run"]["workers"] == 2
    assert counts["planned"] == counts["accepted"] == CALLS * MESSAGES
    assert summary["reconciliation"]["balanced"] is True
    assert summary["reconciliation"]["mock"]["matches"] is True
    assert series["rows"] == CALLS * MESSAGES
    assert series["groups"]["worker"].keys() == {"0", "1"}  # the master's series of both shares
    assert len(ledger) == CALLS * MESSAGES
    assert summary["latency_ms"]["lag"]["count"] == CALLS * MESSAGES


def test_each_call_belongs_to_exactly_one_worker_and_both_worked(distributed):
    _, _, _, outcomes, _, _ = distributed
    workers_per_call = outcomes.groupby("vendorCallKey", observed=True)["worker"].nunique()
    assert (workers_per_call == 1).all()
    assert sorted(outcomes["worker"].unique().tolist()) == [0, 1]


def test_each_calls_messages_arrive_in_order_across_workers(distributed):
    _, _, _, _, ledger, _ = distributed
    arrivals = defaultdict(list)
    for row in sorted(ledger, key=lambda row: row["call_seq"]):
        arrivals[row["vendorCallKey"]].append(row["messageId"])
    assert len(arrivals) == CALLS
    assert all(ids == [f"m{m:03d}" for m in range(MESSAGES)] for ids in arrivals.values())


def test_workers_share_one_timeline(distributed):
    _, _, _, outcomes, _, _ = distributed
    # due times on both workers come from the same T0 and t0: the earliest is 0 overall
    assert outcomes["due_s"].min() == 0.0
    by_worker = outcomes.groupby("worker")["due_s"].max()
    assert abs(by_worker[0] - by_worker[1]) < 100 / 25


def test_a_worker_lost_mid_run_is_named_with_its_calls_and_nothing_is_counted_twice(tmp_path):
    dataset = write_dataset(tmp_path / "calls.parquet", calls=CALLS, messages=MESSAGES,
                            span_s=150)
    port = free_port()
    run_dir = tmp_path / "reports" / "lost"
    with start_mock(["--no-auth"]) as mock:
        master = start_locust(
            locust_args(dataset=dataset, host=mock.url, key_pair=None, run_dir=run_dir,
                        extra=["--speed", "30", "--master", "--master-bind-host", "127.0.0.1",
                               "--master-bind-port", str(port), "--expect-workers", "2"]),
            run_dir=run_dir)
        workers = [start_worker(port) for _ in range(2)]
        try:
            deadline = time.monotonic() + 30
            while mock.stats()["received"] < 10:
                assert time.monotonic() < deadline, "the replay never reached the mock"
                time.sleep(0.1)
            workers[0].kill()
            _, stderr = master.communicate(timeout=90)
        finally:
            for process in (master, *workers):
                process.kill()
                process.wait()
    assert master.returncode == 1, stderr[-3000:]
    summary = json.loads((run_dir / "summary.json").read_text())
    lost = summary["run"]["lost_workers"]
    assert len(lost) == 1
    assert summary["run"]["partial"] is True
    assert lost[0]["calls_not_finished"]
    counts = summary["counts"]
    assert counts["planned"] == CALLS * MESSAGES
    assert counts["planned"] - lost[0]["messages"] == (counts["accepted"] + counts["failed"]
                                                       + counts["unsent"])
    outcomes = pq.read_table(run_dir / "outcomes.parquet").to_pandas()
    assert set(outcomes["vendorCallKey"]).isdisjoint(lost[0]["calls_not_finished"])


def test_streamed_workers_outcome_chunks_reach_the_masters_spool_during_the_run(tmp_path):
    source = write_dataset(tmp_path / "calls.parquet", calls=CALLS, messages=MESSAGES,
                           span_s=100)
    saved = prepare_module.ROW_GROUP_ROWS
    prepare_module.ROW_GROUP_ROWS = 16  # many batches, each ending while the run goes on
    try:
        prepare_dataset([source], tmp_path / "prepared", LoadOptions())
    finally:
        prepare_module.ROW_GROUP_ROWS = saved
    port = free_port()
    run_dir = tmp_path / "reports" / "spooled"
    received_when_spooled = None
    with start_mock(["--no-auth"]) as mock:
        master = start_locust(
            locust_args(dataset=tmp_path / "prepared", host=mock.url, key_pair=None,
                        run_dir=run_dir,
                        extra=["--speed", "10", "--master", "--master-bind-host", "127.0.0.1",
                               "--master-bind-port", str(port), "--expect-workers", "2"]),
            run_dir=run_dir)
        workers = [start_worker(port) for _ in range(2)]
        try:
            deadline = time.monotonic() + 90
            while master.poll() is None and received_when_spooled is None:
                assert time.monotonic() < deadline, "the run did not end"
                spooled = [path for path in run_dir.glob(".outcomes-spool-*/*")
                           if path.stat().st_size > 0]
                if spooled:
                    received_when_spooled = mock.stats()["received"]
                time.sleep(0.05)
            _, stderr = master.communicate(timeout=90)
        finally:
            for process in (master, *workers):
                process.kill()
                process.wait()
    assert master.returncode == 0, stderr[-3000:]
    # rows were on the master's disk with most messages still to be sent (the first batches
    # end early; rows held until a worker's end would arrive once a share is nearly all sent)
    assert received_when_spooled is not None
    assert received_when_spooled < CALLS * MESSAGES // 2
    summary = json.loads((run_dir / "summary.json").read_text())
    assert summary["counts"]["accepted"] == CALLS * MESSAGES
    assert summary["reconciliation"]["balanced"] is True
    outcomes = pq.read_table(run_dir / "outcomes.parquet")
    assert outcomes.num_rows == CALLS * MESSAGES
    assert sorted(set(outcomes["worker"].to_pylist())) == [0, 1]
    assert not list(run_dir.glob(".outcomes-spool-*"))  # the spools are gone
