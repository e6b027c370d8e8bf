"""Section scale: memory and start-up flat in the dataset's size; 50,000 concurrent calls on time.

    section = run(ctx)                       # python -m bench --only scale

Parts, each a real process pinned to the generator core (the mock on the server core):
  prepare    `replay prepare` of generated datasets (bench/bigdata.py; Parquet, and CSV for
             the sizes in CSV_SIZES): messages per second and peak RSS.
  dry run    `locust --dry-run` on each prepared directory: peak RSS and seconds.
  speed max  `locust --speed max -t 30s` on each prepared directory against the mock (no
             auth): peak RSS, and the time from the process's start to its first message.
  distributed  the same at --speed max with 2 workers: master's and workers' peak RSS, msg/s,
             time to the outputs; a lost worker's share counted (bench/scale_distributed.py).
  burst      the 50,000-concurrent-call dataset (bench/burstdata.py) at --speed 0.5 during its
             burst of first messages (the first 20 s, 2,500 new calls a second): the replay's
             lag p99 and max, and the same lag seen at the endpoint (the mock's ledger arrival
             minus the due time, bench/endpoint_lag.py), beside a naive gevent sender
             (bench/naive_sender.py) posting the same first messages on the same schedule to a
             mock of its own, in the same run, measured both ways too. The replay's details
             add how it used its connections (summary.json `connections`). Then the same
             pair again with each mock starved of CPU (nice 5, its core shared with a busy
             process): how both degrade when the endpoint cannot keep up.
  verify     the largest directory's check before the first message, on a fresh copy (every
             part hashed) and once stamped (bench/verify_check.py).
Sizes by profile in SIZES; the datasets are written into the run's temporary directory.
"""

from __future__ import annotations

import json
import logging
import re
import subprocess
import sys
import time
from pathlib import Path

import numpy as np
import pyarrow.parquet as pq

from bench import scale_distributed
from bench.bigdata import write_big_dataset
from bench.burstdata import write_burst_dataset
from bench.context import Context
from bench.endpoint_lag import endpoint_lag, ledger_arrivals
from bench.replay_run import LOCUSTFILE, REPO
from bench.results import Figure, Section, Target
from bench.target import start_mock
from bench.verify_check import measure_copy_check

log = logging.getLogger(__name__)
SIZES = {"full": (1_000_000, 10_000_000, 50_000_000), "quick": (1_000_000, 10_000_000),
         "smoke": (100_000, 300_000)}
CSV_SIZES = {"full": (10_000_000,), "quick": (1_000_000,), "smoke": (100_000,)}
SPEED_MAX_S = {"full": 30, "quick": 30, "smoke": 5}
BURST = {"full": dict(calls=50_000, start_window_s=10.0),
         "quick": dict(calls=50_000, start_window_s=10.0),
         "smoke": dict(calls=2_000, start_window_s=1.0)}  # dataset seconds of first messages
BURST_SPEED = 0.5
STARVED_NICE = 5  # the starved mock's nice: about a quarter of its core beside one busy process
STARVED_SETUP = (f"; mock starved: nice {STARVED_NICE}, its core shared with a busy process "
                 "(both the replay's mock and the naive sender's)")
TIME_RE = re.compile(r"BENCH_TIME (\d+) ([\d.]+)")
MIB = 1024.0


