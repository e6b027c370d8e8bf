"""The mock endpoint as the benchmark's target: started pinned to a core, asked for its counts.

    mock = start_mock(procs, run_dir, core=0, keys=keys)       # keys=None: --no-auth
    mock.url                     # "http://127.0.0.1:PORT"
    mock.accepted()              # transcript messages the mock has accepted so far
    mock.child.cpu_seconds()     # CPU the server has used (to show whether it was the bottleneck)

It runs `python -m replay.mock --host 127.0.0.1 --port 0 --ready-file F` with validation and the
ledger on (the mock's defaults), and reads the URL from the ready file, `{"url": ..., "pid": ...}`.
"""

from __future__ import annotations

import importlib.util
import json
import sys
import urllib.request
from dataclasses import dataclass
from pathlib import Path

from bench.keys import CALL_CENTER, ORG_ID, Keys
from bench.procs import Child, Processes, wait_until


class ComponentMissing(RuntimeError):
    """A part of the product this section measures has not been installed or written yet."""


@dataclass(frozen=True, kw_only=True)
class Mock:
    child: Child
    url: str

    def stats(self) -> dict:
        with urllib.request.urlopen(f"{self.url}/__admin/stats", timeout=10) as response:
            return json.load(response)

    def accepted(self) -> int:
        """Messages accepted (stored, duplicate or outside the window), from GET /__admin/stats."""
        return self.stats()["accepted"]


def require_mock() -> None:
    if importlib.util.find_spec("replay.mock.__main__") is None:
        raise ComponentMissing("the mock endpoint (python -m replay.mock) is not in the tree yet")


def start_mock(procs: Processes, run_dir: Path, *, core: int, keys: Keys | None,
               name: str = "mock", workers: int = 1, extra: tuple[str, ...] = (),
               nice: int = 0) -> Mock:
    require_mock()
    ready = run_dir / f"{name}.ready.json"
    ready.unlink(missing_ok=True)
    argv = [sys.executable, "-m", "replay.mock", "--host", "127.0.0.1", "--port", "0",
            "--ready-file", str(ready), "--workers", str(workers)]
    if keys is None:
        argv.append("--no-auth")
    else:
        argv += ["--public-key", str(keys.public_pem), "--org-id", ORG_ID,
                 "--call-center", CALL_CENTER]
    argv += extra
    if nice:
        argv = ["nice", "-n", str(nice), *argv]
    child = procs.start(name, argv, core=core)
    wait_until(lambda: _ready(ready), child=child, timeout_s=30, what="ready")
    mock = Mock(child=child, url=json.loads(ready.read_text())["url"].rstrip("/"))
    mock.stats()  # answers: the admin endpoint is up too
    return mock


def _ready(path: Path) -> bool:
    try:
        return "url" in json.loads(path.read_text())
    except (OSError, ValueError):
        return False
