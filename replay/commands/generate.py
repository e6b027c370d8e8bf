"""`replay generate --calls N`: write realistic synthetic transcripts (see replay.synth).

    replay generate --calls 100 --seed 7 --start 2025-11-25T09:00:00Z --hours 1 \
        --out datasets/sample.parquet

The same arguments always write the same bytes. The file is written atomically.
"""

from __future__ import annotations

import argparse
import logging
import os
import sys
from datetime import UTC, datetime

from replay.errors import ConfigError
from replay.synth import generate_transcripts, write_transcripts

logger = logging.getLogger(__name__)
DEFAULT_START = "2025-11-25T08:00:00Z"
PROGRESS_FROM_CALLS = 5_000


def register(subparsers: argparse._SubParsersAction) -> None:
    parser = subparsers.add_parser(
        "generate",
        help="synthesise realistic transcripts",
        description="Write synthetic Service Cloud Voice transcripts: calls arriving over a "
        "working day, virtual-agent openings, alternating customer and agent turns.",
    )
    parser.add_argument(
        "--calls", metavar="N", type=int, required=True, help="how many calls (at least 1)"
    )
    parser.add_argument("--seed", metavar="S", type=int, default=1, help="random seed (default 1)")
    parser.add_argument(
        "--start",
        metavar="ISO",
        default=DEFAULT_START,
        help=f"ISO 8601 start of the working day (default {DEFAULT_START}; naive means UTC)",
    )
    parser.add_argument(
        "--hours",
        metavar="H",
        type=float,
        default=10.0,
        help="length of the working day the calls arrive over, in hours (default 10)",
    )
    parser.add_argument(
        "--out",
        metavar="PATH",
        default="transcripts.parquet",
        help="output file: .csv, .csv.gz or .parquet (default transcripts.parquet)",
    )
    parser.set_defaults(handler=run)


def parse_start(text: str) -> datetime:
    try:
        moment = datetime.fromisoformat(text.replace("Z", "+00:00"))
    except ValueError:
        raise ConfigError(
            f"--start {text!r} is not an ISO 8601 time; write e.g. 2025-11-25T08:00:00Z"
        ) from None
    return moment if moment.tzinfo else moment.replace(tzinfo=UTC)


def run(args: argparse.Namespace) -> int:
    if args.calls < 1:
        raise ConfigError(f"--calls must be at least 1, not {args.calls}")
    if not 0 < args.hours <= 24 * 366:
        raise ConfigError(f"--hours must be a positive number of hours, not {args.hours}")
    start = parse_start(args.start)
    if os.path.isdir(args.out):
        raise ConfigError(f"--out {args.out}: is a directory; give the path of the file to "
                          "write, e.g. transcripts.parquet")
    progress = args.calls >= PROGRESS_FROM_CALLS and sys.stderr.isatty()
    frame = generate_transcripts(args.calls, args.seed, start, hours=args.hours, progress=progress)
    try:
        path = write_transcripts(frame, args.out)
    except OSError as error:
        raise ConfigError(f"--out {args.out}: cannot write it ({error.strerror}); give a path "
                          "in a folder you can write to") from None
    calls = frame["vendorCallKey"].nunique()
    print(f"wrote {path}: {calls:,} calls, {len(frame):,} messages")
    return 0
