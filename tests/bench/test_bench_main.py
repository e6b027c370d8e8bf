"""bench.__main__: the command line of `python -m bench`."""

from __future__ import annotations

from pathlib import Path

import pytest

from bench.__main__ import DEFAULT_SECTIONS, SECTIONS, parse_options


@pytest.mark.parametrize(("argv", "mode", "sections"), [
    ([], "full", DEFAULT_SECTIONS),
    (["--quick"], "quick", DEFAULT_SECTIONS),
    (["--smoke", "--only", "soak"], "smoke", ("soak",)),
    (["--only", "mock, data"], "full", ("mock", "data")),
])
def test_options_choose_the_mode_and_the_sections(argv, mode, sections):
    options = parse_options(argv)
    assert (options.mode, options.sections) == (mode, sections)


def test_soak_is_not_part_of_the_default_run():
    assert "soak" not in DEFAULT_SECTIONS


@pytest.mark.parametrize(("argv", "message"), [
    (["--only", "mock,speed"], "--only: unknown section speed; choose from mock,generator,"),
    (["--only", ","], "--only: unknown section (none given)"),
    (["--quick", "--smoke"], "not allowed with argument"),
])
def test_bad_options_exit_with_a_clear_message(argv, message, capsys):
    with pytest.raises(SystemExit) as exit_info:
        parse_options(argv)
    assert exit_info.value.code == 2
    assert message in capsys.readouterr().err


def test_every_option_and_section_is_in_the_documentation():
    readme = (Path(__file__).resolve().parents[2] / "docs" / "performance.md").read_text()
    for word in ("--quick", "--smoke", "--only", "--results-dir", *SECTIONS):
        assert word in readme, word
