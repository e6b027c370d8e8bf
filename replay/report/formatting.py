"""How the report and the comparison show numbers: one place, so both read the same.

    show(12.345, "ms") -> "12.3 ms"
    show(0.0042, "share") -> "0.42%"
    show(3000, "int") -> "3,000"
    show(72.4, "duration") -> "1m 12s"     (replay.results.units.format_duration)
"""

from __future__ import annotations

import math
from typing import Any

from replay.results.units import format_duration


def show(value: Any, kind: str = "text") -> str:
    """`value` as text for a cell of kind text, int, ms, s, duration, share, rate or number."""
    if value is None or (isinstance(value, float) and not math.isfinite(value)):
        return "–"
    if kind == "int":
        return f"{int(value):,}"
    if kind == "ms":
        return f"{_number(float(value))} ms"
    if kind == "s":
        return f"{_number(float(value))} s"
    if kind == "duration":
        return format_duration(float(value))
    if kind == "share":
        return f"{float(value) * 100:.3g}%"
    if kind == "rate":
        return f"{_number(float(value))}/s"
    if kind == "number":
        return _number(float(value))
    if isinstance(value, bool):
        return "yes" if value else "no"
    return str(value)


def _number(value: float) -> str:
    """Three significant digits for small numbers, whole numbers with separators for large."""
    if abs(value) >= 1000:
        return f"{value:,.0f}"
    if value == int(value):
        return f"{int(value)}"
    return f"{value:.3g}"
