"""Helpers of the importer tests: the fixture files, running `replay import`, a real S3 server."""

from __future__ import annotations

import shutil
from dataclasses import dataclass
from pathlib import Path

import boto3
import pyarrow.parquet as pq
import pytest
from moto.server import ThreadedMotoServer

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


@pytest.fixture(scope="session")
def s3_server():
    server = ThreadedMotoServer(ip_address="127.0.0.1", port=0, verbose=False)
    server.start()
    host, port = server.get_host_and_port()
    try:
        yield f"http://{host}:{port}"
    finally:
        server.stop()


@pytest.fixture
def s3(s3_server, monkeypatch):
    """The S3 server as botocore finds it: AWS_ENDPOINT_URL and dummy credentials."""
    monkeypatch.setenv("AWS_ENDPOINT_URL", s3_server)
    monkeypatch.setenv("AWS_ACCESS_KEY_ID", "testing")
    monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", "testing")
    monkeypatch.setenv("AWS_DEFAULT_REGION", "us-east-1")
    for name in ("AWS_PROFILE", "AWS_SESSION_TOKEN"):
        monkeypatch.delenv(name, raising=False)
    client = boto3.client("s3")
    if BUCKET not in [bucket["Name"] for bucket in client.list_buckets()["Buckets"]]:
        client.create_bucket(Bucket=BUCKET)
    return client
