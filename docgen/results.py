"""Reference pages of what a run leaves behind: its files' schemas, and its exit codes.

    render_outputs() -> str      # summary.json and outcomes.parquet, from replay.results.schema
    render_exit_codes() -> str   # from replay.exit_codes.ExitCode, the one table in the code

replay.results.schema is checked against the writers by the tests, so these pages say what the
files hold.
"""

from __future__ import annotations

from docgen.markdown import cell, code, table


def render_outputs() -> str:
    from replay.results.schema import (
        LATENCY_STATS,
        OUTCOME_COLUMNS,
        REASONS,
        SERIES_FIELDS,
        SUMMARY_FIELDS,
    )
    from replay.results.summary import SCHEMA as SUMMARY_SCHEMA
    from replay.results.verdict import COUNT_METRICS, LATENCY_METRICS, RATIO_METRICS

    columns = [(code(c.name), code(_arrow_type(c.type)), cell(c.meaning))
               for c in OUTCOME_COLUMNS]
    reasons = [(code(r.name), r.outcome, cell(r.meaning)) for r in REASONS]
    fields = [(code(f.path), cell(f.type), cell(f.meaning + (" (not in every run)"
                                                              if f.optional else "")))
              for f in SUMMARY_FIELDS]
    series = [(code(f.path), cell(f.type), cell(f.meaning)) for f in SERIES_FIELDS]
    metrics = [
        (", ".join(code(m) for m in RATIO_METRICS), "shares: `%`, or a fraction from 0 to 1"),
        (", ".join(code(m) for m in COUNT_METRICS), "message counts"),
        (", ".join(code(m) for m in LATENCY_METRICS), "milliseconds (`ms`, the default) or "
         "seconds (`s`)"),
    ]
    return "\n".join([
        "# Run outputs: summary.json and outcomes.parquet",
        "",
        "Generated from the package's description of the two files when this site was built; "
        "the test suite checks that description against what the run writes. Every run "
        "writes both to `reports/<run-id>/`; [the report](../guides/report.md) explains the "
        "measures, [comparing runs](../guides/compare.md) reads them back.",
        "",
        f"## summary.json (`\"schema\": \"{SUMMARY_SCHEMA}\"`)",
        "",
        "The run in numbers, as indented JSON. Paths use dots for nested objects and `[]` "
        "for the items of a list. Latency statistics are objects with the keys "
        + ", ".join(code(s) for s in LATENCY_STATS) + ".",
        "",
        table(("field", "type", "meaning"), fields),
        "",
        "### Metrics of `--fail-on` thresholds",
        "",
        "`verdict.thresholds[].metric` is one of these (latency metrics without a prefix are "
        "service time; `sched_` is latency from schedule, `lag_` schedule lag):",
        "",
        table(("metrics", "unit"), metrics),
        "",
        "## outcomes.parquet",
        "",
        "One row per planned message, Parquet with zstd compression and dictionary-encoded "
        "string columns. Times are seconds on the run clock (seconds after the run's start "
        "`run.t0_epoch_s`).",
        "",
        table(("column", "type", "meaning"), columns),
        "",
        "### Reasons",
        "",
        table(("reason", "outcome", "meaning"), reasons),
        "",
        "## series.json",
        "",
        "`\"schema\": \"replay-series/1\"`. What the report draws, aggregated from the "
        "outcome rows as they are written (never holding them all), so `replay report` "
        "reads this small file instead of "
        "outcomes.parquet. Run directories written before it existed have no series.json; "
        "the report then reads outcomes.parquet.",
        "",
        table(("field", "type", "meaning"), series),
        "",
    ])


def render_exit_codes() -> str:
    from replay.exit_codes import ExitCode

    rows = [(code(int(member)), code(member.name), cell(member.meaning)) for member in ExitCode]
    return "\n".join([
        "# Exit codes",
        "",
        "Generated from the one table in the code (`replay/exit_codes.py`) when this site was "
        "built. `replay run`, the locustfile (`locust -f locustfile.py ...`) and every other "
        "sub-command exit with these; a process ended by a signal N exits with 128 + N.",
        "",
        table(("code", "name", "meaning"), rows),
        "",
    ])


def _arrow_type(arrow_type: object) -> str:
    text = str(arrow_type)
    return "dictionary<string>" if text.startswith("dictionary<values=string") else text
