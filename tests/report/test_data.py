"""Reading a run directory: every missing or corrupt file gets an error that names it."""

from __future__ import annotations

import json
import shutil

import pyarrow.parquet as pq
import pytest

from replay.errors import ConfigError
from replay.report.data import load_run, load_summary
from replay.results.series import SERIES_FILE, series_of_table


def _copy(tmp_path, small_run):
    run_dir = tmp_path / "run"
    shutil.copytree(small_run, run_dir)
    return run_dir


@pytest.mark.parametrize(
    ("file", "content", "message"),
    [
        ("summary.json", None, r"summary.json: no such file; is this a run directory\?"),
        ("summary.json", b"{not json", r"summary.json: not a readable JSON file \(Expecting"),
        ("summary.json", b'{"schema": "other/2"}',
         r"summary.json: schema is 'other/2', expected 'replay-summary/1'"),
        ("summary.json", b"[1, 2]", r"summary.json: schema is None, expected 'replay-summary/1'"),
        ("summary.json", b'{"schema": "replay-summary/1", "run": {}}',
         r"summary.json: section 'counts' is missing or not an object"),
        ("outcomes.parquet", None, r"outcomes.parquet: no such file"),
        ("outcomes.parquet", b"PAR1 this is not parquet",
         r"outcomes.parquet: not a readable Parquet file"),
        ("series.json", b"{not json", r"series.json: not a readable series file \(Expecting"),
        ("series.json", b'{"schema": "replay-summary/1"}',
         r"series.json: not a replay-series/1 file; delete it to report from outcomes.parquet"),
    ],
)
def test_bad_run_files_raise_a_config_error_naming_the_file(tmp_path, small_run, file, content,
                                                            message):
    run_dir = _copy(tmp_path, small_run)
    if file == "outcomes.parquet":  # read only for a run directory from before series.json
        (run_dir / SERIES_FILE).unlink()
    if content is None:
        (run_dir / file).unlink()
    else:
        (run_dir / file).write_bytes(content)
    with pytest.raises(ConfigError, match=message):
        load_run(run_dir)


def test_a_missing_path_is_refused_naming_it_once(tmp_path):
    path = tmp_path / "nowhere"
    with pytest.raises(ConfigError) as raised:
        load_run(path)
    assert str(raised.value) == (f"{path}: no such run directory; give a run's directory "
                                 "(reports/<run-id>) or the summary.json in it")


def test_a_file_other_than_summary_json_is_refused(tmp_path, small_run):
    path = small_run / "outcomes.parquet"
    with pytest.raises(ConfigError) as raised:
        load_run(path)
    assert str(raised.value) == (f"{path}: not a run directory; give a run's directory "
                                 "(reports/<run-id>) or the summary.json in it")


def test_a_run_can_be_named_by_its_summary_json(small_run):
    assert load_run(small_run / "summary.json").run_dir == small_run


def test_summary_can_be_named_by_its_directory_or_its_file(small_run):
    assert load_summary(small_run) == load_summary(small_run / "summary.json")
    assert load_summary(small_run)["schema"] == "replay-summary/1"


def test_unreadable_locust_csv_is_ignored_not_fatal(tmp_path, small_run):
    run_dir = _copy(tmp_path, small_run)
    (run_dir / "locust_stats.csv").write_text("just,some\ncolumns,here\n")
    assert load_run(run_dir).locust_stats is None


def test_outcomes_without_final_sent_use_the_first_attempt(tmp_path, small_run):
    run_dir = _copy(tmp_path, small_run)
    (run_dir / SERIES_FILE).unlink()  # a run directory from before series.json
    table = pq.read_table(run_dir / "outcomes.parquet")
    pq.write_table(table.drop_columns(["final_sent_s"]), run_dir / "outcomes.parquet")
    as_first = table.set_column(table.schema.get_field_index("final_sent_s"), "final_sent_s",
                                table["sent_s"])
    duration_s = json.loads((run_dir / "summary.json").read_text())["run"]["duration_s"]
    assert load_run(run_dir).series == series_of_table(as_first, duration_s=duration_s)


def test_a_run_directory_without_series_json_is_reported_from_its_outcomes(tmp_path, small_run):
    run_dir = _copy(tmp_path, small_run)
    (run_dir / SERIES_FILE).unlink()
    assert load_run(run_dir).series == load_run(small_run).series
