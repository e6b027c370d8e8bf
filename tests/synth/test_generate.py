"""The generator: deterministic for a seed, and shaped like real contact-centre transcripts."""

from __future__ import annotations

import re
from datetime import UTC, datetime
from itertools import pairwise

import numpy as np
import pandas as pd
import pytest

from replay.dataset import FIELDS
from replay.synth import generate_transcripts

START = datetime(2025, 11, 25, 8, tzinfo=UTC)
START_MS = int(START.timestamp() * 1000)


@pytest.fixture(scope="module")
def frame() -> pd.DataFrame:
    return generate_transcripts(400, seed=11, start=START)


def test_the_same_seed_gives_the_same_frame():
    first = generate_transcripts(30, seed=5, start=START)
    pd.testing.assert_frame_equal(first, generate_transcripts(30, seed=5, start=START))


def test_another_seed_gives_another_frame():
    first = generate_transcripts(30, seed=5, start=START)
    other = generate_transcripts(30, seed=6, start=START)
    assert first["content"].tolist() != other["content"].tolist()


def test_columns_are_the_dataset_fields_with_epoch_ms_times(frame):
    assert list(frame.columns) == list(FIELDS)
    assert frame["startTime"].dtype == "int64"
    assert frame["endTime"].dtype == "int64"


def test_every_call_is_there_with_a_plausible_number_of_turns(frame):
    per_call = frame.groupby("vendorCallKey", sort=False).size()
    assert len(per_call) == 400
    assert per_call.min() >= 7
    assert 20 <= per_call.median() <= 80


def test_calls_arrive_over_the_working_day(frame):
    first = frame.groupby("vendorCallKey", sort=False)["startTime"].min()
    hours = (first - START_MS) / 3_600_000
    assert hours.min() >= 0
    assert hours.max() < 10.5
    by_hour = np.bincount(hours.astype(int).clip(0, 9), minlength=10)
    assert by_hour[2] > by_hour[0]  # mid-morning is busier than the first hour
    assert by_hour[2] > by_hour[9]  # and than the last


def test_call_lengths_are_minutes_with_a_long_tail(frame):
    calls = frame.groupby("vendorCallKey", sort=False)
    minutes = (calls["endTime"].max() - calls["startTime"].min()) / 60_000
    assert 2 <= minutes.median() <= 8
    assert minutes.max() > 3 * minutes.median()


def test_utterances_end_after_they_start_and_in_order_within_a_call(frame):
    assert (frame["endTime"] > frame["startTime"]).all()
    ends = frame.groupby("vendorCallKey", sort=False)["endTime"]
    assert ends.apply(lambda column: column.is_monotonic_increasing).all()


def test_a_virtual_agent_opening_then_customer_and_agent_alternate(frame):
    for _, call in frame.groupby("vendorCallKey", sort=False):
        senders = call["senderType"].tolist()
        agent_joins = senders.index("HUMAN_AGENT")
        opening, rest = senders[:agent_joins], senders[agent_joins:]
        assert opening == ["VIRTUAL_AGENT", "END_USER"] * (len(opening) // 2) + [
            "VIRTUAL_AGENT"
        ] * (len(opening) % 2)
        assert len(opening) in (0, 3, 5)
        assert "VIRTUAL_AGENT" not in rest
        assert all(a != b for a, b in pairwise(rest))
        assert rest[-3:] == ["HUMAN_AGENT", "END_USER", "HUMAN_AGENT"]


def test_sender_mix_has_bots_sometimes_and_supervisors_rarely(frame):
    calls_with = frame.groupby("senderType")["vendorCallKey"].nunique()
    assert 0.3 * 400 <= calls_with["VIRTUAL_AGENT"] <= 0.6 * 400
    assert 1 <= calls_with.get("SUPERVISOR", 0) <= 0.1 * 400
    assert calls_with.get("EXTERNAL_USER", 0) <= 0.05 * 400


@pytest.mark.parametrize("sender", ["END_USER", "VIRTUAL_AGENT", "SUPERVISOR"])
def test_participant_id_is_the_call_key_and_the_sender_type(frame, sender):
    rows = frame[frame["senderType"] == sender]
    assert (rows["participantId"] == rows["vendorCallKey"] + sender).all()


def test_agents_are_18_character_user_ids_shared_across_calls(frame):
    agents = frame.loc[frame["senderType"] == "HUMAN_AGENT", "participantId"]
    assert agents.str.fullmatch(r"005[0-9A-Za-z]{15}").all()
    per_call = frame[frame["senderType"] == "HUMAN_AGENT"].groupby("vendorCallKey")["participantId"]
    assert (per_call.nunique() == 1).all()
    assert 3 <= agents.nunique() < 400


def test_message_ids_are_unique(frame):
    assert frame["messageId"].is_unique


def test_text_is_varied_and_filled_in(frame):
    contents = frame["content"]
    assert contents.nunique() > 500
    assert not contents.str.contains(r"[{}]").any()
    lengths = contents.str.len()
    assert lengths.min() >= 2
    assert 25 <= lengths.median() <= 90
    greeting = frame.groupby("vendorCallKey", sort=False).nth(0)["content"]
    assert (
        greeting.str.contains(
            "Northwind Energy|Contoso Mobile|Fabrikam Insurance|Tailspin Internet"
        ).mean()
        > 0.5
    )


def test_speaking_time_follows_the_length_of_what_is_said(frame):
    seconds = (frame["endTime"] - frame["startTime"]) / 1000
    chars_per_second = frame["content"].str.len() / seconds
    assert 8 <= chars_per_second.median() <= 20


def test_hours_stretch_the_day(frame):
    short = generate_transcripts(200, seed=2, start=START, hours=1)
    first = short.groupby("vendorCallKey")["startTime"].min()
    assert (first - START_MS).max() < 3_700_000


@pytest.mark.parametrize(
    ("calls", "start", "message"),
    [(0, START, "calls must be at least 1"), (5, datetime(2025, 1, 1), "timezone-aware")],
)
def test_bad_arguments_are_refused(calls, start, message):
    with pytest.raises(ValueError, match=message):
        generate_transcripts(calls, seed=1, start=start)


def test_call_keys_are_uuids(frame):
    assert frame["vendorCallKey"].map(lambda key: bool(re.fullmatch(r"[0-9a-f-]{36}", key))).all()


def test_progress_goes_to_stderr_when_asked(capsys):
    generate_transcripts(3, seed=1, start=START, progress=True)
    captured = capsys.readouterr()
    assert captured.out == ""
    assert "3/3" in captured.err
