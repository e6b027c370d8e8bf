"""Section 3, schedule fidelity: the replay at fixed scheduled rates, lag and achieved rate.

    section = run(ctx)

For each rate (1,000, 4,000 and 8,000 messages/s in the full profile) a flat-rate dataset
(`bench/flatdata.py`: calls of 20 messages half a second apart, in lanes with no ramp) is
replayed at --speed 10 for a bounded time against the mock (RS256 on, server core), the replay
on the generator core. From the replay's summary.json: schedule lag p50, p99 and max, and
achieved over intended messages/s; from the mock's ledger, the lag seen at the endpoint
(arrival - due, bench/endpoint_lag.py) p50, p99 and max beside it. Each repeat is a separate
run; its details add the CPU the replay and the mock used (shares of the replay's run time,
loading included) and what other processes took on the replay's core.
"""

from __future__ import annotations

import logging
import time
from pathlib import Path

import pyarrow.parquet as pq

from bench.context import Context
from bench.endpoint_lag import endpoint_lag, ledger_arrivals
from bench.flatdata import write_flat_dataset
from bench.procs import Child, core_busy_seconds
from bench.replay_run import read_summary, require_replay, start_replay
from bench.results import Figure, Section, Target
from bench.target import require_mock, start_mock

log = logging.getLogger(__name__)
SPEED = 10
GAP_S = 0.5
CALL_MESSAGES = 20
TARGET_RATE = 8000


def run(ctx: Context) -> Section:
    require_mock()
    require_replay()
    profile = ctx.profile
    runs: dict[int, list[dict]] = {rate: [] for rate in profile.fidelity_rates}
    datasets = {}
    for rate in profile.fidelity_rates:
        datasets[rate] = ctx.run_dir / f"flat-{rate}.parquet"
        write_flat_dataset(datasets[rate], rate=rate, duration_s=profile.fidelity_duration_s,
                           speed=SPEED, gap_s=GAP_S, call_messages=CALL_MESSAGES)
    for repeat in range(profile.repeats):
        for rate in profile.fidelity_rates:
            result = replay_once(ctx, f"fidelity-{rate}-{repeat}", dataset=datasets[rate],
                                 timeout_s=profile.fidelity_duration_s + 120)
            log.info("fidelity %d/s repeat %d: lag p99 %.2f ms, max %.2f ms (at the endpoint "
                     "p99 %.2f ms, max %.2f ms), achieved %.3f "
                     "(CPU: replay %.2f, mock %.2f, others on the replay's core %.2f)", rate,
                     repeat + 1, result["lag_p99_ms"], result["lag_max_ms"],
                     result["endpoint_p99_ms"], result["endpoint_max_ms"],
                     result["achieved_over_intended"], result["replay_cpu"],
                     result["server_cpu"], result["others_on_generator_core"])
            runs[rate].append(result)
    figures = []
    for rate, results in runs.items():
        judged = rate == TARGET_RATE
        figures += [
            Figure(key=f"fidelity.{rate}.lag_p50_ms", label=f"Lag at {rate:,}/s: p50", unit="ms",
                   better="lower", samples=tuple(r["lag_p50_ms"] for r in results)),
            Figure(key=f"fidelity.{rate}.lag_p99_ms", label=f"Lag at {rate:,}/s: p99", unit="ms",
                   better="lower", samples=tuple(r["lag_p99_ms"] for r in results),
                   target=Target(op="<=", value=5) if judged else None),
            Figure(key=f"fidelity.{rate}.lag_max_ms", label=f"Lag at {rate:,}/s: max", unit="ms",
                   better="lower", samples=tuple(r["lag_max_ms"] for r in results),
                   target=Target(op="<=", value=20) if judged else None),
            Figure(key=f"fidelity.{rate}.endpoint_lag_p50_ms",
                   label=f"Lag at {rate:,}/s, at the endpoint: p50", unit="ms", better="lower",
                   samples=tuple(r["endpoint_p50_ms"] for r in results)),
            Figure(key=f"fidelity.{rate}.endpoint_lag_p99_ms",
                   label=f"Lag at {rate:,}/s, at the endpoint: p99", unit="ms", better="lower",
                   samples=tuple(r["endpoint_p99_ms"] for r in results)),
            Figure(key=f"fidelity.{rate}.endpoint_lag_max_ms",
                   label=f"Lag at {rate:,}/s, at the endpoint: max", unit="ms", better="lower",
                   samples=tuple(r["endpoint_max_ms"] for r in results)),
            Figure(key=f"fidelity.{rate}.achieved_over_intended",
                   label=f"Rate at {rate:,}/s: achieved / intended", unit="x", better="higher",
                   samples=tuple(r["achieved_over_intended"] for r in results)),
        ]
    details = {"setup": f"{ctx.cores_text}; mock with RS256 on; flat datasets of "
                        f"{profile.fidelity_duration_s:g} s at --speed {SPEED}, calls of "
                        f"{CALL_MESSAGES} messages {GAP_S} s apart",
               "runs": {str(rate): results for rate, results in runs.items()}}
    return Section(name="fidelity", status="ok", figures=tuple(figures), details=details)


