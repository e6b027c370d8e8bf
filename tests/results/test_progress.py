"""Progress lines and the end-of-run lateness note, in plain words."""

from __future__ import annotations

import pytest

from replay.results.progress import eta_s, lateness_note, progress_line


def _snapshot(**overrides):
    snapshot = {"sent": 1234, "failed": 0, "behind": 0, "rate_mps": 812.4, "lag_p99_ms": 3.14}
    return {**snapshot, **overrides}


@pytest.mark.parametrize(
    ("snapshot", "planned", "timeline_s", "elapsed_s", "line"),
    [
        (_snapshot(), 3000, 180.0, 72.0,
         "sent 1,234/3,000 (41%) | timeline 40% | ETA 1m 48s | 812 msg/s | lag p99 3.1 ms"),
        (_snapshot(failed=12, behind=40), 3000, 180.0, 72.0,
         "sent 1,234/3,000 (41%) | timeline 40% | ETA 1m 48s | 812 msg/s | lag p99 3.1 ms"
         " | 12 failed | 40 behind schedule"),
        (_snapshot(sent=0, rate_mps=0.0, lag_p99_ms=None), 3000, 180.0, 2.0,
         "sent 0/3,000 (0%) | timeline 1% | ETA 2m 58s | 0.0 msg/s | lag p99 -"),
        (_snapshot(rate_mps=None), 3000, 0.0, 1.5,
         "sent 1,234/3,000 (41%) | ETA ? | - msg/s | lag p99 3.1 ms"),
        (_snapshot(sent=3000, lag_p99_ms=1250.0), 3000, 60.0, 61.0,
         "sent 3,000/3,000 (100%) | timeline 100% | ETA 0s | 812 msg/s | lag p99 1.25 s"),
    ],
)  # fmt: skip
def test_progress_line(snapshot, planned, timeline_s, elapsed_s, line):
    assert progress_line(snapshot, planned, timeline_s, elapsed_s) == line


def test_eta_past_the_timeline_is_the_backlog_at_the_current_rate():
    assert eta_s(_snapshot(sent=1000, rate_mps=100.0), 3000, 60.0, 70.0) == pytest.approx(20.0)


def test_eta_at_speed_max_is_the_rest_at_the_current_rate():
    assert eta_s(_snapshot(sent=1000, rate_mps=500.0), 3000, 0.0, 2.0) == pytest.approx(4.0)


def _summary(lag_p99, lag_max, service_p99):
    return {
        "latency_ms": {
            "lag": {"p99": lag_p99, "max": lag_max},
            "service": {"p99": service_p99},
        }
    }


def test_no_note_when_messages_were_on_time():
    assert lateness_note(_summary(3.0, 12.0, 800.0)) is None
    assert lateness_note(_summary(None, None, None)) is None


def test_note_blames_slow_responses_when_service_time_is_high():
    assert lateness_note(_summary(840.0, 2100.0, 800.0)) == (
        "Messages were late: schedule lag p99 was 840 ms (max 2.1 s). The endpoint's responses"
        " (service p99 800 ms) held calls back: each call sends its next message only after the"
        " previous response, so slow responses delay the messages behind them. The endpoint did"
        " not keep up at this speed; lower --speed to replay on time."
    )


def test_note_blames_the_generator_when_responses_were_fast():
    assert lateness_note(_summary(45.0, 90.0, 2.0)) == (
        "Messages were late: schedule lag p99 was 45 ms (max 90 ms). Responses were fast"
        " (service p99 2 ms), so the load generator itself fell behind (CPU or the event loop):"
        " add workers (--workers) or lower --speed."
    )


def test_note_names_the_concurrency_cap_when_it_was_reached():
    note = lateness_note(_summary(300.0, 900.0, 250.0), concurrency_cap=500)
    assert note == (
        "Messages were late: schedule lag p99 was 300 ms (max 900 ms). The cap of 500"
        " concurrent calls was reached, so calls waited for a free slot; raise the cap or"
        " lower --speed."
    )


def test_late_threshold_is_adjustable():
    assert lateness_note(_summary(8.0, 9.0, 1.0), late_ms=5.0) is not None


def test_note_puts_a_lag_within_the_bulk_window_down_to_the_batching():
    summary = _summary(210.0, 230.0, 2.0) | {"options": {"bulk": True, "bulk_window_s": 0.2}}
    assert lateness_note(summary) == (
        "Messages were late: schedule lag p99 was 210 ms (max 230 ms). With --bulk a message"
        " waits up to --bulk-window (200 ms) for its batch to leave: that wait is the batching,"
        " not a late load generator; a smaller --bulk-window sends sooner, in smaller batches."
    )


def test_a_lag_well_past_the_bulk_window_gets_the_usual_note():
    summary = _summary(900.0, 1000.0, 2.0) | {"options": {"bulk": True, "bulk_window_s": 0.2}}
    assert "the load generator itself fell behind" in lateness_note(summary)


def test_a_lag_within_the_bulk_window_is_put_down_to_the_batching_even_when_attributed():
    summary = _summary(82.1, 197.0, 3.4) | {
        "options": {"bulk": True, "bulk_window_s": 0.2},
        "lateness": {"largest": "slow_responses",
                     "causes_s": {"slow_responses": 3.4, "event_loop": 3.1}},
    }
    assert lateness_note(summary) == (
        "Messages were late: schedule lag p99 was 82.1 ms (max 197 ms). With --bulk a message"
        " waits up to --bulk-window (200 ms) for its batch to leave: that wait is the batching,"
        " not a late load generator; a smaller --bulk-window sends sooner, in smaller batches."
    )
