"""The documentation site builds with `mkdocs build --strict` (no broken link or anchor, no page
outside the navigation), every page is in the navigation, and every file the code and the docs
refer to is in the repository."""

from __future__ import annotations

import os
import re
import subprocess
import sys
from pathlib import Path

import pytest
import yaml

from docgen.pages import GENERATED, RESULTS_DIR
from docgen.performance import newest_sections

ROOT = Path(__file__).resolve().parents[1]
DOCS = ROOT / "docs"
SCANNED = (".py", ".md", ".toml", ".yml", ".yaml", ".sh", ".lua", ".js", ".cfg", ".txt")
SKIPPED_DIRS = {".git", "site", "build", "dist", "reports", "__pycache__", ".venv"}
MENTION = re.compile(r"(?<![\w/.-])((?:\.\./|[\w.-]+/)*[\w.-]+\.md)\b")


def _nav_pages(entries: list) -> list[str]:
    pages = []
    for entry in entries:
        value = next(iter(entry.values())) if isinstance(entry, dict) else entry
        pages += _nav_pages(value) if isinstance(value, list) else [value]
    return pages


def _repository_files() -> list[Path]:
    files = []
    for folder, dirs, names in os.walk(ROOT):
        dirs[:] = [d for d in dirs if d not in SKIPPED_DIRS and not d.endswith(".egg-info")]
        files += [Path(folder) / name for name in names if name.endswith(SCANNED)]
    return files


def _is_reference(mention: str) -> bool:
    """A path (`docs/contract.md`) or a document's name (`README.md`): not a file name
    the code makes, such as a run's `summary.md`."""
    return "/" in mention or mention.removesuffix(".md").isupper()


def _resolves(mention: str, source: Path) -> bool:
    generated = {DOCS / path for path in GENERATED}
    generated_dirs = {(DOCS / path).parent for path in GENERATED}
    for base in (ROOT, source.parent, DOCS, *generated_dirs):
        target = (base / mention).resolve()
        if target.is_file() or target in generated:
            return True
    return False


def test_mkdocs_builds_the_site_strictly(tmp_path):
    result = subprocess.run(
        [sys.executable, "-m", "mkdocs", "build", "--strict", "--site-dir", str(tmp_path)],
        cwd=ROOT, capture_output=True, text=True, timeout=240,
        env={**os.environ, "NO_MKDOCS_2_WARNING": "1"},
    )
    assert result.returncode == 0, result.stderr[-3000:]
    for page in GENERATED:
        assert (tmp_path / page.removesuffix(".md") / "index.html").is_file(), page
    performance = (tmp_path / "performance" / "index.html").read_text(encoding="utf-8")
    newest = newest_sections(RESULTS_DIR)[0][0]
    assert "Machine:" in performance and f"bench/results/{newest}" in performance
    assert "figures appear here" not in performance  # the marker was replaced


def test_every_page_is_in_the_navigation_and_every_entry_exists():
    config = yaml.safe_load((ROOT / "mkdocs.yml").read_text(encoding="utf-8"))
    nav = _nav_pages(config["nav"])
    on_disk = sorted(str(path.relative_to(DOCS)) for path in DOCS.rglob("*.md"))
    assert [page for page in on_disk if page not in nav] == []
    assert [page for page in nav if page not in on_disk and page not in GENERATED] == []
    assert len(nav) == len(set(nav))


def test_generated_pages_are_never_written_into_docs():
    assert [page for page in GENERATED if (DOCS / page).exists()] == []


@pytest.mark.parametrize("source", _repository_files(), ids=lambda p: str(p.relative_to(ROOT)))
def test_every_markdown_file_mentioned_is_in_the_repository(source):
    text = source.read_text(encoding="utf-8", errors="replace")
    missing = [m for m in MENTION.findall(text) if _is_reference(m) and not _resolves(m, source)]
    assert missing == [], f"{source.relative_to(ROOT)} refers to files not in the repository"
    assert "/work/" not in text or source == Path(__file__), "an absolute path outside the repo"


def test_the_readme_links_only_to_files_in_the_repository():
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    links = re.findall(r"\]\(([^)#\s]+)", readme)
    assert links, "the README links into the documentation"
    assert [link for link in links if "://" in link or not (ROOT / link).exists()] == []
