"""Pseudonyms: one key gives the same ids everywhere, two keys unrelated ones, shapes survive."""

from __future__ import annotations

import re
import uuid

from hypothesis import given
from hypothesis import strategies as st

from replay.anonymize.pseudonyms import PARTICIPANT_SUFFIXES, Pseudonyms, _suffix

KEY_A, KEY_B = b"a" * 32, b"b" * 32
keys = st.binary(min_size=32, max_size=64)
uuids = st.uuids(version=4).map(str)
salesforce_ids = st.text(
    "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz", min_size=12, max_size=12
).map(lambda body: "005" + body + _suffix("005" + body))
other_ids = st.text(min_size=1, max_size=60).filter(lambda text: "\x00" not in text)


def _classes(text: str) -> str:
    return "".join(
        "9" if char.isdigit() else "A" if char.isupper() else "a" if char.isalnum() else char
        for char in text
    )


@given(keys, uuids)
def test_one_key_gives_the_same_pseudonym_in_every_run(key, value):
    assert Pseudonyms(key).call(value) == Pseudonyms(bytes(key)).call(value)
    assert Pseudonyms(key).message(value) == Pseudonyms(key).message(value)


@given(uuids)
def test_two_keys_give_different_pseudonyms(value):
    assert Pseudonyms(KEY_A).call(value) != Pseudonyms(KEY_B).call(value)
    assert Pseudonyms(KEY_A).message(value) != Pseudonyms(KEY_B).message(value)


@given(uuids)
def test_a_pseudonym_never_equals_the_original(value):
    assert Pseudonyms(KEY_A).call(value) != value


@given(keys, uuids)
def test_a_uuid_stays_a_version_4_uuid_in_the_same_case(key, value):
    lower = Pseudonyms(key).call(value)
    assert uuid.UUID(lower).version == 4 and lower == str(uuid.UUID(lower))
    upper = Pseudonyms(key).call(value.upper())
    assert upper == upper.upper() and uuid.UUID(upper).version == 4


@given(keys, salesforce_ids)
def test_a_salesforce_user_id_keeps_005_18_characters_and_a_valid_suffix(key, value):
    new = Pseudonyms(key).participant(value)
    assert len(new) == 18 and new.startswith("005") and new != value
    assert re.fullmatch(r"[0-9A-Za-z]{18}", new)
    assert new[15:] == _suffix(new[:15])


def test_a_15_character_user_id_stays_15_characters_starting_005():
    new = Pseudonyms(KEY_A).participant("005Hs00000A1b2c")
    assert len(new) == 15 and new.startswith("005") and new.isalnum()


@given(keys, uuids, st.sampled_from(PARTICIPANT_SUFFIXES))
def test_a_call_participant_is_rebuilt_from_the_calls_pseudonym(key, call, suffix):
    names = Pseudonyms(key)
    assert names.participant(call + suffix) == names.call(call) + suffix


@given(keys, other_ids)
def test_other_ids_keep_length_and_punctuation(key, value):
    new = Pseudonyms(key).message(value)
    assert len(new) == len(value)
    for old_char, new_char in zip(value, new, strict=True):
        assert (new_char == old_char) if not old_char.isalnum() else new_char.isascii()


@given(keys, st.text("ghijkxyzGHIJKXYZ0123456789-_.:", min_size=1, max_size=40))
def test_ids_without_hex_runs_keep_each_characters_class(key, value):
    assert _classes(Pseudonyms(key).message(value)) == _classes(value)


def test_hex_runs_stay_hexadecimal_and_letters_stay_letters():
    new = Pseudonyms(KEY_A).participant("ext-11e13729")
    assert re.fullmatch(r"[a-z]{3}-[0-9a-f]{8}", new)


@given(keys, st.lists(uuids, min_size=2, max_size=50, unique=True))
def test_distinct_uuids_get_distinct_pseudonyms(key, values):
    names = Pseudonyms(key)
    assert len({names.message(value) for value in values}) == len(values)


def test_another_attempt_gives_another_pseudonym_of_the_same_shape():
    names = Pseudonyms(KEY_A)
    first, second = names.message("m001"), names.message("m001", attempt=1)
    assert first != second and _classes(first) == _classes(second) == "a999"


def test_the_key_is_not_in_the_repr():
    assert "a" * 32 not in repr(Pseudonyms(KEY_A))


def test_a_005_user_id_with_a_made_up_suffix_still_keeps_005_and_gets_a_valid_suffix():
    new = Pseudonyms(KEY_A).participant("005Hs00000Q1rStIAB")
    assert new.startswith("005") and len(new) == 18 and new[15:] == _suffix(new[:15])


def test_an_18_character_word_that_is_not_a_salesforce_id_keeps_only_its_classes():
    new = Pseudonyms(KEY_A).participant("abcdefghijklmnopqr")
    assert len(new) == 18 and new.islower() and new.isalpha()
