"""`prepare_dataset`: the same checks as loading, sorted parts, each call's order, the manifest."""

from __future__ import annotations

import json

import numpy as np
import pandas as pd
import pyarrow.parquet as pq
import pytest

from replay.dataset import LoadOptions, load_transcripts
from replay.dataset import prepare as prepare_module
from replay.dataset.prepare import prepare_dataset
from replay.dataset.prepared import MANIFEST, open_prepared
from replay.errors import ConfigError, DatasetError
from replay.plan import PlanOptions, build_plan

BASE = 1_764_000_000_000


def transcripts(calls: int = 30, messages: int = 6, seed: int = 3) -> pd.DataFrame:
    rng = np.random.default_rng(seed)
    rows = []
    for c in range(calls):
        t = BASE + int(rng.integers(0, 60_000))
        for m in range(messages):
            end = t + int(rng.integers(0, 3_000))  # equal end times happen: order by file row
            rows.append({"vendorCallKey": f"call-{c:03d}", "participantId": f"p{c}",
                         "messageId": f"m{m}", "startTime": end - 500, "endTime": end,
                         "content": f"words {c} {m}", "senderType": "END_USER"})
            t = end
    frame = pd.DataFrame(rows)
    return frame.sample(frac=1.0, random_state=seed).reset_index(drop=True)  # file order mixed


def prepared_rows(out) -> pd.DataFrame:
    return pq.read_table(out).to_pandas()


def test_parts_hold_every_message_sorted_by_send_time_with_each_calls_order(tmp_path):
    frame = transcripts()
    source = tmp_path / "t.parquet"
    frame.to_parquet(source)
    manifest = prepare_dataset([source], tmp_path / "out", LoadOptions())
    rows = prepared_rows(tmp_path / "out")
    assert len(rows) == manifest["messages"] == len(frame)
    assert rows["endTime"].is_monotonic_increasing
    for _, call in rows.groupby("vendorCallKey"):
        expected = call.sort_values(["endTime", "row"])["messageId"].tolist()
        assert call["messageId"].tolist() == expected
        assert call["call_seq"].tolist() == list(range(len(call)))
        assert call["call_last"].tolist() == [False] * (len(call) - 1) + [True]
    assert manifest["calls"] == frame["vendorCallKey"].nunique()
    assert manifest["t0_ms"] == frame["endTime"].min()
    assert manifest["span_s"] == (frame["endTime"].max() - frame["endTime"].min()) / 1000
    assert sum(manifest["per_second"]["counts"]) == len(frame)


def test_many_buckets_and_small_merges_write_the_same_rows_as_one(tmp_path, monkeypatch):
    frame = transcripts(calls=60)
    source = tmp_path / "t.csv"
    frame.to_csv(source, index=False)
    prepare_dataset([source], tmp_path / "one", LoadOptions())
    monkeypatch.setattr(prepare_module, "BUCKET_BYTES", 2_000)
    monkeypatch.setattr(prepare_module, "MERGE_ROWS", 50)
    monkeypatch.setattr(prepare_module, "PART_ROWS", 70)
    manifest = prepare_dataset([source], tmp_path / "many", LoadOptions())
    assert len(manifest["parts"]) > 1
    pd.testing.assert_frame_equal(prepared_rows(tmp_path / "one"),
                                  prepared_rows(tmp_path / "many"))


def test_a_bad_row_fails_with_the_message_replay_validate_gives(tmp_path):
    frame = transcripts(calls=3)
    frame.loc[4, "senderType"] = "ROBOT"
    frame.loc[7, "endTime"] = frame.loc[7, "startTime"] - 1
    source = tmp_path / "t.csv"
    frame.to_csv(source, index=False)
    with pytest.raises(DatasetError) as loading:
        load_transcripts(source)
    with pytest.raises(DatasetError) as preparing:
        prepare_dataset([source], tmp_path / "out", LoadOptions())
    assert str(preparing.value) == str(loading.value)
    assert not (tmp_path / "out").exists()


