"""The CI files of a run: the --junit-xml folder made at start, the files written at the end."""

from __future__ import annotations

import pytest

from replay.driver.ci_outputs import make_junit_folder, write_ci_outputs
from replay.errors import ConfigError
from tests.driver.test_options import config
from tests.results.test_junit import assert_valid_junit
from tests.results.test_summary import summary_of


def test_the_junit_folder_is_created_at_start(tmp_path):
    make_junit_folder(config(["--junit-xml", str(tmp_path / "a" / "b" / "junit.xml")]))
    assert (tmp_path / "a" / "b").is_dir()


def test_a_junit_folder_that_cannot_be_created_fails_before_the_run(tmp_path):
    (tmp_path / "a").write_text("a file where a folder should be")
    path = tmp_path / "a" / "junit.xml"
    with pytest.raises(ConfigError) as error:
        make_junit_folder(config(["--junit-xml", str(path)]))
    assert str(error.value) == (f"--junit-xml {path}: cannot create the folder {tmp_path / 'a'}"
                                " (File exists); give a path in a writable folder")


def test_both_files_are_written_when_asked_for(tmp_path):
    junit, markdown = tmp_path / "junit.xml", tmp_path / "job_summary"
    ok = write_ci_outputs(summary_of(), config(["--junit-xml", str(junit)]),
                          {"GITHUB_STEP_SUMMARY": str(markdown)})
    assert ok
    assert_valid_junit(junit.read_text())
    assert markdown.read_text().startswith("### Transcript replay `run-1`")


def test_nothing_is_written_when_not_asked_for(tmp_path):
    assert write_ci_outputs(summary_of(), config([]), {})
    assert list(tmp_path.iterdir()) == []


def test_a_file_that_cannot_be_written_is_logged_and_reported(tmp_path, caplog):
    junit = tmp_path / "junit.xml"
    cfg = config(["--junit-xml", str(junit)])
    junit.mkdir()  # after the check: the rename onto a folder fails
    assert write_ci_outputs(summary_of(), cfg, {"GITHUB_STEP_SUMMARY": str(tmp_path)}) is False
    assert f"--junit-xml {junit}: cannot write the JUnit report" in caplog.text
    assert f"GITHUB_STEP_SUMMARY={tmp_path}: cannot append the job summary" in caplog.text
