"""A capacity step: one `replay run` on the step's dataset, read back from its summary.json.

The run function is a fake that writes what `replay run` would (a summary.json) and returns
its exit code, so these tests need no Locust.
"""

from __future__ import annotations

import argparse
import json
from pathlib import Path

import pandas as pd
import pytest

from replay.capacity.steps import StepInterrupted, StepRunner
from replay.dataset import Transcripts
from replay.errors import ConfigError, EndpointError, ReplayError

BASE = 1_764_000_000_000


def _transcripts() -> Transcripts:
    ends = [BASE + n * 100 for n in range(100)]  # 10 msg/s for 10 s
    table = pd.DataFrame({
        "vendorCallKey": [f"c{n % 4}" for n in range(100)], "participantId": "p",
        "messageId": [f"m{n}" for n in range(100)], "startTime": [e - 50 for e in ends],
        "endTime": ends, "content": "hi", "senderType": "END_USER", "row": range(2, 102)})
    return Transcripts(source="x.parquet", table=table)


def _args() -> argparse.Namespace:
    return argparse.Namespace(dataset="x.parquet", send_at=None, map=("a=b",), map_file="m.toml",
                              on_invalid="skip", report_dir="reports", run_id="cap",
                              fail_on="p99>1s", host="")


class FakeRun:
    """Records each step's arguments and dataset; answers with the given codes and verdicts."""

    def __init__(self, *answers: tuple[int, bool | None]) -> None:
        self.answers = list(answers)
        self.calls: list[argparse.Namespace] = []
        self.datasets: list[pd.DataFrame] = []

    def __call__(self, args: argparse.Namespace) -> int:
        self.calls.append(args)
        self.datasets.append(pd.read_parquet(args.dataset))
        code, passed = self.answers.pop(0)
        run_dir = Path(args.report_dir) / args.run_id
        run_dir.mkdir(parents=True)
        if passed is not None:
            (run_dir / "summary.json").write_text(json.dumps({
                "rates": {"intended_mps": 10.0, "peak_intended_mps": 12},
                "verdict": {"passed": passed, "problems": [], "thresholds": [
                    {"expression": "p99>1s", "metric": "p99", "measured": 5.0,
                     "limit": 1000.0, "unit": "ms", "passed": passed}]}}))
        return code


def _runner(tmp_path: Path, fake: FakeRun, **kwargs) -> StepRunner:
    sleeps: list[float] = []
    runner = StepRunner(_args(), _transcripts(), tmp_path, send_at="end",
                        window_s=kwargs.get("window_s"),
                        cooldown_s=kwargs.get("cooldown_s", 0), run=fake, sleep=sleeps.append)
    runner.sleeps = sleeps
    return runner


def test_each_step_runs_in_its_own_run_directory_with_its_speed(tmp_path):
    fake = FakeRun((0, True), (1, False))
    runner = _runner(tmp_path, fake)
    first, second = runner(2.0), runner(4.0)
    assert [(c.run_id, c.speed, c.report_dir) for c in fake.calls] == [
        ("step-01", "2", str(tmp_path)), ("step-02", "4", str(tmp_path))]
    assert (first.passed, second.passed) == (True, False)
    assert first.run_dir == tmp_path / "step-01"
    assert first.rates["peak_intended_mps"] == 12
    assert second.broken[0]["expression"] == "p99>1s"


def test_step_datasets_have_suffixed_ids_and_are_deleted_after_the_step(tmp_path):
    fake = FakeRun((0, True), (0, True))
    runner = _runner(tmp_path, fake)
    runner(1.0)
    runner(2.0)
    assert fake.datasets[0]["vendorCallKey"].str.endswith("-s1").all()
    assert fake.datasets[1]["messageId"].str.endswith("-s2").all()
    assert not (tmp_path / "datasets").exists()


def test_the_step_dataset_replaces_the_column_map_and_skipping(tmp_path):
    fake = FakeRun((0, True))
    _runner(tmp_path, fake)(1.0)
    step = fake.calls[0]
    assert (step.map, step.map_file, step.on_invalid) == ((), None, None)


def test_a_step_writes_no_junit_report_of_its_own(tmp_path):
    fake = FakeRun((0, True))
    args = _args()
    args.junit_xml = "reports/junit.xml"
    StepRunner(args, _transcripts(), tmp_path, send_at="end", window_s=None, cooldown_s=0,
               run=fake)(1.0)
    assert fake.calls[0].junit_xml is None
    assert args.junit_xml == "reports/junit.xml"


def test_the_window_is_seconds_of_run_time_at_the_step_speed(tmp_path):
    fake = FakeRun((0, True), (0, True))
    runner = _runner(tmp_path, fake, window_s=2.0)
    runner(1.0)  # 2 dataset seconds: 20 messages
    runner(3.0)  # 6 dataset seconds: 60 messages
    assert [len(data) for data in fake.datasets] == [20, 60]


def test_cooldown_comes_between_steps_not_before_the_first(tmp_path):
    runner = _runner(tmp_path, FakeRun((0, True), (0, True), (0, True)), cooldown_s=7)
    for speed in (1, 2, 4):
        runner(speed)
    assert runner.sleeps == [7, 7]


def test_an_endpoint_down_before_any_pass_is_an_endpoint_error(tmp_path):
    runner = _runner(tmp_path, FakeRun((3, None)))
    with pytest.raises(EndpointError, match=r"^the endpoint is down: step 1 at speed 1 could "
                                            r"not replay; see .*step-01/run.log$"):
        runner(1.0)


def test_an_endpoint_down_after_a_pass_is_a_failing_step(tmp_path):
    runner = _runner(tmp_path, FakeRun((0, True), (3, False)))
    runner(1.0)
    down = runner(2.0)
    assert not down.passed and down.endpoint_down


def test_a_refused_option_is_a_config_error(tmp_path):
    with pytest.raises(ConfigError, match=r"^step 1: the replay refused its options; see "):
        _runner(tmp_path, FakeRun((2, None)))(1.0)


def test_ctrl_c_during_a_step_stops_the_search(tmp_path):
    with pytest.raises(StepInterrupted):
        _runner(tmp_path, FakeRun((130, None)))(1.0)


def test_a_step_without_summary_is_an_error(tmp_path):
    with pytest.raises(ReplayError, match=r"^step 1 ended with exit code 1 and no summary.json"):
        _runner(tmp_path, FakeRun((1, None)))(1.0)
