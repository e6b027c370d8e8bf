"""summarise: counts, span, rates and concurrency at a replay speed."""

from __future__ import annotations

import json

import pytest

from replay.dataset import load_transcripts, summarise
from replay.errors import ConfigError

from .files import write_csv

T0 = 1764086400000  # 2025-11-25T16:00:00Z


def _rows():
    """Call a: 0-2 s; call b: 1-10 s; call c: 20 s, one message. End times are send times."""

    def row(key, message, start_s, end_s, sender):
        return [key, f"{key}END_USER", message, str(T0 + int(start_s * 1000)),
                str(T0 + int(end_s * 1000)), "Hi", sender]  # fmt: skip

    return [
        row("a", "m1", 0, 0, "VIRTUAL_AGENT"),
        row("a", "m2", 0.2, 0.5, "END_USER"),
        row("a", "m3", 0.6, 0.9, "END_USER"),
        row("a", "m4", 1, 2, "HUMAN_AGENT"),
        row("b", "m1", 1, 1.5, "END_USER"),
        row("b", "m2", 2, 10, "HUMAN_AGENT"),
        row("c", "m1", 19, 20, "SUPERVISOR"),
    ]


@pytest.fixture
def transcripts(in_tmp):
    return load_transcripts(write_csv(_rows()))


def test_counts_per_call_and_sender(transcripts):
    summary = summarise(transcripts, speed=1.0)
    assert (summary["calls"], summary["messages"]) == (3, 7)
    assert summary["sender_types"] == {
        "END_USER": 3, "HUMAN_AGENT": 2, "VIRTUAL_AGENT": 1, "SUPERVISOR": 1, "EXTERNAL_USER": 0,
    }  # fmt: skip
    assert summary["messages_per_call"] == {"min": 1, "median": 2.0, "max": 4}
    assert summary["call_duration_s"] == {"median": 2.0, "max": 9.0}


def test_span_and_replay_duration_scale_with_speed(transcripts):
    summary = summarise(transcripts, speed=4.0)
    assert summary["first_send"] == "2025-11-25T16:00:00.000Z"
    assert summary["last_send"] == "2025-11-25T16:00:20.000Z"
    assert summary["span_s"] == 20.0
    assert summary["replay_duration_s"] == 5.0
    assert summary["mean_mps"] == 1.4


def test_peak_rate_counts_messages_due_in_one_second_of_the_replay(transcripts):
    assert summarise(transcripts, speed=1.0)["peak_mps"] == 3  # 0, 0.5, 0.9 s
    assert summarise(transcripts, speed=2.0)["peak_mps"] == 4  # 0, 0.5, 0.9, 1.5 s


def test_peak_concurrency_counts_calls_between_first_and_last_message(transcripts):
    assert summarise(transcripts, speed=1.0)["peak_concurrent_calls"] == 2
    assert summarise(transcripts, speed=100.0)["peak_concurrent_calls"] == 2


def test_start_time_sending_changes_the_span(in_tmp):
    transcripts = load_transcripts(write_csv(_rows()))
    summary = summarise(transcripts, speed=1.0, send_at="startTime")
    assert (summary["send_at"], summary["span_s"]) == ("startTime", 19.0)


def test_the_summary_is_json_ready(transcripts):
    assert json.loads(json.dumps(summarise(transcripts, 3.0)))["speed"] == 3.0


def test_a_speed_that_is_not_positive_is_refused(transcripts):
    with pytest.raises(ConfigError, match="--speed must be a positive number or 'max', got 0"):
        summarise(transcripts, 0)
