"""Fixtures shared by every test package.

`require_tool("chromium")` returns the tool's path, or skips the test when the tool is missing;
with REPLAY_REQUIRE_TOOLS=1 (set by .ci/run) a missing tool fails the test instead, so CI can
never pass by skipping.
"""

from __future__ import annotations

import os
import shutil

import pytest


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
