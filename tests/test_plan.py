"""The timeline arithmetic of replay.plan: pure, no gevent, no network."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from replay.errors import ConfigError
from replay.plan import (
    PlanOptions,
    build_plan,
    earliest_send_ms,
    ids_as_sent,
    mean_rate,
    pass_suffix,
)

BASE = 1_764_000_000_000  # epoch ms


def table(rows: list[tuple[str, int, int]]) -> pd.DataFrame:
    """(vendorCallKey, start offset ms, end offset ms) rows as a dataset table."""
    return pd.DataFrame(
        {
            "vendorCallKey": [key for key, _, _ in rows],
            "participantId": ["p"] * len(rows),
            "messageId": [f"m{i}" for i in range(len(rows))],
            "startTime": np.array([BASE + s for _, s, _ in rows], dtype=np.int64),
            "endTime": np.array([BASE + e for _, _, e in rows], dtype=np.int64),
            "content": ["hello"] * len(rows),
            "senderType": ["END_USER"] * len(rows),
            "row": np.arange(2, len(rows) + 2, dtype=np.int64),
        }
    )


TWO_CALLS = table(
    [
        ("B", 5_000, 6_000),
        ("A", 0, 1_000),
        ("A", 1_000, 3_000),
        ("B", 7_000, 9_000),
        ("A", 4_000, 11_000),
    ]
)


def test_due_times_are_send_time_minus_t0_divided_by_speed():
    plan = build_plan(TWO_CALLS, PlanOptions(speed=2.0))
    # A first (its first message ends at 1 s), then B; T0 = 1 s (earliest endTime).
    assert plan.due_s.tolist() == [0.0, 1.0, 5.0, 2.5, 4.0]
    assert plan.row.tolist() == [1, 2, 4, 0, 3]


def test_send_at_start_uses_start_times():
    plan = build_plan(TWO_CALLS, PlanOptions(speed=1.0, send_at="start"))
    assert plan.due_s.tolist() == [0.0, 1.0, 4.0, 5.0, 7.0]
    assert plan.t0_ms == BASE


def test_calls_are_ordered_by_first_due_and_sliced_by_call_start_and_end():
    plan = build_plan(TWO_CALLS, PlanOptions(speed=1.0))
    assert plan.calls == 2
    assert plan.call.tolist() == [0, 0, 0, 1, 1]
    assert plan.call_start.tolist() == [0, 3]
    assert plan.call_end.tolist() == [3, 5]
    assert plan.call_seq.tolist() == [0, 1, 2, 0, 1]


def test_messages_with_equal_send_times_keep_file_order():
    plan = build_plan(table([("A", 0, 1_000), ("A", 0, 1_000), ("A", 0, 1_000)]), PlanOptions())
    assert plan.row.tolist() == [0, 1, 2]


def test_speed_max_makes_every_message_due_at_zero_and_is_unpaced():
    plan = build_plan(TWO_CALLS, PlanOptions(speed=None))
    assert not plan.paced
    assert plan.due_s.tolist() == [0.0] * 5
    assert plan.intended_mps == 0.0
    assert plan.row.tolist() == [1, 2, 4, 0, 3]


def test_max_gap_shortens_silences_inside_a_call_and_moves_the_rest_earlier():
    plan = build_plan(TWO_CALLS, PlanOptions(speed=1.0, max_gap_s=1.0))
    # Call A ends at 1, 3, 11 s: gaps 2 and 8 become 1 and 1 -> 1, 2, 3 s.
    # Call B ends at 6, 9 s: gap 3 becomes 1 -> 6, 7 s. Its start is not moved.
    assert plan.due_s.tolist() == [0.0, 1.0, 2.0, 5.0, 6.0]


def test_max_gap_zero_sends_each_call_as_a_burst_at_its_start():
    plan = build_plan(TWO_CALLS, PlanOptions(speed=1.0, max_gap_s=0.0))
    assert plan.due_s.tolist() == [0.0, 0.0, 0.0, 5.0, 5.0]


def test_loops_repeat_the_timeline_after_the_previous_pass_with_suffixed_ids():
    plan = build_plan(TWO_CALLS, PlanOptions(speed=1.0, loops=2))
    assert plan.messages == 10
    assert plan.calls == 4
    assert plan.pass_index.tolist() == [0] * 5 + [1] * 5
    # pass 1 starts one second after pass 0's last message (10 s)
    assert plan.due_s[5:].tolist() == [11.0, 13.0, 21.0, 16.0, 19.0]
    keys = ids_as_sent(TWO_CALLS["vendorCallKey"].to_numpy()[plan.row], plan.pass_index)
    assert keys.tolist() == ["A", "A", "A", "B", "B", "A-p1", "A-p1", "A-p1", "B-p1", "B-p1"]


@pytest.mark.parametrize(("index", "suffix"), [(0, ""), (1, "-p1"), (12, "-p12")])
def test_pass_suffix(index, suffix):
    assert pass_suffix(index) == suffix


def test_calls_takes_the_earliest_calls():
    plan = build_plan(TWO_CALLS, PlanOptions(speed=1.0, calls=1))
    assert plan.calls == 1
    assert plan.row.tolist() == [1, 2, 4]


def test_sample_is_deterministic_by_seed_and_keeps_whole_calls():
    many = table([(f"call{i}", i * 1000, i * 1000 + 500) for i in range(200) for _ in range(2)])
    first = build_plan(many, PlanOptions(sample=0.25, seed=7))
    again = build_plan(many, PlanOptions(sample=0.25, seed=7))
    other = build_plan(many, PlanOptions(sample=0.25, seed=8))
    assert first.row.tolist() == again.row.tolist()
    assert first.row.tolist() != other.row.tolist()
    assert 20 <= first.calls <= 80
    assert first.messages == 2 * first.calls


def test_sample_keeps_at_least_one_call():
    plan = build_plan(TWO_CALLS, PlanOptions(sample=0.0001))
    assert plan.calls == 1


def test_peak_concurrency_counts_overlapping_call_windows():
    overlapping = table([("A", 0, 1_000), ("A", 0, 10_000), ("B", 0, 2_000), ("B", 0, 3_000),
                         ("C", 0, 12_000), ("C", 0, 13_000)])
    assert build_plan(overlapping, PlanOptions(speed=1.0)).peak_concurrency == 2
    assert build_plan(overlapping, PlanOptions(speed=50.0)).peak_concurrency == 2
    assert build_plan(overlapping, PlanOptions(speed=None)).peak_concurrency == 2


def test_rates_count_messages_due_in_each_second():
    plan = build_plan(TWO_CALLS, PlanOptions(speed=1.0))
    assert plan.rate_per_s.tolist() == [1, 0, 1, 0, 0, 1, 0, 0, 1, 0, 1]
    assert plan.peak_intended_mps == 1
    assert plan.intended_mps == pytest.approx(5 / 10)


def test_mean_rate_of_a_timeline_shorter_than_its_seconds_is_its_busiest_second():
    ten_in_half_a_second = table([("A", 0, 50 * i) for i in range(10)])
    plan = build_plan(ten_in_half_a_second, PlanOptions(speed=1.0))
    assert plan.peak_intended_mps == 10
    assert plan.intended_mps == 10.0  # not 10 / 0.45 s = 22.2, a rate no second saw


def test_mean_rate_of_a_steady_rate_is_that_rate_not_one_message_more():
    assert mean_rate(100, 9.9, 10) == 10.0  # 100 messages at 10/s: 9.9 s from first to last
    assert mean_rate(50, 10.0, 10) == 5.0
    assert mean_rate(3, 0.0, 3) == 3.0  # all at one instant: the instant's second


def test_external_t0_puts_a_share_of_the_dataset_on_the_whole_timeline():
    share = TWO_CALLS[TWO_CALLS["vendorCallKey"] == "B"].reset_index(drop=True)
    t0 = earliest_send_ms(TWO_CALLS)
    plan = build_plan(share, PlanOptions(speed=1.0), t0_ms=t0)
    assert plan.due_s.tolist() == [5.0, 8.0]


def test_an_empty_table_gives_an_empty_plan():
    plan = build_plan(TWO_CALLS.iloc[0:0], PlanOptions())
    assert plan.messages == 0
    assert plan.calls == 0
    assert plan.peak_concurrency == 0


@pytest.mark.parametrize(
    ("options", "message"),
    [
        (dict(speed=0.0), "--speed must be a positive number or 'max', got 0"),
        (dict(speed=-1.0), "--speed must be a positive number or 'max', got -1"),
        (dict(send_at="middle"), "--send-at must be 'end' or 'start', got 'middle'"),
        (dict(max_gap_s=-1.0), "--max-gap must be 0 or more seconds, got -1.0"),
        (dict(loops=0), "--loops must be 1 or more, got 0"),
        (dict(calls=0), "--calls must be 1 or more, got 0"),
        (dict(sample=1.5), "--sample must be a fraction in (0, 1], got 1.5"),
    ],
)
def test_bad_plan_options_are_refused_with_the_option_named(options, message):
    with pytest.raises(ConfigError) as error:
        PlanOptions(**options)
    assert str(error.value) == message
