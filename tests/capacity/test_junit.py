"""The capacity search as JUnit XML: one case per step (its verdict as output), the answer as
the one case that can fail; valid against the JUnit schema (tests/results/junit.xsd)."""

from __future__ import annotations

import os

from replay.capacity.junit import capacity_junit_xml, write_capacity_junit
from replay.capacity.outputs import capacity_document
from replay.capacity.search import INTERRUPTED, MAX_STEPS, START_FAILED, SearchResult
from tests.capacity.test_outputs import META, _found, _step
from tests.results.test_junit import assert_valid_junit, cases_of


def test_one_case_per_step_and_a_found_capacity_passes_the_suite(tmp_path):
    suite = assert_valid_junit(capacity_junit_xml(capacity_document(_found(tmp_path), META)))
    assert suite.get("name") == "replay capacity"
    assert cases_of(suite) == {
        ("replay.capacity", "capacity found"): None,
        ("replay.capacity.steps", "step 01 (doubling) at speed 1"): None,
        ("replay.capacity.steps", "step 02 (doubling) at speed 2"): None,
        ("replay.capacity.steps", "step 03 (doubling) at speed 4"): None,
        ("replay.capacity.steps", "step 04 (bisection) at speed 3"): None,
        ("replay.capacity.steps", "step 05 (bisection) at speed 3.5"): None,
    }
    assert suite.get("failures") == "0"


def test_each_step_case_holds_its_verdict_with_every_threshold_measured(tmp_path):
    suite = assert_valid_junit(capacity_junit_xml(capacity_document(_found(tmp_path), META)))
    outputs = {case.get("name"): case.findtext("system-out") for case in suite.iter("testcase")}
    assert outputs["step 02 (doubling) at speed 2"] == "passed\np99>100ms: measured 20.0 ms (ok)"
    assert outputs["step 03 (doubling) at speed 4"] == (
        "FAILED\np99>100ms: measured 900.0 ms (broken)")


def test_the_suite_carries_the_search_as_properties_and_the_answer_as_output(tmp_path):
    suite = assert_valid_junit(capacity_junit_xml(capacity_document(_found(tmp_path), META)))
    properties = {p.get("name"): p.get("value") for p in suite.iter("property")}
    assert (properties["run.id"], properties["fail_on"]) == ("cap", "p99>100ms")
    assert (properties["capacity.speed"], properties["capacity.stopped"]) == ("3", "precision")
    assert suite.get("timestamp") == "2026-11-29T17:00:00"
    assert suite.find("system-out").text.startswith("Capacity: speed 3 holds")


def test_no_capacity_found_fails_the_suite_with_what_broke(tmp_path):
    result = SearchResult((_step(tmp_path, 1, 1, 500),), START_FAILED)
    suite = assert_valid_junit(capacity_junit_xml(capacity_document(result, META)))
    assert cases_of(suite)[("replay.capacity", "capacity found")] == (
        "no capacity found: even the start speed 1 fails: p99>100ms (measured 500.0 ms)")
    assert suite.get("failures") == "1"


def test_an_interrupted_search_fails_the_suite(tmp_path):
    result = SearchResult((_step(tmp_path, 1, 1, 10),), INTERRUPTED)
    suite = assert_valid_junit(capacity_junit_xml(capacity_document(result, META)))
    assert cases_of(suite)[("replay.capacity", "capacity found")] == (
        "the search was interrupted after 1 step")


def test_a_search_that_stopped_at_max_steps_with_a_pass_passes(tmp_path):
    result = SearchResult((_step(tmp_path, 1, 1, 10), _step(tmp_path, 2, 2, 900)), MAX_STEPS)
    suite = assert_valid_junit(capacity_junit_xml(capacity_document(result, META)))
    assert cases_of(suite)[("replay.capacity", "capacity found")] is None


def test_write_capacity_junit_replaces_the_file_atomically(tmp_path):
    path = tmp_path / "out" / "junit.xml"
    path.parent.mkdir()
    path.write_text("old")
    write_capacity_junit(path, capacity_document(_found(tmp_path), META))
    assert_valid_junit(path.read_text())
    assert os.listdir(path.parent) == ["junit.xml"]
