"""anonymize_table: one batch of rows in, the same rows anonymized out, with counts."""

from __future__ import annotations

from pathlib import Path

import pyarrow as pa
import pyarrow.parquet as pq
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from replay.anonymize.table import Settings, anonymize_table
from replay.dataset import load_transcripts
from replay.dataset.columns import FIELDS
from replay.errors import ConfigError, DatasetError

SAMPLE = Path(__file__).resolve().parents[2] / "datasets" / "sample.parquet"
KEY = b"k" * 32


@pytest.fixture(scope="module")
def sample() -> pa.Table:
    return pq.read_table(SAMPLE)


def _rows(**columns) -> pa.Table:
    count = len(columns["messageId"])
    base = {
        "vendorCallKey": ["call-1"] * count,
        "participantId": ["call-1END_USER"] * count,
        "startTime": list(range(1_000, 1_000 + count)),
        "endTime": list(range(2_000, 2_000 + count)),
        "content": ["hello"] * count,
        "senderType": ["END_USER"] * count,
    }
    return pa.table(base | columns)


def test_the_same_rows_give_the_same_output_in_any_batching(sample):
    whole, _ = anonymize_table(sample, Settings(key=KEY))
    parts = [anonymize_table(batch, Settings(key=KEY))[0] for batch in sample.to_batches(700)]
    assert pa.concat_tables(parts).equals(whole)


def test_output_has_the_fields_in_order_the_same_rows_and_epoch_ms_times(sample):
    out, counts = anonymize_table(sample.append_column("agentName", sample["content"]),
                                  Settings(key=KEY))  # fmt: skip
    assert out.column_names == list(FIELDS)
    assert out.num_rows == sample.num_rows == counts.rows
    assert out["startTime"].type == pa.int64()
    assert out["startTime"].equals(sample["startTime"]) and out["endTime"].equals(sample["endTime"])
    assert out["senderType"].to_pylist() == sample["senderType"].to_pylist()


def test_every_id_is_rewritten_and_calls_stay_grouped(sample):
    out, counts = anonymize_table(sample, Settings(key=KEY))
    for name in ("vendorCallKey", "participantId", "messageId"):
        before, after = set(sample[name].to_pylist()), set(out[name].to_pylist())
        assert not before & after
        assert len(before) == len(after)
    pairs = set(zip(sample["vendorCallKey"].to_pylist(), out["vendorCallKey"].to_pylist(),
                    strict=True))  # fmt: skip
    assert len(pairs) == 100 == len(counts.calls)
    assert len(counts.participants) == 151


def test_two_keys_give_different_ids_and_one_key_the_same(sample):
    first, _ = anonymize_table(sample, Settings(key=KEY))
    again, _ = anonymize_table(sample, Settings(key=bytes(KEY)))
    other, _ = anonymize_table(sample, Settings(key=b"o" * 32))
    assert first.equals(again)
    for name in ("vendorCallKey", "participantId", "messageId"):
        assert not set(first[name].to_pylist()) & set(other[name].to_pylist())


def test_short_message_ids_that_clash_are_made_unique_within_their_call():
    table = _rows(messageId=[str(digit) for digit in range(10)])
    out, _ = anonymize_table(table, Settings(key=KEY))
    ids = out["messageId"].to_pylist()
    assert len(set(ids)) == 10 and all(len(i) == 1 and i.isdigit() for i in ids)


def test_mask_counts_replacements_by_kind_and_never_the_values():
    table = _rows(messageId=["a", "b", "c"],
                  content=["call 415-555-0132", "mail jo@example.com or 415-555-0199", "hi"])
    out, counts = anonymize_table(table, Settings(key=KEY))
    assert out["content"].to_pylist() == ["call [PHONE]", "mail [EMAIL] or [PHONE]", "hi"]
    assert counts.replacements == {"PHONE": 2, "EMAIL": 1}
    assert counts.changed == 2
    assert "415" not in repr(counts) and "jo@" not in repr(counts)


def test_keep_leaves_content_as_it_was(sample):
    out, counts = anonymize_table(sample, Settings(key=KEY, content="keep"))
    assert out["content"].to_pylist() == sample["content"].to_pylist()
    assert counts.changed == 0 and counts.replacements == {}


def test_synthetic_text_is_about_as_long_deterministic_and_new(sample):
    out, counts = anonymize_table(sample, Settings(key=KEY, content="synthetic"))
    again, _ = anonymize_table(sample, Settings(key=KEY, content="synthetic"))
    other, _ = anonymize_table(sample, Settings(key=b"o" * 32, content="synthetic"))
    texts, originals = out["content"].to_pylist(), sample["content"].to_pylist()
    assert texts == again["content"].to_pylist() != other["content"].to_pylist()
    assert counts.changed == len(texts)
    assert all(text.strip() for text in texts)
    for new, old in zip(texts, originals, strict=True):
        assert abs(len(new) - len(old)) <= 5


