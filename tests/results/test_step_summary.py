"""The Markdown job summary appended to $GITHUB_STEP_SUMMARY."""

from __future__ import annotations

from replay.results.step_summary import append_step_summary, markdown_summary
from replay.results.verdict import parse_fail_on
from tests.results.test_summary import outcomes_frame, summary_of


def test_the_summary_states_verdict_thresholds_counts_latency_and_reconciliation():
    frame = outcomes_frame()
    frame.loc[[3, 4], "attempts"] = [2, 3]
    text = markdown_summary(summary_of(frame, thresholds=parse_fail_on("error_rate>1%,p95>300ms"),
                                       mock_stats={"stored": 80, "outside_window": 0}))
    lines = text.splitlines()
    assert lines[0] == "### Transcript replay `run-1`: ❌ FAILED"
    assert "Against `http://127.0.0.1:8080`, 10s, 1 worker(s)." in lines
    assert "| `error_rate>1%` | 11.11% | 1% | **FAIL** |" in lines
    assert "| `p95>300ms` | 10 ms | 300 ms | pass |" in lines
    assert "| 103 | 90 | 80 | 10 | 3 | 10 |" in lines
    assert "Retries: 2 messages needed a retry; 93 attempts in all." in lines
    assert ("| service | 89 | 10 ms | 10 ms | 10 ms | 10 ms | 10 ms | 10 ms | 10 ms |") in lines
    assert ("Reconciliation: balanced (103 planned = 80 accepted + 10 failed + 3 skipped + 10"
            " unsent). The mock's ledger matches the accepted messages (80 stored, 0 outside"
            " the call window, 0 duplicates).") in lines
    assert text.endswith("\n\n")


def test_a_passed_run_without_thresholds_says_what_decides_it():
    frame = outcomes_frame()
    frame = frame[frame["outcome"] == "accepted"]
    text = markdown_summary(summary_of(frame, skipped=0))
    assert text.startswith("### Transcript replay `run-1`: ✅ PASSED\n")
    assert "No `--fail-on` thresholds: the run fails when any message fails." in text


def test_problems_and_a_partial_run_are_listed():
    summary = summary_of(planned=102)
    summary["run"].update(partial=True, partial_reason="stopped: 10 messages not sent")
    summary["verdict"]["problems"] = ["2 planned messages are unaccounted for"]
    text = markdown_summary(summary)
    assert "**Partial run**: stopped: 10 messages not sent." in text
    assert "- ❌ 2 planned messages are unaccounted for" in text
    assert "Reconciliation: **not balanced**, 2 messages unaccounted for" in text


def test_table_cells_cannot_be_broken_by_pipes_in_reasons():
    summary = summary_of()
    summary["counts"]["failed_by_reason"] = {"error_Bad|Thing": 1}
    assert "`error_Bad\\|Thing` 1" in markdown_summary(summary)


def test_append_adds_to_what_earlier_steps_wrote(tmp_path):
    path = tmp_path / "job_summary"
    path.write_text("# Earlier step\n\n")
    summary = summary_of()
    assert append_step_summary(summary, {"GITHUB_STEP_SUMMARY": str(path)}) == path
    assert path.read_text() == "# Earlier step\n\n" + markdown_summary(summary)


def test_nothing_is_written_when_the_variable_is_unset_or_empty(tmp_path):
    assert append_step_summary(summary_of(), {}) is None
    assert append_step_summary(summary_of(), {"GITHUB_STEP_SUMMARY": ""}) is None
    assert list(tmp_path.iterdir()) == []
