"""Synthetic ids look like the real ones: v4 UUIDs, 18-character Salesforce ids with checksum."""

from __future__ import annotations

import uuid

import numpy as np

from replay.synth.ids import salesforce_ids, uuids


def test_uuids_are_distinct_version_4_uuids():
    values = uuids(np.random.default_rng(3), 500)
    parsed = [uuid.UUID(value) for value in values]
    assert all(value.version == 4 and value.variant == uuid.RFC_4122 for value in parsed)
    assert [str(value) for value in parsed] == values.tolist()
    assert len(set(values.tolist())) == 500


def test_salesforce_ids_have_the_prefix_and_the_case_safe_suffix():
    ids = salesforce_ids(np.random.default_rng(3), 200)
    for value in ids.tolist():
        assert len(value) == 18
        assert value.startswith("005")
        assert value[15:] == _case_safe_suffix(value[:15])


def _case_safe_suffix(fifteen: str) -> str:
    """Salesforce's documented algorithm, written plainly, to check the vectorised one."""
    alphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZ012345"
    suffix = ""
    for chunk in range(3):
        bits = sum(
            1 << i for i, char in enumerate(fifteen[chunk * 5 : chunk * 5 + 5]) if char.isupper()
        )
        suffix += alphabet[bits]
    return suffix


def test_a_known_salesforce_id_gets_its_known_suffix():
    assert _case_safe_suffix("001A0000006Vm9r") == "IAC"


def test_the_same_seed_gives_the_same_ids():
    first = uuids(np.random.default_rng(9), 10), salesforce_ids(np.random.default_rng(9), 10)
    again = uuids(np.random.default_rng(9), 10), salesforce_ids(np.random.default_rng(9), 10)
    assert first[0].tolist() == again[0].tolist()
    assert first[1].tolist() == again[1].tolist()
