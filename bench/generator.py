"""Section 2, the load generators side by side: bare Locust FastHttpUser, k6, and the replay.

    section = run(ctx)

In each repeat, each generator in turn (the order rotates between repeats) runs alone on the
generator core against a fresh mock (--no-auth, one worker, on the server core) with the same
concurrency (64 users, 64 VUs, or a dataset of 64 calls replayed at --speed max) and the same
body and bearer header. The rate is
the mock's own count of accepted messages over a window after a warm-up, the same way for all
three, so start-up time does not count. Figures: messages/s of each, and the paired ratios
replay/bare and replay/k6 of each repeat. Details: server and generator CPU utilisation per
run (a server near 1.0 would mean the mock, not the generator, set the pace), and the CPU that
other processes took on the generator core during the window (the machine is shared).
"""

from __future__ import annotations

import logging
import sys
import time
import uuid
from pathlib import Path

from bench.context import Context
from bench.flatdata import write_flat_dataset
from bench.procs import Child, core_busy_seconds
from bench.replay_run import REPO, require_replay, start_replay
from bench.results import Figure, Section, Target
from bench.target import Mock, require_mock, start_mock
from bench.tools import ensure_k6

log = logging.getLogger(__name__)
HERE = Path(__file__).resolve().parent
GENERATORS = ("bare", "k6", "replay")
FIRST_POST_TIMEOUT_S = 90
CEILING_MPS = 40_000  # sizes the replay's dataset so it cannot run out inside the window


def run(ctx: Context) -> Section:
    require_mock()
    require_replay()
    k6 = ensure_k6()
    profile = ctx.profile
    dataset = ctx.run_dir / "generator.parquet"
    seconds = (profile.generator_warmup_s + profile.generator_window_s) * 1.5 + 2
    write_flat_dataset(dataset, rate=CEILING_MPS, duration_s=seconds,
                       lanes=profile.generator_concurrency, call_messages=10**9)
    runs: dict[str, list[dict]] = {g: [] for g in GENERATORS}
    for repeat in range(profile.repeats):
        for generator in GENERATORS[repeat % 3:] + GENERATORS[:repeat % 3]:
            result = _one_run(ctx, generator, repeat=repeat, k6=k6, dataset=dataset)
            log.info("generator %s repeat %d: %.0f msg/s (CPU: generator %.2f, server %.2f, "
                     "others on the generator core %.2f)", generator, repeat + 1,
                     result["msg_per_s"], result["generator_cpu"], result["server_cpu"],
                     result["others_on_generator_core"])
            runs[generator].append(result)
    rates = {g: tuple(r["msg_per_s"] for r in runs[g]) for g in GENERATORS}
    labels = {"bare": "bare Locust FastHttpUser", "k6": "k6 (constant VUs)",
              "replay": "replay at --speed max"}
    figures = [Figure(key=f"generator.{g}.msg_per_s", label=f"Generator, {labels[g]}: msg/s "
                      "on one core", unit="msg/s", better="higher", samples=rates[g])
               for g in GENERATORS]
    figures += [
        Figure(key="generator.replay_over_bare", label="Generator: replay / bare FastHttpUser",
               unit="x", better="higher", target=Target(op=">=", value=1.0),
               samples=tuple(r / b for r, b in zip(rates["replay"], rates["bare"], strict=True))),
        Figure(key="generator.replay_over_k6", label="Generator: replay / k6", unit="x",
               better="higher",
               samples=tuple(r / k for r, k in zip(rates["replay"], rates["k6"], strict=True))),
    ]
    details = {"setup": f"{ctx.cores_text}; mock --no-auth with one worker, fresh per run; "
                        f"{profile.generator_concurrency} concurrent senders each; rate from "
                        f"the mock's counter over {profile.generator_window_s:g} s after "
                        f"{profile.generator_warmup_s:g} s of traffic",
               "runs": runs}
    return Section(name="generator", status="ok", figures=tuple(figures), details=details)


def _one_run(ctx: Context, generator: str, *, repeat: int, k6: str, dataset: Path) -> dict:
    name = f"gen-{generator}-{repeat}"
    mock = start_mock(ctx.procs, ctx.run_dir, core=ctx.server_core, keys=None,
                      name=f"{name}-mock")
    child = None
    try:
        child = _start_generator(ctx, generator, name=name, k6=k6, dataset=dataset, mock=mock)
        return _measure(ctx, mock, child)
    finally:
        if child is not None:
            child.stop()
        mock.child.stop()


def _start_generator(ctx: Context, generator: str, *, name: str, k6: str, dataset: Path,
                     mock: Mock) -> Child:
    profile = ctx.profile
    bound_s = round(profile.generator_warmup_s + profile.generator_window_s + 60)
    env = {"BENCH_TOKEN": ctx.keys.token, "BENCH_RUN": f"{name}-{uuid.uuid4().hex[:8]}"}
    users = str(profile.generator_concurrency)
    if generator == "bare":
        argv = [sys.executable, "-m", "locust", "-f", str(HERE / "bare_locustfile.py"),
                "--headless", "-u", users, "-r", users, "-t", f"{bound_s}s",
                "--host", mock.url, "--only-summary"]
        return ctx.procs.start(name, argv, core=ctx.generator_core, env=env, cwd=REPO)
    if generator == "k6":
        env |= {"BENCH_URL": mock.url, "BENCH_VUS": users, "BENCH_DURATION": f"{bound_s}s",
                "K6_NO_USAGE_REPORT": "true"}
        argv = [k6, "run", "--quiet", "--no-usage-report", "--no-summary",
                str(HERE / "k6_script.js")]
        return ctx.procs.start(name, argv, core=ctx.generator_core, env=env)
    return start_replay(ctx, name, dataset=dataset, speed="max", mock=mock)


def _measure(ctx: Context, mock: Mock, child: Child) -> dict:
    """Wait for traffic, then count the messages the mock accepts over the window."""
    deadline = time.monotonic() + FIRST_POST_TIMEOUT_S
    while mock.accepted() == 0:
        if not child.running():
            raise child.failure("exited before sending")
        if time.monotonic() > deadline:
            raise child.failure(f"sent nothing within {FIRST_POST_TIMEOUT_S} s")
        time.sleep(0.1)
    time.sleep(ctx.profile.generator_warmup_s)
    start = _sample(ctx, mock, child)
    time.sleep(ctx.profile.generator_window_s)
    end = _sample(ctx, mock, child)
    if not child.running():
        raise child.failure("stopped inside the measurement window (too little to send?)")
    elapsed = end["t"] - start["t"]
    generator_cpu = (end["gen_cpu"] - start["gen_cpu"]) / elapsed
    return {"msg_per_s": (end["accepted"] - start["accepted"]) / elapsed,
            "generator_cpu": round(generator_cpu, 3),
            "server_cpu": round((end["mock_cpu"] - start["mock_cpu"]) / elapsed, 3),
            "others_on_generator_core": round(max(
                0.0, (end["core_busy"] - start["core_busy"]) / elapsed - generator_cpu), 3)}


def _sample(ctx: Context, mock: Mock, child: Child) -> dict:
    accepted = mock.accepted()
    return {"t": time.monotonic(), "accepted": accepted, "gen_cpu": child.cpu_seconds(),
            "mock_cpu": mock.child.cpu_seconds(),
            "core_busy": core_busy_seconds(ctx.generator_core)}
