"""A prepared dataset directory (written by `replay prepare`): its format, its checks, its reading.

    if is_prepared(path):
        dataset = open_prepared(path)              # DatasetError if changed or incomplete
        dataset.manifest["messages"], dataset.t0_ms, dataset.per_second
        for table in dataset.tables(partition=(0, 2)):   # row groups in send-time order
            ...

The directory holds `part-00000.parquet`, `part-00001.parquet`, ... and `_manifest.json`.
Parts hold every valid message sorted by send time (ties: file, then row), in row groups of
at most 65,536 rows, with the columns

    vendorCallKey, participantId, messageId, content, senderType   string
    startTime, endTime      int64 epoch ms, UTC (parsed and checked)
    row, file               int64, int32: where the message was in its source
    call_seq                int32: the message's place in its call, from 0
    call_last               bool: the call's last message
    send_ms                 int64 epoch ms: the send time the parts are sorted by and a run
                            plans with (startTime or endTime, less the silences removed
                            inside its call when prepared with `--max-gap`)

The manifest (`"schema": "replay-prepared/2"`) says what a run needs before reading a row:
message and call counts, T0 (`t0_ms`), `span_s`, `peak_concurrency`, messages per whole second
of send time (`per_second`), the sources' identities, the send-time field, `max_gap_s` (null
when prepared without `--max-gap`) and the checks used,
and every part's rows, bytes and BLAKE2b digest, all covered by `checksum`. `open_prepared`
checks them: a part changed, missing or added, or an edited manifest, is refused before
anything is sent. A part's digest is recomputed once per identity of its file (see
`replay.dataset.stamps`): `replay prepare` and every full check stamp the parts they hashed
(`_verified.json`), and a part whose file is still the one stamped is not read again.
"""

from __future__ import annotations

import contextlib
import fcntl
import hashlib
import json
import logging
import os
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pyarrow as pa
import pyarrow.parquet as pq

from replay.dataset.partition import call_partition
from replay.dataset.stamps import file_identity, stamp_parts, stamped_parts
from replay.errors import DatasetError

logger = logging.getLogger(__name__)

SCHEMA = "replay-prepared/2"  # 2: send_ms and max_gap_s
MANIFEST = "_manifest.json"  # "_": Arrow and Spark readers of the directory skip it
COLUMNS = ("vendorCallKey", "participantId", "messageId", "startTime", "endTime", "content",
           "senderType", "row", "file", "call_seq", "call_last", "send_ms")
_DIGEST_BLOCK = 8 << 20
_REPREPARE = "run `replay prepare` again"


def is_prepared(path: str | os.PathLike[str]) -> bool:
    """Whether `path` is a directory written by `replay prepare` (it has a manifest)."""
    return (Path(path) / MANIFEST).is_file()


def file_digest(path: Path) -> str:
    digest = hashlib.blake2b(digest_size=20)
    with open(path, "rb") as file:
        while block := file.read(_DIGEST_BLOCK):
            digest.update(block)
    return digest.hexdigest()


def manifest_checksum(manifest: dict) -> str:
    """BLAKE2b of the manifest's canonical JSON, without its own `checksum` field."""
    content = {key: value for key, value in manifest.items() if key != "checksum"}
    text = json.dumps(content, sort_keys=True, separators=(",", ":"))
    return hashlib.blake2b(text.encode("utf-8"), digest_size=20).hexdigest()


def source_identity(file: Path, name: str) -> dict:
    """What identifies a source file's content cheaply: its path, size and modification time."""
    stat = file.stat()
    return {"path": name, "bytes": stat.st_size, "mtime_ns": stat.st_mtime_ns}


@dataclass(frozen=True)
class PreparedDataset:
    path: Path
    manifest: dict

    @property
    def messages(self) -> int:
        return int(self.manifest["messages"])

    @property
    def t0_ms(self) -> int:
        return int(self.manifest["t0_ms"])

    @property
    def send_at(self) -> str:
        return str(self.manifest["send_at"])

    @property
    def max_gap_s(self) -> float | None:
        """The `--max-gap` the silences inside calls were shortened to when prepared (None)."""
        value = self.manifest["max_gap_s"]
        return None if value is None else float(value)

    def per_second(self) -> np.ndarray:
        """Messages per whole second of send time, from T0's second."""
        return np.asarray(self.manifest["per_second"]["counts"], dtype=np.int64)

    def tables(self, partition: tuple[int, int] | None = None,
               columns: list[str] | None = None, start: int = 0) -> Iterator[pa.Table]:
        """The messages in send-time order, a row group at a time; with a partition
        `(index, count)` only the calls whose `call_partition(key, count) == index`;
        `columns` (with vendorCallKey) reads only those; `start` skips that many row groups
        (of all the parts, in order) without reading them."""
        for part in self.manifest["parts"]:
            parquet = pq.ParquetFile(self.path / part["name"])
            groups = parquet.metadata.num_row_groups
            first, start = min(start, groups), max(start - groups, 0)
            for group in range(first, groups):
                table = parquet.read_row_group(group, columns=columns)
                if partition is not None:
                    index, count = partition
                    owners = call_partition(table.column("vendorCallKey").to_pandas(), count)
                    table = table.filter(pa.array(owners == index))
                yield table


