"""A token minter process: signs per-request tokens for the replay, off the sending process.

    python -m replay.minter        (started by replay.driver.tokens.TokenFeed, one or more)

In, on stdin: one JSON line with the `JwtSettings` fields, then lines each holding a count N
("mint N tokens now"). Out, on stdout: one line per token, `<use_before> <jwt>\\n`, where
use_before is the epoch second after which the replay will not send it (`replay.auth.mint`);
the N lines of a request are written at once. The key is loaded once, here, from its path: no
key material crosses the pipe. When the key cannot be loaded, the one line `error <message>`
is written and the process exits with 2.

The process ends when its stdin ends: the replay closed it, or the replay died (then no
orphan is left). Ctrl-C is ignored here: it reaches the whole process group, and stopping is
the replay's to decide. It imports neither gevent nor Locust.
"""

from __future__ import annotations

import json
import logging
import signal
import sys
import time
from typing import BinaryIO

from replay.auth import JwtSettings, load_private_key, mint
from replay.errors import ReplayError


def serve(settings: JwtSettings, requests: BinaryIO, out: BinaryIO) -> int:
    """Answer each count read from `requests` with that many tokens; returns the tokens minted."""
    key = load_private_key(settings.key_path)
    minted = 0
    for line in requests:
        count = int(line)
        tokens = []
        for _ in range(count):
            token, use_before = mint(key, settings, time.time())
            tokens.append(f"{use_before:.3f} {token}\n")
        out.write("".join(tokens).encode("ascii"))
        out.flush()
        minted += count
    return minted


def main() -> int:
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    logging.disable(logging.WARNING)  # the replay already warned about the key file's mode
    stdin, stdout = sys.stdin.buffer, sys.stdout.buffer
    try:
        settings = JwtSettings(**json.loads(stdin.readline()))
        serve(settings, stdin, stdout)
    except ReplayError as error:
        stdout.write(f"error {error}\n".encode())
        stdout.flush()
        return 2
    except (BrokenPipeError, KeyboardInterrupt):
        return 0
    return 0


if __name__ == "__main__":
    sys.exit(main())
