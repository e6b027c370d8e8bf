"""The replay under test: `locust -f locustfile.py --headless ...` pinned to the generator core.

    child = start_replay(ctx, name, dataset=path, speed="max", mock=mock, report_dir=d)
    summary = read_summary(report_dir)        # the replay's summary.json (ARCHITECTURE.md)

The replay signs its own tokens from the run's private key (--jwt-key); its run outputs go to a
report directory inside the benchmark's temporary run directory.
"""

from __future__ import annotations

import json
import sys
from pathlib import Path

from bench.context import Context
from bench.keys import CALL_CENTER, ORG_ID
from bench.procs import Child
from bench.target import ComponentMissing, Mock

REPO = Path(__file__).resolve().parent.parent
LOCUSTFILE = REPO / "locustfile.py"


def require_replay() -> None:
    if not LOCUSTFILE.is_file():
        raise ComponentMissing(f"the replay's {LOCUSTFILE.name} is not in the tree yet")


def start_replay(ctx: Context, name: str, *, dataset: Path, speed: str, mock: Mock,
                 report_dir: Path) -> Child:
    require_replay()
    argv = [sys.executable, "-m", "locust", "-f", str(LOCUSTFILE), "--headless",
            "--dataset", str(dataset), "--speed", speed, "--host", mock.url,
            "--jwt-key", str(ctx.keys.private_pem), "--org-id", ORG_ID,
            "--call-center", CALL_CENTER, "--report-dir", str(report_dir)]
    return ctx.procs.start(name, argv, core=ctx.generator_core, cwd=REPO)


def read_summary(report_dir: Path) -> dict:
    path = report_dir / "summary.json"
    try:
        return json.loads(path.read_text())
    except (OSError, ValueError) as exc:
        raise FileNotFoundError(f"the replay wrote no readable {path}: {exc}") from exc
