"""Start the mock as configured: one server process, or `--workers N` of them on one port.

    serve(config)        # blocks until SIGTERM/SIGINT; used by `replay mock` and
                         # `python -m replay.mock`; refuses an unwritable --ledger-out first

The one module that knows both ways to serve, so neither server.py nor workers.py needs the
other's (imports go config -> network -> app -> server -> workers -> launch).
"""

from __future__ import annotations

import tempfile
from pathlib import Path

from replay.mock.config import MockConfig, MockConfigError
from replay.mock.server import serve_one
from replay.mock.workers import serve_workers


def serve(config: MockConfig) -> None:
    if config.ledger_out is not None:
        check_ledger_out(config.ledger_out)
    if config.workers > 1:
        serve_workers(config)
    else:
        serve_one(config)


def check_ledger_out(path: Path) -> None:
    """--ledger-out is written at shutdown, after the run: refuse before serving a path that
    could not be written then (MockConfigError), rather than lose the ledger at the end. Creates
    the missing parent directories, as the write would."""
    if path.is_dir():
        raise MockConfigError(f"--ledger-out {path}: is a directory; give a file name ending in "
                              ".jsonl or .parquet")
    existing = next(parent for parent in path.parents if parent.exists())
    if not existing.is_dir():
        raise MockConfigError(f"--ledger-out {path}: {existing} is not a directory; give a "
                              "writable path")
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        with tempfile.NamedTemporaryFile(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent):
            pass
    except OSError as error:
        raise MockConfigError(f"--ledger-out {path}: cannot write in {path.parent} "
                              f"({error.strerror}); give a writable path") from None
