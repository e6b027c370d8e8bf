"""A token minter process: signs per-request tokens for the replay, off the sending process.

    python -m replay.minter        (started by replay.driver.tokens.TokenFeed, one or more)

In, on stdin: one JSON line with the `JwtSettings` fields, then lines each holding a count N
("N tokens now"), or `stock N` ("sign N tokens and keep them": --jwt-prefill, asked before the
run starts). Out, on stdout: one line per token, `<use_before> <jwt>\\n`, where use_before is
the epoch second after which the replay will not send it (`replay.auth.mint`); the N lines of
a request are written at once, taken from the stock first. `stock N` is answered by the one
line `stocked M`: M tokens signed, fewer than N when signing them took so long that the first
had spent half of its usable life (to use_before); a stocked token past that half is dropped,
never handed over, so every token handed over has at least half of it left. The key is loaded
once, here, from its path: no key material crosses the pipe. When the key cannot be loaded,
the one line `error <message>` is written and the process exits with 2.

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
from collections import deque
from collections.abc import Callable
from typing import BinaryIO

from replay.auth import JwtSettings, load_private_key, mint
from replay.errors import ReplayError


def serve(settings: JwtSettings, requests: BinaryIO, out: BinaryIO,
          clock: Callable[[], float] = time.time) -> int:
    """Answer each request read from `requests` (see the module docstring); returns the tokens
    signed."""
    key = load_private_key(settings.key_path)
    stock: deque[tuple[float, str]] = deque()  # (fresh until, line), in signing order
    minted = 0

    def sign() -> tuple[float, str]:
        now = clock()
        token, use_before = mint(key, settings, now)
        return (now + use_before) / 2, f"{use_before:.3f} {token}\n"

    for request in requests:
        if request.startswith(b"stock "):
            wanted = int(request[6:])
            while len(stock) < wanted and not (stock and clock() >= stock[0][0]):
                stock.append(sign())
                minted += 1
            out.write(b"stocked %d\n" % len(stock))
            out.flush()
            continue
        count = int(request)
        lines = []
        now = clock()
        while stock and len(lines) < count:
            fresh_until, line = stock.popleft()
            if now < fresh_until:
                lines.append(line)
        while len(lines) < count:
            lines.append(sign()[1])
            minted += 1
        out.write("".join(lines).encode("ascii"))
        out.flush()
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
