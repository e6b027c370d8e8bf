"""Start the mock as configured: one server process, or `--workers N` of them on one port.

    serve(config)        # blocks until SIGTERM/SIGINT; used by `replay mock` and
                         # `python -m replay.mock`

The one module that knows both ways to serve, so neither server.py nor workers.py needs the
other's (imports go config -> network -> app -> server -> workers -> launch).
"""

from __future__ import annotations

from replay.mock.config import MockConfig
from replay.mock.server import serve_one
from replay.mock.workers import serve_workers


def serve(config: MockConfig) -> None:
    if config.workers > 1:
        serve_workers(config)
    else:
        serve_one(config)
