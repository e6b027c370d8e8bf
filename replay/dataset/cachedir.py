"""Where replay keeps what it can rebuild (prepared copies of large files, verification stamps).

    root = cache_root()        # $REPLAY_CACHE_DIR, else $XDG_CACHE_HOME/replay/prepared,
                               # else ~/.cache/replay/prepared
"""

from __future__ import annotations

import os
from pathlib import Path


def cache_root(environ: dict[str, str] | None = None) -> Path:
    environ = os.environ if environ is None else environ
    if environ.get("REPLAY_CACHE_DIR"):
        return Path(environ["REPLAY_CACHE_DIR"])
    base = environ.get("XDG_CACHE_HOME") or os.path.join(os.path.expanduser("~"), ".cache")
    return Path(base) / "replay" / "prepared"
