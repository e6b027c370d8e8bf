"""The `replay` command line: one sub-command per job, each in its own module.

    replay validate PATH      check a transcript dataset and summarise it
    replay generate --calls N synthesise realistic transcripts
    replay import FORMAT SRC  turn other systems' transcript files into a dataset
    replay mock               serve the mock telephony API
    replay run PATH           replay a dataset through Locust and write a report
    replay report RUN_DIR     rebuild a run's HTML report from its files
    replay compare A B        compare two runs
    replay capacity PATH      find the highest speed the endpoint holds
    replay anonymize DATASET  pseudonymise ids, mask personal data (--new-key makes a key)
    replay prepare SRC --out D  validate, sort and store a dataset for streaming replays

Each sub-command lives in `replay.commands.<name>` (`import_` for import) and exposes
`register(subparsers)`, which adds its parser and sets `handler=callable(args) -> int`.
Modules are imported only when their command runs, so `replay mock` never imports Locust
(and gevent's monkey-patching).
Errors derived from `ReplayError` are printed as one clear message with their exit code.
"""

from __future__ import annotations

import argparse
import importlib
import keyword
import logging
import sys

from replay import __version__
from replay.errors import ReplayError
from replay.exit_codes import ExitCode

COMMANDS = ("validate", "generate", "import", "mock", "run", "report", "compare",
            "capacity", "anonymize", "prepare")
# Options whose value is other options, passed on to another program: `--mock-args
# "--reject-reused-jti"` would otherwise read as an unknown option of `replay` itself.
PASS_THROUGH = ("--mock-args",)


def build_parser(commands: tuple[str, ...] = COMMANDS) -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="replay",
        description="Replay Service Cloud Voice transcripts against the telephony API, under load.",
    )
    parser.add_argument("--version", action="version", version=f"%(prog)s {__version__}")
    parser.add_argument("-v", "--verbose", action="store_true", help="log debug details")
    subparsers = parser.add_subparsers(dest="command", metavar="COMMAND", required=True)
    for name in commands:
        module = f"{name}_" if keyword.iskeyword(name) else name  # import -> import_.py
        importlib.import_module(f"replay.commands.{module}").register(subparsers)
    for command_parser in subparsers.choices.values():  # for its own usage in errors
        command_parser.set_defaults(command_parser=command_parser)
    return parser


def _command_named(argv: list[str]) -> tuple[str, ...]:
    """Import only the command being run (fast start, no gevent for `mock`); all for --help."""
    for word in argv:
        if word in COMMANDS:
            return (word,)
    return COMMANDS


def joined_pass_through(argv: list[str]) -> list[str]:
    """`--mock-args VALUE` as `--mock-args=VALUE`, so a VALUE starting with "-" is a value."""
    out: list[str] = []
    words = iter(argv)
    for word in words:
        if word in PASS_THROUGH:
            value = next(words, None)
            out.append(word if value is None else f"{word}={value}")
        else:
            out.append(word)
    return out


def main(argv: list[str] | None = None) -> int:
    argv = joined_pass_through(sys.argv[1:] if argv is None else argv)
    args, unknown = build_parser(_command_named(argv)).parse_known_args(argv)
    if unknown:  # "replay run: error: ..." with run's usage, not replay's
        args.command_parser.error(f"unrecognized arguments: {' '.join(unknown)}")
    logging.basicConfig(
        level=logging.DEBUG if args.verbose else logging.INFO,
        format="%(asctime)s %(levelname)s %(name)s: %(message)s",
    )
    try:
        return int(args.handler(args) or 0)
    except ReplayError as error:
        print(f"error: {error}", file=sys.stderr)
        return error.exit_code
    except KeyboardInterrupt:
        print("interrupted", file=sys.stderr)
        return ExitCode.INTERRUPTED


if __name__ == "__main__":
    sys.exit(main())
