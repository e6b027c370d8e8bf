"""`replay mock`: serve the mock telephony API; the options are replay.mock's own."""

from __future__ import annotations

import argparse

from replay.errors import ConfigError


def register(subparsers: argparse._SubParsersAction) -> None:
    from replay.mock.config import add_options

    parser = subparsers.add_parser(
        "mock",
        help="serve the mock telephony API",
        description="Serve a mock Service Cloud Voice telephony API that keeps a ledger "
        "of every transcript message it accepted.",
    )
    add_options(parser)
    parser.set_defaults(handler=run)


def run(args: argparse.Namespace) -> int:
    from replay.mock.config import MockConfigError, config_from_args
    from replay.mock.launch import serve

    try:
        serve(config_from_args(args))
    except MockConfigError as error:
        raise ConfigError(str(error)) from None
    return 0
