"""The generated outputs and exit-code pages list every summary field, outcomes column, failure
reason, --fail-on metric and exit code the code defines."""

from __future__ import annotations

import pytest

from docgen.results import render_exit_codes, render_outputs
from replay.exit_codes import ExitCode
from replay.results.recorder import KNOWN_REASONS
from replay.results.schema import OUTCOME_COLUMNS, SUMMARY_FIELDS
from replay.results.verdict import METRICS

OUTPUTS = render_outputs()


@pytest.mark.parametrize("path", [field.path for field in SUMMARY_FIELDS])
def test_every_summary_field_is_a_row_of_the_outputs_page(path):
    assert f"| `{path}` |" in OUTPUTS


@pytest.mark.parametrize("column", [column.name for column in OUTCOME_COLUMNS])
def test_every_outcomes_column_is_a_row_of_the_outputs_page(column):
    assert f"| `{column}` |" in OUTPUTS


@pytest.mark.parametrize("reason", [reason for reason in KNOWN_REASONS if reason])
def test_every_known_reason_is_on_the_outputs_page(reason):
    assert f"`{reason}`" in OUTPUTS


@pytest.mark.parametrize("metric", METRICS)
def test_every_fail_on_metric_is_on_the_outputs_page(metric):
    assert f"`{metric}`" in OUTPUTS


def test_the_outcomes_types_are_shown_as_arrow_names():
    assert "| `vendorCallKey` | `dictionary<string>` |" in OUTPUTS
    assert "| `call_seq` | `int32` |" in OUTPUTS


def test_the_exit_code_page_has_one_row_per_code_with_its_meaning():
    page = render_exit_codes()
    for code in ExitCode:
        assert f"| `{int(code)}` | `{code.name}` | {code.meaning.split('`')[0]}" in page