def test_synthetic_text_keeps_no_word_of_the_original():
    words = ["Quokka", "Zanzibar", "flibbertigibbet", "Okonkwo-Smythe", "7731", "Maple"]
    contents = [" ".join(words[i:] + words[:i]) * (i + 1) for i in range(len(words))]
    table = _rows(messageId=[f"m{i}" for i in range(len(words))], content=contents)
    out, _ = anonymize_table(table, Settings(key=KEY, content="synthetic"))
    said = " ".join(out["content"].to_pylist())
    assert not [word for word in words if word in said]


def test_synthetic_text_never_exceeds_the_content_limit():
    table = _rows(messageId=["a"], content=["word " * 400])
    out, _ = anonymize_table(table, Settings(key=KEY, content="synthetic", max_content_length=50))
    assert 0 < len(out["content"][0].as_py()) <= 50


def test_shift_moves_every_time_by_the_same_offset(sample):
    out, _ = anonymize_table(sample, Settings(key=KEY, shift_ms=3_600_000))
    start = sample["startTime"].to_numpy()
    assert (out["startTime"].to_numpy() - start == 3_600_000).all()
    assert (out["endTime"].to_numpy() - sample["endTime"].to_numpy() == 3_600_000).all()


def test_iso_text_times_become_epoch_milliseconds():
    table = _rows(messageId=["a"], startTime=["2025-11-25T16:00:00Z"],
                  endTime=["2025-11-25T16:00:01.250Z"])  # fmt: skip
    out, _ = anonymize_table(table, Settings(key=KEY))
    assert out["startTime"].to_pylist() == [1_764_086_400_000]
    assert out["endTime"].to_pylist() == [1_764_086_401_250]


def test_a_time_that_is_not_a_timestamp_is_a_dataset_error():
    with pytest.raises(DatasetError, match="column startTime: 1 value not a timestamp"):
        anonymize_table(_rows(messageId=["a"], startTime=["soon"]), Settings(key=KEY))


def test_an_unknown_content_mode_is_a_config_error():
    with pytest.raises(ConfigError, match="--content must be one of mask, synthetic, keep"):
        Settings(key=KEY, content="scramble")


def test_the_key_is_not_in_the_settings_repr():
    assert "kkkk" not in repr(Settings(key=KEY))


short_ids = st.text("abc0123456789-", min_size=1, max_size=6)
any_ids = st.one_of(st.uuids().map(str), short_ids, st.text(min_size=1, max_size=20).filter(
    lambda text: text.strip() and text.isprintable()))


@settings(max_examples=40, deadline=None)
@given(st.lists(st.tuples(st.integers(0, 3), any_ids, st.integers(0, 10_000)), min_size=1,
                max_size=60, unique_by=lambda row: (row[0], row[1])))  # fmt: skip
def test_any_valid_rows_stay_valid_with_each_call_and_message_kept_apart(tmp_path_factory, rows):
    calls = [f"call-{call}" for call, _, _ in rows]
    table = pa.table({
        "vendorCallKey": calls,
        "participantId": [f"{call}END_USER" for call in calls],
        "messageId": [message for _, message, _ in rows],
        "startTime": [1_764_000_000_000 + at for _, _, at in rows],
        "endTime": [1_764_000_000_500 + at for _, _, at in rows],
        "content": [f"my number is {at:05d}" for _, _, at in rows],
        "senderType": ["END_USER"] * len(rows),
    })  # fmt: skip
    out, counts = anonymize_table(table, Settings(key=KEY))
    pairs_before = set(zip(calls, table["messageId"].to_pylist(), strict=True))
    pairs_after = set(zip(out["vendorCallKey"].to_pylist(), out["messageId"].to_pylist(),
                          strict=True))  # fmt: skip
    assert len(pairs_after) == len(pairs_before) == out.num_rows == counts.rows
    for old, new in zip(table["messageId"].to_pylist(), out["messageId"].to_pylist(),
                        strict=True):  # fmt: skip
        assert len(new) == len(old)
    assert all(text.startswith("my number is [NUMBER]") for text in out["content"].to_pylist())
    path = tmp_path_factory.mktemp("rows") / "out.parquet"
    pq.write_table(out, path)
    assert load_transcripts(path).messages == len(rows)


@settings(max_examples=30, deadline=None)
@given(st.lists(st.tuples(st.uuids().map(str), st.uuids().map(str)), min_size=2, max_size=40,
                unique=True), st.integers(1, 39), st.binary(min_size=32, max_size=40))  # fmt: skip
def test_rows_split_across_two_files_get_the_ids_the_whole_table_gets(rows, cut, key):
    table = pa.table({
        "vendorCallKey": [call for call, _ in rows],
        "participantId": [f"{call}END_USER" for call, _ in rows],
        "messageId": [message for _, message in rows],
        "startTime": [1_764_000_000_000] * len(rows), "endTime": [1_764_000_000_100] * len(rows),
        "content": ["hello"] * len(rows), "senderType": ["END_USER"] * len(rows),
    })  # fmt: skip
    cut = min(cut, len(rows) - 1)
    whole, _ = anonymize_table(table, Settings(key=key))
    first, _ = anonymize_table(table.slice(0, cut), Settings(key=key))
    second, _ = anonymize_table(table.slice(cut), Settings(key=key))
    assert pa.concat_tables([first, second]).equals(whole)
