"""The harness's one exception tree; every error a user can cause is one of these.

    ReplayError          anything the user can fix; the CLI prints its message, no traceback
    ├── ConfigError      a bad option, flag value or config file          (exit 2)
    ├── DatasetError     a transcript file that cannot be loaded or is invalid (exit 2)
    └── EndpointError    the endpoint cannot be reached or refuses the run (exit 3)

Messages say what is wrong, where (file, row, column, option) and how to fix it. They never
contain key material or tokens.
"""

from __future__ import annotations

from replay.exit_codes import ExitCode


class ReplayError(Exception):
    """Base of every error the user can fix. `exit_code` is what the CLI exits with."""

    exit_code: int = ExitCode.BAD_INPUT


class ConfigError(ReplayError):
    """An option, flag value or configuration file is wrong."""


class DatasetError(ReplayError):
    """A transcript dataset cannot be read, or its rows break the schema."""


class EndpointError(ReplayError):
    """The endpoint under test is unreachable or refuses the run as a whole."""

    exit_code = ExitCode.ENDPOINT_DOWN
