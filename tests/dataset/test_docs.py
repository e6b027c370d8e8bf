"""Docs parity: every option of `replay validate` and `replay generate` is in the documentation
(README.md and docs/), and the package exports what its `__all__` promises."""

from __future__ import annotations

import argparse
from pathlib import Path

import pytest

import replay.dataset
from replay.commands import generate, validate
from tests.documentation import documentation_text

REPOSITORY = Path(__file__).resolve().parents[2]
README = documentation_text()


def _options(module) -> list[str]:
    parser = argparse.ArgumentParser()
    module.register(parser.add_subparsers())
    subparser = next(iter(parser._subparsers._group_actions[0].choices.values()))
    return [
        option
        for action in subparser._actions
        for option in action.option_strings
        if option.startswith("--") and option != "--help"
    ]


@pytest.mark.parametrize("module", [validate, generate])
def test_every_option_is_documented(module):
    missing = [option for option in _options(module) if f"`{option}" not in README]
    assert missing == []


def test_the_dataset_guide_documents_the_map_file_and_every_field():
    text = (REPOSITORY / "docs/guides/datasets.md").read_text()
    assert "[columns]" in text
    for field in replay.dataset.FIELDS:
        assert f"`{field}`" in text


def test_the_package_exports_the_public_api_others_build_on():
    public = {"FIELDS", "SENDER_TYPES", "LoadOptions", "SkipReport", "Transcripts",
              "call_partition", "load_column_map_file", "load_transcripts", "parse_column_map",
              "summarise"}  # fmt: skip
    assert set(replay.dataset.__all__) == public
    assert all(hasattr(replay.dataset, name) for name in public)
