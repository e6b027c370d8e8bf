"""The mock's modules import in one direction, at the top, and never the load generator.

config -> network -> (auth, validation, ledger, faults, responses, checks, cluster, state)
-> admin, lifecycle -> app -> server -> workers -> launch: read from the modules' own import
statements, so a run-time import hidden in a function, or a cycle, fails here.
"""

from __future__ import annotations

import ast
import subprocess
import sys
from pathlib import Path

import pytest

MOCK = Path(__file__).resolve().parents[2] / "replay" / "mock"
MODULES = sorted(path.stem for path in MOCK.glob("*.py") if path.stem != "__init__")


def _imports(module: str) -> tuple[set[str], set[str]]:
    """(mock modules imported at the top, mock modules imported inside functions)."""
    tree = ast.parse((MOCK / f"{module}.py").read_text())
    top: set[str] = set()
    nested: set[str] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.ImportFrom) and node.module:
            names = ([node.module.removeprefix("replay.mock.")]
                     if node.module.startswith("replay.mock.")
                     else [alias.name for alias in node.names] if node.module == "replay.mock"
                     else [])
            target = top if node.col_offset == 0 else nested
            target.update(name for name in names if name in MODULES)
    return top, nested


@pytest.mark.parametrize("module", MODULES)
def test_no_mock_module_imports_another_inside_a_function(module):
    _, nested = _imports(module)
    assert not nested, f"replay/mock/{module}.py imports {sorted(nested)} inside a function"


def test_the_mock_modules_import_each_other_without_a_cycle():
    graph = {module: _imports(module)[0] for module in MODULES}
    done: set[str] = set()

    def visit(module: str, path: tuple[str, ...]) -> None:
        assert module not in path, f"import cycle: {' -> '.join((*path, module))}"
        if module in done:
            return
        for imported in graph[module]:
            visit(imported, (*path, module))
        done.add(module)

    for module in MODULES:
        visit(module, ())


@pytest.mark.parametrize(("importer", "imported"), [
    ("config", "network"), ("network", "app"), ("app", "server"), ("server", "workers"),
    ("workers", "launch"), ("admin", "app"), ("lifecycle", "app"),
])
def test_lower_layers_do_not_import_higher_ones(importer, imported):
    assert imported not in _imports(importer)[0]


def test_the_mock_never_loads_gevent_or_locust():
    code = ("import sys, replay.mock.launch, replay.mock.process\n"
            "print(sorted(m for m in ('gevent', 'locust') if m in sys.modules))")
    loaded = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                            timeout=60, check=True).stdout.strip()
    assert loaded == "[]"
