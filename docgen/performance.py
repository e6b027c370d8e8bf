"""The performance page's figures, from the newest results files of `python -m bench`.

    render_performance(Path("bench/results")) -> str     # Markdown for docs/performance.md

Each benchmark section is shown from the newest results file that measured it (smoke runs
judge nothing and are left out), with the command, the date, the machine and the tool versions
of that run, and the section's own account of its set-up. A soak run on its own therefore sits
beside the newest full run instead of hiding it.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from docgen.markdown import cell, code, table


def newest_sections(results_dir: Path) -> list[tuple[str, dict[str, Any], list[str]]]:
    """(file name, results document, its sections shown): the file showing the most sections
    (the full suite, usually) first, then newest first."""
    taken: set[str] = set()
    shown = []
    for path in sorted(results_dir.glob("*.json"), reverse=True):  # names start with UTC time
        document = json.loads(path.read_text(encoding="utf-8"))
        if document.get("schema") != "bench-results/1" or document.get("mode") == "smoke":
            continue
        names = [name for name, section in document["sections"].items()
                 if section["status"] == "ok" and name not in taken]
        if names:
            taken.update(names)
            shown.append((path.name, document, names))
    return sorted(shown, key=lambda entry: -len(entry[2]))  # stable: newest first on ties


def render_performance(results_dir: Path) -> str:
    from bench.results import markdown_table

    shown = newest_sections(results_dir)
    if not shown:
        return f"No results yet: run `python -m bench` to write one to `{results_dir.name}/`.\n"
    parts = []
    for name, document, sections in shown:
        machine, versions = document["machine"], document["versions"]
        subset = {**document, "sections": {s: document["sections"][s] for s in sections}}
        parts += [
            f"### {', '.join(sections)}: {document['started_at'][:16].replace('T', ' ')} UTC",
            "",
            f"Made with `{document['command']}` (mode {document['mode']}, "
            f"{document['duration_s'] / 60:.0f} min), results file `bench/results/{name}`.",
            "",
            f"**Machine:** {cell(machine['cpu'])}, {machine['cores']} cores, "
            f"{machine['memory_gib']} GiB, {cell(machine['os'])}. **Versions:** "
            + ", ".join(f"{tool} {cell(version)}" for tool, version in versions.items()) + ".",
            "",
            _contention(document),
            "",
            markdown_table(subset),
            "",
            table(("section", "how it was measured"),
                  [(code(s), cell(document["sections"][s]["details"].get("setup", "")))
                   for s in sections]),
            "",
        ]
    return "\n".join(parts)


def _contention(document: dict[str, Any]) -> str:
    shares = document.get("contention") or {}
    if not shares:
        return ""
    text = ", ".join(f"{share * 100:.0f}% of the {core.replace('_', ' ')}"
                     for core, share in shares.items())
    return f"Other processes took at most {text} while this run measured."
