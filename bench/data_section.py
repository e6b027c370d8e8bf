"""Section 4, data: runs `bench.data.run(quick)` in its own process and turns it into figures.

    section = run(ctx)

`bench/data.py` (the dataset's own benchmark, by the dataset's author) measures loading,
validating and planning one million messages (20,000 with quick=True, used by the smoke
profile only) from Parquet and from CSV, each in a fresh interpreter. It runs here once per
repeat, pinned to the generator core. Figures per format: total seconds, peak RSS and bytes
held per message; the targets (issue 2) are judged only on the million-message run.
"""

from __future__ import annotations

import importlib.util
import sys

from bench.context import Context
from bench.replay_run import REPO
from bench.results import Figure, Section, Target
from bench.target import ComponentMissing

TIMEOUT_S = 600
SCRIPT = ("import json, sys\nfrom bench.data import run\n"
          "print('BENCH_JSON ' + json.dumps(run(quick=sys.argv[1] == 'quick')))\n")
FORMATS = {"parquet": ("Parquet", 2.0), "csv": ("CSV", 4.0)}
MEMORY_LIMIT_MIB = 1024
HELD_LIMIT_BYTES = 400


def run(ctx: Context) -> Section:
    if importlib.util.find_spec("bench.data") is None:
        raise ComponentMissing("the data benchmark (bench/data.py) is not in the tree yet")
    quick = ctx.profile.data_quick
    measured = [_measure_once(ctx, quick=quick, repeat=r) for r in range(ctx.profile.repeats)]
    figures = tuple(data_figures(measured, judged=not quick))
    return Section(name="data", status="ok", figures=figures,
                   details={"setup": f"bench.data.run(quick={quick}) on core "
                                     f"{ctx.generator_core}, {len(measured)} time(s)",
                            "runs": measured})


def data_figures(measured: list[dict], *, judged: bool) -> list[Figure]:
    """Per format: total seconds, peak RSS, bytes per message; targets only when `judged`."""
    figures = []
    for key, (name, seconds_limit) in FORMATS.items():
        runs = [m[key] for m in measured]
        limits = {"total_s": seconds_limit, "peak_rss_mib": MEMORY_LIMIT_MIB,
                  "bytes_per_message": HELD_LIMIT_BYTES}
        for field, label, unit in (
            ("total_s", f"Data, {name}: load + validate + plan", "s"),
            ("peak_rss_mib", f"Data, {name}: peak memory", "MiB"),
            ("bytes_per_message", f"Data, {name}: held per message", "B"),
        ):
            figures.append(Figure(
                key=f"data.{key}.{field}", label=label, unit=unit, better="lower",
                samples=tuple(float(r[field]) for r in runs),
                target=Target(op="<=", value=limits[field]) if judged else None))
    return figures


def _measure_once(ctx: Context, *, quick: bool, repeat: int) -> dict:
    child = ctx.procs.start(f"data-{repeat}", [sys.executable, "-c", SCRIPT,
                                               "quick" if quick else "full"],
                            core=ctx.generator_core, cwd=REPO)
    result = child.result(TIMEOUT_S)
    if result is None:
        raise child.failure("printed no result")
    return result
