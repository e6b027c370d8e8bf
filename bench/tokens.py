"""Section "tokens": the send path with a fresh token per request against one shared token.

    section = run(ctx)

Every run is against a fresh mock (--no-auth, so the server's work is the same in both modes)
on the server core; the sending process is pinned to the generator core; minter processes
(`--jwt-mode per-request`) run on either core, and their CPU is measured on their own. The
goal (issue 17): the sending core keeps at least 80% of its shared-token rate when the minting
capacity is elsewhere. On a 2-core machine there is no core for the minters (the mock has one,
the sender the other), and one minter signs ~4,000 tokens/s on a free core where the shared
sender sends ~24,000 msg/s; a per-request sender starved of tokens idles, and its per-core
figure would measure a half-idle loop. So each part gives the minters their capacity in a way
that keeps the sender's own work honest. In each repeat both modes run, the order alternating,
the same dataset, mock, warm-up and window; the ratios are paired per repeat.

- At --speed max (the generator section's shape: 64 calls that never end), over a window after
  a warm-up: the mock's accepted messages/s, the CPU of the sending process alone (not its
  children) and of the minters. msg/s per core = rate / the sender's CPU share. Per-request runs
  with `--jwt-minters 2 --jwt-prefill N`: before the start, while the mock and the sender are
  idle, two minters on both cores sign N tokens, enough for the best shared msg/s per core so
  far (the most one sending core does, even when a busy machine slowed that shared run's mock)
  through the warm-up and the window with 20% to spare (`prefill_for`); from the first POST they
  only hand them over, moved to the server core, so the sending core runs the sender alone as in
  a shared run, and the sender does all its steady-state per-token work (asking, reading the
  pipe, parsing, queueing, taking, one header line per request). So the sender runs flat out
  as it would with enough minter cores elsewhere. What the signing costs is the fixed-rate part's
  minter CPU per token; the minters' CPU in the window (handing over) is reported; requests
  that waited for a token, or minters busy in the window (the prefill ran out), are logged and
  kept in the details. Judged: per-request / shared (goal >= 0.8).
- At a fixed rate one minter sustains (RATE msg/s, a flat dataset at --speed 10), no prefill,
  measured the same way over the same window: msg/s per core of the sender at the same load in
  both modes, and the minter's CPU per token signed. Judged too (goal >= 0.8).

Figures: both parts per mode, the ratios, the minter's CPU per token and the minters' CPU in
the --speed max window. Details per run: the prefill asked and signed, requests that waited,
and the seconds from the replay's start to its first POST (the prefill's signing).
"""

from __future__ import annotations

import logging
import math
import time
from pathlib import Path

import psutil

from bench.context import Context, Profile
from bench.fidelity import CALL_MESSAGES, GAP_S, SPEED
from bench.flatdata import write_flat_dataset
from bench.generator import CEILING_MPS, FIRST_POST_TIMEOUT_S
from bench.procs import Child
from bench.replay_run import read_summary, require_replay, start_replay
from bench.results import Figure, Section, Target
from bench.target import Mock, require_mock, start_mock

log = logging.getLogger(__name__)
MODES = ("shared", "per-request")
RATE = 1000
PREFILL_SLACK_S = 1.5
PREFILL_MARGIN = 1.2
SIGNING_CPU = 0.1  # minters busier than this in the window were signing, not handing over
SLOWEST_SIGNING = 1000  # tokens/s the minters sign at least, busy machine: waiting for a prefill


