"""bench.results: figures, the Markdown table, file names and the comparison with earlier runs."""

from __future__ import annotations

import json

import pytest

from bench.results import (
    Figure,
    Section,
    Target,
    compare,
    comparison_text,
    contention,
    contention_text,
    markdown_table,
    results_name,
    write_results,
)


def figure(samples, *, key="mock.auth.posts_per_s", better="higher", target=None, unit="msg/s"):
    return Figure(key=key, label=key, unit=unit, better=better, samples=tuple(samples),
                  target=target)


def document(*figures, judged=True, status="ok"):
    section = Section(name="mock", status=status, why=None if status == "ok" else "not built",
                      figures=figures)
    return {"judged": judged, "sections": {"mock": section.to_json(judged=judged)}}


@pytest.mark.parametrize(("op", "value", "measured", "met"), [
    (">=", 30_000, 30_000, True),
    (">=", 30_000, 29_999, False),
    ("<=", 5, 5, True),
    ("<=", 5, 5.01, False),
])
def test_target_is_met_inclusively(op, value, measured, met):
    assert Target(op=op, value=value).met_by(measured) is met


def test_figure_reports_median_and_relative_spread_of_its_repeats():
    fig = figure([90, 100, 110]).to_json(judged=True)
    assert (fig["median"], fig["min"], fig["max"], fig["spread"]) == (100, 90, 110, 0.2)


@pytest.mark.parametrize(("judged", "passed"), [(True, False), (False, None)])
def test_figure_is_judged_against_its_target_only_when_the_mode_judges(judged, passed):
    fig = figure([20_000], target=Target(op=">=", value=30_000)).to_json(judged=judged)
    assert fig["passed"] is passed


def test_table_has_one_row_per_figure_with_value_target_and_result():
    doc = document(figure([31_000, 32_000, 33_000], target=Target(op=">=", value=30_000)),
                   figure([6.0], key="mock.auth.p99_ms", better="lower", unit="ms",
                          target=Target(op="<=", value=5)))
    lines = markdown_table(doc).splitlines()
    assert lines[0] == "| figure | value | target | result |"
    assert lines[2] == ("| mock.auth.posts_per_s | 32,000 msg/s (±3%, n=3) | ≥ 30,000 msg/s "
                        "| pass |")
    assert lines[3] == "| mock.auth.p99_ms | 6 ms | ≤ 5 ms | **FAIL** |"


def test_table_says_why_a_section_has_no_figures():
    row = markdown_table(document(status="unavailable")).splitlines()[2]
    assert row == "| mock | unavailable: not built | | |"


def test_table_marks_targets_not_judged_in_smoke_mode():
    doc = document(figure([1.0], target=Target(op=">=", value=30_000)), judged=False)
    assert markdown_table(doc).splitlines()[2].endswith("| not judged |")


@pytest.mark.parametrize(("mode", "name"), [
    ("full", "2026-11-25T180512Z-vm.json"),
    ("quick", "2026-11-25T180512Z-vm-quick.json"),
    ("smoke", "2026-11-25T180512Z-vm-smoke.json"),
])
def test_results_file_is_named_by_utc_time_host_and_mode(mode, name):
    assert results_name("2026-11-25T19:05:12+01:00", "vm", mode) == name


@pytest.mark.parametrize(("better", "before", "after", "regression"), [
    ("higher", [100, 101, 102], [90, 91, 92], True),     # -10% against 2% noise
    ("higher", [100, 101, 102], [99, 100, 101], False),  # within the floor
    ("higher", [80, 100, 120], [85, 90, 95], False),     # within the 40% spread seen before
    ("lower", [5.0, 5.1], [6.0], True),
    ("lower", [5.0, 5.1], [4.0], False),                 # better is never a regression
    ("lower", [5.0], [6.0], None),                       # no repeats: noise unknown
])
def test_regression_is_a_worse_change_beyond_the_noise_of_the_repeats(better, before, after,
                                                                      regression):
    old = document(figure(before, better=better))
    new = document(figure(after, better=better))
    rows = compare(new, [("old.json", old)])["figures"]
    assert [row["regression"] for row in rows] == [regression]


def test_each_figure_is_compared_with_the_latest_earlier_file_that_has_it():
    newest = document(figure([5.0], key="mock.auth.p99_ms", better="lower"))
    older = document(figure([100], key="mock.auth.posts_per_s"))
    current = document(figure([100], key="mock.auth.posts_per_s"),
                       figure([5.0], key="mock.auth.p99_ms", better="lower"))
    comparison = compare(current, [("new.json", newest), ("old.json", older)])
    assert {row["key"]: row["file"] for row in comparison["figures"]} == {
        "mock.auth.posts_per_s": "old.json", "mock.auth.p99_ms": "new.json"}
    assert comparison["previous"] == ["new.json", "old.json"]


def test_smoke_runs_are_compared_but_not_judged():
    old = document(figure([100, 101]), judged=False)
    rows = compare(document(figure([50, 51]), judged=False), [("old.json", old)])["figures"]
    assert [row["regression"] for row in rows] == [None]


def test_comparison_text_names_each_regression():
    comparison = compare(document(figure([50, 50])),
                         [("old.json", document(figure([100, 100])))])
    text = comparison_text(comparison)
    assert "1 regressed beyond the noise" in text
    assert "REGRESSION mock.auth.posts_per_s: 100 msg/s -> 50 msg/s (-50%" in text


def test_comparison_text_without_earlier_results():
    assert comparison_text(compare(document(figure([1])), [])).startswith("No earlier results")


def test_results_file_is_written_whole_as_json(tmp_path):
    path = write_results(tmp_path / "sub" / "r.json", {"schema": "bench-results/1"})
    assert json.loads(path.read_text()) == {"schema": "bench-results/1"}
    assert [p.name for p in path.parent.iterdir()] == ["r.json"]


def test_table_quotes_only_the_first_line_of_a_long_reason():
    doc = document(status="failed")
    doc["sections"]["mock"]["why"] = "mock exited before ready; last lines:\nTraceback | x"
    assert markdown_table(doc).splitlines()[2] == (
        "| mock | failed: mock exited before ready; last lines: | | |")


def test_contention_is_the_largest_share_others_took_of_each_pinned_core():
    doc = document()
    doc["sections"]["mock"]["details"] = {"runs": {"auth": [
        {"others_on_server_core": 0.05}, {"others_on_server_core": 0.42}]}}
    doc["sections"]["generator"] = {"details": {"runs": [{"others_on_generator_core": 0.01}]}}
    doc["contention"] = contention(doc)
    assert doc["contention"] == {"server_core": 0.42, "generator_core": 0.01}
    assert contention_text(doc) == (
        "Other processes took at most 1% of the generator core, 42% of the server core during "
        "a measurement: expect better figures on a quiet machine.")