def open_prepared(path: str | os.PathLike[str], *, verify: bool = True) -> PreparedDataset:
    """Read and check a prepared directory's manifest and its parts' presence and sizes; with
    verify, every part's digest too (a part still stamped as verified is not read again)."""
    display, path = str(path), Path(path)
    try:
        manifest = json.loads((path / MANIFEST).read_text())
    except (OSError, ValueError) as error:
        raise DatasetError(f"{display}: unreadable {MANIFEST} ({error}); {_REPREPARE}") from None
    if not isinstance(manifest, dict) or manifest.get("schema") != SCHEMA:
        raise DatasetError(f"{display}: {MANIFEST} is not a {SCHEMA} manifest; {_REPREPARE} "
                           "with this version")
    if manifest.get("checksum") != manifest_checksum(manifest):
        raise DatasetError(f"{display}: {MANIFEST} was changed after `replay prepare` wrote it "
                           f"(its checksum does not match); {_REPREPARE}")
    names = {part["name"] for part in manifest["parts"]}
    extra = sorted(p.name for p in path.glob("*.parquet") if p.name not in names)
    if extra:
        raise DatasetError(f"{display}: {extra[0]} is not part of the prepared dataset; remove "
                           f"it or {_REPREPARE}")
    stats = {}
    for part in manifest["parts"]:
        file = path / part["name"]
        if not file.is_file():
            raise DatasetError(f"{display}: {part['name']} is missing: the prepared dataset is "
                               f"incomplete; {_REPREPARE}")
        stats[part["name"]] = file.stat()
        if stats[part["name"]].st_size != part["bytes"]:
            raise _changed(display, part["name"])
    if verify:
        _verify_parts(display, path, manifest, stats)
    return PreparedDataset(path=path, manifest=manifest)


def _verify_parts(display: str, path: Path, manifest: dict,
                  stats: dict[str, os.stat_result]) -> None:
    """Hash every part not stamped as verified in its present identity (in parallel threads:
    hashlib releases the GIL), refuse the first that differs, and stamp the ones checked."""
    with _one_check_at_a_time(path / MANIFEST):
        stamped = stamped_parts(path, manifest["checksum"])
        pending = [part for part in manifest["parts"]
                   if (part["name"], file_identity(stats[part["name"]])) not in stamped]
        if not pending:
            return
        logger.info("%s: checking %d part(s) (%.0f MB) against the manifest", display,
                    len(pending), sum(part["bytes"] for part in pending) / 1e6)
        threads = min(len(pending), len(os.sched_getaffinity(0)))
        with ThreadPoolExecutor(threads, thread_name_prefix="replay-verify") as pool:
            digests = list(pool.map(lambda part: file_digest(path / part["name"]), pending))
        for part, digest in zip(pending, digests, strict=True):
            if digest != part["blake2b"]:
                raise _changed(display, part["name"])
        after = {name: (path / name).stat() for name in stats}
        stamp_parts(path, manifest["checksum"],
                    {name: stat for name, stat in after.items()
                     if file_identity(stat) == file_identity(stats[name])})


@contextlib.contextmanager
def _one_check_at_a_time(manifest: Path) -> Iterator[None]:
    """Processes on one machine (local workers) check a directory one after the other, the
    later ones finding it stamped: a lock on its manifest, none where the file system has no
    locks (or none for a read-only file, as NFS)."""
    with contextlib.ExitStack() as stack:
        with contextlib.suppress(OSError):
            fcntl.flock(stack.enter_context(open(manifest, "rb")), fcntl.LOCK_EX)
        yield


def _changed(display: str, name: str) -> DatasetError:
    return DatasetError(f"{display}: {name} was changed after `replay prepare` wrote it (its "
                        f"content does not match the manifest); {_REPREPARE}")
