"""What a run pays to check a prepared directory before its first message: on a fresh copy
(every part hashed) and again on the same copy (stamped: none hashed).

    measured = measure_copy_check(prepared, run_dir, core=0)  # {"copied": ..., "stamped": ...}
    python -m bench.verify_check DIR    # one check: BENCH_JSON {"seconds", "parts_hashed", ...}

Each check is its own process (pinned to `core`, as the scale section pins its runs), timing
`open_prepared` alone, not Python's start-up.
"""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
import time
from pathlib import Path

from replay.dataset.prepared import open_prepared
from replay.dataset.stamps import SETTLE_NS, file_identity, stamped_parts

REPO = Path(__file__).resolve().parents[1]


def measure_copy_check(prepared: Path, run_dir: Path, *, core: int) -> dict:
    """Copy `prepared` into `run_dir`, check the copy twice, remove it."""
    copy = run_dir / f"{prepared.name}-copy"
    shutil.copytree(prepared, copy)
    try:
        time.sleep(SETTLE_NS / 1e9)  # a part copied moments ago is checked but not stamped
        return {"copied": _check(copy, core), "stamped": _check(copy, core)}
    finally:
        shutil.rmtree(copy, ignore_errors=True)


def _check(directory: Path, core: int) -> dict:
    done = subprocess.run(["taskset", "-c", str(core), sys.executable, "-m", "bench.verify_check",
                           str(directory)], capture_output=True, text=True, timeout=1800,
                          cwd=REPO, check=False)
    if done.returncode or "BENCH_JSON " not in done.stdout:
        raise RuntimeError(f"checking {directory} failed (exit {done.returncode}): "
                           f"{done.stderr[-800:]}")
    return json.loads(done.stdout.split("BENCH_JSON ", 1)[1])


def check_once(directory: Path) -> dict:
    """Open `directory` as a run does (every part checked or found stamped), timed."""
    manifest = open_prepared(directory, verify=False).manifest
    stamped = stamped_parts(directory, manifest["checksum"])
    hashed = [part for part in manifest["parts"]
              if (part["name"], file_identity((directory / part["name"]).stat())) not in stamped]
    started = time.perf_counter()
    open_prepared(directory)
    seconds = time.perf_counter() - started
    return {"seconds": seconds, "parts": len(manifest["parts"]), "parts_hashed": len(hashed),
            "bytes": sum(part["bytes"] for part in manifest["parts"]),
            "bytes_hashed": sum(part["bytes"] for part in hashed)}


if __name__ == "__main__":
    print("BENCH_JSON", json.dumps(check_once(Path(sys.argv[1]))), flush=True)
