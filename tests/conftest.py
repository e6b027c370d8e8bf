"""Fixtures shared by every test package.

`require_tool("chromium")` returns the tool's path, or skips the test when the tool is missing;
with REPLAY_REQUIRE_TOOLS=1 (set by .ci/run) a missing tool fails the test instead, so CI can
never pass by skipping.

Every test under tests/e2e/ carries the `e2e` marker, so `pytest -m "not e2e"` runs the fast
suite alone.
"""

from __future__ import annotations

import os
import shutil

import pytest

E2E_DIR = os.path.join(os.path.dirname(os.path.abspath(__file__)), "e2e")


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    for item in items:
        if str(item.path).startswith(E2E_DIR + os.sep):
            item.add_marker(pytest.mark.e2e)


@pytest.fixture
def require_tool():
    def find(name: str) -> str:
        path = shutil.which(name)
        if path:
            return path
        message = f"{name} is not installed (tests/run.sh installs it with apt-get)"
        if os.environ.get("REPLAY_REQUIRE_TOOLS") == "1":
            pytest.fail(message)
        pytest.skip(message)

    return find
