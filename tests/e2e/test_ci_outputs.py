"""End to end: what a CI job reads from a real `replay run`: the JUnit report, the GitHub job
summary, and the retries stated in summary.json, the console and report.html."""

from __future__ import annotations

import json
import os
import subprocess
import sys

import pytest

from tests.results.test_junit import assert_valid_junit, cases_of

from .conftest import write_dataset

pytestmark = pytest.mark.e2e


def test_a_failing_run_writes_a_valid_junit_report_a_job_summary_and_states_its_retries(
        tmp_path):
    dataset = write_dataset(tmp_path / "calls.parquet", calls=8, messages=6, span_s=60)
    step_summary = tmp_path / "job_summary"  # and ci/, the --junit-xml folder, is created
    step_summary.write_text("# Earlier step\n")
    done = subprocess.run(
        [sys.executable, "-m", "replay", "run", str(dataset), "--speed", "30", "--run-id", "ci",
         "--retries", "3", "--mock-args", "--error-rate 0.3 --seed 7",
         "--fail-on", "error_rate>50%,p50>0.001ms", "--junit-xml", "ci/junit.xml"],
        capture_output=True, text=True, timeout=120, cwd=tmp_path,
        env={**os.environ, "GITHUB_STEP_SUMMARY": str(step_summary)},
    )
    output = done.stdout + done.stderr
    assert done.returncode == 1, output[-3000:]  # p50 > 0.001 ms fails the run
    summary = json.loads((tmp_path / "reports" / "ci" / "summary.json").read_text())
    counts = summary["counts"]
    assert counts["retried"] > 0
    assert counts["attempts"] > counts["sent"] == 48

    cases = cases_of(assert_valid_junit((tmp_path / "ci" / "junit.xml").read_text()))
    p50 = summary["latency_ms"]["service"]["p50"]
    assert cases[("replay.thresholds", "error_rate>50%")] is None
    assert cases[("replay.thresholds", "p50>0.001ms")].startswith("p50 ")
    assert cases[("replay.thresholds", "p50>0.001ms")].endswith(
        " ms; the run fails when p50 > 0.001 ms")
    assert f"{p50:.4g}" in cases[("replay.thresholds", "p50>0.001ms")]
    assert cases[("replay.reconciliation", "planned messages accounted for")] is None
    assert cases[("replay.reconciliation", "mock ledger matches")] is None

    markdown = step_summary.read_text()
    assert markdown.startswith("# Earlier step\n### Transcript replay `ci`: ❌ FAILED\n")
    assert f"Retries: {counts['retried']:,} messages needed a retry;" in markdown
    assert "| `p50>0.001ms` |" in markdown
    assert "Reconciliation: balanced" in markdown

    assert (f"retries: {counts['retried']:,} messages needed a retry, "
            f"{counts['attempts']:,} attempts in all") in done.stdout
    report = (tmp_path / "reports" / "ci" / "report.html").read_text()
    assert "needed a retry" in report
