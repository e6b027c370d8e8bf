"""Prepare datasets for streaming: validate, sort by send time, write Parquet parts and a manifest.

    manifest = prepare_dataset(["day1.csv", "day2.parquet"], "prepared/", LoadOptions(),
                               progress=lambda rows: ...)

Out of core, with pyarrow alone, in three passes whose memory is bounded by a slice of the
data, never the whole of it:

1. spill   every source is read in batches; each row goes to one of B bucket files by a hash of
           its vendorCallKey (B grows with the sources' size), so a call's rows are in one bucket.
2. check   each bucket is validated whole with the rules and messages of `replay validate`
           (a call is never split, so "repeated messageId" sees all of its rows), sorted by
           send time, and written back as a sorted run with each message's place in its call.
3. merge   the runs are merged by ranges of send time (each holding at most `MERGE_ROWS` rows,
           chosen from the per-second counts of pass 2, row groups picked by their statistics)
           into `part-NNNNN.parquet` files of bounded row groups, in send-time order.

The output directory (see `replay.dataset.prepared` for the format and how it is read) is
written under a temporary name and renamed into place at the end: never half-written.
"""

from __future__ import annotations

import itertools
import json
import math
import os
import shutil
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import pyarrow as pa
import pyarrow.parquet as pq

from replay.dataset.columns import FIELDS, TIME_FIELDS
from replay.dataset.load import EXAMPLES, LoadOptions, _failure
from replay.dataset.partition import call_partition
from replay.dataset.prepared import (
    COLUMNS,
    MANIFEST,
    SCHEMA,
    file_digest,
    manifest_checksum,
    source_identity,
)
from replay.dataset.read import RawTable, iter_raw_batches, raw_files, times_are_integers
from replay.dataset.stamps import stamp_parts
from replay.dataset.validate import find_problems, render
from replay.errors import ConfigError, DatasetError
from replay.plan import cap_gaps

BUCKET_BYTES = 192 << 20  # source bytes per bucket: a bucket is validated and sorted in memory
BUCKET_ROWS = 300_000  # and at most about this many rows (Parquet compresses well)
CSV_ROW_BYTES = 120  # a guess at a CSV row's size, to estimate its rows
MERGE_ROWS = 250_000  # rows sorted at once in the merge
ROW_GROUP_ROWS = 65_536  # rows per row group of the output: what a run reads at a time
PART_ROWS = 4_000_000  # rows per output file
SPILL_COMPRESSION = "lz4"


@dataclass
class _Totals:
    """What pass 2 learns, for the manifest: counts, skips and the shape of the timeline."""

    messages: int = 0
    calls: int = 0
    skipped: int = 0
    by_reason: dict[str, int] = field(default_factory=dict)
    examples: list[str] = field(default_factory=list)
    seconds: list[np.ndarray] = field(default_factory=list)  # whole send seconds (epoch)...
    counts: list[np.ndarray] = field(default_factory=list)  # ...and messages in each
    call_first_ms: list[np.ndarray] = field(default_factory=list)
    call_last_ms: list[np.ndarray] = field(default_factory=list)


