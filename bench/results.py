"""Figures, the results file, the Markdown table, and the comparison with the previous run.

    figure = Figure(key="mock.auth.posts_per_s", label="...", unit="msg/s", better="higher",
                    samples=(31200.0, 30900.0, 31500.0), target=Target(op=">=", value=30000))
    section = Section(name="mock", status="ok", figures=(figure,), details={...})
    path = write_results(results_dir / results_name(started_at, host, mode), document)
    print(markdown_table(document))

The results file (`"schema": "bench-results/1"`):

    {"schema": "bench-results/1", "mode": "full" | "quick" | "smoke", "judged": true,
     "started_at": ISO UTC, "ended_at": ..., "duration_s": ..., "command": "python -m bench ...",
     "machine": {"hostname", "cpu", "cores", "memory_gib", "kernel", "os"},
     "versions": {"python", "locust", "k6", "wrk", ...},
     "sections": {"<name>": {"status": "ok" | "unavailable" | "failed", "why": str | null,
                             "details": {...},
                             "figures": [{"key", "label", "unit", "better": "higher" | "lower",
                                          "samples": [...], "median", "min", "max",
                                          "spread": (max - min) / median,
                                          "target": {"op": ">=" | "<=", "value"} | null,
                                          "passed": bool | null}]}},
     "contention": {"server_core": share, "generator_core": share},
     "comparison": {"previous": [file names],
                    "figures": [{"key", "label", "unit", "file", "previous", "current",
                                 "change": relative, "noise": relative,
                                 "regression": bool | null}]}}

A figure's samples are its repeats (or one value); "passed" is null when it has no target or
the mode does not judge speed (smoke). Each figure is compared with the latest earlier
results file of the same mode that has it: a regression is a change in the worse direction
larger than the noise seen across repeats in either run (the larger spread, at least 2%); it is
null (not judged) when neither run repeated the figure, and in smoke runs.
"""

from __future__ import annotations

import datetime as dt
import json
import re
import statistics
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path

from replay.atomic import write_atomically

SCHEMA = "bench-results/1"
NOISE_FLOOR = 0.02


@dataclass(frozen=True, kw_only=True)
class Target:
    op: str  # ">=" or "<="
    value: float

    def met_by(self, value: float) -> bool:
        return value >= self.value if self.op == ">=" else value <= self.value

    def text(self, unit: str) -> str:
        return f"{'≥' if self.op == '>=' else '≤'} {format_value(self.value, unit)}"


@dataclass(frozen=True, kw_only=True)
class Figure:
    key: str
    label: str
    unit: str
    better: str  # "higher" or "lower"
    samples: tuple[float, ...]
    target: Target | None = None

    @property
    def median(self) -> float:
        return statistics.median(self.samples)

    @property
    def spread(self) -> float:
        median = self.median
        return (max(self.samples) - min(self.samples)) / abs(median) if median else 0.0

    def to_json(self, *, judged: bool) -> dict:
        passed = self.target.met_by(self.median) if self.target and judged else None
        return {"key": self.key, "label": self.label, "unit": self.unit, "better": self.better,
                "samples": [round(s, 4) for s in self.samples], "median": round(self.median, 4),
                "min": round(min(self.samples), 4), "max": round(max(self.samples), 4),
                "spread": round(self.spread, 4),
                "target": {"op": self.target.op, "value": self.target.value}
                if self.target else None,
                "passed": passed}


@dataclass(frozen=True, kw_only=True)
class Section:
    name: str
    status: str  # "ok", "unavailable" or "failed"
    why: str | None = None
    figures: tuple[Figure, ...] = ()
    details: dict = field(default_factory=dict)

    def to_json(self, *, judged: bool) -> dict:
        return {"status": self.status, "why": self.why, "details": self.details,
                "figures": [f.to_json(judged=judged) for f in self.figures]}


def unavailable(name: str, why: str) -> Section:
    return Section(name=name, status="unavailable", why=why)


def format_value(value: float, unit: str) -> str:
    if unit == "x":
        return f"{value:.2f}×"
    if unit in ("msg/s", "B"):
        return f"{value:,.0f} {unit}"
    if unit == "MiB":
        return f"{value:,.0f} MiB"
    if unit == "MiB/h":
        return f"{value:+,.1f} MiB/h"
    text = f"{value:.3g}" if abs(value) < 100 else f"{value:,.0f}"
    return f"{text} {unit}".strip()


