"""The guide's table of what is detected is true: every example masks to its placeholder."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from replay.anonymize.detect import Detector

GUIDE = Path(__file__).resolve().parents[2] / "docs" / "guides" / "anonymize.md"


def _examples() -> list[tuple[str, str]]:
    found = []
    for line in GUIDE.read_text(encoding="utf-8").splitlines():
        row = re.match(r"\| `(\[[A-Z]+\])` \|[^|]*\| (.*) \|$", line)
        if not row:
            continue
        placeholder, cell = row.groups()
        for example, shown in re.findall(r"`([^`]+)`(?: \(→ `([^`]+)`\))?", cell):
            found.append((example, shown or placeholder))
    return found


def test_the_guide_lists_examples_of_every_kind():
    kinds = {expected for _, expected in _examples()}
    assert {"[EMAIL]", "[IBAN]", "[CARD]", "[SSN]", "[DATE]", "[PHONE]", "[NUMBER]"} <= kinds


@pytest.mark.parametrize(("example", "expected"), _examples())
def test_each_example_in_the_guide_masks_as_the_guide_says(example, expected):
    assert Detector("US").mask(example)[0] == expected
