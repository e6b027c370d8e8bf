"""`replay compare`: differences, regressions beyond the tolerance, exit codes, the page."""

from __future__ import annotations

import copy
import json
import os

import pytest

from replay import cli
from replay.errors import ConfigError
from replay.report.compare import CompareSettings, compare_summaries, parse_tolerance
from replay.report.data import load_summary


@pytest.fixture
def baseline(small_run):
    return load_summary(small_run)


def _write(tmp_path, name: str, summary: dict):
    run_dir = tmp_path / name
    run_dir.mkdir()
    (run_dir / "summary.json").write_text(json.dumps(summary))
    return run_dir


def _changed(summary: dict, path: str, factor: float) -> dict:
    changed = copy.deepcopy(summary)
    *parents, leaf = path.split(".")
    node = changed
    for key in parents:
        node = node[key]
    node[leaf] = node[leaf] * factor
    return changed


@pytest.mark.parametrize(
    ("text", "value"), [("10%", 0.10), ("2.5%", 0.025), ("0.1", 0.1), (" 0 ", 0.0), ("100%", 1.0)]
)
def test_tolerance_accepts_percentages_and_fractions(text, value):
    assert parse_tolerance(text) == pytest.approx(value)


@pytest.mark.parametrize(("text", "message"), [
    ("10", "a bare number is a fraction below 1; for 10 percent write 10%"),
    ("ten", "write a percentage such as 10% or a fraction such as 0.1"),
    ("-5%", "write a percentage"),
])
def test_tolerance_rejects_ambiguous_or_bad_values(text, message):
    with pytest.raises(ConfigError, match=message):
        parse_tolerance(text)


def test_slower_p95_beyond_tolerance_is_a_regression_and_exits_1(tmp_path, baseline, capsys):
    a = _write(tmp_path, "a", baseline)
    b = _write(tmp_path, "b", _changed(baseline, "latency_ms.service.p95", 1.5))
    out = tmp_path / "diff.html"
    assert cli.main(["compare", str(a), str(b), "--tolerance", "10%", "--out", str(out)]) == 1
    printed = capsys.readouterr().out
    line = next(line for line in printed.splitlines() if line.startswith("service time p95"))
    assert line.endswith("+50.0%  REGRESSION")
    assert "1 regression(s) beyond the 10% tolerance" in printed
    page = out.read_text()
    assert '<tr class="bad"><td>service time p95</td>' in page


def test_changes_within_tolerance_pass_and_exit_0(tmp_path, baseline, capsys):
    a = _write(tmp_path, "a", baseline)
    b = _write(tmp_path, "b", _changed(baseline, "latency_ms.service.p95", 1.05))
    assert cli.main(["compare", str(a), str(b), "--tolerance", "10%"]) == 0
    assert "no regression beyond the 10% tolerance" in capsys.readouterr().out
    assert (b / "compare.html").is_file()


def test_lower_achieved_rate_is_a_regression(baseline):
    comparison = compare_summaries(baseline, _changed(baseline, "rates.achieved_mps", 0.8),
                                   CompareSettings(tolerance=0.1))
    assert {row.metric for row in comparison.regressions} >= {"achieved rate, msg/s"}


def test_faster_run_is_never_a_regression(baseline):
    faster = baseline
    for stat in ("p50", "p90", "p95", "p99", "p99_9"):
        faster = _changed(faster, f"latency_ms.from_schedule.{stat}", 0.5)
    comparison = compare_summaries(baseline, faster, CompareSettings(tolerance=0.0))
    assert comparison.regressions == ()


def test_sub_millisecond_noise_is_below_the_latency_floor(baseline):
    slower = _changed(baseline, "latency_ms.lag.p50", 1.0)
    slower["latency_ms"]["lag"]["p50"] = baseline["latency_ms"]["lag"]["p50"] + 0.9
    comparison = compare_summaries(baseline, slower, CompareSettings(tolerance=0.1,
                                                                     min_delta_ms=1.0))
    assert comparison.regressions == ()


