"""`replay import`: turn other systems' transcript files into a replay dataset.

    from replay.importers import format_module, import_sources
    report = import_sources(format_module("contact-lens"), ["exports/"], "calls.parquet",
                            ImportOptions(format="contact-lens", ...), TimeBaseOptions(...))

Shared concerns live once: sources.py (files, directories, globs, .gz, fsspec URLs),
timebase.py (when each call started), json_fields.py (errors with a JSON path), speakers.py
(sender types and participant ids), writer.py (the atomic, deterministic Parquet writer),
pipeline.py (the loop, skips and counts). Each format is one small module exposing NAME,
SUFFIXES (file names searched in directories), OFFSETS (True when its times are offsets that
need a time base), `check(options)` and `read(data, source, options) -> [Call]`; optionally
`select(sources, options)` (which files to read) and CALLS_SPAN_FILES (a call's entries may
be spread over several files, e.g. pages).
"""

from __future__ import annotations

import importlib
from types import ModuleType

from replay.importers.options import ImportOptions
from replay.importers.pipeline import ImportReport, import_sources
from replay.importers.timebase import TimeBaseOptions

FORMATS = {
    "contact-lens": "contact_lens",
    "sf-entries": "sf_entries",
    "transcribe": "transcribe",
    "genesys": "genesys",
    "webvtt": "webvtt",
}


def format_module(name: str) -> ModuleType:
    return importlib.import_module(f"replay.importers.{FORMATS[name]}")


__all__ = [
    "FORMATS", "ImportOptions", "ImportReport", "TimeBaseOptions", "format_module",
    "import_sources",
]
