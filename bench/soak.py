"""The soak (`--only soak`, not in the default run): memory stays flat over a long replay.

    section = run(ctx)

Replays a flat dataset at a moderate rate (2,000 messages/s for 10 minutes in the full profile;
calls of 20 messages start and end all through the run) against the mock, sampling the replay
process's resident memory every few seconds. Only the replay's timeline counts (from t0 in its
summary.json to t0 plus the dataset's duration), less its first tenth (warm-up): loading before
and writing the outputs after are left out. Over that: RSS at start and end (means of the first
and last tenth), the growth end/start, and the least-squares slope in MiB per hour. The lag
figure comes from summary.json.
"""

from __future__ import annotations

import logging
import time

import numpy as np
import psutil

from bench.context import Context
from bench.fidelity import CALL_MESSAGES, GAP_S, SPEED, summary_figures
from bench.flatdata import write_flat_dataset
from bench.procs import Child
from bench.replay_run import read_summary, require_replay, start_replay
from bench.results import Figure, Section, Target
from bench.target import require_mock, start_mock

log = logging.getLogger(__name__)
MIB = 2**20


def run(ctx: Context) -> Section:
    require_mock()
    require_replay()
    profile = ctx.profile
    dataset = ctx.run_dir / "soak.parquet"
    write_flat_dataset(dataset, rate=profile.soak_rate, duration_s=profile.soak_duration_s,
                       speed=SPEED, gap_s=GAP_S, call_messages=CALL_MESSAGES)
    mock = start_mock(ctx.procs, ctx.run_dir, core=ctx.server_core, keys=ctx.keys,
                      name="soak-mock")
    try:
        child = start_replay(ctx, "soak", dataset=dataset, speed=str(SPEED), mock=mock)
        samples = _sample_rss(child, every_s=profile.soak_sample_s,
                              timeout_s=profile.soak_duration_s + 180)
        summary = read_summary(ctx, "soak")
    finally:
        mock.child.stop()
    t0 = summary["run"]["t0_epoch_s"]
    trend = rss_trend(samples, start=t0, end=t0 + profile.soak_duration_s)
    lag = summary_figures(summary)
    log.info("soak: RSS %.0f -> %.0f MiB, slope %.1f MiB/h", trend["start_mib"],
             trend["end_mib"], trend["slope_mib_per_h"])
    if lag["failed"]:
        log.warning("soak: %d of %d messages failed: %s", lag["failed"], lag["planned"],
                    lag["failed_by_reason"])
    figures = (
        Figure(key="soak.rss_start_mib", label="Soak: replay RSS after warm-up", unit="MiB",
               better="lower", samples=(trend["start_mib"],)),
        Figure(key="soak.rss_end_mib", label="Soak: replay RSS at the end", unit="MiB",
               better="lower", samples=(trend["end_mib"],)),
        Figure(key="soak.rss_growth", label="Soak: RSS end / start", unit="x", better="lower",
               samples=(trend["growth"],), target=Target(op="<=", value=1.10)),
        Figure(key="soak.rss_slope_mib_per_h", label="Soak: RSS slope", unit="MiB/h",
               better="lower", samples=(trend["slope_mib_per_h"],)),
        Figure(key="soak.lag_p99_ms", label=f"Soak: lag p99 at {profile.soak_rate:,}/s",
               unit="ms", better="lower", samples=(lag["lag_p99_ms"],)),
        Figure(key="soak.failed", label="Soak: messages failed", unit="", better="lower",
               samples=(float(lag["failed"]),)),
    )
    details = {"setup": f"{ctx.cores_text}; {profile.soak_rate:,} msg/s for "
                        f"{profile.soak_duration_s:g} s at --speed {SPEED}, RSS every "
                        f"{profile.soak_sample_s:g} s",
               "rss_mib": [[round(t - t0, 1), round(b / MIB, 1)] for t, b in samples],
               "summary": lag}
    return Section(name="soak", status="ok", figures=figures, details=details)


def _sample_rss(child: Child, *, every_s: float, timeout_s: float) -> list[tuple[float, int]]:
    """(wall-clock epoch seconds, RSS bytes) until the replay exits by itself."""
    start = time.monotonic()
    samples = []
    while child.running():
        if time.monotonic() - start > timeout_s:
            raise child.failure(f"did not finish within {timeout_s:.0f} s")
        try:
            samples.append((time.time(), child.rss_bytes()))
        except psutil.Error:  # the process ended between the check and the read
            break
        child.wait(every_s)
    if child.popen.returncode not in (0, None):
        log.warning("the soak replay exited with code %s", child.popen.returncode)
    return samples


def rss_trend(samples: list[tuple[float, int]], *, start: float, end: float) -> dict[str, float]:
    """Start, end, growth and slope of the RSS samples inside the timeline [start, end].

    The first tenth of the timeline (warm-up) is left out."""
    begin = start + (end - start) / 10
    kept = [(t, rss) for t, rss in samples if begin <= t <= end]
    if len(kept) < 5:
        raise ValueError(f"only {len(kept)} RSS samples inside the replay's timeline: the soak "
                         "ran too briefly")
    t = np.array([s[0] for s in kept])
    rss = np.array([s[1] for s in kept], dtype=float) / MIB
    tenth = max(1, len(kept) // 10)
    first, last = rss[:tenth].mean(), rss[-tenth:].mean()
    slope_per_s = np.polyfit(t - t[0], rss, 1)[0] if np.ptp(t) > 0 else 0.0
    return {"start_mib": float(first), "end_mib": float(last), "growth": float(last / first),
            "slope_mib_per_h": float(slope_per_s * 3600)}
