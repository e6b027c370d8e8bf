"""MkDocs hooks (mkdocs.yml `hooks:`): add the generated reference pages, fill the figures in.

on_files adds every page of docgen.pages.GENERATED as a virtual page (never written to docs/);
on_page_markdown replaces the performance page's marker with the newest benchmark results.
MkDocs loads this file by path and restores sys.path afterwards, so each hook puts the
repository root first on sys.path: `docgen`, `bench` and `replay` are this checkout's.
"""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Any

from mkdocs.structure.files import File, Files

ROOT = Path(__file__).resolve().parents[1]


def _repository_first() -> None:
    if sys.path[:1] != [str(ROOT)]:
        sys.path.insert(0, str(ROOT))


def on_files(files: Files, config: Any) -> Files:
    _repository_first()
    from docgen.pages import GENERATED

    for path, render in GENERATED.items():
        files.append(File.generated(config, path, content=render()))
    return files


def on_page_markdown(markdown: str, page: Any, config: Any, files: Files) -> str:
    _repository_first()
    from docgen.pages import PERFORMANCE_MARKER, PERFORMANCE_PAGE, RESULTS_DIR
    from docgen.performance import render_performance

    if page.file.src_uri != PERFORMANCE_PAGE:
        return markdown
    if PERFORMANCE_MARKER not in markdown:
        raise ValueError(f"docs/{PERFORMANCE_PAGE} lost its marker {PERFORMANCE_MARKER!r}")
    return markdown.replace(PERFORMANCE_MARKER, render_performance(RESULTS_DIR))