def run(ctx: Context) -> Section:
    name = ctx.profile.name
    details: dict = {"setup": f"{ctx.cores_text}; sizes {SIZES[name]}, CSV {CSV_SIZES[name]}"}
    figures: list[Figure] = []
    figures += _burst(ctx, details)
    prepared = {}
    for size in SIZES[name]:
        formats = ("parquet", "csv") if size in CSV_SIZES[name] else ("parquet",)
        for fmt in formats:
            out, measured = _prepare(ctx, size, fmt)
            details[f"prepare.{fmt}.{size}"] = measured
            figures += [
                _figure(f"scale.prepare.{fmt}.{size}.mps", f"prepare {fmt} {size:,}: msg/s",
                        "msg/s", "higher", measured["mps"]),
                _figure(f"scale.prepare.{fmt}.{size}.peak_mib",
                        f"prepare {fmt} {size:,}: peak RSS", "MiB", "lower",
                        measured["peak_mib"], Target(op="<=", value=1024)),
            ]
            prepared[size] = out
    for size, out in prepared.items():
        dry = _dry_run(ctx, out)
        fast = _speed_max(ctx, out, f"max-{size}")
        details[f"dry_run.{size}"], details[f"speed_max.{size}"] = dry, fast
        figures += [
            _figure(f"scale.dry_run.{size}.peak_mib", f"dry run {size:,}: peak RSS", "MiB",
                    "lower", dry["peak_mib"], Target(op="<=", value=1024)),
            _figure(f"scale.dry_run.{size}.seconds", f"dry run {size:,}: seconds", "s",
                    "lower", dry["seconds"]),
            _figure(f"scale.speed_max.{size}.peak_mib", f"--speed max {size:,}: peak RSS",
                    "MiB", "lower", fast["peak_mib"], Target(op="<=", value=1024)),
            _figure(f"scale.speed_max.{size}.first_message_s",
                    f"--speed max {size:,}: time to first message", "s", "lower",
                    fast["first_message_s"]),
            _figure(f"scale.speed_max.{size}.achieved_mps", f"--speed max {size:,}: msg/s",
                    "msg/s", "higher", fast["achieved_mps"]),
        ]
    sizes = sorted(prepared)
    figures += _verification(ctx, prepared[sizes[-1]], sizes[-1], details)
    if len(sizes) > 1:
        for part in ("dry_run", "speed_max"):
            ratio = details[f"{part}.{sizes[-1]}"]["peak_mib"] / details[
                f"{part}.{sizes[0]}"]["peak_mib"]
            figures.append(_figure(f"scale.{part}.peak_ratio",
                                   f"{part}: peak RSS {sizes[-1]:,} / {sizes[0]:,}", "x",
                                   "lower", ratio, Target(op="<=", value=1.2)))
    figures += scale_distributed.run(ctx, prepared, details)  # with 2 workers
    return Section(name="scale", status="ok", figures=tuple(figures), details=details)


def _verification(ctx: Context, prepared: Path, size: int, details: dict) -> list[Figure]:
    """The largest directory's check before the first message: on a fresh copy (every part
    hashed) and on the same copy once stamped (bench/verify_check.py)."""
    measured = measure_copy_check(prepared, ctx.run_dir, core=ctx.generator_core)
    details[f"verify.{size}"] = measured
    copied, stamped = measured["copied"], measured["stamped"]
    log.info("scale: checking %d MB of parts: %.2f s on a copy, %.4f s once stamped",
             copied["bytes"] / 1e6, copied["seconds"], stamped["seconds"])
    return [
        _figure(f"scale.verify.{size}.copied_s", f"check {size:,} before sending: after a copy",
                "s", "lower", copied["seconds"]),
        _figure(f"scale.verify.{size}.stamped_ms", f"check {size:,} before sending: stamped",
                "ms", "lower", stamped["seconds"] * 1000),
        _figure(f"scale.verify.{size}.copied_mbps", f"check {size:,} after a copy: MB/s",
                "MB/s", "higher", copied["bytes_hashed"] / 1e6 / copied["seconds"]),
    ]


def _figure(key, label, unit, better, value, target=None) -> Figure:
    return Figure(key=key, label=label, unit=unit, better=better, samples=(round(value, 3),),
                  target=target)


def _timed(ctx: Context, argv: list[str], *, timeout_s: float, log_name: str) -> dict:
    """Run argv pinned to the generator core under /usr/bin/time: peak RSS, seconds, output."""
    wrapped = ["taskset", "-c", str(ctx.generator_core), "/usr/bin/time", "-f",
               "BENCH_TIME %M %e", *argv]
    started = time.time()
    done = subprocess.run(wrapped, capture_output=True, text=True, timeout=timeout_s, cwd=REPO)
    (ctx.run_dir / f"{log_name}.log").write_text(done.stdout + done.stderr)
    found = TIME_RE.findall(done.stderr)
    if not found:
        raise RuntimeError(f"{log_name}: no timing (exit {done.returncode}): "
                           f"{done.stderr[-800:]}")
    peak_kib, seconds = found[-1]
    return {"peak_mib": int(peak_kib) / MIB, "seconds": float(seconds), "started": started,
            "returncode": done.returncode, "stdout": done.stdout}


