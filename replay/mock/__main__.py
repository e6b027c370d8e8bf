"""`python -m replay.mock [options]`: serve the mock telephony API (options as `replay mock`)."""

from __future__ import annotations

import logging
import sys

from replay.mock.config import MockConfigError, build_parser, config_from_args
from replay.mock.launch import serve


def main(argv: list[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    logging.basicConfig(
        level=logging.INFO, format="%(asctime)s %(levelname)s %(name)s: %(message)s"
    )
    try:
        serve(config_from_args(args))
    except MockConfigError as error:
        print(f"error: {error}", file=sys.stderr)
        return 2
    return 0


if __name__ == "__main__":
    sys.exit(main())
