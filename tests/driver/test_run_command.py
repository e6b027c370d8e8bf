"""`replay run` checks its options before it starts anything (no mock, no Locust, no files).

Each bad option gets the same message Locust's side would give (the same parser), exit 2, and
nothing else on the console.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from replay import cli

REPO = Path(__file__).resolve().parents[2]
SAMPLE = str(REPO / "datasets" / "sample.parquet")


@pytest.fixture
def not_a_key(tmp_path):
    path = tmp_path / "key.txt"
    path.write_text("not a key\n")
    return str(path)


@pytest.mark.parametrize(
    ("options", "message"),
    [
        (["--speed", "-3"], "--speed must be a positive number or 'max', got -3"),
        (["--fail-on", "p95>>3"], "--fail-on: 'p95>>3' is not a threshold;"),
        (["--loops", "0"], "--loops must be 1 or more, got 0"),
        (["--map", "nonsense"], "--map: 'nonsense' is not field=column;"),
        (["--host", "ftp://x"], "--host 'ftp://x' is not an http(s) URL;"),
        (["--workers", "-1"], "--workers must be 0 or more, got -1"),
        (["--jwt-key", "key.pem"], "--jwt-key needs --host:"),
        (["--host", "http://127.0.0.1:1", "--jwt-key", "missing.pem", "--org-id", "00D",
          "--call-center", "cc"], "--jwt-key missing.pem: cannot read the private key"),
        (["--host", "http://127.0.0.1:1", "--jwt-key", "{not_a_key}", "--org-id", "00D",
          "--call-center", "cc"], "--jwt-key {not_a_key}: not an unencrypted PEM private key"),
        (["--host", "http://127.0.0.1:1", "--jwt-key", "{not_a_key}", "--call-center", "cc"],
         "--org-id is required to sign tokens"),
        (["--mock-args", '"unclosed'], "--mock-args '\"unclosed': No closing quotation;"),
        (["--report-dir", "{not_a_key}", "--run-id", "r"],
         "--report-dir: cannot create the run directory {not_a_key}/r (Not a directory)"),
    ],
)  # fmt: skip
def test_a_bad_option_stops_replay_run_before_anything_starts(
    options, message, not_a_key, tmp_path, monkeypatch, capsys
):
    monkeypatch.chdir(tmp_path)
    options = [option.format(not_a_key=not_a_key) for option in options]
    assert cli.main(["run", SAMPLE, *options]) == 2
    out, err = capsys.readouterr()
    assert out == ""
    assert err.startswith(f"error: {message.format(not_a_key=not_a_key)}")
    assert err.count("\n") == 1, err
    assert not (tmp_path / "reports").exists()


def test_a_missing_dataset_stops_replay_run_before_anything_starts(tmp_path, monkeypatch, capsys):
    monkeypatch.chdir(tmp_path)
    assert cli.main(["run", "nothere.csv"]) == 2
    assert capsys.readouterr() == ("", "error: nothere.csv: no such file or directory\n")
    assert not (tmp_path / "reports").exists()


def test_the_ledger_line_says_so_when_the_mock_has_already_stopped(tmp_path):
    from replay.commands.run import _ledger_line
    from replay.mock.process import start_mock

    (tmp_path / "summary.json").write_text('{"counts": {"accepted": 0}}')
    with start_mock(["--no-auth"]) as mock:
        pass  # leaving the block stops it, as Ctrl-C in a terminal does during a run
    line = _ledger_line(mock, tmp_path)
    assert line.startswith("mock ledger: not compared, the mock stopped before the end (")


def test_replay_run_forwards_the_options_given_and_its_own_speed():
    args = cli.build_parser(("run",)).parse_args(
        ["run", SAMPLE, "--map", "content=Text", "--map", "senderType=Role", "--retries", "2",
         "--lifecycle", "--max-content-length", "500", "--run-id", "r1"])
    from replay.commands.run import forwarded_options

    assert forwarded_options(args) == [
        "--map", "content=Text", "--map", "senderType=Role", "--max-content-length", "500",
        "--speed", "300", "--lifecycle", "--retries", "2"]


def test_replay_run_takes_the_dataset_options_of_replay_validate():
    def flags(command):
        parser = cli.build_parser((command,))
        sub = parser._subparsers._group_actions[0].choices[command]
        return {flag for action in sub._actions for flag in action.option_strings}

    dataset_flags = {"--map", "--map-file", "--on-invalid", "--send-at", "--max-content-length"}
    assert dataset_flags <= flags("validate")
    assert dataset_flags <= flags("run")


@pytest.mark.parametrize(
    ("counts", "expected"),
    [
        ({"accepted": 3, "failed_by_status": {}},
         "mock ledger: 3 messages taken (3 stored, 0 outside the call window, 0 duplicates); "
         "matches the 3 the replay counted as accepted"),
        # Two posts timed out at the replay but reached the mock: the same rule as summary.json.
        ({"accepted": 1, "failed_by_status": {"0": 2}},
         "mock ledger: 3 messages taken (3 stored, 0 outside the call window, 0 duplicates); "
         "matches the 1 the replay counted as accepted and up to 2 that got no response"),
        ({"accepted": 1, "failed_by_status": {"503": 2}},
         "mock ledger: 3 messages taken (3 stored, 0 outside the call window, 0 duplicates); "
         "DOES NOT match the 1 the replay counted as accepted"),
    ],
)  # fmt: skip
def test_the_ledger_line_decides_by_the_summarys_rule(tmp_path, counts, expected):
    import json

    from replay.commands.run import _ledger_line
    from replay.mock.process import start_mock
    from tests.mock.mock_helpers import message, post_message

    (tmp_path / "summary.json").write_text(json.dumps({"counts": counts}))
    with start_mock(["--no-auth"]) as mock:
        for number in range(3):
            assert post_message(mock.url, "call-1", message(f"m-{number}")).status == 202
        assert _ledger_line(mock, tmp_path) == expected


@pytest.mark.parametrize(
    ("name", "content", "message"),
    [
        ("empty.parquet", b"", "error: empty.parquet: the file is empty; expected a header row"),
        ("empty.csv", b"", "error: empty.csv: the file is empty; expected a header row"),
        ("header.csv",
         b"vendorCallKey,participantId,messageId,startTime,endTime,content,senderType\n",
         "error: header.csv: no transcript rows; expected one row per utterance after the header"),
        ("text.parquet", b"not parquet at all\n",
         "error: text.parquet: not a readable Parquet file"),
        ("calls.txt", b"x\n", "error: calls.txt: unknown file type (.txt); expected .csv"),
    ],
)  # fmt: skip
def test_a_dataset_that_cannot_be_read_stops_replay_run_before_anything_starts(
    tmp_path, monkeypatch, capsys, name, content, message
):
    monkeypatch.chdir(tmp_path)
    (tmp_path / name).write_bytes(content)
    assert cli.main(["run", name]) == 2
    out, err = capsys.readouterr()
    assert out == ""
    assert err.startswith(message)
    assert not (tmp_path / "reports").exists()


def test_local_workers_meet_their_master_on_a_free_loopback_port_not_locusts_default():
    from replay.commands.run import local_workers_arguments

    words = local_workers_arguments(3)
    assert words[:2] == ["--processes", "3"]
    options = dict(zip(words[2::2], words[3::2], strict=True))
    assert options["--master-bind-host"] == "127.0.0.1"
    assert options["--master-bind-port"] == options["--master-port"] != "5557"
