"""The README documents every summary field, outcome column and --fail-on metric."""

from __future__ import annotations

from pathlib import Path

import pytest

from replay.results.outcomes import SCHEMA as OUTCOMES_SCHEMA
from replay.results.recorder import KNOWN_REASONS
from replay.results.verdict import METRICS, parse_fail_on
from tests.results.test_summary import summary_of

DOC = (Path(__file__).parents[2] / "README.md").read_text()


SUMMARY = summary_of(mock_stats={"stored": 1, "outside_window": 0})
BLOCKS = ("run", "dataset", "counts", "rates", "latency_ms", "reconciliation", "verdict")


@pytest.mark.parametrize(
    ("block", "key"), [(block, key) for block in BLOCKS for key in SUMMARY[block]]
)
def test_every_summary_field_is_documented(block, key):
    """As `block.key`, or as `.key` in a row that starts with another `block.` field."""
    assert f"`{block}.{key}`" in DOC or (f"`.{key}`" in DOC and f"`{block}." in DOC)


@pytest.mark.parametrize("key", [*SUMMARY["reconciliation"]["mock"], "expression", "measured"])
def test_every_mock_and_threshold_field_is_documented(key):
    assert f"`{key}`" in DOC


@pytest.mark.parametrize("column", OUTCOMES_SCHEMA.names)
def test_every_outcomes_column_is_documented(column):
    assert f"| {column} |" in DOC


@pytest.mark.parametrize("metric", [m for m in METRICS if not m.startswith(("sched_", "lag_"))])
def test_every_fail_on_metric_is_documented(metric):
    assert f"`{metric}`" in DOC


@pytest.mark.parametrize("reason", [r for r in KNOWN_REASONS if r])
def test_every_known_reason_is_documented(reason):
    assert f"`{reason}`" in DOC


def test_documented_examples_parse():
    assert len(parse_fail_on("error_rate>0.5%,p95>300ms,lag_p99>50ms")) == 3
    assert len(parse_fail_on("p99.9 > 1s, unsent>0, achieved_ratio<95%")) == 3
