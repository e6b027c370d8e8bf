"""Section 1, the mock endpoint's speed: wrk over 64 keep-alive connections against one core.

    section = run(ctx)

For each repeat, a fresh mock on the server core (RS256 verification with one valid token for
the run, validation and ledger on; then the same with --no-auth; the order alternates between
repeats), a short wrk warm-up, and a measured wrk run on the generator core
(`bench/wrk_post.lua` varies messageId and vendorCallKey per request). Figures: posts/s, p50
and p99 latency per mode, and the share of the no-auth rate kept with verification on. Details
per run: wrk's counts, the server's CPU utilisation (near 1.0 means the mock, not wrk, set the
pace) and the CPU other processes took on the server core (the machine is shared).
"""

from __future__ import annotations

import logging
import time
import uuid
from pathlib import Path

from bench.context import Context
from bench.procs import ChildFailed, core_busy_seconds
from bench.results import Figure, Section, Target
from bench.target import start_mock
from bench.tools import ensure_wrk

log = logging.getLogger(__name__)
LUA = Path(__file__).with_name("wrk_post.lua")
CONNECTIONS = 64
MODES = ("auth", "noauth")


def run(ctx: Context) -> Section:
    wrk = ensure_wrk()
    runs: dict[str, list[dict]] = {mode: [] for mode in MODES}
    for repeat in range(ctx.profile.repeats):
        for mode in MODES if repeat % 2 == 0 else reversed(MODES):
            result = _one_run(ctx, wrk, mode=mode, repeat=repeat)
            log.info("mock %s repeat %d: %.0f posts/s, p99 %.2f ms, server CPU %.2f", mode,
                     repeat + 1, result["posts_per_s"], result["p99_ms"], result["server_cpu"])
            runs[mode].append(result)
    figures = []
    for mode, label in (("auth", "RS256 on"), ("noauth", "auth off")):
        rates = tuple(r["posts_per_s"] for r in runs[mode])
        figures += [
            Figure(key=f"mock.{mode}.posts_per_s", label=f"Mock, {label}: posts/s on one core",
                   unit="msg/s", better="higher", samples=rates,
                   target=Target(op=">=", value=30_000) if mode == "auth" else None),
            Figure(key=f"mock.{mode}.p50_ms", label=f"Mock, {label}: latency p50", unit="ms",
                   better="lower", samples=tuple(r["p50_ms"] for r in runs[mode])),
            Figure(key=f"mock.{mode}.p99_ms", label=f"Mock, {label}: latency p99", unit="ms",
                   better="lower", samples=tuple(r["p99_ms"] for r in runs[mode]),
                   target=Target(op="<=", value=5) if mode == "auth" else None),
        ]
    figures.append(Figure(
        key="mock.auth_over_noauth", label="Mock: RS256 rate / auth-off rate", unit="x",
        better="higher", samples=tuple(a["posts_per_s"] / b["posts_per_s"]
                                       for a, b in zip(runs["auth"], runs["noauth"], strict=True))))
    details = {"setup": f"{ctx.cores_text}; wrk -t1 -c{CONNECTIONS}, "
                        f"{ctx.profile.mock_window_s:g} s per run after a "
                        f"{ctx.profile.mock_warmup_s:g} s warm-up; a fresh mock per run",
               "runs": runs}
    return Section(name="mock", status="ok", figures=tuple(figures), details=details)


def _one_run(ctx: Context, wrk: str, *, mode: str, repeat: int) -> dict:
    name = f"mock-{mode}-{repeat}"
    mock = start_mock(ctx.procs, ctx.run_dir, core=ctx.server_core, name=name,
                      keys=ctx.keys if mode == "auth" else None)
    try:
        _wrk(ctx, wrk, mock.url, seconds=ctx.profile.mock_warmup_s, name=f"{name}-warmup",
             token=ctx.keys.token)
        cpu_before, t_before = mock.child.cpu_seconds(), time.monotonic()
        busy_before = core_busy_seconds(ctx.server_core)
        result = _wrk(ctx, wrk, mock.url, seconds=ctx.profile.mock_window_s, name=f"{name}-wrk",
                      token=ctx.keys.token)
        elapsed = time.monotonic() - t_before
        server_cpu = (mock.child.cpu_seconds() - cpu_before) / elapsed
        others = (core_busy_seconds(ctx.server_core) - busy_before) / elapsed - server_cpu
    finally:
        mock.child.stop()
    bad = result["status_errors"] + result["connect_errors"] + result["timeouts"]
    if bad:
        raise ChildFailed(f"wrk against the mock ({mode}) saw {result['status_errors']} non-2xx "
                          f"answers, {result['connect_errors']} connect errors and "
                          f"{result['timeouts']} timeouts; see {mock.child.log_path}")
    return {"posts_per_s": result["requests"] / (result["duration_us"] / 1e6),
            "p50_ms": result["p50_us"] / 1000, "p99_ms": result["p99_us"] / 1000,
            "max_ms": result["max_us"] / 1000, "requests": result["requests"],
            "read_errors": result["read_errors"], "server_cpu": round(server_cpu, 3),
            "others_on_server_core": round(max(0.0, others), 3)}


def _wrk(ctx: Context, wrk: str, url: str, *, seconds: float, name: str, token: str) -> dict:
    argv = [wrk, "-t1", f"-c{CONNECTIONS}", f"-d{max(1, round(seconds))}s", "--timeout", "2s",
            "-s", str(LUA), url]
    env = {"BENCH_TOKEN": token, "BENCH_RUN": f"{name}-{uuid.uuid4().hex[:8]}"}
    child = ctx.procs.start(name, argv, core=ctx.generator_core, env=env)
    result = child.result(seconds + 30)
    if result is None:
        raise child.failure("printed no BENCH_JSON line")
    return result
