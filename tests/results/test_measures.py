"""Measures: what a worker ships to the master, merged exactly."""

from __future__ import annotations

import json

import pytest

from replay.results.measures import Measures, measure_outcomes
from tests.results.test_summary import outcomes_frame


def test_measures_count_outcomes_and_bin_due_and_sent_times_per_second():
    measures = measure_outcomes(outcomes_frame())
    assert (measures.rows, measures.sent, measures.accepted, measures.failed) == (100, 90, 80, 10)
    assert measures.unsent == 10 and measures.failed_no_response == 3
    assert measures.due_per_s == {second: 10 for second in range(10)}
    assert sum(measures.sent_per_s.values()) == 90
    assert (measures.due_min_s, measures.due_max_s) == (0.0, 9.9)


def test_to_dict_survives_json_and_rebuilds_equal_measures():
    measures = measure_outcomes(outcomes_frame())
    assert Measures.from_dict(json.loads(json.dumps(measures.to_dict()))) == measures


def test_merging_into_empty_measures_gives_the_same_measures():
    measures = measure_outcomes(outcomes_frame())
    assert Measures().merge(measures) == measures


def test_merging_halves_equals_measuring_all_rows():
    frame = outcomes_frame()
    merged = measure_outcomes(frame.iloc[:50]).merge(measure_outcomes(frame.iloc[50:]))
    assert merged == measure_outcomes(frame)


def test_an_unknown_outcome_label_is_refused():
    frame = outcomes_frame()
    frame.loc[3, "outcome"] = "lost"
    with pytest.raises(ValueError, match=r"outcome column holds \['lost'\]"):
        measure_outcomes(frame)
