"""The capacity search as a JUnit XML report: one test case per step, the answer as the outcome.

    write_capacity_junit("reports/capacity-junit.xml", document)   # document: capacity.json's

One <testsuite name="replay capacity"> (the layout of replay.results.junit):

    classname               testcase name                       fails when
    replay.capacity         "capacity found"                    the search found none (even the
                                                                start speed failed: exit 1) or
                                                                was interrupted (exit 130)
    replay.capacity.steps   "step 01 (doubling) at speed 1"     never: a failing step is how the
                                                                search finds the limit, so its
                                                                verdict (passed or failed, each
                                                                threshold measured) is the case's
                                                                <system-out>, not a test failure

The suite's <system-out> is the answer as the command prints it. Each step's own run writes no
JUnit file (replay.capacity.steps).
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from replay.atomic import write_atomically
from replay.capacity.outputs import format_answer, format_value
from replay.capacity.search import INTERRUPTED, START_FAILED
from replay.capacity.steps import format_speed
from replay.results.junit import suite_xml, testcase

SUITE = "replay capacity"


def capacity_junit_xml(document: Mapping[str, Any]) -> str:
    """The JUnit XML text of a capacity.json document."""
    run = document["run"]
    answer = document["capacity"]
    cases = [testcase("replay.capacity", "capacity found", _search_failure(document))]
    cases += [testcase("replay.capacity.steps", step_case_name(step), None,
                       output=step_verdict(step)) for step in document["steps"]]
    properties = [("run.id", run.get("id")), ("run.host", run.get("host")),
                  ("run.workers", run.get("workers")), ("fail_on", document.get("fail_on")),
                  ("capacity.speed", answer.get("speed")),
                  ("capacity.stopped", answer.get("stopped"))]
    return suite_xml(SUITE, cases, duration_s=run.get("duration_s"),
                     started_at=run.get("started_at"), properties=properties,
                     output=format_answer(dict(document)))


def write_capacity_junit(path: str | os.PathLike[str], document: Mapping[str, Any]) -> Path:
    """Write `capacity_junit_xml(document)` to `path` atomically."""
    return write_atomically(path, capacity_junit_xml(document))


def step_case_name(step: Mapping[str, Any]) -> str:
    return f"step {step['index']:02d} ({step['phase']}) at speed {format_speed(step['speed'])}"


def step_verdict(step: Mapping[str, Any]) -> str:
    """'passed' or 'FAILED', then each threshold measured against its limit, and problems."""
    lines = ["passed" if step["passed"] else "FAILED"]
    for row in step["thresholds"]:
        state = "ok" if row["passed"] else "broken"
        lines.append(f"{row['expression']}: measured {format_value(row)} ({state})")
    lines += [f"problem: {problem}" for problem in step["problems"]]
    if step.get("report"):
        lines.append(f"report: {step['report']}")
    return "\n".join(lines)


def _search_failure(document: Mapping[str, Any]) -> str | None:
    answer = document["capacity"]
    steps = len(document["steps"])
    if answer["stopped"] == INTERRUPTED:
        return f"the search was interrupted after {steps} step{'s' * (steps != 1)}"
    if answer["stopped"] == START_FAILED or not answer["found"]:
        start = format_speed(document["settings"]["start_speed"])
        broke = [f"{row['expression']} (measured {format_value(row)})"
                 for row in answer["broken"]] + list(answer["problems"])
        return f"no capacity found: even the start speed {start} fails: " + (
            "; ".join(broke) or "failed")
    return None
