"""call_partition: every call to exactly one worker, the same on every process and machine."""

from __future__ import annotations

import subprocess
import sys

import numpy as np
import pandas as pd
import pytest

from replay.dataset import call_partition

KEYS = ["c1", "c2", "7b3f5e2a-0c1d-4e8f-9a6b-2d4c8e1f3a5b", "ContactId-42", "😀"]


@pytest.mark.parametrize(
    ("count", "expected"),
    [(1, [0, 0, 0, 0, 0]), (2, [1, 1, 0, 1, 0]), (4, [1, 3, 2, 1, 0]), (7, [6, 0, 0, 0, 6])],
)
def test_indexes_are_pinned_crc32_of_the_utf8_key_modulo_count(count, expected):
    assert call_partition(pd.Series(KEYS), count).tolist() == expected


def test_the_same_key_always_goes_to_the_same_worker():
    keys = np.array(["a", "b", "a", "c", "b", "a"])
    owners = call_partition(keys, 3)
    assert owners[0] == owners[2] == owners[5]
    assert owners[1] == owners[4]


def test_indexes_are_the_same_in_a_fresh_process_with_another_hash_seed():
    code = f"from replay.dataset import call_partition; print(call_partition({KEYS!r}, 7).tolist())"
    result = subprocess.run(
        [sys.executable, "-c", code],
        capture_output=True,
        text=True,
        check=True,
        env={"PYTHONHASHSEED": "12345", "PATH": ""},
    )
    assert result.stdout.strip() == "[6, 0, 0, 0, 6]"


def test_every_index_is_within_the_worker_count():
    keys = [f"call-{n}" for n in range(1000)]
    owners = call_partition(keys, 5)
    assert owners.min() >= 0
    assert owners.max() <= 4
    assert len(set(owners.tolist())) == 5


def test_a_count_below_one_is_refused():
    with pytest.raises(ValueError, match="at least 1"):
        call_partition(["c1"], 0)
