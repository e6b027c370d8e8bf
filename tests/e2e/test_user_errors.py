"""End to end: user errors and Ctrl-C in `replay run` end with one clear message, no traceback.

Ctrl-C is sent as a terminal sends it: SIGINT to the whole process group of `replay run`,
started here in a session of its own (Locust and the embedded mock run in sessions of their
own, so it reaches them only through `replay run`).
"""

from __future__ import annotations

import json
import os
import re
import select
import signal
import subprocess
import sys
import urllib.request

import numpy as np
import pandas as pd
import pytest

from .conftest import BASE_MS, REPO

pytestmark = pytest.mark.e2e

HEADER = "vendorCallKey,participantId,messageId,startTime,endTime,content,senderType\n"
BAD_ROW = "c1,p,m1,yesterday,1764086400000,hi,END_USER\n"
DOWN = "http://127.0.0.1:1"
TIMEOUT_S = 120


def replay_run(args: list[str], cwd) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "replay", "run", *args], capture_output=True,
                          text=True, timeout=TIMEOUT_S, cwd=cwd, env=_env())


def _env() -> dict[str, str]:
    return {**os.environ, "PYTHONPATH": str(REPO), "PYTHONUNBUFFERED": "1"}


def ctrl_c_when(args: list[str], cwd, line_wanted: str, *,
                to_group: bool = True) -> tuple[int, str]:
    """Run `replay run args`; Ctrl-C it as soon as it prints `line_wanted`. (code, output).

    `to_group=False` sends SIGINT to the `replay run` process alone, as a supervisor's
    `kill -INT` does, instead of to its whole process group as a terminal does.

    Raw reads of the pipe: a buffered reader (gevent's, once a test imported Locust) may hold
    a line back until more output comes, and the moment would be gone.
    """
    child = subprocess.Popen([sys.executable, "-m", "replay", "run", *args],
                             stdout=subprocess.PIPE, stderr=subprocess.STDOUT, cwd=cwd,
                             env=_env(), start_new_session=True)
    seen = b""
    try:
        while line_wanted.encode() not in seen:
            select.select([child.stdout], [], [], TIMEOUT_S)  # the pipe may be non-blocking
            chunk = os.read(child.stdout.fileno(), 65536)
            if not chunk:
                break
            seen += chunk
        if to_group:
            os.killpg(child.pid, signal.SIGINT)
        else:
            os.kill(child.pid, signal.SIGINT)
        rest, _ = child.communicate(timeout=TIMEOUT_S)
    finally:
        if child.poll() is None:
            child.kill()
            child.wait()
    return child.returncode, (seen + rest).decode(errors="replace")


@pytest.fixture(scope="module")
def big_csv(tmp_path_factory):
    """600,000 messages in 6,000 calls: a second or more to load, and to write the outputs."""
    calls, per_call = 6_000, 100
    n = calls * per_call
    call = np.repeat(np.arange(calls), per_call)
    seq = np.tile(np.arange(per_call), calls)
    start = BASE_MS + call * 1_000 + seq * 2_000
    frame = pd.DataFrame({
        "vendorCallKey": [f"call-{c}" for c in call], "participantId": "p",
        "messageId": [f"m{s}" for s in seq], "startTime": start, "endTime": start + 1_500,
        "content": "hello there", "senderType": np.where(seq % 2 == 0, "END_USER", "HUMAN_AGENT"),
    })
    path = tmp_path_factory.mktemp("big") / "big.csv"
    frame.to_csv(path, index=False)
    assert len(frame) == n
    return path


def _assert_clean(output: str) -> None:
    assert "Traceback" not in output and "failed with " not in output, output[-3000:]


def test_a_dataset_error_prints_one_clear_error_and_no_traceback(tmp_path):
    (tmp_path / "bad.csv").write_text(HEADER + BAD_ROW)
    done = replay_run(["bad.csv"], tmp_path)
    output = done.stdout + done.stderr
    assert done.returncode == 2, output[-3000:]
    assert output.count("error: bad.csv: 1 problem in 1 row") == 1, output[-3000:]
    assert "row 2, column startTime: 'yesterday'" in output
    _assert_clean(output)
    assert "mock ledger" not in output  # Locust wrote no summary.json: nothing to compare


def test_a_dataset_error_found_by_locust_leaves_no_run_directory(tmp_path):
    (tmp_path / "bad.csv").write_text(HEADER + BAD_ROW)
    done = replay_run(["bad.csv", "--run-id", "bad"], tmp_path)
    assert done.returncode == 2, done.stdout[-3000:] + done.stderr[-3000:]
    assert "error: bad.csv: 1 problem in 1 row" in done.stderr
    assert not (tmp_path / "reports" / "bad").exists()


