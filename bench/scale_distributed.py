"""Section scale, distributed part: the master's and each worker's memory, flat in the size.

    figures = run(ctx, prepared, details)     # prepared: {messages: prepared directory}

For each prepared directory the scale section made, a distributed replay as `replay run
--workers 2` runs it: `locust --headless --processes 2` (a master and two forked workers, on a
free loopback port) at `--speed max` against a fresh mock (`--no-auth`), stopped by a Ctrl-C
(SIGINT to its process group, as `replay run` passes one on) once it has sent for DURATION_S
(counted from the mock's first accepted message: unlike `-t`, which counts from Locust's start,
the workers' loading of a large directory does not shorten it).
Locust is pinned to the generator core (master and workers share it), the mock to the server
core. Every SAMPLE_S the process tree is walked with psutil and each process's peak resident
set read (the kernel's VmHWM, so a peak between two samples still counts): the master is the
Locust process, the workers its children. From the run's own outputs: the messages/s reached
(summary.json), the master's seconds from its start to its last output written, and of those
the end: from the last message answered to the last output written (the workers' last chunks
and counts of what was left unread, outcomes.parquet from the spools, series.json,
summary.json, report.html).

Then, on the largest directory, the time the master needs to count a lost streamed worker's
share (`python -m bench.count_share`: `PreparedStream.count_share`, as the master calls it),
in a process of its own on the generator core.
"""

from __future__ import annotations

import contextlib
import json
import logging
import os
import signal
import sys
import time
from collections.abc import Callable
from pathlib import Path

import psutil
import pyarrow.compute as pc
import pyarrow.parquet as pq

from bench.context import Context
from bench.procs import Child
from bench.replay_run import LOCUSTFILE, REPO
from bench.results import Figure, Target
from bench.target import start_mock
from replay.commands.run import local_workers_arguments

log = logging.getLogger(__name__)
WORKERS = 2
DURATION_S = {"full": 30, "quick": 30, "smoke": 5}  # of sending, then Ctrl-C
LOAD_S = 900  # at most, from the start to the first message accepted
END_S = 900  # at most, from the Ctrl-C to the end
SAMPLE_S = 0.1
OUTPUTS = ("outcomes.parquet", "series.json", "summary.json", "report.html")
MIB = 2.0**20
PEAK_MIB = 1024  # each process, as the local parts
FLAT = 1.2  # largest / smallest peak across sizes


def run(ctx: Context, prepared: dict[int, Path], details: dict) -> list[Figure]:
    """The distributed part's figures (and its details under details["distributed"])."""
    duration = DURATION_S[ctx.profile.name]
    measured = {size: replay_distributed(ctx, path, f"dist-{size}", duration)
                for size, path in sorted(prepared.items())}
    largest = max(prepared)
    counted = ctx.procs.start("count-share", [
        sys.executable, "-m", "bench.count_share", str(prepared[largest]), "--index", "1",
        "--count", str(WORKERS)], core=ctx.generator_core, cwd=REPO).result(timeout=1800)
    details["distributed"] = {
        "setup": (f"locust --headless --processes {WORKERS} (as replay run --workers "
                  f"{WORKERS}) --speed max on each prepared directory against the mock "
                  f"(--no-auth), Ctrl-C after {duration} s of sending: master and workers on "
                  f"core {ctx.generator_core}, the "
                  f"mock on core {ctx.server_core}; peak RSS per process (VmHWM, sampled every "
                  f"{SAMPLE_S:g} s with psutil); then python -m bench.count_share on the "
                  f"{largest:,}-message directory (worker 1 of {WORKERS})"),
        **{str(size): one for size, one in measured.items()},
        "count_share": {"messages_in_directory": largest, **counted},
    }
    figures: list[Figure] = []
    for size, one in measured.items():
        figures += [
            _figure(f"scale.distributed.{size}.master_peak_mib",
                    f"{WORKERS} workers {size:,}: master peak RSS", "MiB", "lower",
                    one["master_peak_mib"], Target(op="<=", value=PEAK_MIB)),
            _figure(f"scale.distributed.{size}.worker_peak_mib",
                    f"{WORKERS} workers {size:,}: worker peak RSS (largest)", "MiB", "lower",
                    one["worker_peak_mib"], Target(op="<=", value=PEAK_MIB)),
            _figure(f"scale.distributed.{size}.achieved_mps",
                    f"{WORKERS} workers {size:,}: msg/s", "msg/s", "higher",
                    one["achieved_mps"]),
            _figure(f"scale.distributed.{size}.master_seconds",
                    f"{WORKERS} workers {size:,}: master start to outputs written", "s",
                    "lower", one["master_seconds"]),
            _figure(f"scale.distributed.{size}.end_s",
                    f"{WORKERS} workers {size:,}: last answer to outputs written", "s",
                    "lower", one["end_s"]),
        ]
    if len(measured) > 1:
        for role in ("master", "worker"):
            peaks = [one[f"{role}_peak_mib"] for one in measured.values()]
            figures.append(_figure(
                f"scale.distributed.{role}_peak_ratio",
                f"{WORKERS} workers: {role} peak RSS, largest / smallest across sizes", "x",
                "lower", max(peaks) / min(peaks), Target(op="<=", value=FLAT)))
    figures += [
        _figure("scale.distributed.count_share.seconds",
                f"lost worker's share of {largest:,} counted: seconds", "s", "lower",
                counted["seconds"]),
        _figure("scale.distributed.count_share.peak_mib",
                f"lost worker's share of {largest:,} counted: peak RSS", "MiB", "lower",
                counted["peak_rss_mib"]),
    ]
    return figures