def prepare_dataset(
    sources: Sequence[str | os.PathLike[str]], out: str | os.PathLike[str], options: LoadOptions,
    *, progress: Callable[[str, int], None] | None = None, max_gap_s: float | None = None,
) -> dict:
    """Prepare `sources` into the directory `out` (replaced if it was a prepared directory).

    `max_gap_s`: shorten every silence inside a call to at most that many seconds (as a run's
    `--max-gap` does in memory), so the parts are in the order the run sends them.

    `progress(stage, rows)` is told the rows done so far in each stage (spill, check, merge).
    Returns the manifest. DatasetError for bad input, named as `replay validate` names it.
    """
    out = Path(out)
    _check_out(out)
    files = [entry for source in sources for entry in raw_files(source)]
    if not files:
        raise DatasetError("no dataset given")
    column_map = options.column_map
    text_times = not all(times_are_integers(file, name, column_map) for file, name in files)
    total_bytes = sum(file.stat().st_size for file, _ in files)
    buckets = max(1, math.ceil(total_bytes / BUCKET_BYTES),
                  math.ceil(sum(_rows(file) for file, _ in files) / BUCKET_ROWS))
    work = out.with_name(f".{out.name}.partial-{os.getpid()}")
    shutil.rmtree(work, ignore_errors=True)
    (work / "spill").mkdir(parents=True)
    report = progress or (lambda stage, rows: None)
    try:
        _spill(files, work / "spill", buckets, column_map, text_times, report)
        totals = _Totals()
        names = tuple(name for _, name in files)
        label = ", ".join(map(str, sources))
        # A merge range takes about MERGE_ROWS / buckets rows of each run: row groups of
        # that size are read (nearly) once, not many times over.
        run_group_rows = min(ROW_GROUP_ROWS, max(2_048, MERGE_ROWS // buckets))
        runs = [_check_bucket(work / "spill", b, names, label, options, totals, report,
                              run_group_rows, max_gap_s) for b in range(buckets)]
        runs = [run for run in runs if run is not None]
        if totals.messages == 0:
            raise DatasetError(f"{', '.join(map(str, sources))}: no transcript rows; expected "
                               "one row per utterance after the header")
        parts = _merge(runs, work, totals, report)
        shutil.rmtree(work / "spill")
        manifest = _manifest(files, options, totals, parts, max_gap_s)
        (work / MANIFEST).write_text(json.dumps(manifest, indent=1))
        # Just hashed, in a directory nobody else knows yet: the first run need not hash again.
        stamp_parts(work, manifest["checksum"],
                    {part["name"]: (work / part["name"]).stat() for part in parts},
                    settled_only=False)
        if out.exists():
            shutil.rmtree(out)
        os.replace(work, out)
    finally:
        shutil.rmtree(work, ignore_errors=True)
    return manifest


def _rows(file: Path) -> int:
    """Rows of a Parquet file (its footer says); a CSV file's estimated from its bytes."""
    if not file.name.lower().endswith(".parquet"):
        return file.stat().st_size // CSV_ROW_BYTES
    try:
        return pq.ParquetFile(file).metadata.num_rows
    except (pa.ArrowException, OSError):
        return 0  # unreadable: reading it reports the error with its name


def _check_out(out: Path) -> None:
    if out.exists() and not (out.is_dir() and (not any(out.iterdir())
                                               or (out / MANIFEST).is_file())):
        raise ConfigError(f"--out {out}: exists and is not a prepared dataset directory; give "
                          "a new directory (or an earlier prepare's, to replace it)")


def _spill(files, spill: Path, buckets: int, column_map, text_times: bool, report) -> None:
    """Arrow IPC streams, not Parquet: a Parquet writer keeps every row group's metadata until
    it closes, and hundreds of buckets written in small pieces made that grow with the data."""
    writers: dict[int, pa.ipc.RecordBatchStreamWriter] = {}
    options = pa.ipc.IpcWriteOptions(compression=SPILL_COMPRESSION)
    rows = 0
    try:
        for index, (file, name) in enumerate(files):
            for batch in iter_raw_batches(file, name, index, column_map):
                batch = _uniform(batch, text_times)
                owner = call_partition(batch.column("vendorCallKey").to_pandas(), buckets)
                for bucket in np.unique(owner).tolist():
                    piece = batch.filter(pa.array(owner == bucket)) if buckets > 1 else batch
                    writer = writers.get(bucket)
                    if writer is None:
                        writer = writers[bucket] = pa.ipc.new_stream(
                            spill / f"bucket-{bucket:05d}.arrows", piece.schema,
                            options=options)
                    writer.write_table(piece)
                rows += batch.num_rows
                report("read", rows)
    finally:
        for writer in writers.values():
            writer.close()


def _uniform(batch: pa.Table, text_times: bool) -> pa.Table:
    """Timestamps as one type in every bucket: int64 when every source stores int64, else text."""
    if not text_times:
        return batch
    for name in TIME_FIELDS:
        column = batch.column(name)
        if column.type != pa.large_string():
            if pa.types.is_dictionary(column.type):
                column = column.cast(column.type.value_type)
            batch = batch.set_column(batch.schema.get_field_index(name), name,
                                     column.cast(pa.large_string()))
    return batch


def _check_bucket(spill: Path, bucket: int, names: tuple[str, ...], label: str,
                  options: LoadOptions, totals: _Totals, report, run_group_rows: int,
                  max_gap_s: float | None) -> Path | None:
    """Validate one bucket, sort it by send time and write it as a run; None if it is empty."""
    path = spill / f"bucket-{bucket:05d}.arrows"
    if not path.exists():
        return None
    with pa.ipc.open_stream(pa.memory_map(str(path))) as reader:
        table = reader.read_all().combine_chunks()
    raw = RawTable(table=table, files=names)
    path.unlink()
    findings = find_problems(raw, options.max_content_length)
    keep = np.ones(raw.table.num_rows, dtype=bool)
    if findings.problems:
        bad = findings.bad_rows()
        if options.on_invalid == "fail":
            raise DatasetError(_failure(label, raw, findings, options, bad))
        totals.skipped += int(bad.sum())
        for reason, count in findings.rows_by_reason().items():
            totals.by_reason[reason] = totals.by_reason.get(reason, 0) + count
        if len(totals.examples) < EXAMPLES:
            totals.examples += render(findings, raw, options.column_map,
                                      options.max_content_length,
                                      EXAMPLES - len(totals.examples))
        keep = ~bad
    table = raw.table.filter(pa.array(keep)) if not keep.all() else raw.table
    start_ms, end_ms = findings.start_ms[keep], findings.end_ms[keep]
    send = end_ms if options.order_by == "endTime" else start_ms
    file_index = table.column("file").to_numpy()
    row = table.column("row").to_numpy()
    call = findings.call_codes[keep]
    if not call.size:
        return None
    by_call = np.lexsort((row, file_index, send, call))
    sorted_calls = call[by_call]
    starts = np.flatnonzero(np.r_[True, sorted_calls[1:] != sorted_calls[:-1]])
    sizes = np.diff(np.r_[starts, sorted_calls.size])
    seq = np.empty(call.size, np.int32)
    seq[by_call] = np.arange(call.size) - np.repeat(starts, sizes)
    if max_gap_s is not None:  # a bucket holds whole calls: shorten their silences here
        capped = cap_gaps(send[by_call].astype(np.float64), starts, max_gap_s * 1000.0)
        send = send.copy()
        send[by_call] = np.round(capped).astype(np.int64)
    last = np.zeros(call.size, bool)
    last[by_call[np.r_[starts[1:], sorted_calls.size] - 1]] = True
    totals.call_first_ms.append(send[by_call[starts]])
    totals.call_last_ms.append(send[by_call[np.r_[starts[1:], sorted_calls.size] - 1]])
    seconds, counts = np.unique(send // 1000, return_counts=True)
    totals.seconds.append(seconds)
    totals.counts.append(counts)
    totals.messages += call.size
    totals.calls += starts.size
    order = np.lexsort((row, file_index, send))
    taken = pa.array(order)
    columns = {name: table.column(name).take(taken) for name in FIELDS if name not in TIME_FIELDS}
    columns |= {"startTime": pa.array(start_ms[order]), "endTime": pa.array(end_ms[order]),
                "row": pa.array(row[order]), "file": pa.array(file_index[order]),
                "call_seq": pa.array(seq[order]), "call_last": pa.array(last[order]),
                "send_ms": pa.array(send[order])}
    run = spill / f"run-{bucket:05d}.parquet"
    pq.write_table(pa.table(columns), run, row_group_size=run_group_rows,
                   compression=SPILL_COMPRESSION)
    report("check", totals.messages)
    return run


def _merge(runs: list[Path], work: Path, totals: _Totals, report) -> list[dict]:
    """Merge the sorted runs into part files, by ranges of send time of at most MERGE_ROWS."""
    seconds, where = np.unique(np.concatenate(totals.seconds), return_inverse=True)
    counts = np.bincount(where, weights=np.concatenate(totals.counts)).astype(np.int64)
    totals.seconds, totals.counts = [seconds], [counts]
    cuts = _range_cuts(seconds, counts)
    groups = [_row_group_ranges(run) for run in runs]
    files = [pq.ParquetFile(run) for run in runs]
    parts: list[dict] = []
    writer, written, done = None, 0, 0
    try:
        for lo_s, hi_s in itertools.pairwise(cuts):
            lo_ms, hi_ms = lo_s * 1000, hi_s * 1000
            pieces = []
            for parquet, ranges in zip(files, groups, strict=True):
                wanted = [i for i, (low, high) in enumerate(ranges)
                          if high >= lo_ms and low < hi_ms]
                if wanted:
                    piece = parquet.read_row_groups(wanted)
                    send = piece.column("send_ms").to_numpy()
                    pieces.append(piece.filter(pa.array((send >= lo_ms) & (send < hi_ms))))
            chunk = pa.concat_tables(pieces).combine_chunks()
            order = np.lexsort((chunk.column("row").to_numpy(), chunk.column("file").to_numpy(),
                                chunk.column("send_ms").to_numpy()))
            chunk = chunk.take(pa.array(order)).select(list(COLUMNS))
            while chunk.num_rows:
                if writer is None:
                    name = f"part-{len(parts):05d}.parquet"
                    writer = pq.ParquetWriter(work / name, chunk.schema, compression="zstd")
                    parts.append({"name": name, "rows": 0})
                room = PART_ROWS - written
                writer.write_table(chunk.slice(0, room), row_group_size=ROW_GROUP_ROWS)
                taken = min(room, chunk.num_rows)
                parts[-1]["rows"] += taken
                written += taken
                done += taken
                chunk = chunk.slice(taken)
                if written >= PART_ROWS:
                    writer.close()
                    writer, written = None, 0
            report("merge", done)
    finally:
        if writer is not None:
            writer.close()
    for part in parts:
        path = work / part["name"]
        part["bytes"] = path.stat().st_size
        part["blake2b"] = file_digest(path)
    return parts


def _range_cuts(seconds: np.ndarray, counts: np.ndarray) -> list[int]:
    """Whole seconds [c0, c1, ...] cutting the timeline into ranges of at most MERGE_ROWS rows
    (a single second holding more is a range of its own)."""
    cuts = [int(seconds[0])]
    filled = 0
    for second, count in zip(seconds.tolist(), counts.tolist(), strict=True):
        if filled and filled + count > MERGE_ROWS:
            cuts.append(second)
            filled = 0
        filled += count
    cuts.append(int(seconds[-1]) + 1)
    return cuts


def _row_group_ranges(run: Path) -> list[tuple[int, int]]:
    metadata = pq.ParquetFile(run).metadata
    index = metadata.schema.to_arrow_schema().get_field_index("send_ms")
    ranges = []
    for group in range(metadata.num_row_groups):
        stats = metadata.row_group(group).column(index).statistics
        ranges.append((int(stats.min), int(stats.max)))
    return ranges


def _manifest(files, options: LoadOptions, totals: _Totals, parts: list[dict],
              max_gap_s: float | None) -> dict:
    seconds, counts = totals.seconds[0], totals.counts[0]
    first_ms = np.concatenate(totals.call_first_ms)
    last_ms = np.concatenate(totals.call_last_ms)
    t0_ms, end_ms = int(first_ms.min()), int(last_ms.max())
    per_second = np.zeros(int(seconds[-1] - seconds[0]) + 1, np.int64)
    per_second[seconds - seconds[0]] = counts
    manifest = {
        "schema": SCHEMA,
        "created_at": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime()),
        "sources": [source_identity(file, name) for file, name in files],
        "send_at": "end" if options.order_by == "endTime" else "start",
        "max_gap_s": max_gap_s,
        "column_map": dict(options.column_map),
        "on_invalid": options.on_invalid,
        "max_content_length": options.max_content_length,
        "messages": totals.messages,
        "calls": totals.calls,
        "t0_ms": t0_ms,
        "span_s": (end_ms - t0_ms) / 1000.0,
        "peak_concurrency": _peak(first_ms, last_ms),
        "per_second": {"first_s": int(seconds[0]), "counts": per_second.tolist()},
        "skipped": {"count": totals.skipped, "by_reason": totals.by_reason,
                    "examples": totals.examples},
        "parts": parts,
    }
    manifest["checksum"] = manifest_checksum(manifest)
    return manifest


def _peak(first_ms: np.ndarray, last_ms: np.ndarray) -> int:
    begins, finishes = np.sort(first_ms), np.sort(last_ms)
    active = np.arange(1, begins.size + 1) - np.searchsorted(finishes, begins, side="left")
    return int(active.max()) if active.size else 0
