"""The description of the run's files (replay.results.schema) matches what the writers write:
every outcomes column with its type, every summary field and no other, every failure reason."""

from __future__ import annotations

import json
from typing import Any

import pyarrow.parquet as pq

from replay.results.outcomes import build_outcomes, write_outcomes
from replay.results.recorder import KNOWN_REASONS
from replay.results.schema import (
    LATENCY_STATS,
    OUTCOME_COLUMNS,
    REASONS,
    SERIES_FIELDS,
    SUMMARY_FIELDS,
)
from replay.results.summary import build_summary, write_summary
from replay.results.verdict import parse_fail_on
from tests.results.test_outcomes import DUE, IDENTITY, _recorded
from tests.results.test_summary import outcomes_frame

DECLARED = {field.path: field for field in SUMMARY_FIELDS}
CONTAINERS = {path for path in DECLARED if any(p.startswith(path + ".") or
                                               p.startswith(path + "[].") for p in DECLARED)}
RUN = {
    "id": "run-1", "started_at": "2026-11-25T18:00:00Z", "ended_at": "2026-11-25T18:00:10Z",
    "duration_s": 10.0, "t0_epoch_s": 1795629600.0, "host": "http://127.0.0.1:8080",
    "workers": 1, "locust_version": "2.47.0", "partial": False, "partial_reason": None,
}  # fmt: skip
TYPES = {"string": str, "number": (int, float), "integer": int, "boolean": bool,
         "array": list, "object": dict}


def _written_summary(tmp_path) -> dict[str, Any]:
    summary = build_summary(
        run=RUN, dataset={"path": "d.parquet", "calls": 10, "messages": 103, "span_s": 99.0},
        options={"speed": 10.0}, outcomes=outcomes_frame(), skipped=3,
        mock_stats={"received": 100, "stored": 80, "duplicates": 0, "outside_window": 0},
        thresholds=parse_fail_on("p95>300ms,error_rate>1%"),
    )
    path = write_summary(tmp_path / "summary.json", summary)
    return json.loads(path.read_text())


def _leaves(value: Any, path: str = "") -> dict[str, Any]:
    """Field path -> value, stopping at maps and stats (their keys vary or are listed apart)."""
    declared = DECLARED.get(path)
    if declared and declared.type.startswith("object ("):
        return {path: value}
    if isinstance(value, dict):
        found: dict[str, Any] = {}
        for key, item in value.items():
            found.update(_leaves(item, f"{path}.{key}" if path else key))
        return found
    if isinstance(value, list) and value and all(isinstance(item, dict) for item in value):
        found = {}
        for item in value:
            found.update(_leaves(item, f"{path}[]"))
        return found
    return {path: value}


def test_the_outcomes_file_has_exactly_the_described_columns_and_types(tmp_path):
    table = build_outcomes(IDENTITY, worker=0, due_s=DUE, recorder=_recorded())
    written = pq.read_table(write_outcomes(tmp_path / "outcomes.parquet", table)).schema
    assert [(f.name, f.type) for f in written] == [(c.name, c.type) for c in OUTCOME_COLUMNS]


def test_every_reason_the_recorder_knows_is_described():
    described = {reason.name for reason in REASONS}
    assert {reason for reason in KNOWN_REASONS if reason} <= described
    assert {reason.outcome for reason in REASONS} == {"failed", "unsent"}


def test_every_field_of_a_written_summary_is_described(tmp_path):
    undescribed = set(_leaves(_written_summary(tmp_path))) - set(DECLARED)
    assert not undescribed, f"describe these in replay/results/schema.py: {sorted(undescribed)}"


def test_every_described_summary_field_is_written(tmp_path):
    leaves = _leaves(_written_summary(tmp_path))
    expected = {path for path, field in DECLARED.items()
                if path not in CONTAINERS and not field.optional}
    assert expected - set(leaves) == set()


def test_every_summary_value_has_its_described_type(tmp_path):
    for path, value in _leaves(_written_summary(tmp_path)).items():
        words = DECLARED[path].type.split()
        if value is None:
            assert "null" in words, path
            continue
        expected = TYPES[words[0]]
        assert isinstance(value, expected) and not (
            expected is not bool and isinstance(value, bool)), (path, value)


def test_latency_blocks_hold_the_described_statistics(tmp_path):
    latency = _written_summary(tmp_path)["latency_ms"]
    assert all(tuple(block) == LATENCY_STATS for block in latency.values())


def test_the_series_file_has_exactly_the_described_fields():
    from replay.results.series import series_of_table

    table = build_outcomes(IDENTITY, worker=0, due_s=DUE, recorder=_recorded())
    assert list(series_of_table(table)) == [field.path for field in SERIES_FIELDS]
