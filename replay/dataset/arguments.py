"""The dataset options every command that loads transcripts shares, parsed once into LoadOptions.

    add_load_arguments(parser)        --map, --map-file, --on-invalid, --send-at,
                                      --max-content-length
    load_options(args) -> LoadOptions (ConfigError for a bad map or map file)

`--send-at end|start` picks the time a message is sent at (its endTime by default).
"""

from __future__ import annotations

import argparse

from replay.dataset.columns import load_column_map_file, parse_column_map
from replay.dataset.load import LoadOptions
from replay.errors import ConfigError

SEND_AT = {"end": "endTime", "start": "startTime"}


def add_load_arguments(parser: argparse.ArgumentParser) -> None:
    group = parser.add_argument_group("dataset")
    group.add_argument(
        "--map",
        metavar="FIELD=COLUMN,...",
        action="append",
        default=[],
        help="read a field from a differently named column, e.g. vendorCallKey=ContactId,"
        "content=Text (repeatable; overrides --map-file)",
    )
    group.add_argument(
        "--map-file",
        metavar="FILE",
        help="TOML file with a [columns] table of field = column name",
    )
    group.add_argument(
        "--on-invalid",
        choices=("fail", "skip"),
        default="fail",
        help="fail on invalid rows (default), or skip them and say how many and why",
    )
    group.add_argument(
        "--send-at",
        choices=tuple(SEND_AT),
        default="end",
        help="send each message at its endTime (default) or its startTime",
    )
    group.add_argument(
        "--max-content-length",
        metavar="N",
        type=int,
        default=10_000,
        help="longest content allowed, in characters (default 10000)",
    )


def load_options(args: argparse.Namespace, partition: tuple[int, int] | None = None) -> LoadOptions:
    column_map = load_column_map_file(args.map_file) if args.map_file else {}
    for text in args.map:
        column_map |= parse_column_map(text)
    if args.max_content_length < 1:
        raise ConfigError(
            f"--max-content-length must be a positive number, not {args.max_content_length}"
        )
    return LoadOptions(
        column_map=column_map,
        on_invalid=args.on_invalid,
        max_content_length=args.max_content_length,
        order_by=SEND_AT[args.send_at],
        partition=partition,
    )
