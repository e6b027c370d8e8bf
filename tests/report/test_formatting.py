"""How numbers read in the report and the comparison."""

from __future__ import annotations

import pytest

from replay.report.formatting import show


@pytest.mark.parametrize(
    ("value", "kind", "text"),
    [
        (12.345, "ms", "12.3 ms"),
        (0.4372, "ms", "0.437 ms"),
        (5000.0, "ms", "5,000 ms"),
        (3.0, "ms", "3 ms"),
        (0.0042, "share", "0.42%"),
        (1.0, "share", "100%"),
        (3000, "int", "3,000"),
        (70.83, "number", "70.8"),
        (125.0, "s", "125 s"),
        (None, "ms", "–"),
        (float("nan"), "number", "–"),
        (True, "text", "yes"),
        ("http_503", "text", "http_503"),
    ],
)
def test_show_formats_each_kind(value, kind, text):
    assert show(value, kind) == text
