"""The exit code of a run, from its summary and why it stopped (replay/exit_codes.py)."""

from __future__ import annotations

import pytest

from replay.driver.outputs import exit_code_for, make_run_dir
from replay.driver.replayer import ENDPOINT_DOWN, STOPPED
from replay.errors import ConfigError


def summary(*, failed=0, thresholds=(), passed=True, problems=()):
    return {"counts": {"failed": failed},
            "verdict": {"passed": passed, "problems": list(problems), "thresholds": thresholds}}


@pytest.mark.parametrize(
    ("summary", "stop_reason", "code"),
    [
        (summary(), None, 0),
        (summary(failed=2), None, 1),
        (summary(thresholds=[{"passed": False}], passed=False), None, 1),
        (summary(failed=2, thresholds=[{"passed": True}]), None, 0),
        (summary(passed=False, problems=["the run is partial (endpoint_down: 3 messages not "
                                         "sent)"]), ENDPOINT_DOWN, 3),
        (summary(passed=False, problems=["the run is partial (stopped: 3 messages not sent)"]),
         STOPPED, 130),
        (summary(passed=False, problems=["the run is partial (worker_lost: 3 messages not "
                                         "sent)"]), "worker_lost", 1),
        (summary(passed=False, problems=["4 planned messages are unaccounted for"]), None, 1),
    ],
)  # fmt: skip
def test_exit_code_of_a_run(summary, stop_reason, code):
    assert exit_code_for(summary, stop_reason=stop_reason) == code


def test_a_run_directory_that_cannot_be_made_is_a_config_error(tmp_path):
    (tmp_path / "reports").write_text("a file, not a directory")
    with pytest.raises(ConfigError, match="cannot create the run directory .*reports/r "
                                          r"\(Not a directory\); give a writable --report-dir"):
        make_run_dir(tmp_path / "reports" / "r")


def test_mock_stats_are_read_from_a_loopback_mock_past_an_environment_proxy(monkeypatch):
    import socket

    from replay.driver.outputs import fetch_mock_stats
    from replay.mock.process import start_mock

    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        proxy = f"http://127.0.0.1:{probe.getsockname()[1]}"  # closed once the block ends
    for name in ("no_proxy", "NO_PROXY"):
        monkeypatch.delenv(name, raising=False)
    for name in ("HTTP_PROXY", "http_proxy", "HTTPS_PROXY", "https_proxy"):
        monkeypatch.setenv(name, proxy)
    with start_mock(["--no-auth"]) as mock:
        stats = fetch_mock_stats(mock.url)
    assert stats is not None and stats["received"] == 0
