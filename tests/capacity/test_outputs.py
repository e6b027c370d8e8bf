"""capacity.json and capacity.html from a search's steps."""

from __future__ import annotations

import json
from pathlib import Path

from replay.capacity.outputs import (
    SCHEMA,
    capacity_document,
    charts,
    exit_code_for,
    format_answer,
    write_capacity,
)
from replay.capacity.search import BISECTION, DOUBLING, PRECISION, START_FAILED, SearchResult, Step
from replay.capacity.steps import StepResult

META = {"run": {"id": "cap", "host": "embedded mock", "started_at": "2026-11-29T17:00:00+00:00"},
        "dataset": {"path": "<calls>.parquet", "messages": 100, "calls": 4},
        "fail_on": "p99>100ms", "settings": {"start_speed": 1.0}}


def _step(tmp_path: Path, index: int, speed: float, measured: float,
          phase: str = DOUBLING) -> Step[StepResult]:
    passed = measured <= 100
    result = StepResult(
        index=index, speed=speed, run_dir=tmp_path / f"step-{index:02d}", exit_code=0 if passed
        else 1, passed=passed, messages=100 * index,
        thresholds=[{"expression": "p99>100ms", "metric": "p99", "measured": measured,
                     "limit": 100.0, "unit": "ms", "passed": passed}],
        rates={"intended_mps": 10.0 * speed, "peak_intended_mps": 12 * speed})
    return Step(index, speed, phase, result)


def _found(tmp_path: Path) -> SearchResult[StepResult]:
    return SearchResult((_step(tmp_path, 1, 1, 10), _step(tmp_path, 2, 2, 20),
                         _step(tmp_path, 3, 4, 900), _step(tmp_path, 4, 3, 50, BISECTION),
                         _step(tmp_path, 5, 3.5, 300, BISECTION)), PRECISION)


def test_the_answer_is_the_highest_pass_and_the_lowest_failure(tmp_path):
    document = capacity_document(_found(tmp_path), META)
    answer = document["capacity"]
    assert document["schema"] == SCHEMA
    assert (answer["found"], answer["speed"], answer["first_failing_speed"]) == (True, 3, 3.5)
    assert (answer["peak_mps"], answer["mean_mps"]) == (36, 30.0)
    assert [row["measured"] for row in answer["broken"]] == [300]
    assert answer["stopped"] == PRECISION
    assert [step["index"] for step in document["steps"]] == [1, 2, 3, 4, 5]
    assert exit_code_for(document) == 0


def test_no_capacity_when_the_start_speed_fails_exits_1(tmp_path):
    document = capacity_document(SearchResult((_step(tmp_path, 1, 1, 500),), START_FAILED), META)
    assert document["capacity"]["found"] is False
    assert exit_code_for(document) == 1
    assert format_answer(document).splitlines()[0] == (
        "Capacity: none found: even the start speed 1 fails")


def test_the_printed_answer_names_the_rates_and_what_broke(tmp_path):
    assert format_answer(capacity_document(_found(tmp_path), META)).splitlines() == [
        "Capacity: speed 3 holds (36.0 msg/s at peak, 30.0 msg/s on average)",
        "First failing speed: 3.5: p99>100ms (measured 300.0 ms)",
    ]


def test_each_threshold_gets_a_chart_with_its_limit_and_the_boundary(tmp_path):
    figures = charts(capacity_document(_found(tmp_path), META))
    assert len(figures) == 1
    figure = figures[0]["figure"]
    assert figure["data"][0]["x"] == [1, 2, 3, 3.5, 4]
    assert figure["layout"]["shapes"][0]["y0"] == 100.0
    boundary = figure["layout"]["shapes"][1]
    assert (boundary["x0"], boundary["x1"]) == (3, 3.5)


def test_both_files_are_written_and_the_page_links_each_step_report(tmp_path):
    (tmp_path / "step-01").mkdir()
    (tmp_path / "step-01" / "report.html").write_text("<html></html>")
    document = capacity_document(_found(tmp_path), META)
    json_path, html_path = write_capacity(tmp_path, document)
    assert json.loads(json_path.read_text()) == document
    page = html_path.read_text()
    assert '<a href="step-01/report.html">step-01</a>' in page
    assert document["steps"][1]["report"] is None
    assert sorted(p.name for p in tmp_path.iterdir()) == [
        "capacity.html", "capacity.json", "step-01"]


def test_the_page_escapes_text_from_the_dataset_and_options(tmp_path):
    page_path = write_capacity(tmp_path, capacity_document(_found(tmp_path), META))[1]
    page = page_path.read_text()
    assert "&lt;calls&gt;.parquet" in page
    assert "<calls>" not in page