def replay_once(ctx: Context, name: str, *, dataset: Path, timeout_s: float) -> dict:
    """Replay `dataset` at --speed SPEED to its end; the lag and rate figures of its summary."""
    mock = start_mock(ctx.procs, ctx.run_dir, core=ctx.server_core, keys=ctx.keys,
                      name=f"{name}-mock")
    try:
        child = start_replay(ctx, name, dataset=dataset, speed=str(SPEED), mock=mock)
        usage = cpu_while_running(ctx, child, mock.child, timeout_s=timeout_s)
        summary = read_summary(ctx, name)
        arrivals = ledger_arrivals(mock.url)
    finally:
        mock.child.stop()
    outcomes = pq.read_table(ctx.run_dir / "reports" / name / "outcomes.parquet",
                             columns=["vendorCallKey", "messageId", "due_s"]).to_pandas()
    at_endpoint = endpoint_lag(arrivals, outcomes, t0_epoch_s=summary["run"]["t0_epoch_s"])
    figures = (summary_figures(summary) | usage
               | {f"endpoint_{key}": value for key, value in at_endpoint.items()})
    if figures["accepted"] != figures["planned"]:
        raise RuntimeError(f"{name}: the mock accepted {figures['accepted']} of "
                           f"{figures['planned']} planned messages (failed "
                           f"{figures['failed_by_reason']}); see {child.log_path}")
    return figures


def cpu_while_running(ctx: Context, child: Child, server: Child, *, timeout_s: float) -> dict:
    """Wait for the replay to exit; the CPU it, the server and others on its core used meanwhile.

    Shares of the replay's whole run time, loading included."""
    start, busy_start = time.monotonic(), core_busy_seconds(ctx.generator_core)
    server_start = server.cpu_seconds()
    used = 0.0
    while child.wait(0.5) is None:
        used = child.cpu_seconds() or used
        if time.monotonic() - start > timeout_s:
            raise child.failure(f"did not finish within {timeout_s:.0f} s")
    elapsed = time.monotonic() - start
    busy = core_busy_seconds(ctx.generator_core) - busy_start
    return {"replay_cpu": round(used / elapsed, 3),
            "server_cpu": round((server.cpu_seconds() - server_start) / elapsed, 3),
            "others_on_generator_core": round(max(0.0, busy - used) / elapsed, 3)}


def summary_figures(summary: dict) -> dict:
    lag = summary["latency_ms"]["lag"]
    rates = summary["rates"]
    counts = summary["counts"]
    return {"lag_p50_ms": lag["p50"], "lag_p99_ms": lag["p99"], "lag_max_ms": lag["max"],
            "achieved_mps": rates["achieved_mps"], "intended_mps": rates["intended_mps"],
            "achieved_over_intended": rates["achieved_mps"] / rates["intended_mps"],
            "planned": counts["planned"], "sent": counts["sent"],
            "accepted": counts["accepted"], "failed": counts["failed"],
            "failed_by_reason": counts.get("failed_by_reason", {})}