def markdown_table(document: dict) -> str:
    """The figures as a Markdown table: figure, value (median, spread, repeats), target, result."""
    rows = ["| figure | value | target | result |", "|---|---|---|---|"]
    for name, section in document["sections"].items():
        if section["status"] != "ok":
            why = (section["why"] or "").strip().splitlines()[:1] or [""]
            rows.append(f"| {name} | {section['status']}: {why[0].replace('|', '/')} | | |")
            continue
        for fig in section["figures"]:
            value = format_value(fig["median"], fig["unit"])
            if len(fig["samples"]) > 1:
                value += f" (±{fig['spread'] * 50:.0f}%, n={len(fig['samples'])})"
            target = ""
            if fig["target"]:
                target = Target(**fig["target"]).text(fig["unit"])
            result = {True: "pass", False: "**FAIL**", None: ""}[fig["passed"]]
            if fig["target"] and not document["judged"]:
                result = "not judged"
            rows.append(f"| {fig['label']} | {value} | {target} | {result} |")
    return "\n".join(rows)


def results_name(started_at: str, hostname: str, mode: str) -> str:
    """`2026-11-25T180512Z-vm.json`; quick and smoke runs add `-quick` / `-smoke`."""
    stamp = dt.datetime.fromisoformat(started_at).astimezone(dt.UTC).strftime("%Y-%m-%dT%H%M%SZ")
    host = re.sub(r"[^A-Za-z0-9_.-]", "_", hostname) or "host"
    suffix = "" if mode == "full" else f"-{mode}"
    return f"{stamp}-{host}{suffix}.json"


def compare(current: dict, earlier: list[tuple[str, dict]]) -> dict:
    """Each figure against its value in the latest earlier results file that has it.

    `earlier`: (file name, results document) of the same mode, the most recent first. Returns
    {"previous": [file names used], "figures": [{"key", "label", "unit", "file", "previous",
    "current", "change", "noise", "regression"}]}.
    """
    latest: dict[str, tuple[str, dict]] = {}
    for name, doc in reversed(earlier):
        for key, fig in _figures(doc):
            latest[key] = (name, fig)
    rows = []
    for key, fig in _figures(current):
        if key not in latest or not latest[key][1]["median"]:
            continue
        name, before = latest[key]
        change = (fig["median"] - before["median"]) / abs(before["median"])
        worse = -change if fig["better"] == "higher" else change
        noise = max(fig["spread"], before["spread"], NOISE_FLOOR)
        repeated = len(fig["samples"]) > 1 or len(before["samples"]) > 1
        judged = current.get("judged", True) and repeated
        rows.append({"key": key, "label": fig["label"], "unit": fig["unit"], "file": name,
                     "previous": before["median"], "current": fig["median"],
                     "change": round(change, 4), "noise": round(noise, 4),
                     "regression": worse > noise if judged else None})
    return {"previous": sorted({row["file"] for row in rows}), "figures": rows}


def comparison_text(comparison: dict) -> str:
    if not comparison["figures"]:
        return "No earlier results of this mode with these figures to compare with."
    regressions = [row for row in comparison["figures"] if row["regression"]]
    unjudged = sum(row["regression"] is None for row in comparison["figures"])
    lines = [f"Compared with {', '.join(comparison['previous'])}: "
             f"{len(comparison['figures'])} figures, "
             f"{len(regressions)} regressed beyond the noise"
             + (f", {unjudged} not judged (no repeats, or a smoke run)." if unjudged else ".")]
    for row in regressions:
        lines.append(f"- REGRESSION {row['label']}: {format_value(row['previous'], row['unit'])}"
                     f" -> {format_value(row['current'], row['unit'])} ({row['change']:+.0%}, "
                     f"noise {row['noise']:.0%})")
    return "\n".join(lines)


def contention(document: dict) -> dict[str, float]:
    """The largest share of a pinned core that other processes took during any measurement.

    Read from the `others_on_server_core` / `others_on_generator_core` values in the sections'
    details; {"server_core": 0.4, "generator_core": 0.1}, only the cores that were measured."""
    found: dict[str, float] = {}

    def walk(node: object) -> None:
        if isinstance(node, dict):
            for key, value in node.items():
                if key.startswith("others_on_") and isinstance(value, int | float):
                    core = key.removeprefix("others_on_")
                    found[core] = max(found.get(core, 0.0), round(float(value), 3))
                else:
                    walk(value)
        elif isinstance(node, list):
            for item in node:
                walk(item)

    walk([section.get("details") for section in document["sections"].values()])
    return found


def contention_text(document: dict) -> str:
    shares = document.get("contention") or {}
    if not shares:
        return ""
    worst = max(shares.values())
    parts = ", ".join(f"{share:.0%} of the {core.replace('_', ' ')}"
                      for core, share in sorted(shares.items()))
    verdict = ("expect better figures on a quiet machine" if worst > 0.1
               else "the pinned cores were quiet")
    return f"Other processes took at most {parts} during a measurement: {verdict}."


def write_results(path: Path, document: dict) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    return write_atomically(path, json.dumps(document, indent=2, sort_keys=False) + "\n")


def _figures(document: dict) -> Iterable[tuple[str, dict]]:
    for section in document.get("sections", {}).values():
        for fig in section.get("figures", []):
            yield fig["key"], fig
