"""The one table of exit codes: distinct codes, each explained, and the error classes use it."""

from __future__ import annotations

from replay.errors import ConfigError, DatasetError, EndpointError, ReplayError
from replay.exit_codes import ExitCode


def test_every_exit_code_has_a_distinct_value_and_a_meaning():
    assert [int(code) for code in ExitCode] == [0, 1, 2, 3, 130]
    assert all(code.meaning.endswith(".") and len(code.meaning) > 40 for code in ExitCode)


def test_user_errors_exit_with_the_tables_bad_input_and_endpoint_codes():
    assert ReplayError.exit_code == ConfigError.exit_code == DatasetError.exit_code == 2
    assert ReplayError.exit_code is ExitCode.BAD_INPUT
    assert EndpointError.exit_code is ExitCode.ENDPOINT_DOWN


def test_an_exit_code_is_a_plain_int_for_sys_exit():
    assert isinstance(ExitCode.INTERRUPTED, int) and ExitCode.INTERRUPTED + 0 == 130
