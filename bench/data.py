"""Data benchmark: load + validate (+ plan) one million messages from Parquet and from CSV.

    from bench.data import run
    run(quick=False) -> {"setup": "...", "generate_s": 4.1,
                         "parquet": {"load_validate_s": 1.2, "load_validate_cpu_s": 1.4,
                                     "plan_s": 0.3, "total_s": 1.5,
                                     "peak_rss_mib": 700.0, "bytes_per_message": 260.0,
                                     "file_mib": 40.0},
                         "csv": {...}}

Each measurement runs in a fresh interpreter, so its peak RSS (ru_maxrss of the child) is its
own. The dataset is generated once with `replay.synth` (seed 1) and cached under the system temp
directory, keyed by size and a hash of the generator's source. `quick=True` uses 20,000 messages.
Targets (issue 2): Parquet <= 2 s, CSV <= 4 s, peak memory < 1 GiB, <= 400 bytes per message held.
`plan_s` appears only when `replay.plan.build_plan` exists. `load_validate_cpu_s` is the CPU time
of all the child's threads while loading: on a busy machine it moves less than the wall time.
`generate_s` times generating the messages in memory (writing excluded).
"""

from __future__ import annotations

import hashlib
import json
import subprocess
import sys
import tempfile
from pathlib import Path

FULL_MESSAGES = 1_000_000
QUICK_MESSAGES = 20_000
SEED = 1
START = "2025-11-25T08:00:00+00:00"
MESSAGES_PER_CALL = 45  # a little under the generator's mean, so enough calls are made
_SYNTH = Path(__file__).resolve().parents[1] / "replay" / "synth"

_MEASURE = """
import json, resource, sys, time
from replay.dataset import load_transcripts
started, started_cpu = time.perf_counter(), time.process_time()
transcripts = load_transcripts(sys.argv[1])
loaded = time.perf_counter()
result = {"load_validate_s": loaded - started,
          "load_validate_cpu_s": time.process_time() - started_cpu}
table = transcripts.table
held = int(table.memory_usage(deep=True).sum())
try:
    from replay.plan import PlanOptions, build_plan
except ImportError:
    build_plan = None
if build_plan is not None:
    plan = build_plan(table, PlanOptions(speed=1.0))
    result["plan_s"] = time.perf_counter() - loaded
    held += sum(value.nbytes for value in vars(plan).values() if hasattr(value, "nbytes"))
result["total_s"] = time.perf_counter() - started
result["peak_rss_mib"] = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
result["bytes_per_message"] = held / len(table)
result["messages"] = len(table)
print(json.dumps(result))
"""

_GENERATE = """
import json, sys, time
from datetime import datetime
from replay.synth import generate_transcripts
started = time.perf_counter()
start = datetime.fromisoformat(sys.argv[3])
frame = generate_transcripts(int(sys.argv[1]), int(sys.argv[2]), start)
print(json.dumps({"generate_s": time.perf_counter() - started, "messages": len(frame)}))
"""


def run(quick: bool = False) -> dict:
    messages = QUICK_MESSAGES if quick else FULL_MESSAGES
    calls = messages // MESSAGES_PER_CALL + 10
    files = _dataset(messages, calls)
    generated = _child(_GENERATE, str(calls), str(SEED), START)
    result: dict = {
        "setup": f"{messages:,} messages from replay.synth (seed {SEED}), each format measured "
        "in a fresh interpreter",
        "generate_s": round(generated["generate_s"], 3),
    }
    for kind, path in files.items():
        measured = _child(_MEASURE, str(path))
        if measured.pop("messages") != messages:
            raise RuntimeError(f"{path} loaded a different number of messages than {messages}")
        measured["file_mib"] = path.stat().st_size / 2**20
        result[kind] = {key: round(value, 3) for key, value in measured.items()}
    return result


def _dataset(messages: int, calls: int) -> dict[str, Path]:
    """The cached Parquet and CSV files of `messages` synthetic messages (made if missing)."""
    digest = hashlib.sha256()
    for source in sorted(_SYNTH.glob("*.py")):
        digest.update(source.read_bytes())
    folder = Path(tempfile.gettempdir()) / "replay-bench-data"
    stem = f"{messages}-{SEED}-{digest.hexdigest()[:12]}"
    files = {"parquet": folder / f"{stem}.parquet", "csv": folder / f"{stem}.csv"}
    if not all(path.exists() for path in files.values()):
        from datetime import datetime

        from replay.synth import generate_transcripts, write_transcripts

        frame = generate_transcripts(calls, SEED, datetime.fromisoformat(START)).head(messages)
        for path in files.values():
            write_transcripts(frame, path)
    return files


def _child(script: str, *args: str) -> dict:
    completed = subprocess.run(
        [sys.executable, "-c", script, *args], capture_output=True, text=True, check=False
    )
    if completed.returncode != 0:
        raise RuntimeError(f"data benchmark child failed: {completed.stderr.strip()[-2000:]}")
    return json.loads(completed.stdout.strip().splitlines()[-1])


if __name__ == "__main__":
    print(json.dumps(run(quick="--quick" in sys.argv), indent=2))
