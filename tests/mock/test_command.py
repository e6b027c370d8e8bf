"""`replay mock`: the CLI sub-command uses the mock's own options and reports their errors."""

from __future__ import annotations

import json
import subprocess
import sys
import time
import urllib.request

import psutil
import pytest

from replay import cli
from replay.mock.config import build_parser


def test_replay_mock_has_the_same_options_as_python_m_replay_mock(capsys):
    with pytest.raises(SystemExit):
        cli.main(["mock", "--help"])
    replay_help = capsys.readouterr().out
    for action in build_parser()._actions:
        for flag in action.option_strings:
            assert flag in replay_help


@pytest.mark.parametrize(("argv", "words"), [
    (["mock"], "give --public-key PEM or --certificate PEM"),
    (["mock", "--no-auth", "--error-rate", "2"], "--error-rate must be a fraction"),
    (["mock", "--no-auth", "--ledger-out", "x.csv"], "must end in .jsonl or .parquet"),
    (["mock", "--no-auth", "--error-statuses", "404"], "--error-statuses must list"),
    (["mock", "--no-auth", "--workers", "0"], "--workers must be 1 or more"),
    (["mock", "--no-auth", "--parent-fd", "99"], "--parent-fd 99: not an open pipe inherited "
                                                 "from the parent process"),
])
def test_bad_options_print_one_error_and_exit_2(argv, words):
    result = subprocess.run([sys.executable, "-m", "replay", *argv], capture_output=True,
                            text=True, timeout=30)
    assert result.returncode == 2
    assert "error: " in result.stderr and words in result.stderr
    assert "Traceback" not in result.stderr


@pytest.mark.parametrize(("where", "message"), [
    ("a-file/ledger.jsonl", "--ledger-out {tmp}/a-file/ledger.jsonl: {tmp}/a-file is not a "
                            "directory; give a writable path"),
    ("a-dir.jsonl", "--ledger-out {tmp}/a-dir.jsonl: is a directory; give a file name ending in "
                    ".jsonl or .parquet"),
])
def test_an_unwritable_ledger_out_is_refused_before_serving(tmp_path, where, message):
    (tmp_path / "a-file").write_text("in the way")
    (tmp_path / "a-dir.jsonl").mkdir()
    ready = tmp_path / "ready.json"
    result = subprocess.run([sys.executable, "-m", "replay", "mock", "--no-auth", "--port", "0",
                             "--ready-file", str(ready), "--ledger-out", str(tmp_path / where)],
                            capture_output=True, text=True, timeout=30)
    assert result.returncode == 2
    assert result.stderr == f"error: {message.format(tmp=tmp_path)}\n"
    assert not ready.exists()  # never served


def test_a_ledger_out_in_a_new_directory_is_accepted_at_start(tmp_path):
    from replay.mock.launch import check_ledger_out

    path = tmp_path / "new" / "ledger.parquet"
    check_ledger_out(path)
    assert sorted(path.parent.iterdir()) == []  # the directory is there, the probe gone


def test_every_option_is_documented_with_its_default():
    from tests.documentation import documentation_text

    docs = documentation_text()
    for action in build_parser()._actions:
        for flag in action.option_strings:
            if flag in ("-h", "--help"):
                continue
            assert f"`{flag}" in docs, f"{flag} is not in README.md nor docs/"


def test_replay_mock_serves_until_sigterm(tmp_path):
    import json
    import signal
    import time

    from .mock_helpers import message, post_message

    ready = tmp_path / "ready.json"
    process = subprocess.Popen([sys.executable, "-m", "replay", "mock", "--no-auth", "--port", "0",
                                "--ready-file", str(ready)], stderr=subprocess.PIPE)
    try:
        deadline = time.monotonic() + 20
        while not ready.exists() and time.monotonic() < deadline and process.poll() is None:
            time.sleep(0.02)
        url = json.loads(ready.read_text())["url"]
        assert post_message(url, "call-1", message()).status == 202
    finally:
        process.send_signal(signal.SIGTERM)
        _, stderr = process.communicate(timeout=15)
    assert process.returncode == 0
    assert b"Traceback" not in stderr


def test_replay_mock_says_where_it_listens_without_a_ready_file():
    import select
    import signal

    process = subprocess.Popen([sys.executable, "-m", "replay", "mock", "--no-auth", "--port", "0"],
                               stderr=subprocess.PIPE, text=True)
    try:
        readable, _, _ = select.select([process.stderr], [], [], 20)
        line = process.stderr.readline() if readable else ""
    finally:
        process.send_signal(signal.SIGTERM)
        process.communicate(timeout=15)
    assert "replay.mock.server: mock listening on http://127.0.0.1:" in line


def test_replay_mock_started_from_a_shell_without_a_parent_pipe_outlives_the_shell(tmp_path):
    """No --parent-fd: the mock serves until a signal stops it, whatever becomes of the shell
    that started it (here gone at once, with stdin at end-of-file)."""
    ready = tmp_path / "ready.json"
    shell = subprocess.run(
        ["sh", "-c", f'"{sys.executable}" -m replay mock --no-auth --port 0 --ready-file '
                     f'"{ready}" </dev/null >"{tmp_path}/mock.log" 2>&1 & echo $!'],
        capture_output=True, text=True, timeout=30, check=True)
    mock = psutil.Process(int(shell.stdout))
    try:
        deadline = time.monotonic() + 30
        while not ready.exists() and time.monotonic() < deadline:
            time.sleep(0.05)
        url = json.loads(ready.read_text())["url"]
        with urllib.request.build_opener(urllib.request.ProxyHandler({})).open(
                f"{url}/__admin/stats", timeout=10) as response:
            assert json.loads(response.read())["received"] == 0
        assert mock.is_running() and mock.status() != psutil.STATUS_ZOMBIE
    finally:
        mock.terminate()
        mock.wait(timeout=30)
