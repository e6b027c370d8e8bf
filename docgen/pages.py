"""Which pages the site generates, and where the performance figures go.

    GENERATED: {site path: function() -> Markdown}   virtual pages, in mkdocs.yml's nav
    PERFORMANCE_PAGE, PERFORMANCE_MARKER              docs/performance.md's marker, replaced
                                                      by render_performance(RESULTS_DIR)
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

from docgen.commands import render_commands, render_locust_options
from docgen.results import render_exit_codes, render_outputs

ROOT = Path(__file__).resolve().parents[1]
RESULTS_DIR = ROOT / "bench" / "results"
GENERATED: dict[str, Callable[[], str]] = {
    "reference/commands.md": render_commands,
    "reference/locust-options.md": render_locust_options,
    "reference/outputs.md": render_outputs,
    "reference/exit-codes.md": render_exit_codes,
}
PERFORMANCE_PAGE = "performance.md"
PERFORMANCE_MARKER = (
    "*The figures appear here when the site is built (`mkdocs build`); the results files they "
    "come from are in `bench/results/`.*"
)
