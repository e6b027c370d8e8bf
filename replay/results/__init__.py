"""Results of a replay: what happened to each message, and the run in numbers. No Locust here.

    recorder = OutcomeRecorder(len(plan))                 # hot path: sent(), retried(), done()
    recorder.done(i, now_s, status, classify(status, error), attempts)
    table = build_outcomes(identity, worker=0, due_s=plan.due_s, recorder=recorder)
    write_outcomes(run_dir / "outcomes.parquet", table)
    summary = build_summary(run=..., dataset=..., options=..., outcomes=table, skipped=0,
                            mock_stats=None, thresholds=parse_fail_on(args.fail_on))
    write_summary(run_dir / "summary.json", summary)
    print(format_summary(summary))

Distributed: each worker ships `measure_outcomes(table).to_dict()`; the master merges them with
`Measures.merge` and calls `build_summary(measures=...)`. Modules: histogram, recorder,
outcomes, measures, summary, verdict, progress, console, units.
"""

from __future__ import annotations

from replay.results.console import format_summary
from replay.results.histogram import Histogram
from replay.results.measures import Measures, measure_outcomes
from replay.results.outcomes import (
    build_outcomes,
    concat_outcomes,
    read_outcomes,
    write_outcomes,
)
from replay.results.progress import lateness_note, progress_line
from replay.results.recorder import OutcomeRecorder, classify
from replay.results.summary import build_summary, read_summary, write_summary
from replay.results.verdict import Threshold, evaluate, format_verdict, parse_fail_on

__all__ = [
    "Histogram",
    "Measures",
    "OutcomeRecorder",
    "Threshold",
    "build_outcomes",
    "build_summary",
    "classify",
    "concat_outcomes",
    "evaluate",
    "format_summary",
    "format_verdict",
    "lateness_note",
    "measure_outcomes",
    "parse_fail_on",
    "progress_line",
    "read_outcomes",
    "read_summary",
    "write_outcomes",
    "write_summary",
]
