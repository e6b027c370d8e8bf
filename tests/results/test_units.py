"""Numbers for people: durations, latencies, counts, rates."""

from __future__ import annotations

import pytest

from replay.results.units import format_count, format_duration, format_ms, format_rate


@pytest.mark.parametrize(
    ("seconds", "text"),
    [(None, "?"), (float("nan"), "?"), (-3, "0s"), (0.4, "0.4s"), (9.94, "9.9s"), (2.0, "2s"),
     (10, "10s"),
     (59.4, "59s"), (72.4, "1m 12s"), (3599, "59m 59s"), (3600, "1h 00m 00s"),
     (7383, "2h 03m 03s")],
)  # fmt: skip
def test_format_duration(seconds, text):
    assert format_duration(seconds) == text


@pytest.mark.parametrize(
    ("ms", "text"),
    [(None, "-"), (0.0, "0 ms"), (0.0123, "0.012 ms"), (3.14, "3.1 ms"), (12.34, "12.3 ms"),
     (840.4, "840 ms"), (2100.0, "2.1 s"), (59_999.0, "60 s"), (72_000.0, "1m 12s")],
)  # fmt: skip
def test_format_ms(ms, text):
    assert format_ms(ms) == text


@pytest.mark.parametrize(
    ("function", "value", "text"),
    [(format_count, 1234567, "1,234,567"), (format_count, None, "-"),
     (format_rate, 812.4, "812 msg/s"), (format_rate, 8.33, "8.3 msg/s"),
     (format_rate, None, "- msg/s")],
)  # fmt: skip
def test_format_count_and_rate(function, value, text):
    assert function(value) == text
