"""Write a transcript table to .csv, .csv.gz or .parquet (chosen by the extension), atomically.

    write_transcripts(frame, "datasets/sample.parquet")

The file appears complete or not at all: the data goes to a temporary file in the same
directory, which is then renamed over the target. Output is byte-identical for an identical
frame (the gzip header carries no timestamp or name), so a seed always gives the same file.
"""

from __future__ import annotations

import gzip
from pathlib import Path

import pandas as pd
import pyarrow as pa
import pyarrow.parquet as pq

from replay.atomic import atomic_path
from replay.errors import ConfigError

SUFFIXES = (".csv", ".csv.gz", ".parquet")


def write_transcripts(frame: pd.DataFrame, path: str | Path) -> Path:
    path = Path(path)
    name = path.name.lower()
    if not name.endswith(SUFFIXES):
        raise ConfigError(
            f"--out {path}: unknown file type; expected a name ending {', '.join(SUFFIXES)}"
        )
    path.parent.mkdir(parents=True, exist_ok=True)
    with atomic_path(path) as temporary, open(temporary, "wb") as out:
        if name.endswith(".parquet"):
            table = pa.Table.from_pandas(frame, preserve_index=False)
            pq.write_table(table, out, compression="snappy", row_group_size=256_000)
        elif name.endswith(".gz"):
            with gzip.GzipFile(
                filename="", mode="wb", fileobj=out, mtime=0, compresslevel=6
            ) as zipped:
                frame.to_csv(zipped, index=False, lineterminator="\n")
        else:
            frame.to_csv(out, index=False, lineterminator="\n")
    return path
