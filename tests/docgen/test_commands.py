"""The generated command and Locust-option pages come from the argparse definitions: every
sub-command, flag, default and help text, and a new sub-command appears by itself."""

from __future__ import annotations

import argparse

import pytest

from docgen import commands
from docgen.commands import locust_options, render_commands, render_locust_options, subcommands
from docgen.markdown import cell, code, table


def _flags(parser: argparse.ArgumentParser) -> list[str]:
    return [flag for action in parser._actions for flag in action.option_strings
            if flag.startswith("--") and flag != "--help"]


@pytest.mark.parametrize("name", list(subcommands()))
def test_every_subcommand_has_a_section_with_all_its_flags(name):
    page = render_commands()
    assert f"## `replay {name}`" in page
    section = page.split(f"## `replay {name}`", 1)[1].split("\n## ", 1)[0]
    for flag in _flags(subcommands()[name]):
        assert f"`{flag}" in section, f"replay {name} {flag}"


def test_defaults_and_help_come_from_the_parser():
    page = render_commands()
    assert "| `--tolerance PCT` | `10%` | how much worse B may be than A" in page
    assert "| `--calls N` | (required) | how many calls" in page
    assert "| `--port PORT` | `8080` |" in page
    assert "| `--json` | off | print the summary as JSON |" in page


def test_a_new_subcommand_appears_without_touching_the_docs(monkeypatch):
    def build_parser():
        parser = argparse.ArgumentParser(prog="replay")
        sub = parser.add_subparsers(dest="command")
        new = sub.add_parser("frobnicate", description="Frobnicate the calls.")
        new.add_argument("--level", default="3", metavar="N", help="how hard (default %(default)s)")
        return parser

    monkeypatch.setattr("replay.cli.build_parser", build_parser)
    page = render_commands()
    assert "## `replay frobnicate`" in page
    assert "| `--level N` | `3` | how hard (default 3) |" in page


def test_every_locust_option_is_listed_with_its_environment_variable():
    page = render_locust_options()
    for action in locust_options():
        flag = action.option_strings[0]
        assert f"`{flag}" in page
        assert f"`{action.env_var}`" in page


def test_locust_option_flags_show_defaults_and_off_for_switches():
    page = render_locust_options()
    assert "| `--speed X|max` | `1` | `REPLAY_SPEED` |" in page
    assert "| `--dry-run` | off | `REPLAY_DRY_RUN` |" in page
    assert "| `--dataset PATH` | none |" in page
    assert "| `--seed N` | `0` | `REPLAY_SEED` |" in page  # a zero default is still a default
    assert "| `--max-concurrency N` | the dataset's peak |" in page


def test_percent_escapes_in_help_are_expanded_as_argparse_does():
    action = argparse.Action(["--x"], "x", default=5, help="at %(default)s, 100%% sure")
    assert commands._help(action) == "at 5, 100% sure"


def test_cells_escape_pipes_and_html_outside_code_only():
    assert cell("a|b <c> `d|e`") == "a\\|b &lt;c&gt; `d|e`"
    assert code("x") == "`x`"
    assert table(("a", "b"), [(1, 2)]) == "| a | b |\n|---|---|\n| 1 | 2 |"
