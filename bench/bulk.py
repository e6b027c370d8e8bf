"""Section `bulk`: --bulk against single posts, and how exactly the mock's --service-rate serves.

    section = run(ctx)

1. Throughput per core at --speed max: in each repeat, single posts and --bulk (order rotating),
   and --bulk streamed from a `replay prepare` directory of the same dataset, each replay the
   same dataset of 64 calls against a fresh mock (--no-auth, one worker, server core), the
   replay on the generator core. Rate: the mock's count of accepted messages over a window
   after a warm-up, as the generator section measures it; per core: that rate over the replay's
   CPU utilisation in the window (messages per CPU-second).
2. The lag the batch window adds: flat datasets of 20 and 1,000 messages/s (bench/flatdata.py,
   calls side by side) replayed at --speed 10 to their end, single posts and --bulk (default
   window 200 ms), RS256 on; schedule lag p50 and p99 from each summary.json, and the messages
   per bulk request from the mock's counters. At 20/s most batches leave on the window; at
   1,000/s they fill (5 calls) within a few milliseconds.
3. The mock's --service-rate accuracy: the replay at --speed max (64 calls) against a mock with
   --service-rate 2000: the accepted rate over the window, as a share of 2000.
"""

from __future__ import annotations

import logging
from pathlib import Path

from bench.context import Context
from bench.fidelity import SPEED, cpu_while_running, summary_figures
from bench.flatdata import write_flat_dataset
from bench.generator import CEILING_MPS
from bench.generator import _measure as measure_window
from bench.replay_run import read_summary, require_replay, start_replay
from bench.results import Figure, Section
from bench.target import require_mock, start_mock
from replay.dataset import LoadOptions
from replay.dataset.prepare import prepare_dataset

log = logging.getLogger(__name__)
MODES = {"single": (), "bulk": ("--bulk",)}
STREAMED = "bulk_streamed"  # --bulk on the prepared directory (throughput only)
LAG_RATES = (20, 1000)
SERVICE_RATE = 2000