def replay_distributed(ctx: Context, prepared: Path, name: str, duration: int) -> dict:
    """One distributed `--speed max` run of `prepared`, measured (see the module docstring)."""
    mock = start_mock(ctx.procs, ctx.run_dir, core=ctx.server_core, keys=None,
                      name=f"{name}-mock")
    reports = ctx.run_dir / "reports"
    argv = [sys.executable, "-m", "locust", "-f", str(LOCUSTFILE), "--headless",
            "--only-summary", *local_workers_arguments(WORKERS), "--dataset", str(prepared),
            "--speed", "max", "--host", mock.url, "--report-dir", str(reports),
            "--run-id", name]
    try:
        started = time.time()
        master = ctx.procs.start(name, argv, core=ctx.generator_core, cwd=REPO)
        peaks: dict[int, int] = {}
        sample_peaks(master, peaks, until=lambda: mock.accepted() > 0, timeout_s=LOAD_S,
                     what="sending")
        sample_peaks(master, peaks, until=lambda: False, timeout_s=duration, what="")
        with contextlib.suppress(ProcessLookupError):  # unless it already ended by itself
            os.killpg(master.pid, signal.SIGINT)  # Ctrl-C, as `replay run` passes it on
        sample_peaks(master, peaks, until=lambda: False, timeout_s=END_S, what="")
        if master.running():
            raise master.failure(f"did not end within {END_S} s of its Ctrl-C")
    finally:
        mock.child.stop()
    run_dir = reports / name
    if not (run_dir / "summary.json").is_file():
        raise master.failure("wrote no summary.json")
    summary = json.loads((run_dir / "summary.json").read_text())
    workers = {pid: peak for pid, peak in peaks.items() if pid != master.pid}
    if summary["run"]["workers"] != WORKERS or summary["run"].get("lost_workers"):
        raise master.failure(f"ran with {summary['run']['workers']} workers, lost "
                             f"{summary['run'].get('lost_workers')}")
    if len(workers) != WORKERS:
        raise master.failure(f"had {len(workers)} worker processes, not {WORKERS}")
    done = pq.read_table(run_dir / "outcomes.parquet", columns=["done_s"]).column(0)
    last_answer = summary["run"]["t0_epoch_s"] + float(_max(done))
    written = max((run_dir / output).stat().st_mtime for output in OUTPUTS)
    measured = {
        "master_peak_mib": peaks.get(master.pid, 0) / MIB,
        "worker_peak_mib": max(workers.values()) / MIB,
        "worker_peaks_mib": sorted(round(peak / MIB, 1) for peak in workers.values()),
        "achieved_mps": summary["rates"]["achieved_mps"],
        "sent": summary["counts"]["sent"],
        "planned": summary["counts"]["planned"],
        "balanced": summary["reconciliation"]["balanced"],
        "master_seconds": written - started,
        "end_s": written - last_answer,
        "exit_code": master.popen.returncode,
    }
    log.info("scale: %d workers on %s: master peak %.0f MiB, workers %s MiB, %.0f msg/s, "
             "outputs written %.1f s after the start, %.1f s after the last answer", WORKERS,
             prepared.name, measured["master_peak_mib"], measured["worker_peaks_mib"],
             measured["achieved_mps"], measured["master_seconds"], measured["end_s"])
    return measured


def sample_peaks(child: Child, peaks: dict[int, int], *, until: Callable[[], bool],
                 timeout_s: float, what: str) -> None:
    """Every SAMPLE_S, each process of the child's tree's peak RSS (bytes) into `peaks`, until
    `until()` holds (else ChildFailed naming `what` after `timeout_s`, unless `what` is empty),
    `timeout_s` has passed, or the child has exited."""
    deadline = time.monotonic() + timeout_s
    while child.running():
        with contextlib.suppress(psutil.Error):
            top = psutil.Process(child.pid)
            for proc in [top, *top.children(recursive=True)]:
                with contextlib.suppress(psutil.Error, OSError, ValueError):
                    peaks[proc.pid] = max(peaks.get(proc.pid, 0), peak_rss(proc))
        if until():
            return
        if time.monotonic() > deadline:
            if what:
                raise child.failure(f"not {what} within {timeout_s:.0f} s")
            return
        time.sleep(SAMPLE_S)
    if what:
        raise child.failure(f"exited before {what}")


def peak_rss(proc: psutil.Process) -> int:
    """The process's peak resident set so far (VmHWM, bytes); its RSS now where there is none."""
    with open(f"/proc/{proc.pid}/status", encoding="ascii") as status:
        for line in status:
            if line.startswith("VmHWM:"):
                return int(line.split()[1]) * 1024
    return proc.memory_info().rss


def _max(column) -> float:
    value = pc.max(column).as_py()
    if value is None:
        raise RuntimeError("no message was answered")
    return value


def _figure(key: str, label: str, unit: str, better: str, value: float,
            target: Target | None = None) -> Figure:
    return Figure(key=key, label=label, unit=unit, better=better, samples=(round(value, 3),),
                  target=target)
