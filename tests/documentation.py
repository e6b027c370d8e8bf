"""The documentation as the tests read it: README.md and every page under docs/ (on disk).

Generated reference pages (docgen/) are not included: a flag must be explained in a page a
person wrote, not only listed in the generated reference.
"""

from __future__ import annotations

from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
PAGES = [ROOT / "README.md", *sorted((ROOT / "docs").rglob("*.md"))]


def documentation_text() -> str:
    return "\n".join(path.read_text(encoding="utf-8") for path in PAGES)
