"""Section 4, data: runs helper `bench.data.run(quick)` in its own process, turns it into figures.

    section = run(ctx)

`bench/data.py` (the dataset's own benchmark) measures loading, validating and planning one
million messages from Parquet and from CSV. It runs in a fresh interpreter pinned to the
generator core, so its peak-memory figures are its own and not this process's.
"""

from __future__ import annotations

import importlib.util
import json
import sys

from bench.context import Context
from bench.replay_run import REPO
from bench.results import Figure, Section, Target
from bench.target import ComponentMissing

TIMEOUT_S = 600
SCRIPT = ("import json, sys\nfrom bench.data import run\n"
          "print('BENCH_JSON ' + json.dumps(run(quick=sys.argv[1] == 'quick')))\n")


def run(ctx: Context) -> Section:
    if importlib.util.find_spec("bench.data") is None:
        raise ComponentMissing("the data benchmark (bench/data.py) is not in the tree yet")
    quick = "quick" if ctx.profile.data_quick else "full"
    child = ctx.procs.start("data", [sys.executable, "-c", SCRIPT, quick],
                            core=ctx.generator_core, cwd=REPO)
    if child.wait(TIMEOUT_S) != 0:
        raise child.failure("did not finish cleanly")
    for line in child.log_path.read_text(errors="replace").splitlines():
        if line.startswith("BENCH_JSON "):
            measured = json.loads(line.removeprefix("BENCH_JSON "))
            break
    else:
        raise child.failure("printed no result")
    figures = tuple(data_figures(measured))
    if not figures:
        raise ValueError(f"bench.data.run() gave no figure this section knows: keys "
                         f"{sorted(measured)}")
    return Section(name="data", status="ok", figures=figures,
                   details={"setup": f"bench.data.run(quick={quick == 'quick'}) on core "
                                     f"{ctx.generator_core}", "measured": measured})


def data_figures(measured: dict) -> list[Figure]:
    """Figures from the numbers bench.data.run() reports (see that module for its keys)."""
    figures = []
    for key, value in _numbers(measured):
        figures.append(Figure(key=f"data.{key}", label=f"Data: {key}", unit=_unit(key),
                              better="lower", samples=(float(value),), target=_target(key)))
    return figures


def _numbers(tree: dict, prefix: str = ""):
    for key, value in tree.items():
        if isinstance(value, dict):
            yield from _numbers(value, f"{prefix}{key}.")
        elif isinstance(value, int | float) and not isinstance(value, bool):
            yield f"{prefix}{key}", value


def _unit(key: str) -> str:
    if key.endswith("_s"):
        return "s"
    if key.endswith("_mib"):
        return "MiB"
    if key.endswith(("_bytes", "bytes_per_message")):
        return "B"
    return ""


def _target(key: str) -> Target | None:
    return None
