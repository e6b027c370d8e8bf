"""End to end: `replay capacity` against the embedded mock finds the capacity the mock was given.

The dataset is perfectly steady (10 messages a second of dataset time, 40 calls taking turns), so
its peak rate at speed S is 10 × S msg/s, and a mock serving R msg/s holds up to speed R / 10.
Every call starts within the first 0.4 s of a step, so calls are created as fast as they come
(--create-rate 1000, the mock's --call-create-rate 0), not 50 a second, which would delay the
first messages. Each search runs 3 steps of a 5 s window (start 12.5 passes, 25 fails, the
bisection's 18.75 passes and is within --precision 35% of 25): one step of each phase, about
25 s on a quiet machine, bounded at 240 s by the subprocess timeout.
"""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pandas as pd
import pytest

from tests.results.test_junit import assert_valid_junit, cases_of

from .conftest import BASE_MS

pytestmark = pytest.mark.e2e

DATASET_RATE = 10  # messages per dataset second
TRUTH = 200  # msg/s the mock holds


def write_steady_dataset(path: Path, *, calls: int = 40, messages: int = 50) -> Path:
    """`calls` calls taking turns: one message every 0.1 s overall, each call every 4 s."""
    interval_ms = 1000 // DATASET_RATE
    rows = []
    for n in range(calls * messages):
        call, turn = n % calls, n // calls
        end = BASE_MS + n * interval_ms
        rows.append({"vendorCallKey": f"call-{call:03d}", "participantId": f"p-{call}",
                     "messageId": f"m{turn:03d}", "startTime": end - 1000, "endTime": end,
                     "content": f"utterance {turn}", "senderType": "END_USER"})
    pd.DataFrame(rows).to_parquet(path)
    return path


def _capacity(tmp_path: Path, mock_args: str, fail_on: str) -> tuple[subprocess.CompletedProcess,
                                                                      dict]:
    dataset = write_steady_dataset(tmp_path / "steady.parquet")
    done = subprocess.run(
        [sys.executable, "-m", "replay", "capacity", str(dataset), "--fail-on", fail_on,
         "--mock-args", f"{mock_args} --call-create-rate 0", "--create-rate", "1000",
         "--start-speed", "12.5", "--precision", "35%",
         "--window", "5", "--cooldown", "0.5", "--max-steps", "6", "--run-id", "cap",
         "--progress-interval", "0"],
        capture_output=True, text=True, timeout=240, cwd=tmp_path,
    )
    assert done.returncode == 0, done.stdout[-4000:] + done.stderr[-3000:]
    document = json.loads((tmp_path / "reports" / "cap" / "capacity.json").read_text())
    return done, document


def _assert_found_within_15_percent(document: dict) -> None:
    answer = document["capacity"]
    assert answer["found"] is True
    assert answer["first_failing_speed"] > answer["speed"]
    assert answer["peak_mps"] == pytest.approx(TRUTH, rel=0.15)
    assert answer["speed"] * DATASET_RATE == pytest.approx(TRUTH, rel=0.15)


def test_capacity_against_a_service_rate_finds_it_within_15_percent(tmp_path):
    done, document = _capacity(tmp_path, f"--service-rate {TRUTH}", "sched_p99>150ms")
    _assert_found_within_15_percent(document)
    assert [row["metric"] for row in document["capacity"]["broken"]] == ["sched_p99"]
    assert "Capacity: speed" in done.stdout
    cap_dir = tmp_path / "reports" / "cap"
    for step in document["steps"]:
        assert (cap_dir / step["report"]).is_file()
        summary = json.loads((cap_dir / step["run_dir"] / "summary.json").read_text())
        assert summary["reconciliation"]["mock"]["matches"] is True
    assert 'href="step-01/report.html"' in (cap_dir / "capacity.html").read_text()
    assert not (cap_dir / "datasets").exists()


def test_capacity_against_a_rate_limit_finds_it_within_15_percent(tmp_path):
    _done, document = _capacity(tmp_path, f"--rate-limit {TRUTH}", "error_rate>1%")
    _assert_found_within_15_percent(document)
    assert [row["metric"] for row in document["capacity"]["broken"]] == ["error_rate"]


def test_capacity_exits_1_when_even_the_start_speed_fails(tmp_path):
    dataset = write_steady_dataset(tmp_path / "steady.parquet", calls=10, messages=10)
    done = subprocess.run(
        [sys.executable, "-m", "replay", "capacity", str(dataset), "--fail-on", "error_rate>1%",
         "--mock-args", "--error-rate 0.5", "--start-speed", "20", "--cooldown", "0",
         "--run-id", "cap", "--progress-interval", "0", "--junit-xml", "ci/junit.xml"],
        capture_output=True, text=True, timeout=120, cwd=tmp_path,
    )
    assert done.returncode == 1, done.stdout[-4000:] + done.stderr[-3000:]
    document = json.loads((tmp_path / "reports" / "cap" / "capacity.json").read_text())
    assert document["capacity"]["found"] is False
    assert document["capacity"]["stopped"] == "start_failed"
    assert len(document["steps"]) == 1
    assert "Capacity: none found: even the start speed 20 fails" in done.stdout
    cases = cases_of(assert_valid_junit((tmp_path / "ci" / "junit.xml").read_text()))
    assert set(cases) == {("replay.capacity", "capacity found"),
                          ("replay.capacity.steps", "step 01 (doubling) at speed 20")}
    assert cases[("replay.capacity", "capacity found")].startswith(
        "no capacity found: even the start speed 20 fails: error_rate>1% (measured ")
