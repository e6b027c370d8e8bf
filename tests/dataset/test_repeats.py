"""repeated(): exactly the second and later rows of a (call, messageId) pair, on every path."""

from __future__ import annotations

import numpy as np
import pyarrow as pa
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from replay.dataset import repeats
from replay.dataset.repeats import fixed_width_hashes, repeated


def _naive(calls, ids) -> list[bool]:
    seen, result = set(), []
    for pair in zip(calls, ids, strict=True):
        result.append(pair in seen)
        seen.add(pair)
    return result


def _column(ids, chunk_size, large=True):
    kind = pa.large_string() if large else pa.string()
    whole = pa.array(ids, kind)
    chunks = [whole.slice(start, chunk_size) for start in range(0, len(ids), chunk_size)]
    return pa.chunked_array(chunks or [whole], kind)


@settings(max_examples=150, deadline=None)
@given(
    pairs=st.lists(
        st.tuples(
            st.integers(0, 3), st.sampled_from(["ab12", "cd34", "ab12x", "éé", "m-1", "m-2"])
        ),
        max_size=40,
    ),
    chunk_size=st.integers(1, 8),
    large=st.booleans(),
)
def test_matches_a_plain_set_based_check(pairs, chunk_size, large):
    calls = np.array([call for call, _ in pairs], dtype=np.int64)
    ids = [message for _, message in pairs]
    assert repeated(calls, _column(ids, chunk_size, large)).tolist() == _naive(calls.tolist(), ids)


def test_fixed_width_ids_take_the_hash_path():
    ids = _column(["7b3f5e2a", "0c1d4e8f", "7b3f5e2a"], 2)
    assert fixed_width_hashes(ids) is not None
    assert repeated(np.array([0, 0, 0]), ids).tolist() == [False, False, True]


@pytest.mark.parametrize(
    "ids", [["a", "bb", "a"], ["a", None, "a"], ["x" * 200, "y" * 200, "x" * 200]]
)
def test_other_ids_take_the_exact_path(ids):
    column = _column(ids, 3)
    assert fixed_width_hashes(column) is None
    assert repeated(np.array([0, 0, 0]), column).tolist() == [False, False, True]


def test_hash_collisions_are_resolved_exactly(monkeypatch):
    monkeypatch.setattr(repeats, "fixed_width_hashes", lambda ids: np.zeros(len(ids), np.uint64))
    ids = _column(["aa", "bb", "aa", "cc", "bb"], 5)
    assert repeated(np.array([0, 0, 0, 1, 1]), ids).tolist() == [False, False, True, False, False]


def test_the_same_id_in_another_call_is_not_a_repeat():
    ids = _column(["m1", "m1"], 2)
    assert repeated(np.array([0, 1]), ids).tolist() == [False, False]