def run(ctx: Context) -> Section:
    require_mock()
    require_replay()
    profile = ctx.profile
    seconds = (profile.generator_warmup_s + profile.generator_window_s) * 1.5 + 2
    max_dataset = ctx.run_dir / "bulk-max.parquet"
    write_flat_dataset(max_dataset, rate=CEILING_MPS, duration_s=seconds,
                       lanes=profile.generator_concurrency, call_messages=10**9)
    max_prepared = ctx.run_dir / "bulk-max-prepared"
    prepare_dataset([max_dataset], max_prepared, LoadOptions())
    sources = {"single": max_dataset, "bulk": max_dataset, STREAMED: max_prepared}
    lag_datasets = {}
    for rate in LAG_RATES:
        lag_datasets[rate] = ctx.run_dir / f"bulk-lag-{rate}.parquet"
        write_flat_dataset(lag_datasets[rate], rate=rate, duration_s=profile.fidelity_duration_s,
                           speed=SPEED, gap_s=0.5, call_messages=20)
    throughput: dict[str, list[dict]] = {mode: [] for mode in sources}
    lag: dict[tuple[str, int], list[dict]] = {(m, r): [] for m in MODES for r in LAG_RATES}
    service: list[dict] = []
    for repeat in range(profile.repeats):
        modes = list(MODES)[repeat % 2:] + list(MODES)[:repeat % 2]
        for mode in [*modes, STREAMED]:
            result = _at_max(ctx, f"bulk-max-{mode}-{repeat}", sources[mode],
                             MODES.get(mode, ("--bulk",)))
            log.info("bulk %s at --speed max, repeat %d: %.0f msg/s, %.0f msg per CPU-second "
                     "(CPU: replay %.2f, server %.2f)", mode, repeat + 1, result["msg_per_s"],
                     result["msg_per_cpu_s"], result["generator_cpu"], result["server_cpu"])
            throughput[mode].append(result)
        for rate in LAG_RATES:
            for mode in modes:
                result = _paced(ctx, f"bulk-lag-{rate}-{mode}-{repeat}", lag_datasets[rate],
                                MODES[mode], timeout_s=profile.fidelity_duration_s + 120)
                log.info("bulk %s at %d/s, repeat %d: lag p50 %.1f ms, p99 %.1f ms, %.2f "
                         "messages per request", mode, rate, repeat + 1, result["lag_p50_ms"],
                         result["lag_p99_ms"], result["messages_per_request"])
                lag[(mode, rate)].append(result)
        result = _at_max(ctx, f"bulk-service-{repeat}", max_dataset, (),
                         mock_extra=("--service-rate", str(SERVICE_RATE)))
        result["share_of_service_rate"] = round(result["msg_per_s"] / SERVICE_RATE, 4)
        log.info("mock --service-rate %d, repeat %d: %.0f msg/s served (%.3f of it)",
                 SERVICE_RATE, repeat + 1, result["msg_per_s"], result["share_of_service_rate"])
        service.append(result)
    figures = []
    for mode in MODES:
        label = "--bulk" if mode == "bulk" else "single posts"
        figures += [
            Figure(key=f"bulk.{mode}.msg_per_s", label=f"Replay at --speed max, {label}: msg/s",
                   unit="msg/s", better="higher",
                   samples=tuple(r["msg_per_s"] for r in throughput[mode])),
            Figure(key=f"bulk.{mode}.msg_per_cpu_s",
                   label=f"Replay at --speed max, {label}: msg per CPU-second", unit="msg/s",
                   better="higher", samples=tuple(r["msg_per_cpu_s"] for r in throughput[mode])),
        ]
        for rate in LAG_RATES:
            runs = lag[(mode, rate)]
            figures += [
                Figure(key=f"bulk.{mode}.lag_{rate}.p50_ms", label=f"Lag at {rate:,}/s, {label}: "
                       "p50", unit="ms", better="lower", samples=tuple(r["lag_p50_ms"]
                                                                       for r in runs)),
                Figure(key=f"bulk.{mode}.lag_{rate}.p99_ms", label=f"Lag at {rate:,}/s, {label}: "
                       "p99", unit="ms", better="lower", samples=tuple(r["lag_p99_ms"]
                                                                       for r in runs)),
            ]
    figures += [
        Figure(key=f"bulk.{STREAMED}.msg_per_s",
               label="Replay at --speed max, --bulk streamed (prepared): msg/s", unit="msg/s",
               better="higher", samples=tuple(r["msg_per_s"] for r in throughput[STREAMED])),
        Figure(key=f"bulk.{STREAMED}.msg_per_cpu_s",
               label="Replay at --speed max, --bulk streamed (prepared): msg per CPU-second",
               unit="msg/s", better="higher",
               samples=tuple(r["msg_per_cpu_s"] for r in throughput[STREAMED])),
        Figure(key="bulk.streamed_ratio",
               label="--bulk streamed / in memory: msg per CPU-second", unit="x",
               better="higher",
               samples=tuple(s["msg_per_cpu_s"] / b["msg_per_cpu_s"] for s, b in
                             zip(throughput[STREAMED], throughput["bulk"], strict=True))),
        Figure(key="bulk.per_core_ratio", label="--bulk / single posts: msg per CPU-second",
               unit="x", better="higher",
               samples=tuple(b["msg_per_cpu_s"] / s["msg_per_cpu_s"] for b, s in
                             zip(throughput["bulk"], throughput["single"], strict=True))),
        *(Figure(key=f"bulk.lag_{rate}.messages_per_request", label=f"--bulk at {rate:,}/s: "
                 "messages per request", unit="", better="higher",
                 samples=tuple(r["messages_per_request"] for r in lag[("bulk", rate)]))
          for rate in LAG_RATES),
        Figure(key="mock.service_rate_share",
               label=f"Mock --service-rate {SERVICE_RATE}: served / configured", unit="x",
               better="higher", samples=tuple(r["share_of_service_rate"] for r in service)),
    ]
    details = {"setup": f"{ctx.cores_text}; throughput: {profile.generator_concurrency} calls "
                        f"at --speed max, rate from the mock's counter over "
                        f"{profile.generator_window_s:g} s after {profile.generator_warmup_s:g} "
                        f"s; lag: {' and '.join(map(str, LAG_RATES))}/s flat at --speed "
                        f"{SPEED}, RS256 on, default --bulk-window 0.2 s",
               "throughput": throughput,
               "lag": {f"{mode}-{rate}": runs for (mode, rate), runs in lag.items()},
               "service": service}
    return Section(name="bulk", status="ok", figures=tuple(figures), details=details)


def _at_max(ctx: Context, name: str, dataset: Path, extra: tuple[str, ...], *,
            mock_extra: tuple[str, ...] = ()) -> dict:
    mock = start_mock(ctx.procs, ctx.run_dir, core=ctx.server_core, keys=None,
                      name=f"{name}-mock", extra=mock_extra)
    child = None
    try:
        child = start_replay(ctx, name, dataset=dataset, speed="max", mock=mock, extra=extra)
        result = measure_window(ctx, mock, child)
    finally:
        if child is not None:
            child.stop()
        mock.child.stop()
    cpu = result["generator_cpu"]
    result["msg_per_cpu_s"] = result["msg_per_s"] / cpu if cpu > 0 else 0.0
    return result


def _paced(ctx: Context, name: str, dataset: Path, extra: tuple[str, ...], *,
           timeout_s: float) -> dict:
    mock = start_mock(ctx.procs, ctx.run_dir, core=ctx.server_core, keys=ctx.keys,
                      name=f"{name}-mock")
    try:
        child = start_replay(ctx, name, dataset=dataset, speed=str(SPEED), mock=mock,
                             extra=extra)
        usage = cpu_while_running(ctx, child, mock.child, timeout_s=timeout_s)
        stats = mock.stats()
    finally:
        mock.child.stop()
    figures = summary_figures(read_summary(ctx, name)) | usage
    if figures["accepted"] != figures["planned"]:
        raise RuntimeError(f"{name}: {figures['accepted']} of {figures['planned']} accepted")
    requests = stats.get("bulk_requests") or stats.get("received") or 1
    figures["messages_per_request"] = round(figures["accepted"] / requests, 3)
    return figures
