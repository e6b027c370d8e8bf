"""The run's verdict as a JUnit XML report, the format CI systems show as test results.

    xml_text = junit_xml(summary)             # summary: a summary.json dict (replay-summary/1)
    write_junit("reports/junit.xml", summary)  # atomic: temp file, then rename
    suite_xml(name, [testcase(...), ...], ...) # the layout, for other suites (replay capacity)

One <testsuite name="replay"> with one <testcase> per check, each failing with the measured
value and the limit in its message:

    classname            testcase name                      fails when
    replay.thresholds    each --fail-on expression          the threshold fails (or is unmeasured)
    replay.messages      "no message failed"                any failed (only without --fail-on,
                                                            where that decides the exit code)
    replay.reconciliation "planned messages accounted for"  planned != accepted + failed +
                                                            skipped + unsent
    replay.reconciliation "mock ledger matches"             (with --mock-admin) the mock's ledger
                                                            disagrees with the accepted messages
                                                            (reported; not part of the verdict)
    replay.problems      each of verdict.problems           always (a problem fails the run)

The format is the one Jenkins (junit plugin) and GitLab (`artifacts:reports:junit`) read: the
Ant JUnit layout with <testsuites> at the root, <properties> of the run, and the console summary
as the suite's <system-out>. No Locust import.
"""

from __future__ import annotations

import os
import socket
import xml.etree.ElementTree as ET
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from replay.atomic import write_atomically
from replay.results.console import format_summary

SUITE = "replay"
_PROPERTIES = (("run.id", "id"), ("run.host", "host"), ("run.workers", "workers"),
               ("run.started_at", "started_at"), ("run.replay_version", "replay_version"),
               ("run.partial", "partial"))  # fmt: skip


def junit_xml(summary: Mapping[str, Any]) -> str:
    """The JUnit XML document (UTF-8 text with its declaration) of a summary."""
    run = summary.get("run") or {}
    properties = [(name, run.get(key)) for name, key in _PROPERTIES]
    properties.append(("options.fail_on", (summary.get("options") or {}).get("fail_on")))
    return suite_xml(SUITE, _cases(summary), duration_s=run.get("duration_s"),
                     started_at=run.get("started_at"), properties=properties,
                     output=format_summary(summary))


def suite_xml(name: str, cases: list[ET.Element], *, duration_s: float | None,
              started_at: str | None, properties: list[tuple[str, Any]], output: str) -> str:
    """One <testsuite> of `cases` (from `testcase`) in a <testsuites> root, as the Ant JUnit
    layout has it: failures counted, the properties, `output` as the suite's <system-out>."""
    failures = sum(1 for case in cases if case.find("failure") is not None)
    duration = f"{float(duration_s or 0.0):.3f}"
    root = ET.Element("testsuites", name=name, tests=str(len(cases)),
                      failures=str(failures), errors="0", time=duration)
    suite = ET.SubElement(root, "testsuite", name=name, tests=str(len(cases)),
                          failures=str(failures), errors="0", skipped="0", time=duration,
                          hostname=socket.gethostname())
    started = str(started_at or "")
    if started:  # xs:dateTime, no zone
        suite.set("timestamp", started.removesuffix("Z").removesuffix("+00:00")[:19])
    element = ET.SubElement(suite, "properties")
    for key, value in properties:
        ET.SubElement(element, "property", name=key, value=_text(value))
    suite.extend(cases)
    ET.SubElement(suite, "system-out").text = output
    ET.SubElement(suite, "system-err").text = ""
    ET.indent(root)
    return ET.tostring(root, encoding="unicode", xml_declaration=True) + "\n"


def write_junit(path: str | os.PathLike[str], summary: Mapping[str, Any]) -> Path:
    """Write `junit_xml(summary)` to path atomically (a temp file beside it, renamed)."""
    return write_atomically(path, junit_xml(summary))


def _cases(summary: Mapping[str, Any]) -> list[ET.Element]:
    verdict = summary.get("verdict") or {}
    counts = summary.get("counts") or {}
    cases = []
    for row in verdict.get("thresholds") or []:
        cases.append(testcase("replay.thresholds", row["expression"],
                           None if row["passed"] else _threshold_failure(row)))
    if not verdict.get("thresholds"):
        failed = int(counts.get("failed") or 0)
        message = None
        if failed:
            reasons = ", ".join(f"{reason} {count:,}" for reason, count
                                in (counts.get("failed_by_reason") or {}).items())
            message = (f"{failed:,} of {int(counts.get('sent') or 0):,} sent messages failed"
                       f" ({reasons}); limit 0 (no --fail-on given)")
        cases.append(testcase("replay.messages", "no message failed", message))
    cases += _reconciliation_cases(summary.get("reconciliation") or {})
    for problem in verdict.get("problems") or []:
        cases.append(testcase("replay.problems", problem, problem))
    return cases


def _threshold_failure(row: Mapping[str, Any]) -> str:
    metric, measured = row["metric"], row["measured"]
    shown = "not measured" if measured is None else _with_unit(measured, row["unit"])
    limit = _with_unit(row["limit"], row["unit"])
    return f"{metric} {shown}; the run fails when {metric} {_op(row['expression'])} {limit}"


def _with_unit(value: float, unit: str) -> str:
    if unit == "count":
        return _number(value)
    return f"{_number(value)}{unit}" if unit == "%" else f"{_number(value)} {unit}"


def _op(expression: str) -> str:
    """The operator of an expression like 'p95>300ms' (summary rows do not store it)."""
    for op in (">=", "<=", ">", "<"):
        if op in expression:
            return op
    return "?"


def _reconciliation_cases(block: Mapping[str, Any]) -> list[ET.Element]:
    if not block:
        return []
    equation = (f"{block.get('planned', 0):,} planned, {block.get('accepted', 0):,} accepted"
                f" + {block.get('failed', 0):,} failed + {block.get('skipped', 0):,} skipped"
                f" + {block.get('unsent', 0):,} unsent")
    unbalanced = None
    if not block.get("balanced", True):
        unbalanced = (f"{block.get('unaccounted', 0):,} messages unaccounted for: measured"
                      f" {equation}; limit 0 unaccounted")
    cases = [testcase("replay.reconciliation", "planned messages accounted for", unbalanced)]
    mock = block.get("mock")
    if mock:
        mismatch = None
        if not mock.get("matches"):
            accepted = int(block.get("accepted") or 0)
            taken = int(mock.get("stored") or 0) + int(mock.get("outside_window") or 0)
            mismatch = (f"the mock's ledger holds {taken:,} messages (stored + outside the call"
                        f" window); the replay counts {accepted:,} accepted, and at most"
                        f" {int(mock.get('ambiguous') or 0):,} more may have reached it"
                        " (failed without a response)")
        cases.append(testcase("replay.reconciliation", "mock ledger matches", mismatch))
    return cases


def testcase(classname: str, name: str, failure: str | None, *,
             output: str | None = None) -> ET.Element:
    """A <testcase>, failed with `failure` as its message unless None; `output` its
    <system-out>."""
    case = ET.Element("testcase", name=name, classname=classname, time="0")
    if failure is not None:
        element = ET.SubElement(case, "failure", message=failure, type=classname)
        element.text = failure
    if output is not None:
        ET.SubElement(case, "system-out").text = output
    return case



def _text(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    return str(value)


def _number(value: float) -> str:
    return f"{value:,.0f}" if value == int(value) and abs(value) >= 1 else f"{value:.4g}"
