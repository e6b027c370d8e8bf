"""`python -m bench --smoke`: every section runs end to end and leaves no process behind.

Speed is not judged here (the smoke profile marks targets "not judged"); these tests check that
the benchmark itself works, so it never rots.
"""

from __future__ import annotations

import json
import math
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import psutil
import pytest

REPO = Path(__file__).resolve().parents[2]
ALL_SECTIONS = ("mock", "generator", "fidelity", "data", "import", "soak", "tokens", "proxy",
                "bulk", "anonymize")

pytestmark = pytest.mark.e2e


def bench(tmp_path: Path, *args: str) -> subprocess.Popen:
    env = {**os.environ, "TMPDIR": str(tmp_path)}  # the run directory, so leftovers are findable
    return subprocess.Popen([sys.executable, "-m", "bench", *args,
                             "--results-dir", str(tmp_path / "results")],
                            cwd=REPO, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                            text=True)


def processes_using(tmp_path: Path) -> list[str]:
    found = []
    for proc in psutil.process_iter(["cmdline"]):
        cmdline = " ".join(proc.info["cmdline"] or [])
        if str(tmp_path) in cmdline and proc.pid != os.getpid():
            found.append(cmdline)
    return found


def test_smoke_run_gives_numbers_for_every_section_and_stops_its_processes(tmp_path,
                                                                          require_tool):
    require_tool("wrk")
    run = bench(tmp_path, "--smoke", "--only", ",".join(ALL_SECTIONS))
    out, err = run.communicate(timeout=600)
    assert run.returncode == 0, err[-3000:]
    [results] = (tmp_path / "results").glob("*-smoke.json")
    document = json.loads(results.read_text())
    assert document["mode"] == "smoke" and document["judged"] is False
    assert list(document["sections"]) == list(ALL_SECTIONS)
    for name, section in document["sections"].items():
        assert section["status"] == "ok", (name, section["why"])
        assert section["figures"], name
        for figure in section["figures"]:
            assert all(math.isfinite(s) for s in figure["samples"]), figure
            assert figure["passed"] is None, figure
    assert out.startswith("| figure | value | target | result |")
    assert f"results: {results}" in out
    assert processes_using(tmp_path) == []


def test_sigterm_mid_run_stops_every_process_it_started(tmp_path, require_tool):
    require_tool("wrk")
    run = bench(tmp_path, "--smoke", "--only", "mock")
    deadline = time.monotonic() + 60
    while not any("replay.mock" in c for c in processes_using(tmp_path)):
        assert run.poll() is None, run.communicate()[1][-3000:]
        assert time.monotonic() < deadline, "the mock never started"
        time.sleep(0.05)
    run.send_signal(signal.SIGTERM)
    _, err = run.communicate(timeout=60)
    assert run.returncode == 130
    assert "interrupted: every process started was stopped" in err
    assert processes_using(tmp_path) == []
    assert not (tmp_path / "results").exists()
