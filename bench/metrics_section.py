"""Section metrics: what a Prometheus scrape of `--metrics-port` costs a large run.

    section = run(ctx)                      # python -m bench --only metrics
    figures = measure(messages=1_000_000)   # in a fresh interpreter (gevent, not patched)

A recorder of N finished messages (1,000,000; 100,000 in the smoke profile) behind the real
MetricsServer, scraped over HTTP 10 times while a greenlet ticks every millisecond. Figures: the
scrape's wall time, and the worst stall of the ticking greenlet (how late a sender could be
made) when the collection runs in gevent's threadpool, as the server does, beside the reference
measured in the same run: the same collection run on the event loop itself.
"""

from __future__ import annotations

import sys
import time

from bench.context import Context
from bench.replay_run import REPO
from bench.results import Figure, Section

TIMEOUT_S = 300
SCRAPES = 10
SCRIPT = ("import json, sys\nfrom bench.metrics_section import measure\n"
          "print('BENCH_JSON ' + json.dumps(measure(int(sys.argv[1]))))\n")


def run(ctx: Context) -> Section:
    messages = 100_000 if ctx.profile.data_quick else 1_000_000
    measured = [_measure_once(ctx, messages, repeat) for repeat in range(ctx.profile.repeats)]
    figures = tuple(
        Figure(key=f"metrics.{key}", label=label, unit="ms", better="lower",
               samples=tuple(float(m[key]) for m in measured))
        for key, label in (
            ("scrape_ms", f"Metrics: one scrape, {messages:,} messages"),
            ("stall_threadpool_ms", "Metrics: worst loop stall, collected in the threadpool"),
            ("stall_inline_ms", "Metrics: worst loop stall, collected on the loop (reference)"),
        )
    )
    return Section(name="metrics", status="ok", figures=figures,
                   details={"setup": f"{messages:,} finished messages, {SCRAPES} scrapes, "
                                     f"core {ctx.generator_core}, {len(measured)} time(s)",
                            "runs": measured})


def measure(messages: int) -> dict[str, float]:
    import gevent
    import numpy as np
    from prometheus_client import CollectorRegistry, generate_latest

    from replay.driver.clock import RunClock
    from replay.driver.metrics import MetricsServer, RecorderCollector
    from replay.driver.progress import Progress
    from replay.results.recorder import OutcomeRecorder

    recorder = OutcomeRecorder(messages)
    due = np.arange(messages) / 1000.0
    recorder.sent_s[:] = due + 0.001
    recorder.done_s[:] = due + 0.010
    recorder.status[:] = 202
    recorder.attempts[:] = 1
    recorder.sent_count = recorder.done_count = recorder.accepted_count = messages
    clock = RunClock.starting_at(time.time() - messages / 1000.0 - 1)
    progress = Progress(recorder=recorder, due_s=due, span_s=messages / 1000.0, clock=clock)
    collector = RecorderCollector(lambda: progress, info={"role": "bench"})
    server = MetricsServer.start(0, collector=collector, what="bench")
    registry = CollectorRegistry(auto_describe=False)
    registry.register(collector)

    def get() -> None:
        connection = gevent.socket.create_connection(("127.0.0.1", server.port))
        connection.sendall(b"GET /metrics HTTP/1.0\r\n\r\n")
        while connection.recv(65536):
            pass
        connection.close()

    def worst_stall_ms(action) -> tuple[float, float]:
        """(worst tick delay, mean seconds per action) while running `action` SCRAPES times."""
        worst, running = [0.0], [True]

        def tick() -> None:
            while running[0]:
                start = time.perf_counter()
                gevent.sleep(0.001)
                worst[0] = max(worst[0], time.perf_counter() - start - 0.001)

        ticker = gevent.spawn(tick)
        gevent.sleep(0.01)
        start = time.perf_counter()
        for _ in range(SCRAPES):
            action()
            gevent.sleep(0.005)
        elapsed = (time.perf_counter() - start - SCRAPES * 0.005) / SCRAPES
        running[0] = False
        ticker.join()
        return worst[0] * 1000.0, elapsed * 1000.0

    try:
        get()  # warm up
        stall_pool, scrape_ms = worst_stall_ms(get)
        stall_inline, _ = worst_stall_ms(lambda: generate_latest(registry))
    finally:
        server.stop()
    return {"scrape_ms": scrape_ms, "stall_threadpool_ms": stall_pool,
            "stall_inline_ms": stall_inline}


def _measure_once(ctx: Context, messages: int, repeat: int) -> dict:
    child = ctx.procs.start(f"metrics-{repeat}", [sys.executable, "-c", SCRIPT, str(messages)],
                            core=ctx.generator_core, cwd=REPO)
    result = child.result(TIMEOUT_S)
    if result is None:
        raise child.failure("printed no result")
    return result
