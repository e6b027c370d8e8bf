"""Compare two runs' summaries: what changed, and which changes are regressions.

    settings = CompareSettings(tolerance=parse_tolerance("10%"), min_delta_ms=1.0)
    comparison = compare_summaries(summary_a, summary_b, settings)
    print(format_text(comparison)); comparison.regressions; render_html(comparison)

In: two `summary.json` dicts (schema replay-summary/1), A the baseline, B the candidate.
Out: a `Comparison`, one `Difference` per metric. A metric with a direction regresses when B is
worse than A by more than `tolerance` × |A|, and by more than a floor that keeps noise on tiny
values from failing CI: `min_delta_ms` for latencies, 0.1 percentage point for shares.

| metric | better |
|---|---|
| achieved rate, achieved / intended | higher |
| error rate (failed / sent), unsent share (unsent / planned) | lower |
| lag, service time, from schedule: p50 p90 p95 p99 p99.9 | lower |
| verdict | passed: a pass that became a fail is a regression |
| max latencies, message counts | shown, never a regression |

Warnings say when the runs are not like for like: different dataset, speed, planned messages,
host or worker count, or a partial run.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlsplit

from replay.errors import ConfigError
from replay.report.formatting import show
from replay.report.render import render

SHARE_FLOOR = 0.001
LATENCY_SOURCES = (("lag", "schedule lag"), ("service", "service time"),
                   ("from_schedule", "from schedule"))
FLAGGED_STATS = ("p50", "p90", "p95", "p99", "p99_9")
LOOPBACK = ("127.0.0.1", "localhost", "::1")
COUNTS = ("planned", "sent", "accepted", "failed", "unsent")


@dataclass(frozen=True, kw_only=True)
class CompareSettings:
    tolerance: float = 0.10
    min_delta_ms: float = 1.0


@dataclass(frozen=True, kw_only=True)
class Difference:
    metric: str
    kind: str  # a replay.report.formatting kind: ms, share, number, int, text
    a: Any
    b: Any
    better: str | None  # "higher", "lower" or None (informational)
    regression: bool

    @property
    def change(self) -> str:
        """B relative to A: a percentage, or an absolute change when A is zero or not a number."""
        if not _is_number(self.a) or not _is_number(self.b):
            return "" if self.a == self.b else "changed"
        if self.a == self.b:
            return "="
        if self.a == 0:
            return "new" if self.kind != "share" else f"+{(self.b - self.a) * 100:.3g} pp"
        return f"{(self.b - self.a) / abs(self.a) * 100:+.1f}%"


@dataclass(frozen=True, kw_only=True)
class Comparison:
    label_a: str
    label_b: str
    settings: CompareSettings
    differences: tuple[Difference, ...]
    warnings: tuple[str, ...]

    @property
    def regressions(self) -> tuple[Difference, ...]:
        return tuple(difference for difference in self.differences if difference.regression)


def parse_tolerance(text: str) -> float:
    """'10%' -> 0.10, '0.1' -> 0.10; anything else is a ConfigError."""
    match = re.fullmatch(r"\s*([0-9]*\.?[0-9]+)\s*(%?)\s*", text or "")
    if not match:
        raise ConfigError(f"--tolerance {text!r}: write a percentage such as 10% or a fraction "
                          "such as 0.1")
    value = float(match[1])
    if match[2]:
        value /= 100.0
    elif value >= 1:
        raise ConfigError(f"--tolerance {text!r}: a bare number is a fraction below 1; for "
                          f"{value:g} percent write {value:g}%")
    return value


def compare_summaries(a: dict[str, Any], b: dict[str, Any],
                      settings: CompareSettings) -> Comparison:
    def metric(name: str, kind: str, value_a: Any, value_b: Any, better: str | None) -> Difference:
        return Difference(metric=name, kind=kind, a=value_a, b=value_b, better=better,
                          regression=_regressed(value_a, value_b, kind, better, settings))

    rates_a, rates_b = a.get("rates") or {}, b.get("rates") or {}
    rows = [
        metric("achieved rate, msg/s", "number", rates_a.get("achieved_mps"),
               rates_b.get("achieved_mps"), "higher"),
        metric("intended rate, msg/s", "number", rates_a.get("intended_mps"),
               rates_b.get("intended_mps"), None),
        metric("achieved / intended", "share", _achieved_ratio(a), _achieved_ratio(b), "higher"),
        metric("error rate (failed / sent)", "share", _share(a, "failed", "sent"),
               _share(b, "failed", "sent"), "lower"),
        metric("unsent share (unsent / planned)", "share", _share(a, "unsent", "planned"),
               _share(b, "unsent", "planned"), "lower"),
    ]
    for source, label in LATENCY_SOURCES:
        stats_a = (a.get("latency_ms") or {}).get(source) or {}
        stats_b = (b.get("latency_ms") or {}).get(source) or {}
        for stat in (*FLAGGED_STATS, "max"):
            rows.append(metric(f"{label} {stat.replace('_', '.')}", "ms", stats_a.get(stat),
                               stats_b.get(stat), "lower" if stat in FLAGGED_STATS else None))
    for name in COUNTS:
        rows.append(metric(f"messages {name}", "int", (a.get("counts") or {}).get(name),
                           (b.get("counts") or {}).get(name), None))
    rows.append(metric("verdict", "text", _verdict(a), _verdict(b), "passed"))
    return Comparison(label_a=_label(a, "A"), label_b=_label(b, "B"), settings=settings,
                      differences=tuple(rows), warnings=_workload_warnings(a, b))


def format_text(comparison: Comparison) -> str:
    """A fixed-width table of every metric, regressions marked, and a closing line."""
    header = ("metric", f"A: {comparison.label_a}", f"B: {comparison.label_b}", "change", "")
    lines = [header]
    for row in comparison.differences:
        lines.append((row.metric, show(row.a, row.kind), show(row.b, row.kind), row.change,
                      "REGRESSION" if row.regression else ""))
    widths = [max(len(line[column]) for line in lines) for column in range(4)]
    text = [
        "  ".join([line[0].ljust(widths[0]), *(cell.rjust(width) for cell, width in
                                               zip(line[1:4], widths[1:], strict=True)),
                   line[4]]).rstrip()
        for line in lines
    ]
    text += [f"warning: {warning}" for warning in comparison.warnings]
    text.append(_conclusion(comparison))
    return "\n".join(text)


def render_html(comparison: Comparison) -> str:
    """A small static page (no script) with the same table, regressions highlighted."""
    return render("compare.html.j2", comparison=comparison, conclusion=_conclusion(comparison))


def _regressed(a: Any, b: Any, kind: str, better: str | None, settings: CompareSettings) -> bool:
    if better == "passed":  # the verdict: worse is a pass that became a fail
        return a == "passed" and b == "failed"
    if better is None or not _is_number(a) or not _is_number(b):
        return False
    floor = settings.min_delta_ms if kind == "ms" else SHARE_FLOOR if kind == "share" else 0.0
    allowed = max(settings.tolerance * abs(a), floor)
    worse_by = b - a if better == "lower" else a - b
    return worse_by > allowed


def _conclusion(comparison: Comparison) -> str:
    tolerance = f"{comparison.settings.tolerance * 100:g}%"
    found = len(comparison.regressions)
    if found:
        return f"{found} regression(s) beyond the {tolerance} tolerance"
    return f"no regression beyond the {tolerance} tolerance"


def _achieved_ratio(summary: dict[str, Any]) -> float | None:
    rates = summary.get("rates") or {}
    achieved, intended = rates.get("achieved_mps"), rates.get("intended_mps")
    if not (_is_number(achieved) and _is_number(intended) and intended):
        return None
    return achieved / intended


def _share(summary: dict[str, Any], part: str, whole: str) -> float | None:
    counts = summary.get("counts") or {}
    total = counts.get(whole)
    return (counts.get(part) or 0) / total if _is_number(total) and total else None


def _verdict(summary: dict[str, Any]) -> str:
    passed = (summary.get("verdict") or {}).get("passed")
    return "passed" if passed else "failed" if passed is False else "–"


def _label(summary: dict[str, Any], fallback: str) -> str:
    return str((summary.get("run") or {}).get("id") or fallback)


def _workload_warnings(a: dict[str, Any], b: dict[str, Any]) -> tuple[str, ...]:
    warnings = []
    for section, key, what in (("dataset", "path", "dataset"), ("options", "speed", "speed"),
                               ("counts", "planned", "planned messages"),
                               ("run", "host", "host"), ("run", "workers", "worker count")):
        value_a, value_b = (a.get(section) or {}).get(key), (b.get(section) or {}).get(key)
        same = (_host_identity(value_a) == _host_identity(value_b) if key == "host"
                else value_a == value_b)
        if not same:
            warnings.append(f"the runs differ in {what} ({value_a} vs {value_b}): "
                            "not a like-for-like comparison")
    for label, summary in (("A", a), ("B", b)):
        if (summary.get("run") or {}).get("partial"):
            warnings.append(f"run {label} is partial: it stopped before its plan ended")
    return tuple(warnings)


def _host_identity(host: Any) -> str:
    """A host URL, but any loopback address and port as one: a local mock on a fresh port."""
    parts = urlsplit(str(host or ""))
    if parts.hostname in LOOPBACK:
        return f"{parts.scheme}://loopback{parts.path.rstrip('/')}"
    return str(host or "").rstrip("/")


def _is_number(value: Any) -> bool:
    return isinstance(value, int | float) and not isinstance(value, bool)
