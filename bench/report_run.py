"""One measured `replay report` build, in its own process: its wall time and peak memory.

    python -m bench.report_run --make DIR --messages 2000000     # a synthetic run directory
    python -m bench.report_run --build DIR                        # prints BENCH_JSON {...}

`--make` writes a run directory with tests/report/synthetic.py's generator (over one hour) and
its series.json, then a copy without series.json (`DIR-outcomes`, as a run directory written
before series.json existed). `--build` builds DIR/report.html the way `replay report` does and
prints `BENCH_JSON {"seconds": ..., "peak_rss_mib": ..., "report_mb": ...}`: peak memory is
this process's maximum resident set, so one process per build.
"""

from __future__ import annotations

import argparse
import json
import resource
import shutil
import sys
import time
from pathlib import Path

SPAN_S = 3600.0


def make(run_dir: Path, messages: int) -> None:
    from tests.report.synthetic import write_synthetic_run

    for folder in (run_dir, Path(f"{run_dir}-outcomes")):
        shutil.rmtree(folder, ignore_errors=True)
    write_synthetic_run(run_dir, messages=messages, span_s=SPAN_S)
    shutil.copytree(run_dir, f"{run_dir}-outcomes")
    (Path(f"{run_dir}-outcomes") / "series.json").unlink()


def build(run_dir: Path) -> dict:
    from replay.report import write_report

    started = time.perf_counter()
    path = write_report(run_dir)
    seconds = time.perf_counter() - started
    peak_kib = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss  # KiB on Linux
    return {"seconds": round(seconds, 3), "peak_rss_mib": round(peak_kib / 1024, 1),
            "report_mb": round(path.stat().st_size / 1e6, 2)}


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench.report_run")
    group = parser.add_mutually_exclusive_group(required=True)
    group.add_argument("--make", type=Path)
    group.add_argument("--build", type=Path)
    parser.add_argument("--messages", type=int, default=2_000_000)
    args = parser.parse_args(argv)
    if args.make:
        make(args.make, args.messages)
    else:
        print("BENCH_JSON " + json.dumps(build(args.build)), flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
