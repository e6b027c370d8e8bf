"""End to end: a prepared directory streamed through real Locust runs (local and two workers)
against the real mock: every message once, reconciled exactly, each call's messages in order."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import time
from collections import defaultdict

import pandas as pd
import pyarrow.parquet as pq
import pytest

from replay.dataset import LoadOptions
from replay.dataset import prepare as prepare_module
from replay.dataset.partition import call_partition
from replay.dataset.prepare import prepare_dataset
from replay.mock.process import start_mock

from .conftest import (
    CALL_CENTER,
    LOCUSTFILE,
    REPO,
    free_port,
    locust_args,
    run_locust,
    start_locust,
    write_dataset,
)

pytestmark = pytest.mark.e2e

CALLS, MESSAGES = 24, 8


@pytest.fixture(scope="module")
def prepared(tmp_path_factory):
    folder = tmp_path_factory.mktemp("streaming")
    source = write_dataset(folder / "calls.parquet", calls=CALLS, messages=MESSAGES, span_s=80)
    saved = prepare_module.ROW_GROUP_ROWS
    prepare_module.ROW_GROUP_ROWS = 40  # several batches, calls spanning them
    try:
        prepare_dataset([source], folder / "prepared", LoadOptions())
    finally:
        prepare_module.ROW_GROUP_ROWS = saved
    return folder / "prepared"


def arrivals_in_order(ledger) -> bool:
    arrivals = defaultdict(list)
    for row in sorted(ledger, key=lambda row: row["call_seq"]):
        arrivals[row["vendorCallKey"]].append(row["messageId"])
    base = {key.removesuffix("-p1") for key in arrivals}
    return len(base) == CALLS and all(
        ids == [f"m{m:03d}{'-p1' if key.endswith('-p1') else ''}" for m in range(MESSAGES)]
        for key, ids in arrivals.items())


def test_a_streamed_replay_with_loops_reconciles_exactly_and_keeps_each_calls_order(
        prepared, tmp_path):
    run_dir = tmp_path / "reports" / "streamed"
    with start_mock(["--no-auth"]) as mock:
        run = run_locust(locust_args(dataset=prepared, host=mock.url, key_pair=None,
                                     run_dir=run_dir,
                                     extra=["--speed", "20", "--loops", "2",
                                            "--mock-admin", mock.url]),
                         run_dir=run_dir)
        ledger = mock.ledger()
    assert run.returncode == 0, run.stderr[-3000:]
    summary = json.loads((run_dir / "summary.json").read_text())
    counts = summary["counts"]
    assert counts["planned"] == counts["accepted"] == 2 * CALLS * MESSAGES
    assert summary["reconciliation"]["balanced"] is True
    assert summary["reconciliation"]["mock"]["matches"] is True
    assert len(ledger) == 2 * CALLS * MESSAGES
    assert arrivals_in_order(ledger)
    outcomes = pq.read_table(run_dir / "outcomes.parquet")
    assert outcomes.num_rows == 2 * CALLS * MESSAGES
    assert pq.ParquetFile(run_dir / "outcomes.parquet").metadata.num_row_groups > 1
    series = json.loads((run_dir / "series.json").read_text())  # built batch by batch
    assert series["rows"] == outcomes.num_rows
    assert sum(series["lines"]["sent_mps"]) * series["bin_s"] == outcomes.num_rows
    assert series["groups"]["all"]["all"]["errors"] == 0
    assert summary["lateness"]["late_ms"] == 20.0  # attributed batch by batch


def run_two_workers(prepared, run_dir, mock, extra):
    """A master and two workers streaming `prepared` against `mock`: (exit code, stderr)."""
    port = free_port()
    master = start_locust(
        locust_args(dataset=prepared, host=mock.url, key_pair=None, run_dir=run_dir,
                    extra=["--mock-admin", mock.url, "--master", "--master-bind-host",
                           "127.0.0.1", "--master-bind-port", str(port), "--expect-workers",
                           "2", "-u", "2", *extra]),
        run_dir=run_dir)
    workers = [
        subprocess.Popen([sys.executable, "-m", "locust", "-f", str(LOCUSTFILE), "--worker",
                          "--master-host", "127.0.0.1", "--master-port", str(port)],
                         stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, cwd=REPO)
        for _ in range(2)
    ]
    try:
        _, stderr = master.communicate(timeout=90)
        for worker in workers:
            worker.communicate(timeout=30)
    finally:
        for process in (master, *workers):
            process.kill()
    return master.returncode, stderr


def test_two_workers_stream_their_shares_of_one_prepared_directory(prepared, tmp_path):
    run_dir = tmp_path / "reports" / "dist"
    with start_mock(["--no-auth"]) as mock:
        returncode, stderr = run_two_workers(prepared, run_dir, mock, ["--speed", "25"])
        ledger = mock.ledger()
    assert returncode == 0, stderr[-3000:]
    summary = json.loads((run_dir / "summary.json").read_text())
    assert summary["run"]["workers"] == 2
    assert summary["counts"]["planned"] == summary["counts"]["accepted"] == CALLS * MESSAGES
    assert summary["reconciliation"]["balanced"] is True
    assert summary["reconciliation"]["mock"]["matches"] is True
    assert arrivals_in_order(ledger)
    outcomes = pq.read_table(run_dir / "outcomes.parquet").to_pandas()
    assert (outcomes.groupby("vendorCallKey", observed=True)["worker"].nunique() == 1).all()
    assert sorted(outcomes["worker"].unique().tolist()) == [0, 1]
    assert outcomes["due_s"].min() == 0.0
    assert summary["lateness"] is not None  # attributed on each worker, added up by the master


def test_two_streaming_workers_stopped_by_the_run_time_limit_report_and_reconcile(prepared,
                                                                                 tmp_path):
    run_dir = tmp_path / "reports" / "limited"
    with start_mock(["--no-auth"]) as mock:
        returncode, stderr = run_two_workers(prepared, run_dir, mock, ["--speed", "5", "-t", "4s"])
    assert returncode == 130, stderr[-3000:]
    assert "--run-time limit reached: the workers stop" in stderr
    summary = json.loads((run_dir / "summary.json").read_text())
    assert summary["run"]["lost_workers"] == [] and summary["run"]["partial"] is True
    assert summary["counts"]["planned"] == CALLS * MESSAGES
    assert summary["counts"]["accepted"] < CALLS * MESSAGES
    assert summary["reconciliation"]["balanced"] is True


def test_a_streamed_replay_with_lifecycle_creates_and_ends_every_call_around_its_messages(
        prepared, tmp_path):
    run_dir = tmp_path / "reports" / "lifecycle"
    with start_mock(["--no-auth"]) as mock:
        run = run_locust(locust_args(dataset=prepared, host=mock.url, key_pair=None,
                                     run_dir=run_dir,
                                     extra=["--speed", "20", "--loops", "2", "--lifecycle",
                                            "--call-center", CALL_CENTER,
                                            "--mock-admin", mock.url]),
                         run_dir=run_dir)
        stats, ledger = mock.stats(), mock.ledger()
    assert run.returncode == 0, run.stderr[-3000:]
    summary = json.loads((run_dir / "summary.json").read_text())
    assert summary["counts"]["planned"] == summary["counts"]["accepted"] == 2 * CALLS * MESSAGES
    assert summary["reconciliation"]["mock"]["matches"] is True
    assert stats["calls_created"] == stats["calls_ended"] == 2 * CALLS
    assert stats["after_end"] == 0  # every call ended after its last message
    assert stats["lifecycle_rejected"] == {}
    assert arrivals_in_order(ledger)


def test_replay_run_on_a_prepared_directory_turns_the_lifecycle_on(prepared, tmp_path):
    done = subprocess.run(
        [sys.executable, "-m", "replay", "run", str(prepared), "--speed", "20",
         "--run-id", "prepared"],
        capture_output=True, text=True, timeout=180, cwd=tmp_path,
    )
    assert done.returncode == 0, done.stdout[-3000:] + done.stderr[-3000:]
    summary = json.loads((tmp_path / "reports" / "prepared" / "summary.json").read_text())
    assert summary["options"]["lifecycle"] is True
    assert summary["counts"]["planned"] == summary["counts"]["accepted"] == CALLS * MESSAGES
    assert summary["reconciliation"]["mock"]["matches"] is True
    assert (f"mock ledger: {CALLS * MESSAGES} messages taken ({CALLS * MESSAGES} stored, 0 "
            f"outside the call window, 0 duplicates); matches the {CALLS * MESSAGES} the replay "
            f"counted as accepted; VoiceCalls: {CALLS} created, {CALLS} ended") in done.stdout


def test_a_lost_streaming_workers_planned_messages_are_counted_from_the_directory(
        prepared, tmp_path):
    port = free_port()
    run_dir = tmp_path / "reports" / "lost"
    with start_mock(["--no-auth"]) as mock:
        master = start_locust(
            locust_args(dataset=prepared, host=mock.url, key_pair=None, run_dir=run_dir,
                        extra=["--speed", "10", "--master", "--master-bind-host", "127.0.0.1",
                               "--master-bind-port", str(port), "--expect-workers", "2"]),
            run_dir=run_dir)
        workers = [
            subprocess.Popen([sys.executable, "-m", "locust", "-f", str(LOCUSTFILE), "--worker",
                              "--master-host", "127.0.0.1", "--master-port", str(port)],
                             stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, cwd=REPO)
            for _ in range(2)
        ]
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
    [lost] = summary["run"]["lost_workers"]
    keys = pd.read_parquet(prepared, columns=["vendorCallKey"])["vendorCallKey"]
    share = int((call_partition(keys, 2) == lost["worker"]).sum())
    assert 0 < share < CALLS * MESSAGES
    assert lost["messages"] == share  # counted by the master from the prepared parts
    counts = summary["counts"]
    assert counts["planned"] == summary["dataset"]["messages"] == CALLS * MESSAGES
    assert summary["reconciliation"]["unaccounted"] == share
    assert summary["reconciliation"]["balanced"] is False
    assert counts["planned"] - share == counts["accepted"] + counts["failed"] + counts["unsent"]
    assert summary["dataset"]["calls"] == CALLS


FAULTS = ["--no-auth", "--error-rate", "0.1", "--error-statuses", "500,503", "--seed", "7"]


def assert_bulk_reconciles(summary, ledger, stats, *, messages, calls):
    counts = summary["counts"]
    assert counts["planned"] == counts["accepted"] == messages
    assert summary["reconciliation"]["balanced"] is True
    assert summary["reconciliation"]["mock"]["matches"] is True
    assert summary["options"]["bulk"] is True
    assert 0 < stats["bulk_requests"] < messages
    assert stats["calls_created"] == stats["calls_ended"] == calls
    assert stats["after_end"] == 0
    assert len(ledger) == len({(row["vendorCallKey"], row["messageId"]) for row in ledger})
    assert arrivals_in_order(ledger)
    assert "bulk_window" in summary["lateness"]["lag_s"]


def test_a_streamed_bulk_replay_with_faults_loops_and_lifecycle_reconciles_in_order(
        prepared, tmp_path):
    run_dir = tmp_path / "reports" / "bulk"
    with start_mock(FAULTS) as mock:
        run = run_locust(locust_args(dataset=prepared, host=mock.url, key_pair=None,
                                     run_dir=run_dir,
                                     extra=["--speed", "20", "--loops", "2", "--bulk",
                                            "--retries", "8", "--lifecycle", "--call-center",
                                            CALL_CENTER, "--mock-admin", mock.url]),
                         run_dir=run_dir)
        ledger, stats = mock.ledger(), mock.stats()
    assert run.returncode == 0, run.stderr[-3000:]
    summary = json.loads((run_dir / "summary.json").read_text())
    assert_bulk_reconciles(summary, ledger, stats, messages=2 * CALLS * MESSAGES,
                           calls=2 * CALLS)
    assert sum(stats["faults"].values()) > 0
    outcomes = pq.read_table(run_dir / "outcomes.parquet").to_pandas()
    assert len(outcomes) == 2 * CALLS * MESSAGES
    assert (outcomes["outcome"] == "accepted").all() and (outcomes["attempts"] > 1).any()


def test_two_workers_stream_their_shares_through_the_bulk_endpoint(prepared, tmp_path):
    run_dir = tmp_path / "reports" / "bulk2"
    with start_mock(FAULTS) as mock:
        returncode, stderr = run_two_workers(
            prepared, run_dir, mock, ["--speed", "25", "--bulk", "--retries", "8",
                                      "--lifecycle", "--call-center", CALL_CENTER])
        ledger, stats = mock.ledger(), mock.stats()
    assert returncode == 0, stderr[-3000:]
    summary = json.loads((run_dir / "summary.json").read_text())
    assert summary["run"]["workers"] == 2
    assert_bulk_reconciles(summary, ledger, stats, messages=CALLS * MESSAGES, calls=CALLS)
    outcomes = pq.read_table(run_dir / "outcomes.parquet").to_pandas()
    assert (outcomes.groupby("vendorCallKey", observed=True)["worker"].nunique() == 1).all()
    assert sorted(outcomes["worker"].unique().tolist()) == [0, 1]


def test_a_streamed_bulk_dry_run_shows_the_first_batches(prepared, tmp_path):
    run_dir = tmp_path / "reports" / "dry"
    run = run_locust(locust_args(dataset=prepared, host="http://127.0.0.1:9", key_pair=None,
                                 run_dir=run_dir,
                                 extra=["--dry-run", "--bulk", "--bulk-max-calls", "3"]),
                     run_dir=run_dir)
    assert run.returncode == 0, run.stderr[-3000:]
    assert "(--bulk: batches of at most 3 calls x 5 messages, leaving when full or after " \
           "200 ms)" in run.stdout
    assert run.stdout.count("POST http://127.0.0.1:9/telephony/v1/voiceCalls/messages") == 2


def test_a_stamped_directory_edited_in_place_is_refused_before_anything_is_sent(tmp_path):
    source = write_dataset(tmp_path / "calls.parquet", calls=4, messages=4, span_s=10)
    prepare_dataset([source], tmp_path / "day", LoadOptions())  # stamps its parts
    part = tmp_path / "day" / "part-00000.parquet"
    before = part.stat()
    time.sleep(0.05)  # past a coarse clock tick, as any later edit is
    data = bytearray(part.read_bytes())
    data[200] ^= 0xFF
    part.write_bytes(bytes(data))
    os.utime(part, ns=(before.st_atime_ns, before.st_mtime_ns))  # size and mtime as stamped
    done = subprocess.run(
        [sys.executable, "-m", "replay", "run", str(tmp_path / "day"), "--run-id", "edited"],
        capture_output=True, text=True, timeout=180, cwd=tmp_path,
    )
    assert done.returncode == 2, done.stdout[-3000:] + done.stderr[-3000:]
    assert (f"{tmp_path / 'day'}: part-00000.parquet was changed after `replay prepare` wrote "
            "it (its content does not match the manifest); run `replay prepare` again"
            ) in done.stderr
    assert not (tmp_path / "reports" / "edited").exists()
