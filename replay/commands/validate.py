"""`replay validate PATH`: load and check a transcript dataset, then print its summary.

Exit status: 0 when the dataset is valid (or its invalid rows were skipped with
`--on-invalid skip`), 2 when it is invalid or unreadable (the error lists the rows to fix).
Output: a short human-readable summary, or with `--json` the dict of `replay.dataset.summarise`;
with `--json` an error is a JSON object too, on stdout: {"source", "valid": false, "error" (the
message), "kind" (ConfigError or DatasetError)}.
"""

from __future__ import annotations

import argparse
import json

from replay.dataset import load_transcripts, summarise
from replay.dataset.arguments import DatasetOptions
from replay.errors import ConfigError, ReplayError
from replay.options import add_arguments, build
from replay.plan import parse_speed
from replay.results.units import format_duration


def register(subparsers: argparse._SubParsersAction) -> None:
    parser = subparsers.add_parser(
        "validate",
        help="check a transcript dataset and summarise it",
        description="Check a transcript dataset (.csv, .csv.gz, .parquet or a directory of "
        ".parquet files) and print what replaying it at a speed will send.",
    )
    parser.add_argument("path", metavar="PATH", help="the dataset file or directory")
    parser.add_argument(
        "--speed",
        metavar="X",
        default="1",
        help="replay speed to compute rates at: 1 = real time (default), 10 = ten times faster",
    )
    parser.add_argument("--json", action="store_true", help="print the summary as JSON")
    add_arguments(parser, DatasetOptions, title="dataset")
    parser.set_defaults(handler=run)


def run(args: argparse.Namespace) -> int:
    if not args.json:
        return _validate(args)
    try:
        return _validate(args)
    except ReplayError as error:  # a JSON reader gets JSON, also when the dataset is bad
        print(json.dumps({"source": args.path, "valid": False, "error": str(error),
                          "kind": type(error).__name__}, indent=2))
        return error.exit_code


def _validate(args: argparse.Namespace) -> int:
    speed = parse_speed(args.speed)
    if speed is None:
        raise ConfigError("--speed max has no rates to compute: give a number, e.g. --speed 10")
    options = build(DatasetOptions, args).load_options()
    transcripts = load_transcripts(args.path, options)
    summary = summarise(transcripts, speed, send_at=options.order_by)
    if args.json:
        print(json.dumps(summary, indent=2))
    else:
        print(describe(summary))
    return 0


def describe(summary: dict) -> str:
    """The summary as a few aligned lines for a terminal."""
    if not summary["messages"]:
        return f"{summary['source']}: no messages"
    senders = ", ".join(f"{kind} {n:,}" for kind, n in summary["sender_types"].items() if n)
    per_call = summary["messages_per_call"]
    duration = summary["call_duration_s"]
    speed = f"{summary['speed']:g}x"
    lines = [
        f"{summary['source']}: valid",
        f"  calls              {summary['calls']:,}",
        f"  messages           {summary['messages']:,} ({senders})",
        f"  messages per call  min {per_call['min']}, median {per_call['median']:g}, "
        f"max {per_call['max']}",
        f"  call duration      median {format_duration(duration['median'])}, "
        f"max {format_duration(duration['max'])}",
        f"  time span          {summary['first_send']} to {summary['last_send']} "
        f"({format_duration(summary['span_s'])}, messages sent at {summary['send_at']})",
        f"  at speed {speed:<9} replay takes {format_duration(summary['replay_duration_s'])}; "
        f"mean {summary['mean_mps']:,.1f} msg/s, peak {summary['peak_mps']:,} msg/s, "
        f"peak {summary['peak_concurrent_calls']:,} concurrent calls",
    ]
    if summary["skipped_invalid"]:
        count = summary["skipped_invalid"]
        reasons = ", ".join(f"{n} {reason}" for reason, n in summary["skipped_by_reason"].items())
        rows = "row" if count == 1 else "rows"
        lines.append(f"  skipped            {count:,} invalid {rows} ({reasons})")
        lines.extend(f"    {example}" for example in summary["skipped_examples"])
    return "\n".join(lines)