def _prepare(ctx: Context, size: int, fmt: str) -> tuple[Path, dict]:
    source = ctx.run_dir / f"big-{size}.{fmt}"
    log.info("scale: writing %s (%d messages)", source.name, size)
    write_big_dataset(source, messages=size, fmt=fmt)
    out = ctx.run_dir / f"prepared-{size}-{fmt}"
    result = _timed(ctx, [sys.executable, "-m", "replay", "prepare", str(source), "--out",
                          str(out)], timeout_s=3600, log_name=f"prepare-{fmt}-{size}")
    if result["returncode"]:
        raise RuntimeError(f"replay prepare {source.name} failed: see prepare-{fmt}-{size}.log")
    source.unlink()
    measured = {"messages": size, "source_format": fmt, "seconds": result["seconds"],
                "mps": size / result["seconds"], "peak_mib": result["peak_mib"]}
    log.info("scale: prepare %s %d: %.0f msg/s, peak %.0f MiB", fmt, size, measured["mps"],
             measured["peak_mib"])
    return out, measured


def _locust(dataset: Path, *extra: str) -> list[str]:
    return [sys.executable, "-m", "locust", "-f", str(LOCUSTFILE), "--headless",
            "--only-summary", "--dataset", str(dataset), *extra]


def _dry_run(ctx: Context, prepared: Path) -> dict:
    result = _timed(ctx, _locust(prepared, "--dry-run", "--host", "http://127.0.0.1:9"),
                    timeout_s=600, log_name=f"dry-{prepared.name}")
    if result["returncode"]:
        raise RuntimeError(f"dry run of {prepared.name} failed (exit {result['returncode']})")
    return {"peak_mib": result["peak_mib"], "seconds": result["seconds"]}


def _speed_max(ctx: Context, prepared: Path, name: str) -> dict:
    duration = SPEED_MAX_S[ctx.profile.name]
    mock = start_mock(ctx.procs, ctx.run_dir, core=ctx.server_core, keys=None,
                      name=f"{name}-mock")
    try:
        result = _timed(ctx, _locust(prepared, "--speed", "max", "--host", mock.url,
                                     "-t", f"{duration}s", "--report-dir",
                                     str(ctx.run_dir / "reports"), "--run-id", name),
                        timeout_s=duration + 600, log_name=name)
    finally:
        mock.child.stop()
    run_dir = ctx.run_dir / "reports" / name
    summary = json.loads((run_dir / "summary.json").read_text())
    sent = pq.read_table(run_dir / "outcomes.parquet", columns=["sent_s"]).column(0).to_numpy()
    first = summary["run"]["t0_epoch_s"] + float(np.nanmin(sent))
    return {"peak_mib": result["peak_mib"], "seconds": result["seconds"],
            "first_message_s": first - result["started"],
            "sent": summary["counts"]["sent"], "achieved_mps": summary["rates"]["achieved_mps"]}


def _burst(ctx: Context, details: dict) -> list[Figure]:
    dataset = ctx.run_dir / "burst.parquet"
    shape = BURST[ctx.profile.name]
    write_burst_dataset(dataset, **shape)
    window_s = shape["start_window_s"] / BURST_SPEED  # the burst of first messages, replayed
    figures: list[Figure] = []
    for name, starved in (("burst", False), ("burst_starved", True)):
        replay, reference = _burst_pair(ctx, dataset, window_s, name, starved=starved)
        details[name] = {"replay": replay, "naive_sender": reference,
                         "setup": f"{shape['calls']:,} calls of 10 messages at --speed "
                                  f"{BURST_SPEED}, first {window_s:g} s"
                                  + (STARVED_SETUP if starved else "")}
        log.info("scale: %s lag p99 %.1f ms (max %.1f), at the endpoint p99 %.1f ms (max %.1f);"
                 " naive sender p99 %.1f ms (max %.1f), at the endpoint p99 %.1f ms (max %.1f)",
                 name, replay["lag_p99_ms"], replay["lag_max_ms"], replay["endpoint_p99_ms"],
                 replay["endpoint_max_ms"], reference["lag_p99_ms"], reference["lag_max_ms"],
                 reference["endpoint_p99_ms"], reference["endpoint_max_ms"])
        figures += _burst_figures(name, replay, reference, starved=starved)
    return figures


