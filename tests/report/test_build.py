"""report.html from a run directory: content, self-containment, atomic write, size, CLI."""

from __future__ import annotations

import json
import re
import shutil
from html import unescape

import pyarrow as pa
import pyarrow.parquet as pq
import pytest

import replay.report
import replay.report.data
from replay import cli
from replay.errors import ConfigError
from replay.report import REPORT_FILE, build_report, write_report
from replay.report.formatting import show
from replay.report.series import MAX_POINTS
from replay.results.outcomes import SCHEMA, write_outcomes
from replay.results.series import SERIES_FILE
from replay.results.summary import build_summary, write_summary

from .synthetic import write_synthetic_run


def _text(html: str) -> str:
    """The page's visible text, tags and scripts removed, whitespace squeezed."""
    html = re.sub(r"<script.*?</script>|<style.*?</style>", " ", html, flags=re.S)
    return re.sub(r"\s+", " ", unescape(re.sub(r"<[^>]+>", " ", html)))


def _summary(run_dir):
    return json.loads((run_dir / "summary.json").read_text())


def test_report_states_the_verdict_with_every_thresholds_measured_value(small_run):
    text = _text(build_report(small_run))
    verdict = _summary(small_run)["verdict"]
    assert ("PASSED" if verdict["passed"] else "FAILED") in text
    for threshold in verdict["thresholds"]:
        assert threshold["expression"] in text
        measured = threshold["measured"]
        shown = show(measured, "ms") if threshold["unit"] == "ms" else show(measured, "number")
        assert shown in text


def test_report_states_the_reconciliation_counts(small_run):
    text = _text(build_report(small_run))
    counts = _summary(small_run)["counts"]
    assert f"planned {counts['planned']:,}" in text
    assert f"accepted {counts['accepted']:,}" in text
    assert f"failed {counts['failed']:,}" in text
    assert f"skipped as invalid {counts['skipped']:,}" in text
    assert f"unsent {counts['unsent']:,}" in text
    assert "unaccounted for 0" in text
    assert "balanced" in text
    assert "matches accepted yes" in text


def test_report_states_how_many_messages_needed_a_retry_and_the_attempts_in_all(tmp_path,
                                                                               small_run):
    run_dir = tmp_path / "run"
    shutil.copytree(small_run, run_dir)
    summary = _summary(run_dir)
    summary["counts"].update(retried=7, attempts=1_520)
    write_summary(run_dir / "summary.json", summary)
    text = _text(build_report(run_dir))
    assert ("needed a retry 7 attempts in all: 1,520 (Locust's own statistics count every"
            " attempt as a request)") in text


def test_report_header_names_dataset_speed_host_workers_and_locust_version(small_run):
    text = _text(build_report(small_run))
    for fragment in ("dataset datasets/sample.parquet", "speed 10×", "host http://127.0.0.1:8080",
                     "1 worker(s)", "Locust 2.47.0", "2026-11-25T17:00:00Z"):
        assert fragment in text


def test_report_tables_cover_endpoints_sender_types_errors_and_slowest_calls(small_run):
    text = _text(build_report(small_run))
    assert "POST /voiceCalls/{vendorCallKey}/messages" in text
    assert "POST /voiceCalls Locust stats" in text  # a lifecycle row from Locust's CSV
    assert "PATCH /voiceCalls/[vendorCallKey]" in text
    for sender in ("END_USER", "HUMAN_AGENT"):
        assert sender in text
    for reason in ("http_503", "http_429", "timeout", "not_sent"):
        assert reason in text
    assert "Slowest calls" in text


def test_report_embeds_every_chart_and_fetches_nothing(small_run):
    html = build_report(small_run)
    figures = json.loads(re.search(r'id="figures">(.*?)</script>', html, re.S)[1])
    assert {figure["key"] for figure in figures} == {
        "rates", "latency", "lag", "errors", "calls", "latency_histogram", "lag_histogram"}
    assert 'data-charts-expected="7"' in html
    assert not re.search(r'<(script|link|img|iframe)[^>]+(src|href)=', html)
    assert "cdn" not in html.split('id="plotly-js-gzip"')[0].lower()


def test_write_report_replaces_the_file_atomically_and_leaves_no_temporary(tmp_path, small_run):
    run_dir = tmp_path / "run"
    shutil.copytree(small_run, run_dir)
    (run_dir / REPORT_FILE).write_text("old")
    path = write_report(run_dir)
    assert path == run_dir / REPORT_FILE
    assert path.read_text().startswith("<!doctype html>")
    assert path.stat().st_mode & 0o777 == 0o644
    assert [p.name for p in run_dir.iterdir() if p.name.startswith(".")] == []


def test_report_of_a_run_that_sent_nothing_still_builds(tmp_path):
    empty = SCHEMA.empty_table()
    write_outcomes(tmp_path / "outcomes.parquet", empty)
    summary = build_summary(run={"id": "empty", "duration_s": 0.0}, dataset={}, options={},
                            outcomes=empty)
    write_summary(tmp_path / "summary.json", summary)
    text = _text(write_report(tmp_path).read_text())
    assert "planned 0" in text


def test_report_shows_a_partial_run_banner(tmp_path, small_run):
    run_dir = tmp_path / "run"
    shutil.copytree(small_run, run_dir)
    summary = _summary(run_dir)
    summary["run"] |= {"partial": True, "partial_reason": "interrupted by Ctrl-C"}
    (run_dir / "summary.json").write_text(json.dumps(summary))
    assert "Partial run: interrupted by Ctrl-C" in _text(build_report(run_dir))


