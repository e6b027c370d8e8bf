"""Section import: `replay import` throughput on one core, beside reading + orjson.loads alone.

    section = run(ctx)

Runs `bench.importers.run` (10,000 generated files per format; 300 in the smoke profile) with
each measurement pinned to the generator core, once per repeat. Figures per format: the
import's messages/s and, as the reference measured in the same run, the messages/s of only
reading the same files and parsing them with orjson; the import's peak RSS and how much it grew
during the import. Target (issue 11): at least 100,000 messages/s for Contact Lens files.
"""

from __future__ import annotations

from bench.context import Context
from bench.importers import run as measure
from bench.results import Figure, Section, Target

FILES = {"full": 10_000, "quick": 10_000, "smoke": 300}
FORMATS = {"contact_lens": ("Contact Lens", 100_000), "transcribe": ("Transcribe standard", None)}


def run(ctx: Context) -> Section:
    files = FILES[ctx.profile.name]
    measured = [measure(files, core=ctx.generator_core) for _ in range(ctx.profile.repeats)]
    return Section(name="import", status="ok",
                   figures=tuple(import_figures(measured, judged=ctx.profile.judged)),
                   details={"setup": f"{files:,} files per format, one core "
                                     f"({ctx.generator_core}), {len(measured)} time(s)",
                            "runs": measured})


def import_figures(measured: list[dict], *, judged: bool) -> list[Figure]:
    """Per format: import and reference msg/s, peak and grown memory; the goal when `judged`."""
    figures = []
    for key, (name, goal) in FORMATS.items():
        runs = [m[key] for m in measured]
        target = Target(op=">=", value=goal) if goal and judged else None
        for field, label, unit, better, field_target in (
            ("import_mps", f"Import, {name}: replay import", "msg/s", "higher", target),
            ("reference_mps", f"Import, {name}: read + orjson.loads only (reference)",
             "msg/s", "higher", None),
            ("import_peak_rss_mib", f"Import, {name}: peak memory", "MiB", "lower", None),
            ("import_growth_mib", f"Import, {name}: memory grown during the import", "MiB",
             "lower", None),
        ):
            figures.append(Figure(key=f"import.{key}.{field}", label=label, unit=unit,
                                  better=better, samples=tuple(float(r[field]) for r in runs),
                                  target=field_target))
    return figures
