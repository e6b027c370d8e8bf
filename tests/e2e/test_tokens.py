"""End to end against the mock told to accept each token once (`--reject-reused-jti`).

Per-request tokens (the default): no 401 over a run that outlives several token lifetimes,
in one process and with two workers, nor at full speed from a --jwt-prefill; shared tokens:
the run fails and the note says why and names the option. Stopping a run leaves no minter
process behind.
"""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from .conftest import REPO, write_dataset

pytestmark = pytest.mark.e2e


def replay_run(tmp_path: Path, dataset: Path, run_id: str, *extra: str):
    return subprocess.run(
        [sys.executable, "-m", "replay", "run", str(dataset), "--run-id", run_id,
         "--mock-args", "--reject-reused-jti", *extra],
        capture_output=True, text=True, timeout=180, cwd=tmp_path,
    )


@pytest.mark.parametrize("workers", ["0", "2"])
def test_per_request_tokens_are_never_refused_over_several_token_lifetimes(tmp_path, workers):
    # calls over ~270 s at speed 20: a timeline of more than two 5 s token lifetimes
    dataset = write_dataset(tmp_path / "calls.parquet", calls=12, messages=12, span_s=400)
    done = replay_run(tmp_path, dataset, "fresh", "--speed", "20", "--jwt-ttl", "5",
                      "--workers", workers)
    assert done.returncode == 0, done.stdout[-3000:] + done.stderr[-3000:]
    summary = json.loads((tmp_path / "reports" / "fresh" / "summary.json").read_text())
    assert summary["dataset"]["span_s"] > 2 * 5  # the timeline, in seconds at this speed
    assert summary["counts"]["accepted"] == summary["counts"]["planned"] == 144
    assert summary["counts"]["failed_by_status"] == {}
    tokens = summary["tokens"]
    assert tokens["mode"] == "per-request"
    assert tokens["unauthorized"] == 0
    assert tokens["used"] == 144 + 2 * 12  # every message, VoiceCall creation and end
    assert tokens["minted"] >= tokens["used"]
    assert tokens["minters"] == (2 if workers == "2" else 1)
    assert "Verdict: PASSED" in done.stdout


def test_a_prefilled_run_at_full_speed_sends_every_message_with_its_own_token(tmp_path):
    dataset = write_dataset(tmp_path / "calls.parquet", calls=10, messages=30, span_s=60)
    done = replay_run(tmp_path, dataset, "prefilled", "--speed", "max", "--jwt-prefill", "400",
                      "--jwt-minters", "2")
    assert done.returncode == 0, done.stdout[-3000:] + done.stderr[-3000:]
    summary = json.loads((tmp_path / "reports" / "prefilled" / "summary.json").read_text())
    assert summary["counts"]["accepted"] == summary["counts"]["planned"] == 300
    tokens = summary["tokens"]
    assert (tokens["prefilled"], tokens["unauthorized"], tokens["minters"]) == (400, 0, 2)
    assert tokens["used"] == 300 + 2 * 10  # every message, VoiceCall creation and end


def test_shared_tokens_against_one_time_tokens_fail_with_the_diagnosis(tmp_path):
    dataset = write_dataset(tmp_path / "calls.parquet", calls=4, messages=5, span_s=20)
    done = replay_run(tmp_path, dataset, "shared", "--speed", "20", "--jwt-mode", "shared")
    assert done.returncode == 1, done.stdout[-3000:] + done.stderr[-3000:]
    text = " ".join(done.stdout.split())
    assert "Tokens were refused as reused:" in text
    assert "run with --jwt-mode per-request" in text
    assert "Verdict: FAILED" in text and "PASSED" not in text
    summary = json.loads((tmp_path / "reports" / "shared" / "summary.json").read_text())
    assert summary["tokens"]["refused_after_accepted"] > 0
    assert summary["verdict"]["decided_by"] == "failures"


def _minters_of(root: int) -> list[int]:
    """Minter processes descending from `root` (by walking /proc)."""
    parents = {}
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                stat = (entry / "stat").read_text()
                cmdline = (entry / "cmdline").read_bytes()
            except OSError:
                continue
            parents[int(entry.name)] = (int(stat.rsplit(")", 1)[1].split()[1]), cmdline)
    found, frontier = [], {root}
    while frontier:
        children = {pid for pid, (ppid, _) in parents.items() if ppid in frontier}
        found += [pid for pid in children if b"replay.minter" in parents[pid][1]]
        frontier = children
    return found


def _alive(pid: int) -> bool:
    try:
        return Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0] != "Z"
    except (OSError, IndexError):
        return False


def test_ctrl_c_ends_the_run_and_its_minter_processes(tmp_path):
    dataset = write_dataset(tmp_path / "calls.parquet", calls=6, messages=10, span_s=600)
    child = subprocess.Popen(
        [sys.executable, "-m", "replay", "run", str(dataset), "--speed", "10", "--workers", "2",
         "--run-id", "stop", "--progress-interval", "1"],
        stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True, cwd=tmp_path,
        start_new_session=True, env={**os.environ, "PYTHONPATH": str(REPO)},
    )
    try:
        minters: list[int] = []
        for line in child.stdout:
            if "progress: sent" in line:
                minters = _minters_of(child.pid)
                break
        assert len(minters) == 2, minters  # one per worker
        os.killpg(child.pid, signal.SIGINT)  # what Ctrl-C in a terminal does
        output, _ = child.communicate(timeout=90)
    finally:
        if child.poll() is None:
            os.killpg(child.pid, signal.SIGKILL)
            child.wait()
    assert child.returncode == 130, output[-3000:]
    deadline = time.monotonic() + 10
    while time.monotonic() < deadline and any(_alive(pid) for pid in minters):
        time.sleep(0.1)
    assert not [pid for pid in minters if _alive(pid)]
    # Nothing of the replay's own fails on the way out (Locust's CSV writer greenlet may still
    # raise "I/O operation on closed file" when Ctrl-C lands as it closes its files: Locust's).
    ours = [block for block in output.split("Traceback (most recent call last):")[1:]
            if "replay" in block.split("Error")[0] or "BrokenPipe" in block]
    assert not ours, ours
