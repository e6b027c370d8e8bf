"""Fixtures for the report tests: small real run directories written with replay.results."""

from __future__ import annotations

import pytest

from .synthetic import write_synthetic_run


@pytest.fixture(scope="session")
def small_run(tmp_path_factory):
    """A 1,500-message run with errors, unsent messages, a mock ledger and Locust's CSV.

    Session-scoped and read-only: tests that change files copy it first."""
    return write_synthetic_run(tmp_path_factory.mktemp("small") / "run", messages=1_500)
