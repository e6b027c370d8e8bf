"""Import source files into one dataset file: find, read, place in time, write, count.

    report = import_sources(contact_lens, ["exports/"], "calls.parquet", options, time_options)
    print(report.describe())

In: a format module (see `replay.importers.FORMATS`), the SOURCE arguments, the output path,
the `ImportOptions`, the `TimeBaseOptions` and an optional table transform for the writer.
Files are read one at a time, in sorted order, so memory holds one file and one row group.
A file that cannot be imported raises DatasetError naming it and the place in it, or with
`--on-invalid skip` is skipped and counted by reason. Out: an `ImportReport`.
"""

from __future__ import annotations

import sys
from dataclasses import dataclass, field
from pathlib import Path
from types import ModuleType

from tqdm import tqdm

from replay.errors import DatasetError
from replay.importers.model import Call, SourceProblem
from replay.importers.options import ImportOptions
from replay.importers.sources import Source, find_sources
from replay.importers.timebase import TimeBase, TimeBaseOptions
from replay.importers.writer import DatasetWriter, Transform

EXAMPLES = 5


@dataclass
class ImportReport:
    out: str
    files: int = 0  # files found (after redacted-twin selection)
    calls: int = 0
    messages: int = 0
    time_base: str = "absolute times in the files"
    skipped_files: dict[str, int] = field(default_factory=dict)
    skipped_examples: list[str] = field(default_factory=list)
    dropped: dict[str, int] = field(default_factory=dict)  # utterances left out, by reason

    def skip(self, reason: str, count: int = 1) -> None:
        self.skipped_files[reason] = self.skipped_files.get(reason, 0) + count

    def describe(self) -> str:
        lines = [
            f"wrote {self.out}: {self.calls:,} call{'s' if self.calls != 1 else ''}, "
            f"{self.messages:,} message{'s' if self.messages != 1 else ''}",
            f"  files read   {self.files - sum(self.skipped_files.values()):,} of {self.files:,}",
            f"  time base    {self.time_base}",
        ]
        if self.skipped_files:
            reasons = "; ".join(f"{reason}: {n:,}" for reason, n in self.skipped_files.items())
            lines.append(f"  skipped      {reasons}")
            lines.extend(f"    {example}" for example in self.skipped_examples)
        if self.dropped:
            reasons = "; ".join(
                f"{reason}: {n:,} utterance{'s' if n != 1 else ''}"
                for reason, n in self.dropped.items()
            )
            lines.append(f"  left out     {reasons}")
        return "\n".join(lines)


def import_sources(
    module: ModuleType,
    arguments: list[str],
    out: str | Path,
    options: ImportOptions,
    time_options: TimeBaseOptions,
    transform: Transform | None = None,
    progress: bool | None = None,
) -> ImportReport:
    sources = find_sources(arguments, module.SUFFIXES)
    report = ImportReport(out=str(out), files=len(sources))
    select = getattr(module, "select", None)
    if select is not None:
        sources, skipped = select(sources, options)
        for reason, count in skipped.items():
            report.skip(reason, count)
    time_base = TimeBase(time_options) if module.OFFSETS else None
    if time_base is not None:
        report.time_base = time_base.describe()
    seen = {} if getattr(module, "CALLS_SPAN_FILES", False) else None
    shown = sys.stderr.isatty() if progress is None else progress
    bar = tqdm(sources, unit="file", disable=not shown, file=sys.stderr, leave=False)
    with DatasetWriter(out, transform) as writer:
        for source in bar:
            try:
                placed = _place(module.read(source.read_bytes(), source, options), source,
                                time_base, report)
            except SourceProblem as problem:
                where = f"{source.display}, {problem.where}" if problem.where else source.display
                if options.on_invalid == "fail":
                    raise DatasetError(
                        f"{where}: {problem.message}; {problem.fix}, or pass --on-invalid skip "
                        "to skip such files"
                    ) from None
                report.skip(problem.reason)
                if len(report.skipped_examples) < EXAMPLES:
                    report.skipped_examples.append(f"{where}: {problem.message}")
                continue
            report.calls += len(placed)
            for call, start_ms in placed:
                if seen is not None:
                    _drop_repeats(call, seen.setdefault(call.call_key, set()))
                for reason, count in call.dropped.items():
                    report.dropped[reason] = report.dropped.get(reason, 0) + count
                writer.add(call, start_ms)
                report.messages += len(call)
        if not report.messages:
            raise DatasetError(_nothing_imported(arguments, report))
    report.calls = _count_calls(report, seen)
    return report


def _place(
    calls: list[Call], source: Source, time_base: TimeBase | None, report: ImportReport
) -> list[tuple[Call, int]]:
    """Each call with messages, and the epoch ms its offsets count from (0 for absolute)."""
    placed = []
    for call in calls:
        if not len(call):
            reason = "empty transcript" if not call.dropped else "no utterance with text"
            report.skip(reason)
            continue
        start_ms = time_base.start_ms(call, source) if call.offsets else 0
        placed.append((call, start_ms))
    return placed


def _drop_repeats(call: Call, seen: set[str]) -> None:
    """Entries already imported from another page of the same conversation are left out."""
    keep = [index for index, message_id in enumerate(call.message_ids) if message_id not in seen]
    if len(keep) != len(call):
        for _ in range(len(call) - len(keep)):
            call.drop("repeated entry (already on another page)")
        for column in (call.message_ids, call.participant_ids, call.starts, call.ends,
                       call.contents, call.sender_types):
            column[:] = [column[index] for index in keep]
    seen.update(call.message_ids)


def _count_calls(report: ImportReport, seen: dict | None) -> int:
    """Distinct calls: a conversation split over pages counts once."""
    return report.calls if seen is None else sum(1 for ids in seen.values() if ids)


def _nothing_imported(arguments: list[str], report: ImportReport) -> str:
    found = f"{report.files:,} file{'s' if report.files != 1 else ''}"
    reasons = "; ".join(f"{reason}: {n:,}" for reason, n in report.skipped_files.items())
    text = f"{' '.join(arguments)}: no messages to import from {found}"
    if reasons:
        text += f" ({reasons})"
    if report.skipped_examples:
        text += ":\n  " + "\n  ".join(report.skipped_examples)
    return text
