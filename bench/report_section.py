"""Section report: `replay report`'s time and peak memory from series.json vs outcomes.parquet.

    section = run(ctx)

Makes one synthetic run directory over one hour (2,000,000 messages; 1,000,000 with --quick;
100,000 with --smoke; bench/report_run.py) and builds its report.html in a fresh process pinned
to the generator core, once from series.json (how every run is reported now) and once from
outcomes.parquet alone (the reference: a run directory written before series.json existed,
the only way before). Goal (issue 13): the report of a huge run in well under 1 GiB and a minute,
so the series figures must not grow with the run.

Then series.json's own making (bench/series_run.py), each build in a fresh process on the
generator core: a `SeriesBuilder` fed 1,000,000 short calls (500,000 with --quick, 20,000 with
--smoke) in due order, once with each row's last-of-call flag (how a run feeds it: a call's
numbers are dropped once its rows are in) and once without (the reference: every call kept to
the end, as before). Goal: the builder's memory follows the calls in flight, not the run's.
"""

from __future__ import annotations

import sys

from bench.context import Context
from bench.replay_run import REPO
from bench.results import Figure, Section

TIMEOUT_S = 900
MESSAGES = {"full": 2_000_000, "quick": 1_000_000, "smoke": 100_000}
SOURCES = {"series": "from series.json", "outcomes": "from outcomes.parquet (reference)"}
SERIES_CALLS = {"full": 1_000_000, "quick": 500_000, "smoke": 20_000}
BUILDS = {"closed": ("each call dropped as it ends", []),
          "kept": ("every call kept to the end (reference)", ["--keep-calls"])}


def run(ctx: Context) -> Section:
    messages = MESSAGES[ctx.profile.name]
    run_dir = ctx.run_dir / "report-run"
    _child(ctx, "report-make", ["--make", str(run_dir), "--messages", str(messages)])
    measured = [
        {source: _child(ctx, f"report-{source}-{repeat}",
                        ["--build", str(run_dir if source == "series" else
                                        f"{run_dir}-outcomes")])
         for source in SOURCES}
        for repeat in range(ctx.profile.repeats)
    ]
    figures = tuple(
        Figure(key=f"report.{source}.{field}", label=f"replay report, {label}: {text}",
               unit=unit, better="lower",
               samples=tuple(float(one[source][field]) for one in measured))
        for source, label in SOURCES.items()
        for field, text, unit in (("seconds", "time", "s"), ("peak_rss_mib", "peak RSS", "MiB"))
    )
    calls = SERIES_CALLS[ctx.profile.name]
    built = [
        {mode: _child(ctx, f"series-{mode}-{repeat}", ["--calls", str(calls), *args],
                      module="bench.series_run")
         for mode, (_, args) in BUILDS.items()}
        for repeat in range(ctx.profile.repeats)
    ]
    figures += tuple(
        Figure(key=f"report.series_build.{mode}.{field}",
               label=f"series.json of {calls:,} calls, {label}: {text}", unit=unit,
               better="lower", samples=tuple(float(one[mode][field]) for one in built))
        for mode, (label, _) in BUILDS.items()
        for field, text, unit in (("seconds", "time", "s"), ("peak_rss_mib", "peak RSS", "MiB"),
                                  ("peak_calls_held", "calls held at most", "calls"))
    )
    setup = (f"python -m bench.report_run --make DIR --messages {messages}, then --build DIR "
             f"and --build DIR-outcomes on core {ctx.generator_core}, {len(measured)} time(s); "
             f"python -m bench.series_run --calls {calls} with and without --keep-calls, "
             f"{len(built)} time(s)")
    return Section(name="report", status="ok", figures=figures,
                   details={"setup": setup, "messages": messages, "runs": measured,
                            "series_calls": calls, "series_builds": built})


def _child(ctx: Context, name: str, args: list[str],
           module: str = "bench.report_run") -> dict | None:
    child = ctx.procs.start(name, [sys.executable, "-m", module, *args],
                            core=ctx.generator_core, cwd=REPO)
    return child.result(TIMEOUT_S)
