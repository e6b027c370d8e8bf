"""Section "proxy": what an HTTP proxy in the path costs per message.

    section = run(ctx)

In each repeat, the same flat-rate dataset (RATE messages/s for the fidelity duration, calls of
20 messages) is replayed at --speed 10 twice against a fresh mock (RS256 on, server core):
directly, and through proxy.py (a real HTTP proxy, started on port 0 on the server core) with
`--proxy`, the order alternating. The mock is plain http, so the proxied requests are
absolute-form through the proxy's kept-alive connections (https would add a CONNECT tunnel per
connection, then the same). From each run's summary.json: service time p50 and p99; from the
sending process: its CPU per message, counted from the mock's first accepted message to the
replay's exit (start-up left out). Figures: each direct and proxied, and the paired
differences (what the proxy adds).
"""

from __future__ import annotations

import logging
import sys
import time

from bench.context import Context
from bench.fidelity import CALL_MESSAGES, GAP_S, SPEED
from bench.flatdata import write_flat_dataset
from bench.procs import Child, wait_until
from bench.replay_run import read_summary, require_replay, start_replay
from bench.results import Figure, Section
from bench.target import ComponentMissing, require_mock, start_mock

log = logging.getLogger(__name__)
RATE = 500
WAYS = ("direct", "proxy")


def run(ctx: Context) -> Section:
    require_mock()
    require_replay()
    try:
        import proxy  # noqa: F401  (proxy.py, the test extra)
    except ImportError:
        raise ComponentMissing("proxy.py is not installed (pip install proxy.py)") from None
    profile = ctx.profile
    dataset = ctx.run_dir / "proxy.parquet"
    write_flat_dataset(dataset, rate=RATE, duration_s=profile.fidelity_duration_s, speed=SPEED,
                       gap_s=GAP_S, call_messages=CALL_MESSAGES)
    proxy_url = _start_proxy(ctx)
    runs: dict[str, list[dict]] = {way: [] for way in WAYS}
    for repeat in range(profile.repeats):
        for way in WAYS if repeat % 2 == 0 else WAYS[::-1]:
            extra = ("--proxy", proxy_url) if way == "proxy" else ()
            result = _one_run(ctx, f"proxy-{way}-{repeat}", dataset, extra,
                              timeout_s=profile.fidelity_duration_s + 120)
            log.info("proxy %s repeat %d: service p50 %.2f ms, p99 %.2f ms, sender %.0f µs "
                     "CPU per message", way, repeat + 1, result["service_p50_ms"],
                     result["service_p99_ms"], result["sender_us_per_message"])
            runs[way].append(result)
    figures = []
    for key, label, unit in (("service_p50_ms", "service time p50", "ms"),
                             ("service_p99_ms", "service time p99", "ms"),
                             ("sender_us_per_message", "sender CPU per message", "µs")):
        for way in WAYS:
            figures.append(Figure(key=f"proxy.{way}.{key}", label=f"Proxy: {label}, {way}",
                                  unit=unit, better="lower",
                                  samples=tuple(r[key] for r in runs[way])))
        figures.append(Figure(
            key=f"proxy.added.{key}", label=f"Proxy: {label} added", unit=unit, better="lower",
            samples=tuple(p[key] - d[key] for p, d in zip(runs["proxy"], runs["direct"],
                                                          strict=True))))
    details = {"setup": f"{ctx.cores_text}; proxy.py (one worker) and the mock (RS256 on) on "
                        f"the server core; {RATE} msg/s for {profile.fidelity_duration_s:g} s "
                        f"at --speed {SPEED}, one shared token", "runs": runs}
    return Section(name="proxy", status="ok", figures=tuple(figures), details=details)


def _start_proxy(ctx: Context) -> str:
    port_file = ctx.run_dir / "proxy.port"
    child: Child = ctx.procs.start(
        "proxy.py", [sys.executable, "-m", "proxy", "--hostname", "127.0.0.1", "--port", "0",
                     "--port-file", str(port_file), "--num-workers", "1",
                     "--num-acceptors", "1", "--log-level", "WARNING"],
        core=ctx.server_core)
    wait_until(lambda: port_file.exists() and port_file.read_text().strip() != "",
               child=child, timeout_s=30, what="listening")
    return f"http://127.0.0.1:{int(port_file.read_text())}"


def _one_run(ctx: Context, name: str, dataset, extra: tuple[str, ...], *,
             timeout_s: float) -> dict:
    mock = start_mock(ctx.procs, ctx.run_dir, core=ctx.server_core, keys=ctx.keys,
                      name=f"{name}-mock")
    try:
        child = start_replay(ctx, name, dataset=dataset, speed=str(SPEED), mock=mock,
                             extra=extra)
        cpu, counted = _sender_cpu_until_exit(child, mock, timeout_s)
        summary = read_summary(ctx, name)
    finally:
        mock.child.stop()
    counts, service = summary["counts"], summary["latency_ms"]["service"]
    if counts["accepted"] != counts["planned"]:
        raise RuntimeError(f"{name}: {counts['accepted']} of {counts['planned']} accepted "
                           f"({counts.get('failed_by_reason')}); see {child.log_path}")
    return {"service_p50_ms": service["p50"], "service_p99_ms": service["p99"],
            "sender_us_per_message": round(cpu / (counts["sent"] - counted) * 1e6, 1),
            "sent": counts["sent"]}


def _sender_cpu_until_exit(child: Child, mock, timeout_s: float) -> tuple[float, int]:
    """The replay's CPU seconds from its first accepted message to its exit (start-up left
    out), and the messages the mock had accepted when that count began."""
    start = time.monotonic()
    while mock.accepted() == 0:
        if child.wait(0.05) is not None or time.monotonic() - start > timeout_s:
            raise child.failure("sent nothing")
    first_cpu, counted = child.cpu_seconds(), mock.accepted()
    used = first_cpu
    while child.wait(0.2) is None:
        used = child.cpu_seconds() or used
        if time.monotonic() - start > timeout_s:
            raise child.failure(f"did not finish within {timeout_s:.0f} s")
    return used - first_cpu, counted

