"""`replay import FORMAT SOURCE... --out DATASET`: other systems' transcripts -> a replay dataset.

    replay import contact-lens s3://bucket/Analysis/Voice/ --out calls.parquet \
        --contact-times contacts.csv --agent-as virtual

FORMAT is one of contact-lens, sf-entries, transcribe, genesys, webvtt (see
docs/guides/import.md). Options are parsed here into `ImportOptions` and `TimeBaseOptions`;
an option that does not apply to the format is an error. Prints what was read; exit 2 with a
message naming the file and the place in it when a file is malformed (unless --on-invalid skip).
"""

from __future__ import annotations

import argparse
import sys

from replay.anonymize.options import AnonymizeOptions
from replay.anonymize.step import AnonymizeStep
from replay.dataset.load import LoadOptions
from replay.dataset.prepare import prepare_dataset
from replay.errors import ConfigError
from replay.importers import FORMATS, ImportOptions, TimeBaseOptions, format_module, import_sources
from replay.importers.options import DEFAULT_TURN_GAP_S, load_call_keys
from replay.importers.speakers import Agents, parse_speakers
from replay.importers.timebase import (
    DEFAULT_ID_COLUMN,
    DEFAULT_SPACING_S,
    DEFAULT_TIME_COLUMN,
    parse_instant,
)
from replay.importers.writer import Transform, check_out
from replay.options import add_arguments, build, given_arguments

# Options that only some formats read: using one with another format is an error.
ONLY_FOR = {
    "redacted": ("contact-lens",),
    "speakers": ("transcribe", "webvtt"),
    "turn_gap": ("transcribe",),
    "call_key_from": ("transcribe",),
    "contact_times": ("contact-lens", "transcribe", "webvtt"),
    "time_column": ("contact-lens", "transcribe", "webvtt"),
    "id_column": ("contact-lens", "transcribe", "webvtt"),
    "start_at": ("contact-lens", "transcribe", "webvtt"),
    "spacing": ("contact-lens", "transcribe", "webvtt"),
}


def register(subparsers: argparse._SubParsersAction) -> None:
    parser = subparsers.add_parser(
        "import",
        help="turn Contact Lens, Salesforce, Transcribe, Genesys or WebVTT transcripts into "
        "a dataset",
        description="Read transcript files exported from another system and write a replay "
        "dataset (Parquet) that `replay validate` and `replay run` accept.",
    )
    parser.add_argument("format", metavar="FORMAT", choices=tuple(FORMATS),
                        help=f"the files' format: {', '.join(FORMATS)}")
    parser.add_argument("sources", metavar="SOURCE", nargs="+",
                        help="a file, a directory (searched recursively), a glob, .gz files, or "
                        "an object-store URL such as s3://bucket/prefix/")
    parser.add_argument("--out", metavar="PATH", required=True,
                        help="the dataset to write (.parquet)")
    parser.add_argument("--prepare", metavar="DIR",
                        help="also prepare the imported dataset into DIR (as `replay prepare` "
                        "does) for streaming replays of large histories")
    parser.add_argument("--on-invalid", choices=("fail", "skip"), default="fail",
                        help="a malformed file stops the import (fail, default) or is skipped "
                        "and counted (skip)")
    times = parser.add_argument_group("time base (contact-lens, transcribe, webvtt)")
    times.add_argument("--contact-times", metavar="PATH",
                       help="CSV or JSON-lines contact records giving each call's start")
    times.add_argument("--time-column", metavar="NAME",
                       help=f"the start time's column in --contact-times (default "
                       f"{DEFAULT_TIME_COLUMN}; a dotted path reaches into JSON objects)")
    times.add_argument("--id-column", metavar="NAME",
                       help=f"the contact id's column in --contact-times "
                       f"(default {DEFAULT_ID_COLUMN})")
    times.add_argument("--start-at", metavar="ISO8601",
                       help="lay the calls out from this instant, in file order")
    times.add_argument("--spacing", metavar="SECONDS", type=float,
                       help=f"seconds between call starts with --start-at "
                       f"(default {DEFAULT_SPACING_S:g})")
    who = parser.add_argument_group("speakers")
    who.add_argument("--agent-id", metavar="ID",
                     help="Salesforce user id (005...) sent as the participantId of HUMAN_AGENT "
                     "messages")
    who.add_argument("--agent-as", choices=("human", "virtual"), default="human",
                     help="send agent turns as HUMAN_AGENT (default; needs --agent-id) or "
                     "VIRTUAL_AGENT")
    who.add_argument("--speakers", metavar="LABEL=TYPE,...",
                     help="sender type of each speaker or channel label (transcribe standard "
                     "output) or voice name (webvtt), e.g. spk_0=HUMAN_AGENT,spk_1=END_USER")
    per = parser.add_argument_group("format-specific")
    per.add_argument("--redacted", action="store_true",
                     help="contact-lens: import the redacted twins instead of the raw files")
    per.add_argument("--turn-gap", metavar="SECONDS", type=float,
                     help=f"transcribe standard output: a pause longer than this starts a new "
                     f"utterance (default {DEFAULT_TURN_GAP_S:g})")
    per.add_argument("--call-key-from", choices=("filename", "job-name"),
                     help="transcribe: the vendorCallKey is the file name (default) or the "
                     "job name")
    per.add_argument("--call-keys", metavar="PATH",
                     help="CSV with conversationId,vendorCallKey columns mapping the files' "
                     "call ids to the vendorCallKeys to send")
    parser.add_argument("--anonymize", action="store_true",
                        help="anonymize while importing, so raw transcripts are never written: "
                        "keyed pseudonymous ids, personal data masked (docs/guides/anonymize.md)")
    add_arguments(parser, AnonymizeOptions, title="anonymization (with --anonymize)")
    parser.set_defaults(handler=run)