def run(ctx: Context) -> Section:
    require_mock()
    require_replay()
    profile = ctx.profile
    dataset = ctx.run_dir / "tokens.parquet"
    seconds = (profile.generator_warmup_s + profile.generator_window_s) * 1.5 + 2
    write_flat_dataset(dataset, rate=CEILING_MPS, duration_s=seconds,
                       lanes=profile.generator_concurrency, call_messages=10**9)
    flat = ctx.run_dir / "tokens-flat.parquet"
    write_flat_dataset(flat, rate=RATE, duration_s=seconds, speed=SPEED, gap_s=GAP_S,
                       call_messages=CALL_MESSAGES)
    runs: dict[str, list[dict]] = {mode: [] for mode in MODES}
    fixed: dict[str, list[dict]] = {mode: [] for mode in MODES}
    minters = len({ctx.server_core, ctx.generator_core})
    for repeat in range(profile.repeats):
        for mode in MODES if repeat % 2 == 0 else MODES[::-1]:  # shared first in repeat 1
            prefill = 0
            if mode == "per-request":
                prefill = prefill_for(max(r["msg_per_core"] for r in runs["shared"]), profile)
            result = _one_run(ctx, mode, repeat=repeat, dataset=dataset,
                              minters=minters if prefill else 0, prefill=prefill)
            log.info("tokens max %s repeat %d: %.0f msg/s, sender CPU %.2f -> %.0f msg/s per "
                     "core; minter CPU %.2f in the window; %s of %s prefilled tokens, %s "
                     "requests waited", mode, repeat + 1, result["msg_per_s"],
                     result["sender_cpu"], result["msg_per_core"], result["minter_cpu"],
                     result["prefilled"], result["prefill"], result["requests_waited"])
            if result["requests_waited"] or result["minter_cpu"] > SIGNING_CPU:
                log.warning("tokens max %s repeat %d: %s requests waited for a token and the "
                            "minters used %.2f cores in the window: the prefill ran out, so "
                            "they signed beside the sender", mode, repeat + 1,
                            result["requests_waited"], result["minter_cpu"])
            runs[mode].append(result)
            result = _one_run(ctx, mode, repeat=repeat, dataset=flat, speed=str(SPEED),
                              name=f"tokens-rate-{mode}-{repeat}")
            log.info("tokens %d/s %s repeat %d: %.0f msg/s, sender CPU %.3f -> %.0f msg/s per "
                     "core; minter %.0f µs per token; %s requests waited", RATE, mode,
                     repeat + 1, result["msg_per_s"], result["sender_cpu"],
                     result["msg_per_core"], result["minter_us_per_token"] or 0,
                     result["requests_waited"])
            fixed[mode].append(result)
    return Section(name="tokens", status="ok", figures=_figures(runs, fixed), details={
        "setup": f"{ctx.cores_text}; mock --no-auth, fresh per run. --speed max: "
                 f"{profile.generator_concurrency} calls, rate from the mock's counter over "
                 f"{profile.generator_window_s:g} s after {profile.generator_warmup_s:g} s; "
                 f"per-request with --jwt-minters {minters} and --jwt-prefill sized from the "
                 "best shared msg/s per core so far, signed on both cores before the start, "
                 "the minters on the server core from the first POST. Fixed rate: "
                 f"{RATE} msg/s flat for {profile.fidelity_duration_s:g} s at --speed {SPEED}, "
                 "one minter free to run on either core, to the end",
        "speed_max": runs, "fixed_rate": fixed})


def prefill_for(rate: float, profile: Profile) -> int:
    """Tokens enough for `rate` msg/s from the first POST to past the window's end (the
    warm-up, the window, PREFILL_SLACK_S for the first POST's detection and the stop), with
    PREFILL_MARGIN for a faster per-request run."""
    seconds = profile.generator_warmup_s + profile.generator_window_s + PREFILL_SLACK_S
    return math.ceil(rate * seconds * PREFILL_MARGIN)


def _figures(runs: dict[str, list[dict]], fixed: dict[str, list[dict]]) -> tuple[Figure, ...]:
    figures = []
    for part, results, where in (("max", runs, "at --speed max"),
                                 (f"rate_{RATE}", fixed, f"at {RATE:,} msg/s")):
        per_core = {mode: tuple(r["msg_per_core"] for r in results[mode]) for mode in MODES}
        for mode in MODES:
            figures.append(Figure(
                key=f"tokens.{part}.{mode.replace('-', '_')}.msg_per_core",
                label=f"Tokens {where}: msg/s per sending core, {mode}", unit="msg/s",
                better="higher", samples=per_core[mode]))
        figures.append(Figure(
            key=f"tokens.{part}.per_request_over_shared",
            label=f"Tokens {where}: per-request / shared, msg/s per sending core", unit="x",
            better="higher", target=Target(op=">=", value=0.8),
            samples=tuple(p / s for p, s in zip(per_core["per-request"], per_core["shared"],
                                                strict=True))))
    figures += [
        Figure(key="tokens.max.per_request.msg_per_s", label="Tokens at --speed max: msg/s, "
               "per-request (prefilled)", unit="msg/s", better="higher",
               samples=tuple(r["msg_per_s"] for r in runs["per-request"])),
        Figure(key="tokens.max.shared.msg_per_s", label="Tokens at --speed max: msg/s, shared",
               unit="msg/s", better="higher",
               samples=tuple(r["msg_per_s"] for r in runs["shared"])),
        Figure(key="tokens.minter_us_per_token", label="Tokens: minter CPU per token "
               "(elsewhere)", unit="µs", better="lower",
               samples=tuple(r["minter_us_per_token"] or 0.0 for r in fixed["per-request"])),
        Figure(key="tokens.max.per_request.minter_cpu", label="Tokens at --speed max: minters' "
               "CPU in the window, per-request (prefilled)", unit="cores", better="lower",
               samples=tuple(r["minter_cpu"] for r in runs["per-request"])),
    ]
    return tuple(figures)


