"""`replay anonymize`: a dataset safe to replay outside production (see replay.anonymize).

    replay anonymize --new-key anonymize.key
    replay anonymize export.parquet --out safe.parquet --key-file anonymize.key \
        [--content mask|synthetic|keep] [--shift-to 2026-01-05T09:00:00Z] [--phone-region US]

Exit status: 0 when the output was written; 2 for a bad key file, a bad option or an invalid
dataset (the same message `replay validate` prints). Prints the counts, never the key and never
an example of what was replaced.
"""

from __future__ import annotations

import argparse
from datetime import UTC, datetime

import phonenumbers

from replay.anonymize.dataset import anonymize_dataset
from replay.anonymize.keys import read_key, write_new_key
from replay.anonymize.table import CONTENT_MODES, Settings
from replay.dataset.arguments import load_options
from replay.errors import ConfigError

EXAMPLE_TIME = "2026-01-05T09:00:00Z"


def register(subparsers: argparse._SubParsersAction) -> None:
    parser = subparsers.add_parser(
        "anonymize",
        help="pseudonymise ids and mask personal data in a dataset",
        description="Write a copy of a transcript dataset with keyed pseudonymous ids and "
        "personal data masked (or replaced by synthetic text), timing kept.",
    )
    parser.add_argument("path", metavar="DATASET", nargs="?", help="the dataset to anonymize")
    parser.add_argument(
        "--out", metavar="PATH", help="the anonymized dataset to write: .parquet, .csv or .csv.gz"
    )
    parser.add_argument(
        "--key-file", metavar="PATH", help="the secret key (make one with --new-key)"
    )
    parser.add_argument(
        "--new-key", metavar="PATH", help="write a fresh random key to PATH (mode 0600) and exit"
    )
    add_anonymize_arguments(parser, key_file=False)
    group = parser.add_argument_group("dataset")
    group.add_argument(
        "--map",
        metavar="FIELD=COLUMN,...",
        action="append",
        default=[],
        help="read a field from a differently named column, e.g. vendorCallKey=ContactId",
    )
    group.add_argument(
        "--map-file", metavar="FILE", help="TOML file with a [columns] table of field = column"
    )
    group.add_argument(
        "--max-content-length",
        metavar="N",
        type=int,
        default=10_000,
        help="longest content allowed, in characters (default 10000)",
    )
    parser.set_defaults(handler=run, on_invalid="fail", send_at="end")


def add_anonymize_arguments(parser: argparse.ArgumentParser, *, key_file: bool = True) -> None:
    """--content, --shift-to, --phone-region (and --key-file): shared with `replay import`."""
    group = parser.add_argument_group("anonymization")
    if key_file:
        group.add_argument(
            "--key-file", metavar="PATH", help="the secret key (make one with --new-key)"
        )
    group.add_argument(
        "--content",
        choices=CONTENT_MODES,
        default="mask",
        help="mask personal data with [PHONE], [EMAIL], ... (default), replace each utterance "
        "by synthetic text, or keep it (ids only)",
    )
    group.add_argument(
        "--shift-to",
        metavar="ISO8601",
        type=parse_shift_to,
        help=f"move all times by one offset so the earliest startTime is this (e.g. "
        f"{EXAMPLE_TIME}); default: times unchanged",
    )
    group.add_argument(
        "--phone-region",
        metavar="CC",
        type=parse_region,
        default="US",
        help="country whose national phone formats are recognised (default US); "
        "international +CC numbers are recognised for every country",
    )


def parse_shift_to(text: str) -> datetime:
    try:
        moment = datetime.fromisoformat(text.replace("Z", "+00:00"))
    except ValueError:
        raise argparse.ArgumentTypeError(
            f"{text!r} is not an ISO 8601 time; write e.g. {EXAMPLE_TIME}"
        ) from None
    moment = moment if moment.tzinfo else moment.replace(tzinfo=UTC)
    if moment.year < 1970:
        raise argparse.ArgumentTypeError(f"{text!r} is before 1970; timestamps cannot be")
    return moment


def parse_region(text: str) -> str:
    region = text.upper()
    if region not in phonenumbers.SUPPORTED_REGIONS:
        raise argparse.ArgumentTypeError(
            f"{text!r} is not a country code phonenumbers knows; write e.g. US, GB, DE, FR"
        )
    return region


def settings_from(args: argparse.Namespace, max_content_length: int = 10_000) -> Settings:
    if not args.key_file:
        raise ConfigError(
            "--key-file is required; make a key once with: replay anonymize --new-key PATH"
        )
    return Settings(
        key=read_key(args.key_file),
        content=args.content,
        phone_region=args.phone_region,
        max_content_length=max_content_length,
    )


def run(args: argparse.Namespace) -> int:
    if args.new_key:
        if args.path or args.out or args.key_file:
            raise ConfigError("--new-key writes a key and nothing else; run it on its own")
        path = write_new_key(args.new_key)
        print(f"wrote a new key to {path} (mode 0600); keep it secret")
        return 0
    if not args.path:
        raise ConfigError("give the DATASET to anonymize, or --new-key PATH to make a key")
    if not args.out:
        raise ConfigError("--out is required: the anonymized dataset to write")
    options = load_options(args)
    settings = settings_from(args, options.max_content_length)
    report = anonymize_dataset(args.path, args.out, settings, options, shift_to=args.shift_to)
    print(f"wrote {args.out}: anonymized {args.path}")
    print(report.describe())
    return 0
