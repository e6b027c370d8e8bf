"""Defaults written in the documentation's option tables are the code's defaults.

A row such as "| `--timeout SECONDS` | 30 | ..." in README.md or a docs/ page must state the
default argparse has for that flag in some command that defines it (`--speed` is 300 for
`replay run` and 1 for the locustfile). Defaults the code computes at run time (argparse
no default: "the UTC start time", "`RUN_B/compare.html`") and descriptive ones are not checked.
"""

from __future__ import annotations

import argparse
import re

import pytest

from docgen.commands import locust_options, stated_default, subcommands
from tests.documentation import PAGES

# `--flag` or `--flag METAVAR` (one word), maybe "or `other`", then the default cell
ROW = re.compile(r"^\|\s*`(--[a-z0-9-]+)(?: [^` ]+)?`(?:\s+or\s+`[^`]*`)?\s*\|\s*([^|]*?)\s*\|")
NO_DEFAULT = {"none", "off", "(required)", "all", "—", "any"}


def _actions() -> dict[str, list[argparse.Action]]:
    found: dict[str, list[argparse.Action]] = {}
    parsers_actions = [parser._actions for parser in subcommands().values()]
    for action in [a for actions in parsers_actions for a in actions] + locust_options():
        for flag in action.option_strings:
            found.setdefault(flag, []).append(action)
    return found


def _rows() -> list[tuple[str, str, str]]:
    rows = []
    for page in PAGES:
        for line in page.read_text(encoding="utf-8").splitlines():
            match = ROW.match(line)
            if match:
                rows.append((page.name, match.group(1), match.group(2)))
    return rows


def _matches(written: str, action: argparse.Action) -> bool:
    default = stated_default(action)
    if written.lower() in NO_DEFAULT:
        return default is None or default.lower() in NO_DEFAULT or action.required
    if default is None or " " in default:
        return True  # computed at run time or described in words; the page describes it
    if default == written:
        return True
    try:
        return float(default) == float(written)
    except ValueError:
        return False


ACTIONS = _actions()


@pytest.mark.parametrize(("page", "flag", "written"), _rows())
def test_a_documented_default_is_the_codes_default(page, flag, written):
    value = re.sub(r"\s*\(.*\)$", "", written.replace("`", "")).strip()
    if flag not in ACTIONS or not value or (" " in value and value.lower() not in NO_DEFAULT):
        pytest.skip("not a flag of replay, or a descriptive default")
    assert any(_matches(value, action) for action in ACTIONS[flag]), (
        f"{page}: {flag} is documented with default {written!r}; the code says "
        f"{[stated_default(action) for action in ACTIONS[flag]]}")
