"""`replay validate`: the summary (human or JSON), exit codes, and the dataset options."""

from __future__ import annotations

import json

import pytest

from replay import cli

from .files import HEADER, good_rows, write_csv


def test_a_valid_dataset_prints_its_summary_and_exits_0(in_tmp, capsys):
    path = write_csv(good_rows())
    assert cli.main(["validate", path, "--speed", "2"]) == 0
    out = capsys.readouterr().out
    assert out.splitlines() == [
        "datasets/calls.csv: valid",
        "  calls              2",
        "  messages           3 (END_USER 2, HUMAN_AGENT 1)",
        "  messages per call  min 1, median 1.5, max 2",
        "  call duration      median 2.5s, max 3s",
        "  time span          2025-11-25T16:00:01.000Z to 2025-11-25T16:00:03.000Z "
        "(2s, messages sent at endTime)",
        "  at speed 2x        replay takes 1s; mean 2.0 msg/s, peak 2 msg/s, "
        "peak 2 concurrent calls",
    ]


def test_json_output_is_the_summary_dict(in_tmp, capsys):
    assert cli.main(["validate", write_csv(good_rows()), "--json", "--send-at", "start"]) == 0
    summary = json.loads(capsys.readouterr().out)
    assert (summary["calls"], summary["messages"], summary["send_at"]) == (2, 3, "startTime")
    assert summary["speed"] == 1.0


def test_an_invalid_dataset_exits_2_with_the_rows_to_fix_and_no_traceback(in_tmp, capsys):
    rows = good_rows()
    rows[1][HEADER.index("startTime")] = "yesterday"
    assert cli.main(["validate", write_csv(rows)]) == 2
    captured = capsys.readouterr()
    assert captured.out == ""
    assert captured.err.splitlines() == [
        "error: datasets/calls.csv: 1 problem in 1 row; fix them, or pass --on-invalid skip "
        "to drop those rows:",
        "  datasets/calls.csv, row 3, column startTime: 'yesterday' is not epoch milliseconds "
        "or ISO 8601 (e.g. 1764086400000 or 2025-11-25T16:00:00Z)",
    ]


def test_skip_says_how_many_rows_were_dropped_and_why(in_tmp, capsys):
    rows = good_rows()
    rows[1][HEADER.index("senderType")] = "robot"
    assert cli.main(["validate", write_csv(rows), "--on-invalid", "skip"]) == 0
    out = capsys.readouterr().out
    assert out.splitlines()[-2:] == [
        "  skipped            1 invalid row (1 unknown senderType)",
        "    datasets/calls.csv, row 3, column senderType: 'robot' is not a senderType; expected "
        "one of END_USER, HUMAN_AGENT, VIRTUAL_AGENT, SUPERVISOR, EXTERNAL_USER",
    ]


def test_map_and_map_file_rename_columns(in_tmp, capsys):
    header = ("ContactId", *HEADER[1:5], "Text", HEADER[6])
    path = write_csv(good_rows(), header=header)
    (in_tmp / "export.toml").write_text('[columns]\nvendorCallKey = "ContactId"\n')
    argv = ["validate", path, "--map-file", "export.toml", "--map", "content=Text", "--json"]
    assert cli.main(argv) == 0
    assert json.loads(capsys.readouterr().out)["messages"] == 3


def test_max_content_length_is_applied(in_tmp, capsys):
    assert cli.main(["validate", write_csv(good_rows()), "--max-content-length", "5"]) == 2
    assert "expected at most 5" in capsys.readouterr().err


@pytest.mark.parametrize(
    ("argv", "expected"),
    [
        (["--map", "nope=x"], "error: --map: unknown field 'nope'"),
        (["--max-content-length", "0"], "error: --max-content-length must be at least 1, got 0"),
        (["--map-file", "missing.toml"], "error: missing.toml: no such column map file"),
    ],
)
def test_bad_options_exit_2_with_a_message(in_tmp, capsys, argv, expected):
    assert cli.main(["validate", write_csv(good_rows()), *argv]) == 2
    assert capsys.readouterr().err.startswith(expected)


@pytest.mark.parametrize(
    ("speed", "expected"),
    [
        ("0", "error: --speed must be a positive number or 'max', got 0"),
        ("-1", "error: --speed must be a positive number or 'max', got -1"),
        ("inf", "error: --speed must be a positive number or 'max', got inf"),
        ("fast", "error: --speed must be a number or 'max', got 'fast'"),
        ("max", "error: --speed max has no rates to compute: give a number, e.g. --speed 10"),
    ],
)
def test_a_speed_that_is_not_a_positive_number_exits_2_naming_it(in_tmp, capsys, speed, expected):
    assert cli.main(["validate", write_csv(good_rows()), "--speed", speed]) == 2
    assert capsys.readouterr().err.strip() == expected


def test_a_missing_file_exits_2(in_tmp, capsys):
    assert cli.main(["validate", "datasets/none.parquet"]) == 2
    assert capsys.readouterr().err == (
        "error: datasets/none.parquet: no such file or directory; check the path\n"
    )


def test_json_output_of_a_bad_dataset_is_a_json_error_object(in_tmp, capsys):
    open("empty.csv", "w").close()
    assert cli.main(["validate", "empty.csv", "--json"]) == 2
    out, err = capsys.readouterr()
    assert json.loads(out) == {
        "source": "empty.csv", "valid": False, "kind": "DatasetError",
        "error": "empty.csv: the file is empty; expected a header row naming the columns "
                 "(vendorCallKey, participantId, messageId, startTime, endTime, content, "
                 "senderType) and one row per utterance",
    }
    assert err == ""


def test_json_output_of_a_bad_option_is_a_json_error_object(in_tmp, capsys):
    assert cli.main(["validate", write_csv(good_rows()), "--json", "--speed", "0"]) == 2
    error = json.loads(capsys.readouterr().out)
    assert (error["kind"], error["error"]) == (
        "ConfigError", "--speed must be a positive number or 'max', got 0")
