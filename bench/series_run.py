"""One measured series.json build over many short calls, in its own process: time and memory.

    python -m bench.series_run --calls 1000000               # prints BENCH_JSON {...}
    python -m bench.series_run --calls 1000000 --keep-calls  # the reference

Feeds a `SeriesBuilder` outcome tables of 10,000 rows in due order, as a streamed run's sink
or the distributed master's assembly does: `--calls` calls of 2 messages 1 s apart, 1,000
starting a second (about 2,000 in flight at once), each table made when it is fed (nothing of
the run is held but the builder). With each row's last-of-call flag (how a run feeds it now) a
call's numbers are dropped once its rows are in; `--keep-calls` feeds no flags, so every call
is kept to the end, as the builder did before (the reference). Prints `BENCH_JSON {"seconds",
"peak_rss_mib", "peak_calls_held", "rows"}`: peak memory is this process's maximum resident
set, so one process per build.
"""

from __future__ import annotations

import argparse
import json
import resource
import sys
import time
from collections.abc import Iterator

import numpy as np
import pyarrow as pa

MESSAGES = 2  # per call
GAP_S = 1.0  # between a call's messages
STARTS_PER_S = 1_000
BATCH_ROWS = 10_000


def tables(calls: int) -> Iterator[tuple[pa.Table, np.ndarray]]:
    """Outcome tables in due order, each with its rows' last-of-call flags, made one by one."""
    from replay.results.outcomes import SCHEMA

    window_s = BATCH_ROWS / (MESSAGES * STARTS_PER_S)
    span_s = calls / STARTS_PER_S + (MESSAGES - 1) * GAP_S
    start_s, row = 0.0, 0
    while start_s < span_s:
        end_s = start_s + window_s
        parts = []
        for seq in range(MESSAGES):  # calls whose message `seq` is due in [start_s, end_s)
            first = max(int(np.ceil((start_s - seq * GAP_S) * STARTS_PER_S)), 0)
            last = min(int(np.ceil((end_s - seq * GAP_S) * STARTS_PER_S)), calls)
            if last > first:
                call = np.arange(first, last)
                parts.append((call, np.full(call.size, seq)))
        start_s = end_s
        if not parts:
            continue
        call = np.concatenate([p[0] for p in parts])
        seq = np.concatenate([p[1] for p in parts])
        due = call / STARTS_PER_S + seq * GAP_S
        order = np.argsort(due, kind="stable")
        call, seq, due = call[order], seq[order], due[order]
        size = call.size
        table = pa.table({
            "vendorCallKey": np.char.add("CA-", call.astype(str)),
            "messageId": np.char.add("m-", np.arange(row, row + size).astype(str)),
            "senderType": np.full(size, "END_USER"), "call_seq": seq,
            "pass": np.zeros(size, np.int16), "worker": np.zeros(size, np.int16),
            "due_s": due, "sent_s": due + 0.001, "final_sent_s": due + 0.001,
            "done_s": due + 0.004 + (call % 97) / 10_000, "status": np.full(size, 202),
            "outcome": np.full(size, "accepted"), "reason": np.full(size, ""),
            "attempts": np.ones(size),
        }).cast(SCHEMA)
        row += size
        yield table, seq == MESSAGES - 1


def build(calls: int, *, keep_calls: bool) -> dict:
    from replay.results.series import SeriesBuilder

    started = time.perf_counter()
    builder = SeriesBuilder()
    for table, last in tables(calls):
        builder.add(table, last=None if keep_calls else last)
    series = builder.finish()
    seconds = time.perf_counter() - started
    peak_kib = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss  # KiB on Linux
    return {"seconds": round(seconds, 3), "peak_rss_mib": round(peak_kib / 1024, 1),
            "peak_calls_held": builder.peak_calls_held, "rows": series["rows"]}


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench.series_run")
    parser.add_argument("--calls", type=int, default=1_000_000)
    parser.add_argument("--keep-calls", action="store_true")
    args = parser.parse_args(argv)
    print("BENCH_JSON " + json.dumps(build(args.calls, keep_calls=args.keep_calls)), flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
