"""`replay compare RUN_A RUN_B`: differences between two runs, regressions flagged, CI exit code.

Exit codes: 0 no regression beyond the tolerance, 1 at least one regression, 2 bad input.
"""

from __future__ import annotations

import argparse
import os
from pathlib import Path

from replay.atomic import write_atomically
from replay.errors import ConfigError
from replay.exit_codes import ExitCode

COMPARE_FILE = "compare.html"


def register(subparsers: argparse._SubParsersAction) -> None:
    parser = subparsers.add_parser(
        "compare",
        help="compare two runs (A baseline, B candidate); exit 1 on a regression",
        description="Print a table of the differences between two runs' summary.json (rates, "
        "latency percentiles, error rate, counts), write it as an HTML page, and exit 1 when B "
        "regressed beyond the tolerance (0 otherwise, 2 for bad input).",
    )
    parser.add_argument("run_a", metavar="RUN_A", type=Path,
                        help="the baseline run's directory (or its summary.json)")
    parser.add_argument("run_b", metavar="RUN_B", type=Path,
                        help="the candidate run's directory (or its summary.json)")
    parser.add_argument("--tolerance", default="10%", metavar="PCT",
                        help="how much worse B may be than A before it counts as a regression, "
                        "as a percentage (10%%) or a fraction (0.1); default 10%%")
    parser.add_argument("--min-delta-ms", type=float, default=1.0, metavar="MS",
                        help="latency changes smaller than this never count as regressions "
                        "(noise on sub-millisecond values); default 1")
    parser.add_argument("--out", metavar="PATH.html",
                        help=f"where to write the HTML page; default RUN_B/{COMPARE_FILE}")
    parser.set_defaults(handler=run)


def run(args: argparse.Namespace) -> int:
    # pandas and pyarrow come with these: import them only when the command runs
    from replay.report.compare import (
        CompareSettings,
        compare_summaries,
        format_text,
        parse_tolerance,
        render_html,
    )
    from replay.report.data import load_summary

    if args.min_delta_ms < 0:
        raise ConfigError(f"--min-delta-ms {args.min_delta_ms:g}: must be zero or more")
    if args.out and (args.out.endswith(("/", os.sep)) or os.path.isdir(args.out)):
        raise ConfigError(f"--out {args.out}: is a folder; give a file path such as "
                          f"{os.path.join(args.out, COMPARE_FILE)}")
    settings = CompareSettings(tolerance=parse_tolerance(args.tolerance),
                               min_delta_ms=args.min_delta_ms)
    comparison = compare_summaries(load_summary(args.run_a), load_summary(args.run_b), settings)
    print(format_text(comparison))
    run_b_dir = args.run_b if args.run_b.is_dir() else args.run_b.parent
    out = Path(args.out) if args.out else run_b_dir / COMPARE_FILE
    try:
        write_atomically(out, render_html(comparison))
    except OSError as error:
        raise ConfigError(f"--out {out}: cannot write the page ({error.strerror})") from None
    print(f"page: {out}")
    return ExitCode.FAILED if comparison.regressions else ExitCode.PASSED
