"""Every exit code of `replay` and of the locustfile, in one table.

    from replay.exit_codes import ExitCode
    return ExitCode.BAD_INPUT                 # an int: 2
    ExitCode.BAD_INPUT.meaning                # the sentence the reference documentation shows

The documentation's reference page is generated from this table, so a code added here is
documented, and a code used elsewhere should come from here.
"""

from __future__ import annotations

from enum import IntEnum


class ExitCode(IntEnum):
    """A process exit code and what it means to the user (`meaning`)."""

    meaning: str

    def __new__(cls, code: int, meaning: str) -> ExitCode:
        member = int.__new__(cls, code)
        member._value_ = code
        member.meaning = meaning
        return member

    PASSED = (
        0,
        "Success: the run passed its verdict (or, for the other commands, the command did "
        "what it was asked).",
    )
    FAILED = (
        1,
        "The check failed: a `--fail-on` threshold failed (without `--fail-on`: a message "
        "failed, Locust's own rule, which `--exit-code-on-error` changes), a worker was lost, "
        "messages are unaccounted for, or `replay compare` found a regression.",
    )
    BAD_INPUT = (
        2,
        "Bad input: an option, a configuration file or a dataset is wrong, or an input file "
        "is missing or malformed. One `error: ...` line says what and where; nothing was sent. "
        "Also a run that passed but could not write the CI report it was asked for "
        "(`--junit-xml`, `GITHUB_STEP_SUMMARY`).",
    )
    ENDPOINT_DOWN = (
        3,
        "The endpoint could not be reached at the start, or stopped answering during the run; "
        "the outputs count the rest as unsent (`endpoint_down`).",
    )
    INTERRUPTED = (
        130,
        "Stopped before the end: Ctrl-C, SIGTERM or Stop in the web UI. Outputs written after "
        "sending began are marked partial; a stop while the dataset loads writes none.",
    )
