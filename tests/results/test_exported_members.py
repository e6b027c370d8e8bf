"""The package's public surface stays as documented, and importing it never pulls in Locust."""

from __future__ import annotations

import subprocess
import sys

import replay.results

PUBLIC = {
    "Histogram", "Measures", "OutcomeRecorder", "Threshold", "build_outcomes", "build_summary",
    "classify", "concat_outcomes", "evaluate", "format_summary", "format_verdict",
    "lateness_note", "measure_outcomes", "parse_fail_on", "progress_line", "read_outcomes",
    "read_summary", "write_outcomes", "write_summary",
}  # fmt: skip


def test_all_lists_exactly_the_public_names():
    assert set(replay.results.__all__) == PUBLIC
    assert all(hasattr(replay.results, name) for name in PUBLIC)


def test_importing_results_does_not_import_locust_or_gevent():
    code = "import sys, replay.results; print(sorted({'locust', 'gevent'} & set(sys.modules)))"
    output = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True
    ).stdout
    assert output.strip() == "[]"