def test_options_that_look_secret_are_hidden(tmp_path, small_run):
    run_dir = tmp_path / "run"
    shutil.copytree(small_run, run_dir)
    summary = _summary(run_dir)
    summary["options"] |= {"api_token": "abc.def.ghi", "extra": "-----BEGIN PRIVATE KEY-----x"}
    (run_dir / "summary.json").write_text(json.dumps(summary))
    html = build_report(run_dir)
    assert "abc.def.ghi" not in html
    assert "BEGIN PRIVATE KEY" not in html


def test_long_large_run_stays_small_and_caps_points_per_series(tmp_path):
    """200,000 messages over two hours: at most MAX_POINTS per series, about 2.3 MB in all."""
    run_dir = write_synthetic_run(tmp_path / "big", messages=200_000, span_s=7_200)
    html = build_report(run_dir)
    figures = json.loads(re.search(r'id="figures">(.*?)</script>', html, re.S)[1])
    longest = max(len(trace["x"]) for figure in figures for trace in figure["figure"]["data"])
    assert longest <= MAX_POINTS + 1
    assert len(html.encode()) < 3_000_000


def test_replay_report_command_rebuilds_the_page(tmp_path, small_run, capsys):
    run_dir = tmp_path / "run"
    shutil.copytree(small_run, run_dir)
    assert cli.main(["report", str(run_dir)]) == 0
    assert str(run_dir / REPORT_FILE) in capsys.readouterr().out
    assert (run_dir / REPORT_FILE).stat().st_size > 0


def test_replay_report_command_takes_the_runs_summary_json(tmp_path, small_run, capsys):
    run_dir = tmp_path / "run"
    shutil.copytree(small_run, run_dir)
    assert cli.main(["report", str(run_dir / "summary.json")]) == 0
    assert capsys.readouterr().out.startswith(f"{run_dir / REPORT_FILE} (")
    assert (run_dir / REPORT_FILE).stat().st_size > 0


def test_replay_report_command_names_the_missing_file(tmp_path, small_run, capsys):
    run_dir = tmp_path / "run"
    shutil.copytree(small_run, run_dir)
    (run_dir / SERIES_FILE).unlink()  # a run directory from before series.json
    (run_dir / "outcomes.parquet").unlink()
    assert cli.main(["report", str(run_dir)]) == 2
    err = capsys.readouterr().err
    assert err.startswith(f"error: {run_dir / 'outcomes.parquet'}: no such file; is this a run "
                          "directory?")
    assert "Traceback" not in err


@pytest.mark.parametrize("column", ["due_s", "outcome"])
def test_report_names_a_missing_outcomes_column(tmp_path, small_run, column):
    run_dir = tmp_path / "run"
    shutil.copytree(small_run, run_dir)
    (run_dir / SERIES_FILE).unlink()  # a run directory from before series.json
    table = pq.read_table(run_dir / "outcomes.parquet")
    pq.write_table(table.drop_columns([column]), run_dir / "outcomes.parquet")
    expected = rf"outcomes.parquet: not an outcomes file, column\(s\) missing: {column}"
    with pytest.raises(ConfigError, match=expected):
        build_report(run_dir)


def test_report_refuses_an_outcomes_file_with_a_wrongly_typed_column(tmp_path, small_run):
    run_dir = tmp_path / "run"
    shutil.copytree(small_run, run_dir)
    (run_dir / SERIES_FILE).unlink()  # a run directory from before series.json
    table = pq.read_table(run_dir / "outcomes.parquet")
    words = pa.array(["late"] * len(table))
    table = table.set_column(table.schema.get_field_index("due_s"), "due_s", words)
    pq.write_table(table, run_dir / "outcomes.parquet")
    with pytest.raises(ConfigError, match=r"outcomes\.parquet: a column has the wrong type"):
        build_report(run_dir)


def test_public_api_is_exactly_what_the_driver_uses():
    assert replay.report.__all__ == ["REPORT_FILE", "build_report", "write_report"]
    assert all(hasattr(replay.report, name) for name in replay.report.__all__)


def test_report_of_a_partial_run_says_failed_and_why(tmp_path, small_run):
    run_dir = tmp_path / "run"
    shutil.copytree(small_run, run_dir)
    summary = _summary(run_dir)
    problem = "the run is partial (endpoint_down: 5,010 messages not sent)"
    summary["verdict"] = {"passed": False, "thresholds": [], "problems": [problem]}
    (run_dir / "summary.json").write_text(json.dumps(summary))
    text = _text(build_report(run_dir))
    assert f"FAILED: {problem}" in text


def test_replay_report_never_reads_outcomes_when_series_json_exists(tmp_path, small_run,
                                                                     monkeypatch):
    run_dir = tmp_path / "run"
    shutil.copytree(small_run, run_dir)
    (run_dir / "outcomes.parquet").write_bytes(b"PAR1 not read")

    def refuse(path, *args, **kwargs):
        raise AssertionError(f"read {path}")

    monkeypatch.setattr(replay.report.data, "read_outcomes", refuse)
    monkeypatch.setattr(pq, "read_table", refuse)
    monkeypatch.setattr(pq, "ParquetFile", refuse)
    assert cli.main(["report", str(run_dir)]) == 0
    planned = _summary(run_dir)["counts"]["planned"]
    assert f"planned {planned:,}" in _text((run_dir / REPORT_FILE).read_text())


def test_report_from_series_json_matches_the_report_from_outcomes(tmp_path, small_run):
    """series.json written in slices during the run gives the page the whole outcomes give."""
    old = tmp_path / "old"
    shutil.copytree(small_run, old)
    (old / SERIES_FILE).unlink()
    assert build_report(old) == build_report(small_run)
