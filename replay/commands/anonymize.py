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
import os

from replay.anonymize.dataset import anonymize_dataset
from replay.anonymize.keys import write_new_key
from replay.anonymize.options import AnonymizeOptions
from replay.dataset.arguments import DatasetOptions
from replay.errors import ConfigError
from replay.options import add_arguments, build


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
        "--new-key", metavar="PATH", help="write a fresh random key to PATH (mode 0600) and exit"
    )
    add_arguments(parser, AnonymizeOptions, title="anonymization")
    add_arguments(parser, DatasetOptions, title="dataset", skip=("on_invalid", "send_at"))
    parser.set_defaults(handler=run)


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
    if os.path.exists(args.out) and os.path.exists(args.path) and os.path.samefile(args.out,
                                                                                  args.path):
        raise ConfigError(f"--out {args.out} is the dataset being anonymized: write the "
                          "anonymized copy to another file (the input is never replaced)")
    options = build(AnonymizeOptions, args)
    load = build(DatasetOptions, args).load_options()
    settings = options.settings(load.max_content_length)
    report = anonymize_dataset(args.path, args.out, settings, load, shift_to=options.shift_to)
    print(f"wrote {args.out}: anonymized {args.path}")
    print(report.describe())
    return 0
