"""Fixtures shared by every test package.

`require_tool("chromium")` returns the tool's path, or skips the test when the tool is missing;
with REPLAY_REQUIRE_TOOLS=1 (set by .ci/run) a missing tool fails the test instead, so CI can
never pass by skipping.

Every test under tests/e2e/ carries the `e2e` marker, so `pytest -m "not e2e"` runs the fast
suite alone.

Each test leaves the process as it found it (`restore_process_state`, autouse): the garbage
collector's thresholds and frozen objects, and gevent's hub errors (replay.driver.runtime
changes both in a replay process).
"""

from __future__ import annotations

import gc
import os
import shutil
import sys

import pytest

E2E_DIR = os.path.join(os.path.dirname(os.path.abspath(__file__)), "e2e")


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    for item in items:
        if str(item.path).startswith(E2E_DIR + os.sep):
            item.add_marker(pytest.mark.e2e)


@pytest.fixture(autouse=True)
def restore_process_state():
    thresholds, frozen = gc.get_threshold(), gc.get_freeze_count()
    hub_errors = _hub_errors()
    yield
    gc.set_threshold(*thresholds)
    if gc.get_freeze_count() > frozen:
        gc.unfreeze()
    if _hub_errors() != hub_errors:
        hub = _hub()
        if hub_errors is None:
            vars(hub).pop("NOT_ERROR", None)
        else:
            hub.NOT_ERROR = hub_errors


def _hub():
    """This thread's gevent hub if gevent is loaded and has one (None otherwise)."""
    if "gevent" not in sys.modules:
        return None
    from gevent._hub_local import get_hub_if_exists

    return get_hub_if_exists()


def _hub_errors():
    hub = _hub()
    return None if hub is None else vars(hub).get("NOT_ERROR")


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
