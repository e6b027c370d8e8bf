"""replay.options: a frozen dataclass as the option registry of a program."""

from __future__ import annotations

import argparse
from dataclasses import dataclass

import configargparse
import pytest

from replay.errors import ConfigError
from replay.options import (
    add_arguments,
    build,
    described,
    given_arguments,
    number,
    option,
    reference,
    whole,
)


@dataclass(frozen=True, kw_only=True)
class Example:
    rate: float = option(2.5, flag="--rate", metavar="N", parse=number(0), help="how fast")
    count: int | None = option(flag="--count", metavar="N", parse=whole(1), help="how many",
                               default_text="all of them")
    mode: str = option("a", flag="--mode", choices=("a", "b"), help="which mode")
    tag: tuple[str, ...] = option((), flag="--tag", repeatable=True, help="labels")
    loud: bool = option(False, flag="--loud", switch=True, help="shout")
    secret: str | None = option(flag="--secret", shown=False, help="not in summaries")
    not_an_option: int = 7


def parse(argv: list[str], parser=None, **kwargs) -> argparse.Namespace:
    parser = parser or argparse.ArgumentParser()
    add_arguments(parser, Example, **kwargs)
    return parser.parse_args(argv)


def test_options_not_given_take_the_fields_defaults():
    assert build(Example, parse([])) == Example()


def test_given_text_is_parsed_into_the_fields_type():
    config = build(Example, parse(["--rate", "4", "--count", "3", "--mode", "b", "--tag", "x",
                                   "--tag", "y", "--loud"]))
    assert (config.rate, config.count, config.mode, config.tag, config.loud) == (
        4.0, 3, "b", ("x", "y"), True)


@pytest.mark.parametrize(
    ("argv", "message"),
    [
        (["--rate", "fast"], "--rate must be a number, got 'fast'"),
        (["--rate", "-1"], "--rate must be at least 0, got -1"),
        (["--rate", "nan"], "--rate must be a finite number, got 'nan'"),
        (["--count", "1.5"], "--count must be a whole number, got '1.5'"),
        (["--count", "0"], "--count must be at least 1, got 0"),
    ],
)
def test_a_bad_value_is_a_config_error_naming_the_flag(argv, message):
    with pytest.raises(ConfigError) as error:
        build(Example, parse(argv))
    assert str(error.value) == message


def test_help_says_each_default():
    parser = argparse.ArgumentParser()
    add_arguments(parser, Example)
    helps = {action.dest: action.help for action in parser._actions}
    assert helps["rate"] == "how fast (default 2.5)"
    assert helps["count"] == "how many (default: all of them)"
    assert helps["loud"] == "shout"


def test_a_program_may_give_its_own_default_as_text():
    assert build(Example, parse([], defaults={"rate": "9"})).rate == 9.0


def test_given_arguments_repeat_only_what_was_given():
    args = parse(["--rate", "4", "--tag", "x", "--tag", "y", "--loud"])
    assert given_arguments(args, Example) == ["--rate", "4", "--tag", "x", "--tag", "y", "--loud"]
    assert given_arguments(parse([]), Example) == []
    assert given_arguments(args, Example, skip=("rate",)) == ["--tag", "x", "--tag", "y", "--loud"]


def test_every_option_is_an_environment_variable_with_the_prefix(monkeypatch):
    monkeypatch.setenv("EX_RATE", "8")
    monkeypatch.setenv("EX_LOUD", "true")
    args = parse([], parser=configargparse.ArgumentParser(), env_prefix="EX_")
    config = build(Example, args)
    assert (config.rate, config.loud) == (8.0, True)


def test_described_shows_the_shown_options_by_field_name():
    assert described(Example(rate=1.0, secret="s")) == {
        "rate": 1.0, "count": None, "mode": "a", "tag": (), "loud": False}


def test_reference_has_one_row_per_option():
    rows = {row["flag"]: row for row in reference(Example, env_prefix="EX_")}
    assert list(rows) == ["--rate", "--count", "--mode", "--tag", "--loud", "--secret"]
    assert rows["--rate"] == {"flag": "--rate", "metavar": "N", "choices": None,
                              "default": "2.5", "env_var": "EX_RATE", "help": "how fast"}
    assert rows["--count"]["default"] == "all of them"
    assert rows["--mode"]["choices"] == ("a", "b")
