"""End to end: `--dry-run` prints the plan and the first requests, and sends nothing."""

from __future__ import annotations

import pytest

from replay.mock.process import start_mock
from tests.e2e.conftest import JWT_HEADER_B64, locust_args, run_locust, write_dataset

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