def _one_run(ctx: Context, mode: str, *, repeat: int, dataset: Path, speed: str = "max",
             name: str = "", minters: int = 0, prefill: int = 0) -> dict:
    """One replay against a fresh mock, measured; with `prefill`, per-request tokens come
    from `minters` minter processes that signed `prefill` tokens before the start."""
    name = name or f"tokens-{mode}-{repeat}"
    mock = start_mock(ctx.procs, ctx.run_dir, core=ctx.server_core, keys=None,
                      name=f"{name}-mock")
    child = None
    try:
        started = time.monotonic()
        extra = ("--jwt-minters", str(minters), "--jwt-prefill", str(prefill)) if prefill else ()
        child = start_replay(ctx, name, dataset=dataset, speed=speed, mock=mock, jwt_mode=mode,
                             extra=extra)
        if prefill:  # signed with the whole machine: the mock and the sender are idle by then
            _spread(ctx, child, minters)
        # a prefilled run's minters only hand tokens over once it sends: off the sending core,
        # which then runs the sender alone, as in a shared run; else any core with time to spare
        cores = [ctx.server_core] if prefill else sorted({ctx.server_core, ctx.generator_core})
        result = _measure(ctx, mock, child, minter_cores=cores,
                          first_post_timeout_s=FIRST_POST_TIMEOUT_S + prefill / SLOWEST_SIGNING)
        result["first_post_s"] = round(result.pop("first_post_at") - started, 2)
    finally:
        if child is not None:
            child.stop(grace_s=30)  # SIGTERM: the replay writes its (partial) summary
        mock.child.stop()
    try:
        tokens = read_summary(ctx, name).get("tokens") or {}
    except FileNotFoundError:
        tokens = {}
    result["requests_waited"] = tokens.get("requests_waited")
    result["wait_s"] = tokens.get("wait_s")
    result["minted"] = tokens.get("minted")
    result["prefill"] = prefill
    result["prefilled"] = tokens.get("prefilled")
    return result


def _spread(ctx: Context, child: Child, count: int) -> None:
    """Let the replay's `count` minters run on any core, as soon as they are started."""
    deadline = time.monotonic() + FIRST_POST_TIMEOUT_S
    while len(found := _minters(child)) < count:
        if not child.running():
            raise child.failure("exited before starting its minters")
        if time.monotonic() > deadline:
            raise child.failure(f"started {len(found)} of {count} minters")
        time.sleep(0.05)
    for proc in found:
        proc.cpu_affinity(sorted({ctx.server_core, ctx.generator_core}))


def _minters(child: Child) -> list[psutil.Process]:
    try:
        children = psutil.Process(child.pid).children(recursive=True)
    except psutil.Error:
        return []
    found = []
    for proc in children:
        try:
            if "replay.minter" in " ".join(proc.cmdline()):
                found.append(proc)
        except psutil.Error:
            continue
    return found


def _cpu(procs: list[psutil.Process]) -> float:
    total = 0.0
    for proc in procs:
        try:
            times = proc.cpu_times()
            total += times.user + times.system
        except psutil.Error:
            continue
    return total


def _measure(ctx: Context, mock: Mock, child: Child, *, first_post_timeout_s: float,
             minter_cores: list[int]) -> dict:
    deadline = time.monotonic() + first_post_timeout_s
    while mock.accepted() == 0:
        if not child.running():
            raise child.failure("exited before sending")
        if time.monotonic() > deadline:
            raise child.failure(f"sent nothing within {first_post_timeout_s:.0f} s")
        time.sleep(0.1)
    first_post_at = time.monotonic()
    minters = _minters(child)
    for proc in minters:  # off the sender's pinning
        proc.cpu_affinity(minter_cores)
    sender = psutil.Process(child.pid)
    time.sleep(ctx.profile.generator_warmup_s)
    start = (time.monotonic(), mock.accepted(), _cpu([sender]), _cpu(minters))
    time.sleep(ctx.profile.generator_window_s)
    end = (time.monotonic(), mock.accepted(), _cpu([sender]), _cpu(minters))
    if not child.running():
        raise child.failure("stopped inside the measurement window (too little to send?)")
    elapsed = end[0] - start[0]
    accepted = end[1] - start[1]
    sender_cpu = (end[2] - start[2]) / elapsed
    minter_seconds = end[3] - start[3]
    return {
        "first_post_at": first_post_at,
        "msg_per_s": accepted / elapsed,
        "sender_cpu": round(sender_cpu, 3),
        "msg_per_core": accepted / elapsed / sender_cpu if sender_cpu else 0.0,
        "minter_cpu": round(minter_seconds / elapsed, 3),
        "minter_us_per_token": (round(minter_seconds / accepted * 1e6, 1)
                                if minters and accepted else None),
    }
