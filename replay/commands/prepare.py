"""`replay prepare SOURCE... --out DIR`: validate, sort and store a dataset for streaming replays.

    replay prepare day1.csv day2.csv --out prepared/ [--map ...] [--on-invalid skip]

Same checks and messages as `replay validate` (and the same dataset options), done out of core
by `replay.dataset.prepare`; the directory is what `replay run`, `locust --dataset` and workers
stream with bounded memory (docs/guides/large-datasets.md). A progress bar goes to stderr on a
terminal. Exit status: 0 when written, 2 when the input is invalid or unreadable.
"""

from __future__ import annotations

import argparse
import sys
import time

from replay.dataset.arguments import DatasetOptions
from replay.dataset.prepare import prepare_dataset
from replay.errors import ConfigError
from replay.options import add_arguments, build


def register(subparsers: argparse._SubParsersAction) -> None:
    parser = subparsers.add_parser(
        "prepare",
        help="validate, sort and store a dataset for streaming replays",
        description="Validate transcript datasets (as `replay validate` does), sort them by "
        "send time and write a directory of Parquet files and a manifest that every replay "
        "streams with bounded memory. Works out of core: the sources may exceed memory.",
    )
    parser.add_argument("sources", metavar="SOURCE", nargs="+",
                        help="dataset files or directories (.csv, .csv.gz, .parquet)")
    parser.add_argument("--out", metavar="DIR", required=True,
                        help="the prepared directory to write (replaced if it is one already)")
    parser.add_argument("--max-gap", metavar="SECONDS", type=float, default=None,
                        help="shorten every silence inside a call to at most SECONDS (a run "
                             "of the directory then takes the same --max-gap)")
    add_arguments(parser, DatasetOptions, title="dataset")
    parser.set_defaults(handler=run)


def run(args: argparse.Namespace) -> int:
    options = build(DatasetOptions, args).load_options()
    if args.max_gap is not None and not args.max_gap >= 0:
        raise ConfigError(f"--max-gap must be 0 or more seconds, got {args.max_gap:g}")
    bar = ProgressBar() if sys.stderr.isatty() else None
    started = time.monotonic()
    manifest = prepare_dataset(args.sources, args.out, options,
                               progress=bar.update if bar else None, max_gap_s=args.max_gap)
    if bar:
        bar.close()
    elapsed = time.monotonic() - started
    skipped = manifest["skipped"]["count"]
    print(f"wrote {args.out}: {manifest['messages']:,} messages in {manifest['calls']:,} calls, "
          f"{len(manifest['parts'])} part file(s), span {manifest['span_s']:,.0f} s, peak "
          f"{manifest['peak_concurrency']:,} calls at once"
          + (f", {skipped:,} invalid rows skipped" if skipped else "")
          + f" ({elapsed:.1f} s)")
    return 0


class ProgressBar:
    """One line on stderr, rewritten: stage and rows done."""

    def __init__(self) -> None:
        self._last = 0.0

    def update(self, stage: str, rows: int) -> None:
        now = time.monotonic()
        if now - self._last >= 0.2:
            self._last = now
            sys.stderr.write(f"\r{stage:<6} {rows:>14,} rows")
            sys.stderr.flush()

    def close(self) -> None:
        sys.stderr.write("\n")
