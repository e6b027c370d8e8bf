"""The `replay` entry point: sub-command dispatch and how user errors are reported."""

from __future__ import annotations

import argparse

import pytest

from replay import cli
from replay.errors import ConfigError, EndpointError


def _parser_with(handler):
    parser = argparse.ArgumentParser(prog="replay")
    parser.add_argument("-v", "--verbose", action="store_true")
    parser.set_defaults(handler=handler)
    return parser


def test_replay_error_prints_one_line_and_exits_with_its_code(monkeypatch, capsys):
    def fail(args):
        raise EndpointError("http://127.0.0.1:1 refused the connection; is the endpoint up?")

    monkeypatch.setattr(cli, "build_parser", lambda commands: _parser_with(fail))
    assert cli.main([]) == 3
    err = capsys.readouterr().err
    assert err == "error: http://127.0.0.1:1 refused the connection; is the endpoint up?\n"


def test_config_error_exits_2_without_traceback(monkeypatch, capsys):
    def fail(args):
        raise ConfigError("--speed must be a positive number or 'max', not '-1'")

    monkeypatch.setattr(cli, "build_parser", lambda commands: _parser_with(fail))
    assert cli.main([]) == 2
    assert "Traceback" not in capsys.readouterr().err


def test_handler_return_value_is_the_exit_code(monkeypatch):
    monkeypatch.setattr(cli, "build_parser", lambda commands: _parser_with(lambda args: 1))
    assert cli.main([]) == 1


def test_only_the_named_command_is_imported():
    assert cli._command_named(["mock", "--port", "0"]) == ("mock",)
    assert cli._command_named(["--help"]) == cli.COMMANDS


@pytest.mark.parametrize("command", cli.COMMANDS)
def test_every_command_has_help(command, capsys):
    with pytest.raises(SystemExit) as exit_:
        cli.main([command, "--help"])
    assert exit_.value.code == 0
    assert command in capsys.readouterr().out


@pytest.mark.parametrize(
    "words",
    [["--mock-args", "--reject-reused-jti"], ["--mock-args=--reject-reused-jti"]],
)
def test_mock_args_takes_a_single_flag_as_its_value(words):
    argv = cli.joined_pass_through(["run", "data.parquet", *words, "--speed", "max"])
    args = cli.build_parser(("run",)).parse_args(argv)
    assert (args.mock_args, args.speed) == ("--reject-reused-jti", "max")


def test_an_unknown_option_is_reported_by_its_command_with_its_usage(capsys):
    with pytest.raises(SystemExit) as exit_:
        cli.main(["capacity", "data.parquet", "--fail-on", "p99>1s", "--speed", "10"])
    assert exit_.value.code == 2
    err = capsys.readouterr().err
    assert err.startswith("usage: replay capacity ")
    assert err.endswith("replay capacity: error: unrecognized arguments: --speed 10\n")
