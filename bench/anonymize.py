"""Anonymize benchmark: messages per second through `replay anonymize`, each content mode.

    python -m bench.anonymize --messages 500000 --dir /tmp/x   # prints one JSON line

Makes a dataset with the generator (replay.synth, seed 1), then plants personal data in a share
of its utterances the way callers say it (a US phone number in 3%, an e-mail in 1%, a Luhn-valid
card number in 1%, a spoken account number in 2%), writes it as Parquet, and times, one after
the other in this process:

    reference   the same pipeline without anonymizing: read and validate batch by batch, write
    mask        anonymize_dataset(..., content="mask")
    synthetic   anonymize_dataset(..., content="synthetic")
    keep        anonymize_dataset(..., content="keep")

Each figure is messages / wall seconds, and messages / CPU seconds of this process (the same on
a quiet core; on a busy machine the CPU figure is the one to trust). Run it pinned to one core
(the bench section does; pyarrow's thread pools are set to one thread) so it measures one core.
`peak_rss_mib` is this process's peak resident memory after all passes, generation excluded
(a child process generates and writes the dataset).
"""

from __future__ import annotations

import argparse
import json
import resource
import subprocess
import sys
import time
from datetime import UTC, datetime
from pathlib import Path

MESSAGES_PER_CALL = 45
_GENERATE = """
import sys
from datetime import UTC, datetime
import numpy as np
from replay.synth import generate_transcripts, write_transcripts
messages, path = int(sys.argv[1]), sys.argv[2]
frame = generate_transcripts(max(1, messages // 45), 1, datetime(2025, 11, 25, 8, tzinfo=UTC))
frame = frame.iloc[:messages].copy()
rng = np.random.default_rng(1)
roll = rng.random(len(frame))
content = frame["content"].to_numpy(dtype=object)
digits = rng.integers(0, 10, size=(len(frame), 16))
words = np.array("zero one two three four five six seven eight nine".split())
areas = ("212", "415", "312", "617", "202", "303", "206", "512", "713", "305")


def luhn(body):
    total = 0
    for position, char in enumerate(reversed(body)):
        digit = int(char) * (2 if position % 2 == 0 else 1)
        total += digit - 9 if digit > 9 else digit
    return body + str((10 - total % 10) % 10)


for i in np.flatnonzero(roll < 0.07):
    d = "".join(map(str, digits[i]))
    if roll[i] < 0.03:
        item = f"you can call me on ({areas[digits[i, 0]]}) 2{d[1:3]}-{d[3:7]}"
    elif roll[i] < 0.04:
        item = f"it's jo.{d[:4]}@example.com"
    elif roll[i] < 0.05:
        card = luhn("4" + d[1:15])
        item = f"the card is {card[:4]} {card[4:8]} {card[8:12]} {card[12:]}"
    else:
        item = "the account is " + " ".join(words[digits[i, :8]])
    content[i] = f"{content[i]} Sure, {item}."
frame["content"] = content
write_transcripts(frame, path)
"""


def measure(path: Path, out_dir: Path) -> dict:
    import pyarrow as pa

    from replay.anonymize import Settings, anonymize_dataset
    from replay.anonymize.sink import DatasetSink
    from replay.anonymize.source import Source
    from replay.dataset import LoadOptions

    pa.set_cpu_count(1)
    pa.set_io_thread_count(1)
    options = LoadOptions()
    results: dict = {}
    Settings(key=b"0" * 32)  # imports done before any clock starts
    import phonenumbers  # noqa: F401
    started, started_cpu = time.perf_counter(), time.process_time()
    rows = 0
    with DatasetSink(out_dir / "reference.parquet") as sink:
        for batch in Source(path, options).batches():
            sink.write(batch)
            rows += batch.num_rows
    seconds, cpu = time.perf_counter() - started, time.process_time() - started_cpu
    results["reference"] = {"seconds": seconds, "messages_per_s": rows / seconds,
                            "messages_per_cpu_s": rows / cpu}  # fmt: skip
    key = b"bench-key-" + b"0" * 32
    for mode in ("mask", "synthetic", "keep"):
        started, started_cpu = time.perf_counter(), time.process_time()
        report = anonymize_dataset(
            path, out_dir / f"{mode}.parquet", Settings(key=key, content=mode), options
        )
        seconds, cpu = time.perf_counter() - started, time.process_time() - started_cpu
        results[mode] = {
            "seconds": seconds,
            "messages_per_s": report.rows / seconds,
            "messages_per_cpu_s": report.rows / cpu,
            "changed": report.changed,
            "replacements": report.replacements,
        }
    results["messages"] = rows
    results["peak_rss_mib"] = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    return results


def main() -> int:
    parser = argparse.ArgumentParser(prog="python -m bench.anonymize")
    parser.add_argument("--messages", type=int, default=500_000)
    parser.add_argument("--dir", type=Path, required=True)
    args = parser.parse_args()
    args.dir.mkdir(parents=True, exist_ok=True)
    dataset = args.dir / "dataset.parquet"
    started = time.perf_counter()
    subprocess.run([sys.executable, "-c", _GENERATE, str(args.messages), str(dataset)], check=True)
    generate_s = time.perf_counter() - started
    results = measure(dataset, args.dir)
    results["generate_s"] = generate_s
    results["measured_at"] = datetime.now(UTC).isoformat(timespec="seconds")
    print("BENCH_JSON " + json.dumps(results), flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
