"""Fixtures of the end-to-end tests: real `locust` subprocesses against the real mock on port 0.

Each run is short (a few seconds of timeline at speed 20 or more) and bounded by a timeout;
every process started here is stopped here.
"""

from __future__ import annotations

import os
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import rsa

REPO = Path(__file__).resolve().parents[2]
LOCUSTFILE = REPO / "locustfile.py"
BASE_MS = 1_764_000_000_000
ORG_ID = "00DHs00000Kmpyr"
CALL_CENTER = "replayCC"
JWT_HEADER_B64 = "eyJhbGciOiJSUzI1NiIsInR5cCI6IkpXVCJ9"  # {"alg":"RS256","typ":"JWT"}: every token


def write_dataset(path: Path, *, calls: int, messages: int, span_s: float, seed: int = 1) -> Path:
    """A transcript Parquet file: `calls` calls of `messages` utterances within span_s seconds.

    messageIds are m000, m001, ... in send order, so order at the mock is easy to check.
    """
    rng = np.random.default_rng(seed)
    rows = []
    for c in range(calls):
        key = f"call-{c:04d}"
        t = BASE_MS + int(rng.integers(0, int(span_s * 500)))
        step = int(span_s * 500 / messages)
        for m in range(messages):
            start = t
            end = start + int(rng.integers(200, max(step, 201)))
            t = end + int(rng.integers(0, max(step // 4, 1)))
            rows.append({
                "vendorCallKey": key, "participantId": f"{key}END_USER",
                "messageId": f"m{m:03d}", "startTime": start, "endTime": end,
                "content": f"utterance {m} of {key}: <ok> & \"fine\"",
                "senderType": "END_USER" if m % 2 == 0 else "VIRTUAL_AGENT",
            })
    pd.DataFrame(rows).to_parquet(path)
    return path


@dataclass(frozen=True)
class KeyPair:
    private: Path
    public: Path
    private_pem: str


@pytest.fixture(scope="session")
def key_pair(tmp_path_factory) -> KeyPair:
    folder = tmp_path_factory.mktemp("keys")
    key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    private_pem = key.private_bytes(
        serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8,
        serialization.NoEncryption(),
    )
    private = folder / "replay.pem"
    private.write_bytes(private_pem)
    private.chmod(0o600)
    public = folder / "replay.pub.pem"
    public.write_bytes(key.public_key().public_bytes(
        serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo))
    return KeyPair(private=private, public=public, private_pem=private_pem.decode())


IMPORT_FIXTURES = REPO / "tests" / "importers" / "fixtures"
IMPORT_AGENT = "005Hs00000Q1rStIAB"
IMPORTS = {
    "contact-lens": ["--agent-id", IMPORT_AGENT, "--start-at", "2025-11-25T09:00:00Z",
                     "--spacing", "5"],
    "sf-entries": [],
    "transcribe": ["--agent-id", IMPORT_AGENT, "--start-at", "2025-11-25T09:00:00Z",
                   "--speakers", "spk_0=HUMAN_AGENT,spk_1=END_USER,ch_0=HUMAN_AGENT,ch_1=END_USER"],
}  # fmt: skip


@pytest.fixture(scope="session")
def imported_trees(tmp_path_factory) -> Path:
    """A folder of `replay import` (a real command line each) of the three fixture trees,
    `<format>.parquet`: made once, only read by the tests that use it."""
    folder = tmp_path_factory.mktemp("imported")
    for name, options in IMPORTS.items():
        imported = subprocess.run(
            [sys.executable, "-m", "replay", "import", name, str(IMPORT_FIXTURES / name),
             "--out", str(folder / f"{name}.parquet"), *options],
            capture_output=True, text=True, timeout=60, cwd=folder,
        )
        assert imported.returncode == 0, imported.stderr
    return folder


@dataclass(frozen=True)
class LocustRun:
    returncode: int
    stdout: str
    stderr: str
    run_dir: Path


def locust_args(*, dataset: Path, host: str, key_pair: KeyPair | None, run_dir: Path,
                extra: list[str] = ()) -> list[str]:
    args = [
        sys.executable, "-m", "locust", "-f", str(LOCUSTFILE), "--headless", "--only-summary",
        "--dataset", str(dataset), "--host", host,
        "--report-dir", str(run_dir.parent), "--run-id", run_dir.name,
        "--html", str(run_dir / "locust.html"), "--csv", str(run_dir / "locust"),
    ]
    if key_pair is not None:
        args += ["--jwt-key", str(key_pair.private), "--org-id", ORG_ID,
                 "--call-center", CALL_CENTER]
    return args + list(extra)


def run_locust(args: list[str], *, run_dir: Path, timeout: float = 90) -> LocustRun:
    run_dir.parent.mkdir(parents=True, exist_ok=True)
    env = {**os.environ, "PYTHONUNBUFFERED": "1"}
    done = subprocess.run(args, capture_output=True, text=True, timeout=timeout, cwd=REPO, env=env)
    return LocustRun(done.returncode, done.stdout, done.stderr, run_dir)


def start_locust(args: list[str], *, run_dir: Path) -> subprocess.Popen:
    """Start locust in the background (the caller stops it, with a timeout)."""
    run_dir.parent.mkdir(parents=True, exist_ok=True)
    env = {**os.environ, "PYTHONUNBUFFERED": "1"}
    return subprocess.Popen(args, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
                            cwd=REPO, env=env)


def free_port() -> int:
    """A loopback port with nothing listening on it (bound, then released)."""
    import socket

    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]
