"""The JUnit XML report: one test case per check, failures with measured value and limit,
valid against the JUnit schema Jenkins and GitLab read (tests/results/junit.xsd)."""

from __future__ import annotations

import os
import xml.etree.ElementTree as ET
from pathlib import Path

import pytest
import xmlschema

from replay.results.junit import junit_xml, write_junit
from replay.results.verdict import parse_fail_on
from tests.results.test_summary import summary_of

SCHEMA = xmlschema.XMLSchema(Path(__file__).with_name("junit.xsd"))


def assert_valid_junit(text: str) -> ET.Element:
    """Validate a JUnit document against the schema; return its <testsuite>."""
    SCHEMA.validate(text)
    root = ET.fromstring(text)
    assert root.tag == "testsuites"
    (suite,) = root.findall("testsuite")
    cases = suite.findall("testcase")
    failures = [case for case in cases if case.find("failure") is not None]
    assert int(suite.get("tests")) == len(cases) == int(root.get("tests"))
    assert int(suite.get("failures")) == len(failures) == int(root.get("failures"))
    return suite


def cases_of(suite: ET.Element) -> dict[tuple[str, str], str | None]:
    """(classname, name) -> the failure message, or None when the case passed."""
    return {
        (case.get("classname"), case.get("name")):
            None if case.find("failure") is None else case.find("failure").get("message")
        for case in suite.findall("testcase")
    }  # fmt: skip


def test_one_case_per_threshold_and_reconciliation_each_failure_with_measured_and_limit():
    summary = summary_of(thresholds=parse_fail_on("error_rate>1%,p95>300ms,unsent>0"))
    suite = assert_valid_junit(junit_xml(summary))
    assert cases_of(suite) == {
        ("replay.thresholds", "error_rate>1%"):
            "error_rate 11.11%; the run fails when error_rate > 1%",
        ("replay.thresholds", "p95>300ms"): None,
        ("replay.thresholds", "unsent>0"): "unsent 10; the run fails when unsent > 0",
        ("replay.reconciliation", "planned messages accounted for"): None,
    }  # fmt: skip


def test_failure_text_and_type_repeat_the_message():
    summary = summary_of(thresholds=parse_fail_on("p50 > 1ms"))
    failure = assert_valid_junit(junit_xml(summary)).find("testcase/failure")
    assert failure.get("message") == "p50 10 ms; the run fails when p50 > 1 ms"
    assert failure.text == failure.get("message")
    assert failure.get("type") == "replay.thresholds"


def test_an_unmeasured_threshold_fails_as_not_measured():
    summary = summary_of(thresholds=parse_fail_on("achieved_ratio<95%"))
    summary["verdict"]["thresholds"][0].update(measured=None, passed=False)
    cases = cases_of(assert_valid_junit(junit_xml(summary)))
    assert cases[("replay.thresholds", "achieved_ratio<95%")] == (
        "achieved_ratio not measured; the run fails when achieved_ratio < 95%")


def test_without_fail_on_one_case_says_whether_any_message_failed():
    cases = cases_of(assert_valid_junit(junit_xml(summary_of())))
    assert cases[("replay.messages", "no message failed")] == (
        "10 of 90 sent messages failed (http_500 5, http_429 2, connection_error 1, timeout 1,"
        " unfinished 1); limit 0 (no --fail-on given)")


def test_each_verdict_problem_is_a_failed_case_and_the_mock_ledger_is_checked():
    summary = summary_of(planned=102, mock_stats={"stored": 70, "outside_window": 0},
                         thresholds=parse_fail_on("p95>300ms"))
    summary["run"].update(partial=True, partial_reason="stopped: 10 messages not sent")
    summary["verdict"]["problems"] = [
        "the run is partial (stopped: 10 messages not sent)",
        "2 planned messages are unaccounted for",
    ]
    cases = cases_of(assert_valid_junit(junit_xml(summary)))
    assert cases[("replay.problems", "the run is partial (stopped: 10 messages not sent)")] == (
        "the run is partial (stopped: 10 messages not sent)")
    assert cases[("replay.problems", "2 planned messages are unaccounted for")] == (
        "2 planned messages are unaccounted for")
    assert cases[("replay.reconciliation", "planned messages accounted for")] == (
        "2 messages unaccounted for: measured 105 planned, 80 accepted + 10 failed + 3 skipped"
        " + 10 unsent; limit 0 unaccounted")
    assert cases[("replay.reconciliation", "mock ledger matches")] == (
        "the mock's ledger holds 70 messages (stored + outside the call window); the replay"
        " counts 80 accepted, and at most 3 more may have reached it (failed without a"
        " response)")


def test_the_suite_carries_the_run_as_properties_and_the_console_summary_as_output():
    suite = assert_valid_junit(junit_xml(summary_of(thresholds=parse_fail_on("p95>300ms"))))
    properties = {p.get("name"): p.get("value") for p in suite.iter("property")}
    assert properties["run.id"] == "run-1"
    assert properties["run.host"] == "http://127.0.0.1:8080"
    assert suite.get("time") == "10.000"
    assert suite.find("system-out").text.startswith("Replay run-1 against http://127.0.0.1:8080")


def test_a_schema_violation_is_caught_by_the_validation():
    broken = junit_xml(summary_of()).replace('classname="replay.messages" ', "")
    with pytest.raises(xmlschema.XMLSchemaValidationError):
        SCHEMA.validate(broken)


def test_write_junit_replaces_the_file_atomically(tmp_path):
    path = tmp_path / "junit.xml"
    path.write_text("old")
    assert write_junit(path, summary_of()) == path
    assert_valid_junit(path.read_text())
    assert os.listdir(tmp_path) == ["junit.xml"]
