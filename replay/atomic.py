"""Atomic file writes: a reader sees the old file or the new one, never half of one.

    write_atomically(path, text_or_bytes)          # the whole content at once
    with atomic_path(path) as temporary:           # a writer that wants a path (Parquet, ...)
        pq.write_table(table, temporary)

The content goes to a temporary file beside `path` (same directory, so the rename stays on one
file system; named `.<name>.<random>.tmp`, so listings and globs skip it), which is renamed onto
`path` when the write succeeded and removed when it failed. The file ends up readable by all
(0644), like a file opened for writing.
"""

from __future__ import annotations

import os
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

MODE = 0o644


@contextmanager
def atomic_path(path: str | os.PathLike[str]) -> Iterator[Path]:
    """A temporary path to write; renamed onto `path` when the block ends without an error."""
    path = Path(path)
    handle, name = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
    os.close(handle)
    temporary = Path(name)
    try:
        yield temporary
        os.chmod(temporary, MODE)
        os.replace(temporary, path)
    finally:
        temporary.unlink(missing_ok=True)


def write_atomically(path: str | os.PathLike[str], content: str | bytes) -> Path:
    """Write `content` (text as UTF-8) to `path` atomically; returns the path."""
    path = Path(path)
    data = content.encode("utf-8") if isinstance(content, str) else content
    with atomic_path(path) as temporary:
        temporary.write_bytes(data)
    return path