def parse_options(args: argparse.Namespace) -> tuple[ImportOptions, TimeBaseOptions]:
    for name, formats in ONLY_FOR.items():
        value = getattr(args, name)
        if value not in (None, False) and args.format not in formats:
            flag = "--" + name.replace("_", "-")
            raise ConfigError(
                f"{flag} does not apply to {args.format}; it is read by {', '.join(formats)}"
            )
    start_at = None
    if args.start_at is not None:
        try:
            start_at = parse_instant(args.start_at)
        except ValueError:
            raise ConfigError(
                f"--start-at {args.start_at!r} is not an ISO 8601 time; write e.g. "
                "2025-11-25T09:00:00Z"
            ) from None
    if args.spacing is not None and start_at is None:
        raise ConfigError("--spacing needs --start-at (the instant the first call starts)")
    if args.contact_times is None and (args.time_column or args.id_column):
        raise ConfigError("--time-column and --id-column need --contact-times")
    time_options = TimeBaseOptions(
        contact_times=args.contact_times,
        time_column=args.time_column or DEFAULT_TIME_COLUMN,
        id_column=args.id_column or DEFAULT_ID_COLUMN,
        start_at=start_at,
        spacing_s=DEFAULT_SPACING_S if args.spacing is None else args.spacing,
    )
    options = ImportOptions(
        format=args.format,
        on_invalid=args.on_invalid,
        agents=Agents(agent_id=args.agent_id, agent_as=args.agent_as),
        redacted=args.redacted,
        speakers=parse_speakers(args.speakers),
        turn_gap_s=DEFAULT_TURN_GAP_S if args.turn_gap is None else args.turn_gap,
        call_key_from=args.call_key_from or "filename",
        call_keys=load_call_keys(args.call_keys) if args.call_keys else {},
    )
    return options, time_options


def table_transform(args: argparse.Namespace) -> Transform | None:
    """What the writer applies to each row group before writing it (None: nothing)."""
    if not args.anonymize:
        given = given_arguments(args, AnonymizeOptions)
        if given:
            raise ConfigError(f"{given[0]} is an anonymization option: add --anonymize")
        return None
    return AnonymizeStep(build(AnonymizeOptions, args))


def run(args: argparse.Namespace) -> int:
    options, time_options = parse_options(args)
    module = format_module(args.format)
    module.check(options)
    transform = table_transform(args)
    check_out(args.out)  # every argument is checked before a warning or a source is read
    if module.OFFSETS and time_options.kind == "file-name":
        print(
            "warning: no --contact-times or --start-at: each call is placed at the timestamp in "
            "its file name, an approximation (for Contact Lens, when the analysis was written)",
            file=sys.stderr,
        )
    report = import_sources(module, args.sources, args.out, options, time_options,
                            transform=transform)
    print(report.describe())
    if isinstance(transform, AnonymizeStep):
        print("anonymized while importing:")
        print(transform.finish(args.out).describe())
    if args.prepare:
        manifest = prepare_dataset([args.out], args.prepare, LoadOptions())
        print(f"prepared {args.prepare}: {manifest['messages']:,} messages in "
              f"{manifest['calls']:,} calls, {len(manifest['parts'])} part file(s)")
    return 0