def test_a_dataset_error_on_a_worker_is_reported_once_without_traceback(tmp_path):
    (tmp_path / "bad.csv").write_text(HEADER + BAD_ROW + "c2,p,m1,1764086400000,"
                                      "1764086401000,hi,END_USER\n")
    done = replay_run(["bad.csv", "--workers", "2"], tmp_path)
    output = done.stdout + done.stderr
    assert done.returncode == 2, output[-3000:]
    assert output.count("row 2, column startTime: 'yesterday'") == 1, output[-3000:]
    _assert_clean(output)
    assert "marked partial" not in output  # nothing was started, nothing is written
    assert "mock ledger" not in output


def test_ctrl_c_while_the_dataset_loads_exits_130_with_one_line(big_csv, tmp_path):
    code, output = ctrl_c_when([str(big_csv), "--host", DOWN], tmp_path,
                               "requests carry no Authorization header")  # loading begins
    assert code == 130, output[-3000:]
    assert "interrupted while loading the dataset: nothing was sent" in output, output[-3000:]
    _assert_clean(output)
    assert "KeyboardInterrupt" not in output  # gevent's hub does not print it either


def test_ctrl_c_while_the_outputs_are_written_keeps_them(big_csv, tmp_path):
    code, output = ctrl_c_when([str(big_csv), "--host", DOWN, "--run-id", "down"], tmp_path,
                               "Nothing was sent.")  # the outputs are being written
    assert code == 3, output[-3000:]
    _assert_clean(output)
    summary = json.loads((tmp_path / "reports" / "down" / "summary.json").read_text())
    assert summary["counts"]["unsent"] == 600_000
    assert summary["verdict"]["passed"] is False
    assert ("Verdict: FAILED: the run is partial (endpoint_down: 600,000 messages not sent)"
            in output)


def test_ctrl_c_sent_to_replay_run_alone_stops_locust_and_keeps_the_outputs(tmp_path):
    code, output = ctrl_c_when([str(REPO / "datasets" / "sample.parquet"), "--speed", "20",
                                "--run-id", "alone", "--progress-interval", "1"], tmp_path,
                               "progress: sent", to_group=False)
    assert code == 130, output[-3000:]
    _assert_clean(output)
    summary = json.loads((tmp_path / "reports" / "alone" / "summary.json").read_text())
    assert summary["run"]["partial"] is True
    assert summary["counts"]["unsent"] > 0
    assert (tmp_path / "reports" / "alone" / "report.html").is_file()


def test_ctrl_c_in_a_terminal_stops_the_replay_not_the_embedded_mock(tmp_path):
    """The mock keeps answering until the run stops it itself, so the run ends as a stopped
    run (130, partial outputs, the ledger compared), not as endpoint-down (3)."""
    code, output = ctrl_c_when([str(REPO / "datasets" / "sample.parquet"), "--speed", "20",
                                "--run-id", "terminal", "--progress-interval", "1"], tmp_path,
                               "progress: sent")
    assert code == 130, output[-3000:]
    _assert_clean(output)
    summary = json.loads((tmp_path / "reports" / "terminal" / "summary.json").read_text())
    assert summary["run"]["partial"] is True
    assert summary["reconciliation"]["mock"]["matches"] is True
    assert re.search(r"^mock ledger: \d+ messages taken .*; matches the \d+ the replay counted "
                     "as accepted", output, re.MULTILINE), output[-3000:]
    mock_url = re.search(r"embedded mock at (http://\S+) ", output).group(1)
    with pytest.raises(OSError):  # and the run stopped it
        urllib.request.build_opener(urllib.request.ProxyHandler({})).open(
            f"{mock_url}/__admin/stats", timeout=5)


def test_a_run_that_could_not_send_anything_does_not_pass(tmp_path):
    done = replay_run([str(REPO / "datasets" / "sample.parquet"), "--host", DOWN], tmp_path)
    assert done.returncode == 3, done.stdout[-3000:] + done.stderr[-3000:]
    assert ("Verdict: FAILED: the run is partial (endpoint_down: 5,010 messages not sent)"
            in done.stdout)
    assert "PASSED" not in done.stdout


def test_ctrl_c_while_the_workers_load_exits_130_without_starting(big_csv, tmp_path):
    code, output = ctrl_c_when([str(big_csv), "--host", DOWN, "--workers", "2", "--run-id", "w"],
                               tmp_path, "each loading its share")
    assert code == 130, output[-3000:]
    assert "interrupted while the workers loaded the dataset: nothing was sent" in output
    assert f'File "{REPO / "replay"}' not in output, output[-3000:]  # no traceback of ours
    assert "KeyboardInterrupt" not in output
    assert not (tmp_path / "reports" / "w" / "summary.json").exists()