def test_more_errors_beyond_the_floor_is_a_regression(baseline):
    worse = _changed(baseline, "counts.failed", 3.0)
    comparison = compare_summaries(baseline, worse, CompareSettings(tolerance=0.1))
    assert [row.metric for row in comparison.regressions] == ["error rate (failed / sent)"]


def test_different_workloads_are_warned_about(baseline):
    other = copy.deepcopy(baseline)
    other["options"]["speed"] = 20.0
    comparison = compare_summaries(baseline, other, CompareSettings())
    assert any("differ in speed (10.0 vs 20.0)" in warning for warning in comparison.warnings)


def test_missing_run_exits_2_with_a_clear_error(tmp_path, small_run, capsys):
    assert cli.main(["compare", str(small_run), str(tmp_path / "missing")]) == 2
    err = capsys.readouterr().err
    assert err == f"error: {tmp_path / 'missing'}: no such run directory or summary file\n"


@pytest.mark.parametrize("folder", ["pages/", "existing"])
def test_out_naming_a_folder_exits_2_before_comparing(tmp_path, small_run, capsys, folder):
    (tmp_path / "existing").mkdir()
    out = str(tmp_path / folder) + ("/" if folder.endswith("/") else "")
    assert cli.main(["compare", str(small_run), str(small_run), "--out", out]) == 2
    captured = capsys.readouterr()
    assert captured.err == (f"error: --out {out}: is a folder; give a file path such as "
                            f"{os.path.join(out, 'compare.html')}\n")
    assert captured.out == ""
    assert not (tmp_path / "pages").exists()


def test_bad_tolerance_exits_2(tmp_path, small_run, capsys):
    assert cli.main(["compare", str(small_run), str(small_run), "--tolerance", "lots"]) == 2
    assert "--tolerance 'lots'" in capsys.readouterr().err


@pytest.mark.parametrize(("host_a", "host_b", "warned"), [
    ("http://127.0.0.1:39051/telephony/v1", "http://127.0.0.1:46629/telephony/v1", False),
    ("http://localhost:8080", "http://127.0.0.1:9090/", False),
    ("https://a.my.salesforce-scrt.com/telephony/v1",
     "https://b.my.salesforce-scrt.com/telephony/v1", True),
])
def test_local_mocks_on_different_ports_count_as_the_same_host(baseline, host_a, host_b, warned):
    a, b = copy.deepcopy(baseline), copy.deepcopy(baseline)
    a["run"]["host"], b["run"]["host"] = host_a, host_b
    warnings = compare_summaries(a, b, CompareSettings()).warnings
    assert any("differ in host" in warning for warning in warnings) == warned


@pytest.mark.parametrize(
    ("verdict_a", "verdict_b", "regression"),
    [(True, False, True), (False, False, False), (False, True, False), (True, True, False)],
)
def test_a_verdict_that_went_from_passed_to_failed_is_a_regression(
    baseline, verdict_a, verdict_b, regression
):
    a, b = copy.deepcopy(baseline), copy.deepcopy(baseline)
    a["verdict"]["passed"], b["verdict"]["passed"] = verdict_a, verdict_b
    comparison = compare_summaries(a, b, CompareSettings())
    assert [row.metric for row in comparison.regressions] == (["verdict"] if regression else [])


def test_a_worse_verdict_alone_exits_1(tmp_path, baseline, capsys):
    failed = copy.deepcopy(baseline)
    baseline = copy.deepcopy(baseline)
    baseline["verdict"]["passed"], failed["verdict"]["passed"] = True, False
    a, b = _write(tmp_path, "a", baseline), _write(tmp_path, "b", failed)
    assert cli.main(["compare", str(a), str(b)]) == 1
    assert "1 regression(s) beyond the 10% tolerance" in capsys.readouterr().out


def test_different_worker_counts_are_warned_about(baseline):
    other = copy.deepcopy(baseline)
    other["run"]["workers"] = 4
    warnings = compare_summaries(baseline, other, CompareSettings()).warnings
    assert f"the runs differ in worker count ({baseline['run']['workers']} vs 4): not a " \
           "like-for-like comparison" in warnings
