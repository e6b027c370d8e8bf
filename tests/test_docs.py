"""The documentation (README.md and docs/**/*.md) covers every option a user can type: each
`replay` sub-command's flags and every Locust option the replay registers."""

from __future__ import annotations

import argparse
from pathlib import Path

import pytest

from replay import cli
from tests.documentation import documentation_text

ROOT = Path(__file__).resolve().parents[1]
README = documentation_text()


def _subcommand_options() -> list[tuple[str, str]]:
    parser = cli.build_parser()
    subparsers = next(a for a in parser._actions if isinstance(a, argparse._SubParsersAction))
    found = []
    for name, sub in subparsers.choices.items():
        for action in sub._actions:
            found += [(name, option) for option in action.option_strings if option.startswith("--")]
    return [(name, option) for name, option in found if option != "--help"]


@pytest.mark.parametrize(("command", "option"), _subcommand_options())
def test_readme_documents_every_subcommand_option(command, option):
    assert f"`replay {command}" in README, f"README has no section for `replay {command}`"
    assert option in README, f"README does not mention `replay {command} {option}`"


def test_readme_documents_every_locust_option():
    from docgen.commands import locust_options

    flags = [action.option_strings[0] for action in locust_options()]
    missing = [flag for flag in flags if f"`{flag}" not in README]
    assert not missing, f"README does not mention the Locust options {missing}"
