"""Helpers of the importer tests: the fixture files, running `replay import`, a real S3 server.

The S3 server (moto) and everything that talks to it run in fresh interpreters, never in the
pytest process: other test modules import Locust, which patches the standard library with gevent,
and boto3/s3fs break in a patched process (a RecursionError in ssl when they were imported first,
"Calling sync() from within a running loop" from fsspec when they come after). So no module here
imports boto3, moto, s3fs or botocore; `s3` runs Python with the server's AWS_ENDPOINT_URL and
dummy credentials in its environment.
"""

from __future__ import annotations

import os
import pickle
import shutil
import subprocess
import sys
import textwrap
from dataclasses import dataclass
from pathlib import Path

import pyarrow.parquet as pq
import pytest

from replay.cli import main

FIXTURES = Path(__file__).resolve().parent / "fixtures"
AGENT = "005Hs00000Q1rStIAB"
START = "2025-11-25T09:00:00Z"
START_MS = 1_764_061_200_000
BUCKET = "acme-connect-exports"


@dataclass(frozen=True)
class Outcome:
    code: int
    out: str
    err: str


@pytest.fixture
def run_import(capsys):
    """`replay import ...` in this process: (exit code, stdout, stderr)."""

    def run(*argv: str | Path) -> Outcome:
        code = main(["import", *(str(arg) for arg in argv)])
        captured = capsys.readouterr()
        return Outcome(code, captured.out, captured.err)

    return run


@pytest.fixture
def tree(tmp_path):
    """A copy of one format's fixture folder, to add broken files to."""

    def copy(name: str) -> Path:
        target = tmp_path / name
        shutil.copytree(FIXTURES / name, target)
        return target

    return copy


def rows(path: Path) -> list[tuple]:
    """The dataset's rows as tuples in file order (the seven columns in schema order)."""
    return [tuple(row.values()) for row in pq.read_table(path).to_pylist()]


_SERVER = """
import sys
from moto.server import ThreadedMotoServer

server = ThreadedMotoServer(ip_address="127.0.0.1", port=0, verbose=False)
server.start()
print(server.get_host_and_port()[1], flush=True)
sys.stdin.read()  # serve until the test session closes stdin
server.stop()
"""

_UPLOAD = """
import pickle
import sys

import boto3

bucket, objects = pickle.load(sys.stdin.buffer)
client = boto3.client("s3")
if bucket not in [found["Name"] for found in client.list_buckets()["Buckets"]]:
    client.create_bucket(Bucket=bucket)
for key, body in objects.items():
    client.put_object(Bucket=bucket, Key=key, Body=body)
"""


@dataclass(frozen=True)
class S3:
    """A running S3 API server, and fresh interpreters that reach it the way botocore finds it."""

    endpoint: str

    def environment(self) -> dict[str, str]:
        env = {name: value for name, value in os.environ.items()
               if name not in ("AWS_PROFILE", "AWS_SESSION_TOKEN")}
        env.update(AWS_ENDPOINT_URL=self.endpoint, AWS_ACCESS_KEY_ID="testing",
                   AWS_SECRET_ACCESS_KEY="testing", AWS_DEFAULT_REGION="us-east-1")
        return env

    def python(self, code: str, *args: str, stdin: bytes = b"") -> Outcome:
        """`python -c code args...` with the server in its environment."""
        return self._interpreter("-c", textwrap.dedent(code), *args, stdin=stdin)

    def upload(self, objects: dict[str, bytes]) -> None:
        """Put these objects (key -> body) into BUCKET, creating it if need be."""
        done = self.python(_UPLOAD, stdin=pickle.dumps((BUCKET, objects)))
        assert done.code == 0, done.err

    def run_import(self, *argv: str | Path) -> Outcome:
        """`replay import ...` in a fresh interpreter."""
        return self._interpreter("-m", "replay", "import", *(str(arg) for arg in argv))

    def _interpreter(self, *argv: str, stdin: bytes = b"") -> Outcome:
        done = subprocess.run([sys.executable, *argv], input=stdin, capture_output=True,
                              env=self.environment(), timeout=120)
        return Outcome(done.returncode, done.stdout.decode(), done.stderr.decode())


@pytest.fixture(scope="session")
def s3(tmp_path_factory):
    """A real S3 API server (moto) on 127.0.0.1, in its own interpreter for the whole session."""
    log = tmp_path_factory.mktemp("s3") / "server.log"
    with log.open("wb") as errors:
        server = subprocess.Popen([sys.executable, "-c", _SERVER], stdin=subprocess.PIPE,
                                  stdout=subprocess.PIPE, stderr=errors, text=True)
    try:
        port = server.stdout.readline().strip()
        assert port.isdigit(), f"the S3 server did not start: {log.read_text()}"
        yield S3(f"http://127.0.0.1:{port}")
    finally:
        server.stdin.close()
        try:
            server.wait(timeout=10)
        except subprocess.TimeoutExpired:
            server.kill()
            server.wait()
        server.stdout.close()
