"""A lost streamed worker's share counted as the distributed master counts it, in its own process.

    python -m bench.count_share DIR --index 1 --count 2      # prints BENCH_JSON {...}

When a worker streaming a prepared directory is lost before it reports, the master counts that
worker's planned messages and calls from the directory (replay.driver.distributed,
`MasterRole._count_lost_share`): it opens DIR without checking its digests and runs
`PreparedStream.count_share` for partition (INDEX, COUNT), which reads the key columns a row
group at a time. This does the same, with the master's defaults for the plan options (one pass,
no --calls or --sample), and prints `BENCH_JSON {"seconds", "messages", "calls",
"peak_rss_mib"}`: seconds for opening and counting, peak memory of this process (so one process
per count).
"""

from __future__ import annotations

import argparse
import json
import resource
import sys
import time


def count(directory: str, index: int, count: int) -> dict:
    import configargparse

    from replay.driver.options import add_options, config_from_options
    from replay.driver.prepare import existing_prepared
    from replay.driver.stream import PreparedStream

    parser = configargparse.ArgumentParser()
    add_options(parser)
    options = parser.parse_args(["--dataset", directory, "--speed", "max"])
    config = config_from_options(options, host="http://127.0.0.1:9")
    started = time.perf_counter()
    dataset = existing_prepared(config)
    if dataset is None:
        raise SystemExit(f"{directory} is not a prepared directory")
    stream = PreparedStream(dataset, config, make_builder=None, partition=(index, count))
    messages, calls = stream.count_share()
    seconds = time.perf_counter() - started
    peak_kib = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss  # KiB on Linux
    return {"seconds": round(seconds, 3), "messages": messages, "calls": calls,
            "peak_rss_mib": round(peak_kib / 1024, 1)}


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench.count_share")
    parser.add_argument("directory")
    parser.add_argument("--index", type=int, default=1)
    parser.add_argument("--count", type=int, default=2)
    args = parser.parse_args(argv)
    print("BENCH_JSON " + json.dumps(count(args.directory, args.index, args.count)), flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
