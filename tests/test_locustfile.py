"""The locustfile ships inside the package, and the repository's top-level one is the same user."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

import replay
from replay.locustfile import LOCUSTFILE

REPO = Path(__file__).resolve().parents[1]


def test_the_packaged_locustfile_lives_inside_the_installed_package():
    assert LOCUSTFILE.is_file()
    assert LOCUSTFILE.is_relative_to(Path(replay.__file__).parent)


@pytest.mark.parametrize("locustfile", [LOCUSTFILE, REPO / "locustfile.py"])
def test_locust_finds_the_replay_user_in_either_locustfile(locustfile, tmp_path):
    listed = subprocess.run(
        [sys.executable, "-m", "locust", "-f", str(locustfile), "--list"],
        cwd=tmp_path, capture_output=True, text=True, timeout=120,
    )
    assert listed.returncode == 0, listed.stderr
    assert listed.stdout.split() == ["Available", "Users:", "ReplayUser"]