def _burst_pair(ctx: Context, dataset: Path, window_s: float, name: str, *,
                starved: bool) -> tuple[dict, dict]:
    """The replay, then the naive sender, each against a mock of its own; `starved`: the
    mock at nice STARVED_NICE, its core shared with a busy process (as on a loaded machine)."""
    hog = (ctx.procs.start(f"{name}-hog", [sys.executable, "-c", "while True: pass"],
                           core=ctx.server_core) if starved else None)
    nice = STARVED_NICE if starved else 0
    try:
        mock = start_mock(ctx.procs, ctx.run_dir, core=ctx.server_core, keys=None,
                          name=f"{name}-mock", nice=nice)
        try:
            result = _timed(ctx, _locust(dataset, "--speed", str(BURST_SPEED), "--host",
                                         mock.url, "-t", f"{window_s + 4:g}s", "--report-dir",
                                         str(ctx.run_dir / "reports"), "--run-id", name),
                            timeout_s=300, log_name=name)
            arrivals = ledger_arrivals(mock.url)
        finally:
            mock.child.stop()
        mock = start_mock(ctx.procs, ctx.run_dir, core=ctx.server_core, keys=None,
                          name=f"{name}-naive-mock", nice=nice)
        try:
            naive = _timed(ctx, [sys.executable, "-m", "bench.naive_sender",
                                 str(dataset), mock.url, str(BURST_SPEED), str(window_s)],
                           timeout_s=300, log_name=f"{name}-naive-sender")
        finally:
            mock.child.stop()
    finally:
        if hog is not None:
            hog.stop()
    run_dir = ctx.run_dir / "reports" / name
    summary = json.loads((run_dir / "summary.json").read_text())
    outcomes = pq.read_table(run_dir / "outcomes.parquet", columns=[
        "vendorCallKey", "messageId", "due_s", "sent_s", "done_s"]).to_pandas()
    burst = outcomes[(outcomes.due_s < window_s) & outcomes.sent_s.notna()]
    lag = np.maximum(burst.sent_s - burst.due_s, 0.0).to_numpy() * 1000.0
    service = (burst.done_s - burst.sent_s).to_numpy() * 1000.0
    at_endpoint = endpoint_lag(arrivals, burst, t0_epoch_s=summary["run"]["t0_epoch_s"])
    replay = {"count": int(lag.size), "lag_p50_ms": float(np.percentile(lag, 50)),
              "lag_p99_ms": float(np.percentile(lag, 99)), "lag_max_ms": float(lag.max()),
              "service_p99_ms": float(np.nanpercentile(service, 99)),
              **{f"endpoint_{key}": value for key, value in at_endpoint.items()},
              "connections": summary.get("connections"), "lateness": summary.get("lateness"),
              "peak_mib": result["peak_mib"]}
    return replay, json.loads(naive["stdout"].split("BENCH_JSON ", 1)[1])


def _burst_figures(name: str, replay: dict, reference: dict, *, starved: bool) -> list[Figure]:
    title = "50k calls burst, mock starved" if starved else "50k calls burst"
    figures = [
        _figure(f"scale.{name}.lag_p99_ms", f"{title}: lag p99", "ms", "lower",
                replay["lag_p99_ms"], None if starved else Target(op="<=", value=10)),
        _figure(f"scale.{name}.lag_max_ms", f"{title}: lag max", "ms", "lower",
                replay["lag_max_ms"]),
        _figure(f"scale.{name}.endpoint_lag_p99_ms", f"{title}: lag at the endpoint p99",
                "ms", "lower", replay["endpoint_p99_ms"]),
        _figure(f"scale.{name}.endpoint_lag_max_ms", f"{title}: lag at the endpoint max",
                "ms", "lower", replay["endpoint_max_ms"]),
        _figure(f"scale.{name}.peak_open", f"{title}: connections open at most", "",
                "lower", replay["connections"]["peak_open"]),
        _figure(f"scale.{name}.naive_lag_p99_ms", f"{title}: naive sender lag p99", "ms",
                "lower", reference["lag_p99_ms"]),
        _figure(f"scale.{name}.naive_lag_max_ms", f"{title}: naive sender lag max", "ms",
                "lower", reference["lag_max_ms"]),
        _figure(f"scale.{name}.naive_endpoint_lag_p99_ms",
                f"{title}: naive sender, lag at the endpoint p99", "ms", "lower",
                reference["endpoint_p99_ms"]),
        _figure(f"scale.{name}.naive_endpoint_lag_max_ms",
                f"{title}: naive sender, lag at the endpoint max", "ms", "lower",
                reference["endpoint_max_ms"]),
    ]
    if not starved:
        figures.insert(4, _figure(f"scale.{name}.peak_mib", f"{title}: peak RSS", "MiB",
                                  "lower", replay["peak_mib"]))
    return figures
