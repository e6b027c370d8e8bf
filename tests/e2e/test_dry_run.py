"""End to end: `--dry-run` prints the plan and the first requests, and sends nothing."""

from __future__ import annotations

import os
import subprocess
import sys

import pytest

from replay.mock.process import start_mock

from .conftest import (
    JWT_HEADER_B64,
    LOCUSTFILE,
    REPO,
    locust_args,
    run_locust,
    write_dataset,
)

pytestmark = pytest.mark.e2e


def test_dry_run_prints_the_plan_and_first_requests_and_sends_nothing(tmp_path, key_pair):
    dataset = write_dataset(tmp_path / "calls.parquet", calls=4, messages=5, span_s=40)
    run_dir = tmp_path / "reports" / "dry"
    with start_mock(["--public-key", str(key_pair.public)]) as mock:
        run = run_locust(locust_args(dataset=dataset, host=mock.url + "/telephony/v1",
                                     key_pair=key_pair, run_dir=run_dir,
                                     extra=["--speed", "4", "--dry-run", "--provider-name",
                                            "demo-connector"]), run_dir=run_dir)
        received = mock.stats()["received"]
    assert run.returncode == 0, run.stderr[-3000:]
    assert received == 0
    out = run.stdout
    assert "plan: 20 messages in 4 calls, speed 4, send at end" in out
    assert out.count(f"POST {mock.url}/telephony/v1/voiceCalls/call-") == 3
    assert "Telephony-Provider-Name: demo-connector" in out
    assert '"senderType": "END_USER"' in out
    assert "Authorization: Bearer eyJhbGciOiJS...(" in out
    assert JWT_HEADER_B64 not in out
    assert not (run_dir / "summary.json").exists()


def dry_run_plan_line(tmp_path, args, env=None) -> str:
    done = subprocess.run(
        [sys.executable, "-m", "locust", "-f", str(LOCUSTFILE), "--headless", *args],
        capture_output=True, text=True, timeout=60, cwd=REPO, env={**os.environ, **(env or {})},
    )
    assert done.returncode == 0, done.stderr[-2000:]
    return next(line for line in done.stdout.splitlines() if line.startswith("plan:"))


def test_options_come_from_a_locust_conf_file(tmp_path):
    dataset = write_dataset(tmp_path / "calls.parquet", calls=2, messages=3, span_s=10)
    conf = tmp_path / "locust.conf"
    conf.write_text(f"dataset = {dataset}\nspeed = 7\nhost = http://127.0.0.1:9\ndry-run = true\n")
    assert "speed 7," in dry_run_plan_line(tmp_path, ["--config", str(conf)])


def test_options_come_from_replay_environment_variables(tmp_path):
    dataset = write_dataset(tmp_path / "calls.parquet", calls=2, messages=3, span_s=10)
    env = {"REPLAY_DATASET": str(dataset), "REPLAY_SPEED": "3", "REPLAY_DRY_RUN": "true",
           "REPLAY_SEND_AT": "start"}
    line = dry_run_plan_line(tmp_path, ["--host", "http://127.0.0.1:9"], env)
    assert "speed 3, send at start" in line


def test_replay_run_dry_run_leaves_no_run_directory(tmp_path):
    dataset = write_dataset(tmp_path / "calls.parquet", calls=2, messages=3, span_s=10)
    done = subprocess.run(
        [sys.executable, "-m", "replay", "run", str(dataset), "--dry-run", "--run-id", "dry"],
        capture_output=True, text=True, timeout=120, cwd=tmp_path,
        env={**os.environ, "PYTHONPATH": str(REPO)},
    )
    assert done.returncode == 0, done.stderr[-3000:]
    assert "first requests (nothing is sent in a dry run):" in done.stdout
    assert not (tmp_path / "reports" / "dry").exists()
