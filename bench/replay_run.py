"""The replay under test: `locust -f locustfile.py --headless ...` pinned to the generator core.

    child = start_replay(ctx, name, dataset=path, speed="max", mock=mock)
    summary = read_summary(ctx, name)         # the replay's summary.json (docs/architecture.md)

The replay signs its own tokens from the run's private key (--jwt-key), with `--jwt-mode
shared` unless told otherwise: the generator, fidelity and soak figures measure the send path
with one shared token, as they always have (per-request tokens are measured against it by the
tokens section). Its outputs go to `<run dir>/reports/<name>/` inside the benchmark's temporary
run directory.
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


def start_replay(ctx: Context, name: str, *, dataset: Path, speed: str,
                 mock: Mock, jwt_mode: str = "shared", extra: tuple[str, ...] = ()) -> Child:
    require_replay()
    argv = [sys.executable, "-m", "locust", "-f", str(LOCUSTFILE), "--headless",
            "--dataset", str(dataset), "--speed", speed, "--host", mock.url,
            "--jwt-key", str(ctx.keys.private_pem), "--org-id", ORG_ID,
            "--call-center", CALL_CENTER, "--report-dir", str(ctx.run_dir / "reports"),
            "--run-id", name, "--jwt-mode", jwt_mode, *extra]
    return ctx.procs.start(name, argv, core=ctx.generator_core, cwd=REPO)


def read_summary(ctx: Context, name: str) -> dict:
    path = ctx.run_dir / "reports" / name / "summary.json"
    try:
        return json.loads(path.read_text())
    except (OSError, ValueError) as exc:
        raise FileNotFoundError(f"the replay wrote no readable {path}: {exc}") from exc
