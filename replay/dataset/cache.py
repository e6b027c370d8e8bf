"""Large plain dataset files are prepared once into a cache and streamed from it afterwards.

    path = prepared_in_cache("day.csv", options)        # a prepared directory (see prepared.py)
    if needs_preparing("day.csv"): ...                   # a plain file above PREPARE_FROM_BYTES

The cache entry is keyed by the file's identity (absolute path, size, modification time) and
the options that change what is prepared (column map, invalid rows, content limit, send time):
the next run with the same file and options streams the entry without preparing again; a
changed file gets a new entry. Entries live under `$REPLAY_CACHE_DIR`, else
`$XDG_CACHE_HOME/replay/prepared`, else `~/.cache/replay/prepared`; delete them freely. A lock
file lets processes on one machine (workers) share an entry: one prepares, the others wait.
"""

from __future__ import annotations

import fcntl
import hashlib
import json
import logging
import os
from pathlib import Path

from replay.dataset.cachedir import cache_root
from replay.dataset.load import LoadOptions
from replay.dataset.prepare import prepare_dataset
from replay.dataset.prepared import is_prepared, open_prepared
from replay.errors import DatasetError

logger = logging.getLogger(__name__)

PREPARE_FROM_BYTES = 256 << 20  # plain files at least this large are prepared first


def needs_preparing(path: str | os.PathLike[str]) -> bool:
    """A plain file (not a directory) of at least PREPARE_FROM_BYTES."""
    path = Path(path)
    return path.is_file() and path.stat().st_size >= PREPARE_FROM_BYTES


def cache_key(path: str | os.PathLike[str], options: LoadOptions,
              max_gap_s: float | None = None) -> str:
    stat = Path(path).stat()
    identity = {"path": str(Path(path).resolve()), "bytes": stat.st_size,
                "mtime_ns": stat.st_mtime_ns, "column_map": dict(options.column_map),
                "on_invalid": options.on_invalid,
                "max_content_length": options.max_content_length,
                "order_by": options.order_by, "max_gap_s": max_gap_s}
    text = json.dumps(identity, sort_keys=True)
    return hashlib.blake2b(text.encode("utf-8"), digest_size=12).hexdigest()


def cache_entry(path: str | os.PathLike[str], options: LoadOptions, *,
                root: Path | None = None, max_gap_s: float | None = None) -> Path:
    """Where the cache keeps (or would keep) `path` prepared with these options."""
    root = root or cache_root()
    return root / f"{Path(path).name}-{cache_key(path, options, max_gap_s)}"


def prepared_in_cache(path: str | os.PathLike[str], options: LoadOptions, *,
                      root: Path | None = None, max_gap_s: float | None = None) -> Path:
    """The cache's prepared directory for `path` (silences inside calls shortened to
    `max_gap_s`), prepared now unless a valid one exists."""
    root = root or cache_root()
    entry = cache_entry(path, options, root=root, max_gap_s=max_gap_s)
    try:
        root.mkdir(parents=True, exist_ok=True)
        with open(root / f".{entry.name}.lock", "w") as lock:
            fcntl.flock(lock, fcntl.LOCK_EX)
            if is_prepared(entry):
                try:
                    open_prepared(entry, verify=False)
                    logger.info("%s: streaming its prepared copy %s (cached)", path, entry)
                    return entry
                except DatasetError as error:
                    logger.warning("the cached copy of %s is unusable (%s): preparing again",
                                   path, error)
            logger.info("%s is large (%.0f MB): preparing it once into %s for streaming; "
                        "the next run reuses it", path, Path(path).stat().st_size / 1e6, entry)
            prepare_dataset([path], entry, options, max_gap_s=max_gap_s)
    except OSError as error:
        raise DatasetError(f"{path}: cannot prepare it into the cache {root} ({error}); set "
                           "REPLAY_CACHE_DIR to a writable directory, or run `replay prepare` "
                           "yourself") from None
    return entry
