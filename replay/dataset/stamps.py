"""Verification stamps: a prepared part is hashed in full once per identity of its file.

    stamped = stamped_parts(directory, checksum)     # {(name, identity)} verified before
    if (name, file_identity(path.stat())) in stamped: ...   # same file as verified: no re-hash
    stamp_parts(directory, checksum, {name: stat})   # after `replay prepare` or a full check

A file's identity is its size, modification and status-change times (ns) and inode number:
writing, truncating, replacing or copying a file changes at least one of them, and the
status-change time cannot be set back by hand (`touch -d` and `os.utime` change it too). The
device number is left out on purpose: one file seen through NFS or a container mount has
other device numbers, and a copy on another device gets a new status-change time anyway.

A stamp is `_verified.json` in the directory, or, when the directory is read-only, a file
under the user's cache (`cache_root()/.verified/`, named by the directory's resolved path):

    {"schema": "replay-verified/1", "manifest": <the manifest's checksum>,
     "parts": {"part-00000.parquet": [bytes, mtime_ns, ctime_ns, inode], ...},
     "checksum": <BLAKE2b of the rest>}

A stamp counts only for the manifest it names and only for files whose identity it lists, and
a stamp whose checksum does not match is ignored: a stamp never stands in for a check of
other bytes. It guards against accidents (edits, truncation, copies), as the manifest's own
checksum does, not against someone forging both. Stamping never fails a run: a stamp that
cannot be written is skipped (the next run checks again).
"""

from __future__ import annotations

import contextlib
import hashlib
import json
import logging
import os
import time
from collections.abc import Mapping
from pathlib import Path

from replay.dataset.cachedir import cache_root

logger = logging.getLogger(__name__)

STAMP = "_verified.json"  # "_": Arrow and Spark readers of the directory skip it
STAMP_SCHEMA = "replay-verified/1"
# A file changed this recently may change again within its timestamps' granularity (2 s on
# FAT, 1 s on HFS+) without its identity changing: it is not stamped (checked again next run).
SETTLE_NS = 2_000_000_000

Identity = tuple[int, int, int, int]


def file_identity(stat: os.stat_result) -> Identity:
    return (stat.st_size, stat.st_mtime_ns, stat.st_ctime_ns, stat.st_ino)


def stamp_locations(directory: Path) -> tuple[Path, Path]:
    """The stamp in the directory, and the one in the user's cache for a read-only one."""
    key = hashlib.blake2b(str(directory.resolve()).encode("utf-8"), digest_size=12).hexdigest()
    return directory / STAMP, cache_root() / ".verified" / f"{directory.name}-{key}.json"


def stamped_parts(directory: Path, checksum: str) -> set[tuple[str, Identity]]:
    """The (part name, identity) pairs verified before for the manifest with `checksum`."""
    found: set[tuple[str, Identity]] = set()
    for location in stamp_locations(directory):
        try:
            stamp = json.loads(location.read_text())
        except (OSError, ValueError):
            continue
        if (isinstance(stamp, dict) and stamp.get("schema") == STAMP_SCHEMA
                and stamp.get("manifest") == checksum
                and stamp.get("checksum") == _checksum(stamp)):
            try:
                found |= {(name, tuple(map(int, identity)))
                          for name, identity in stamp["parts"].items()}
            except (AttributeError, KeyError, TypeError, ValueError):
                continue  # not a stamp this version wrote
    return found


def stamp_parts(directory: Path, checksum: str, stats: Mapping[str, os.stat_result], *,
                settled_only: bool = True) -> None:
    """Record that the parts with these stats hold the bytes of the manifest with `checksum`.

    `settled_only` leaves out files changed less than SETTLE_NS ago; `replay prepare` stamps
    the parts it has just written and hashed (in its private temporary directory) with False.
    """
    now_ns = time.time_ns()
    parts = {name: list(file_identity(stat)) for name, stat in sorted(stats.items())
             if not settled_only or max(stat.st_mtime_ns, stat.st_ctime_ns) < now_ns - SETTLE_NS}
    if not parts:
        return
    stamp = {"schema": STAMP_SCHEMA, "manifest": checksum, "parts": parts}
    stamp["checksum"] = _checksum(stamp)
    text = json.dumps(stamp, indent=1)
    for location in stamp_locations(directory):
        temporary = location.with_name(f".{location.name}.{os.getpid()}")
        try:
            location.parent.mkdir(parents=True, exist_ok=True)
            temporary.write_text(text)
            os.replace(temporary, location)
            return
        except OSError as error:
            logger.debug("cannot write the verification stamp %s (%s)", location, error)
            with contextlib.suppress(OSError):
                temporary.unlink(missing_ok=True)
    logger.info("%s: no verification stamp written (the directory and the cache are not "
                "writable): the next run checks every part again", directory)


def _checksum(stamp: dict) -> str:
    content = {key: value for key, value in stamp.items() if key != "checksum"}
    text = json.dumps(content, sort_keys=True, separators=(",", ":"))
    return hashlib.blake2b(text.encode("utf-8"), digest_size=20).hexdigest()
