"""`replay capacity`'s options: checked before any step runs, with clear messages."""

from __future__ import annotations

import json

import pytest

from replay.cli import main


@pytest.mark.parametrize("extra, message", [
    ([], 'error: replay capacity needs --fail-on: the thresholds a step must hold, e.g. '
         '--fail-on "error_rate>1%,p99>500ms,lag_p99>50ms"'),
    (["--fail-on", "p99>1s", "--precision", "ten"],
     "error: --precision 'ten': expected a percentage like 10% or a fraction like 0.1"),
    (["--fail-on", "p99>1s", "--precision", "10"],
     "error: --precision '10': a bare number is a fraction below 1; for 10 percent write 10%"),
    (["--fail-on", "p99>1s", "--precision", "0%"],
     "error: --precision '0%': must be more than 0, e.g. 10%"),
    (["--fail-on", "p99>1s", "--start-speed", "0"],
     "error: --start-speed must be more than 0, got 0"),
    (["--fail-on", "p99>1s", "--start-speed", "4", "--max-speed", "2"],
     "error: --max-speed 2 is below --start-speed 4"),
    (["--fail-on", "p99>1s", "--max-steps", "0"], "error: --max-steps must be 1 or more, got 0"),
    (["--fail-on", "p99>1s", "--window", "0"],
     "error: --window must be more than 0 seconds, got 0"),
    (["--fail-on", "p99>1s", "--cooldown", "-1"],
     "error: --cooldown must be 0 or more seconds, got -1"),
    (["--fail-on", "p99>1s", "--dry-run"],
     "error: replay capacity sends load to find its answer: --dry-run has nothing to show "
     "here; use replay run DATASET --dry-run to see the requests"),
])
def test_bad_search_options_exit_2_before_anything_runs(tmp_path, capsys, extra, message):
    code = main(["capacity", "datasets/sample.parquet", "--report-dir", str(tmp_path), *extra])
    assert code == 2
    assert capsys.readouterr().err.strip() == message
    assert list(tmp_path.iterdir()) == []


def test_a_missing_dataset_exits_2(tmp_path, capsys):
    code = main(["capacity", str(tmp_path / "none.parquet"), "--fail-on", "p99>1s"])
    assert code == 2
    assert "none.parquet: no such file or directory" in capsys.readouterr().err


def test_speed_is_not_an_option_of_capacity(capsys):
    with pytest.raises(SystemExit) as stopped:
        main(["capacity", "datasets/sample.parquet", "--fail-on", "p99>1s", "--speed", "3"])
    assert stopped.value.code == 2
    assert "unrecognized arguments: --speed 3" in capsys.readouterr().err


def test_ctrl_c_during_the_search_writes_the_steps_so_far_and_exits_130(tmp_path, monkeypatch,
                                                                        capsys):
    from tests.capacity.test_steps import FakeRun

    fake = FakeRun((0, True))

    def run_then_interrupt(args):
        if fake.answers:
            return fake(args)
        raise KeyboardInterrupt

    monkeypatch.setattr("replay.commands.run.run", run_then_interrupt)
    code = main(["capacity", "datasets/sample.parquet", "--fail-on", "p99>1s", "--window", "5",
                 "--cooldown", "0", "--report-dir", str(tmp_path), "--run-id", "cap"])
    assert code == 130
    document = json.loads((tmp_path / "cap" / "capacity.json").read_text())
    assert document["capacity"]["stopped"] == "interrupted"
    assert [step["speed"] for step in document["steps"]] == [1.0]
    assert "replay capacity: interrupted; the steps so far are written" in capsys.readouterr().out


def test_junit_xml_holds_every_step_and_the_search_as_its_outcome(tmp_path, monkeypatch):
    from tests.capacity.test_steps import FakeRun
    from tests.results.test_junit import assert_valid_junit, cases_of

    fake = FakeRun((0, True), (1, False))
    monkeypatch.setattr("replay.commands.run.run", fake)
    junit = tmp_path / "ci" / "capacity-junit.xml"
    code = main(["capacity", "datasets/sample.parquet", "--fail-on", "p99>1s", "--window", "5",
                 "--cooldown", "0", "--max-steps", "2", "--report-dir", str(tmp_path),
                 "--run-id", "cap", "--junit-xml", str(junit)])
    assert code == 0
    assert [call.junit_xml for call in fake.calls] == [None, None]
    assert cases_of(assert_valid_junit(junit.read_text())) == {
        ("replay.capacity", "capacity found"): None,
        ("replay.capacity.steps", "step 01 (doubling) at speed 1"): None,
        ("replay.capacity.steps", "step 02 (doubling) at speed 2"): None,
    }
