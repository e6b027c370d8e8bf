"""Numbers for people: durations, latencies, counts and rates as short console text.

    format_duration(72.4) -> "1m 12s"    format_ms(3.14) -> "3.1 ms"    format_ms(2100) -> "2.1 s"
    format_count(1234) -> "1,234"        format_rate(812.4) -> "812 msg/s"
"""

from __future__ import annotations


def format_duration(seconds: float | None) -> str:
    """The one way durations read: "2.5s" (tenths below 10 s), "42s", "1m 12s", "2h 03m 00s";
    "?" when unknown."""
    if seconds is None or seconds != seconds:
        return "?"
    seconds = max(seconds, 0.0)
    whole = round(seconds)
    if whole < 60:
        return f"{seconds:.1f}".rstrip("0").rstrip(".") + "s" if seconds < 10 else f"{whole}s"
    hours, rest = divmod(whole, 3600)
    minutes, secs = divmod(rest, 60)
    return f"{hours}h {minutes:02d}m {secs:02d}s" if hours else f"{minutes}m {secs:02d}s"


def format_ms(value: float | None) -> str:
    """A latency in ms with 2-3 significant digits; seconds from 1 s; "-" when unmeasured."""
    if value is None:
        return "-"
    if value >= 60_000:
        return format_duration(value / 1000.0)
    if value >= 1000:
        return f"{value / 1000:.3g} s"
    if value >= 100:
        return f"{value:.0f} ms"
    return f"{value:.2g} ms" if value < 10 else f"{value:.3g} ms"


def format_count(value: int | float | None) -> str:
    return "-" if value is None else f"{value:,.0f}"


def format_rate(value: float | None) -> str:
    """Messages per second, whole above 10, one decimal below."""
    if value is None:
        return "- msg/s"
    return f"{value:,.0f} msg/s" if value >= 10 else f"{value:.1f} msg/s"