def test_skipped_rows_are_counted_in_the_manifest_as_loading_counts_them(tmp_path):
    frame = transcripts(calls=3)
    frame.loc[[2, 5], "content"] = " "
    source = tmp_path / "t.parquet"
    frame.to_parquet(source)
    loaded = load_transcripts(source, LoadOptions(on_invalid="skip"))
    manifest = prepare_dataset([source], tmp_path / "out", LoadOptions(on_invalid="skip"))
    assert manifest["skipped"]["count"] == loaded.skipped.count == 2
    assert manifest["skipped"]["by_reason"] == dict(loaded.skipped.by_reason)
    assert manifest["messages"] == loaded.messages


def test_several_sources_and_a_column_map_prepare_as_one_dataset(tmp_path):
    frame = transcripts(calls=10)
    renamed = frame.rename(columns={"vendorCallKey": "ContactId"})
    renamed.iloc[:25].to_csv(tmp_path / "a.csv", index=False)
    renamed.iloc[25:].to_parquet(tmp_path / "b.parquet")
    options = LoadOptions(column_map={"vendorCallKey": "ContactId"})
    manifest = prepare_dataset([tmp_path / "a.csv", tmp_path / "b.parquet"], tmp_path / "out",
                               options)
    assert manifest["messages"] == len(frame)
    assert [source["path"] for source in manifest["sources"]] == [
        str(tmp_path / "a.csv"), str(tmp_path / "b.parquet")]
    assert open_prepared(tmp_path / "out").messages == len(frame)


def test_an_existing_directory_that_is_not_a_prepared_one_is_not_overwritten(tmp_path):
    source = tmp_path / "t.parquet"
    transcripts(calls=2).to_parquet(source)
    out = tmp_path / "out"
    out.mkdir()
    (out / "notes.txt").write_text("mine")
    with pytest.raises(ConfigError, match="exists and is not a prepared dataset directory"):
        prepare_dataset([source], out, LoadOptions())
    assert (out / "notes.txt").read_text() == "mine"


def test_preparing_again_replaces_an_earlier_prepared_directory(tmp_path):
    source = tmp_path / "t.parquet"
    transcripts(calls=2).to_parquet(source)
    prepare_dataset([source], tmp_path / "out", LoadOptions())
    transcripts(calls=4).to_parquet(source)
    prepare_dataset([source], tmp_path / "out", LoadOptions())
    assert json.loads((tmp_path / "out" / MANIFEST).read_text())["calls"] == 4


def test_max_gap_shortens_each_calls_silences_as_a_plan_does_and_sorts_by_them(tmp_path):
    frame = transcripts()
    source = tmp_path / "t.parquet"
    frame.to_parquet(source)
    manifest = prepare_dataset([source], tmp_path / "out", LoadOptions(), max_gap_s=0.5)
    rows = prepared_rows(tmp_path / "out")
    assert manifest["max_gap_s"] == 0.5
    assert rows["send_ms"].is_monotonic_increasing
    planned = load_transcripts(source, LoadOptions()).table
    plan = build_plan(planned, PlanOptions(speed=1.0, max_gap_s=0.5))
    expected = dict(zip(zip(planned["vendorCallKey"].to_numpy()[plan.row],
                            planned["messageId"].to_numpy()[plan.row], strict=True),
                        np.round(plan.due_s * 1000).astype(np.int64) + plan.t0_ms, strict=True))
    got = dict(zip(zip(rows["vendorCallKey"], rows["messageId"], strict=True), rows["send_ms"],
                   strict=True))
    assert got == expected
    assert (rows["send_ms"] < rows["endTime"]).any()  # some silences were shortened
    for _, call in rows.groupby("vendorCallKey"):
        assert np.diff(call["send_ms"]).max(initial=0) <= 500


def test_without_max_gap_the_send_time_is_the_rows_own(tmp_path):
    frame = transcripts()
    frame.to_parquet(tmp_path / "t.parquet")
    manifest = prepare_dataset([tmp_path / "t.parquet"], tmp_path / "out", LoadOptions())
    rows = prepared_rows(tmp_path / "out")
    assert manifest["max_gap_s"] is None
    assert rows["send_ms"].tolist() == rows["endTime"].tolist()
