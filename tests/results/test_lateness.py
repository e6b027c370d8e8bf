"""Late messages' lag split into measured causes, and the note naming the largest."""

from __future__ import annotations

import numpy as np
import pytest

from replay.results.lateness import Lateness, Waits, add_lateness
from replay.results.progress import lateness_note, token_note

NAN = np.nan


def one_call(due, sent, done, *, retry=None, token=None, slot=0.0, created=NAN, connect=None,
             own_token=None):
    """One call's messages, each held by the one before it (done, retry and token waits), each
    waiting itself for a connection and a token (`connect`, `own_token`) before it went out."""
    waits = Waits(len(due))
    for i in range(len(due)):
        waits.went_out(i, (connect or [0.0] * len(due))[i], (own_token or [0.0] * len(due))[i])
    for i in range(1, len(due)):
        waits.held(i, done[i - 1], (retry or [0.0] * len(due))[i - 1],
                   (token or [0.0] * len(due))[i - 1])
    if slot:
        waits.slot_s[0] = slot
    if not np.isnan(created):
        waits.created_s[0] = created
    tally = Lateness()
    tally.add(np.array(due, float), np.array(sent, float),
              np.arange(len(due)) == 0, waits)
    return tally.block()


def test_lag_behind_a_previous_message_in_retry_waits_is_retry_waits():
    # message 0 sent on time, took 1.0 s of which 0.8 s were retry waits; message 1 due at 0.1
    block = one_call([0.0, 0.1], [0.0, 1.0], [1.0, 1.01], retry=[0.8, 0.0])
    assert block["late_messages"] == 1
    assert block["lag_s"]["retry_waits"] == pytest.approx(0.8)
    assert block["lag_s"]["slow_responses"] == pytest.approx(0.1)
    assert block["largest"] == "retry_waits"


def test_lag_behind_a_slow_response_is_slow_responses_and_the_rest_is_the_event_loop():
    block = one_call([0.0, 0.1], [0.0, 0.6], [0.5, 0.61])
    assert block["lag_s"]["slow_responses"] == pytest.approx(0.4)
    assert block["lag_s"]["event_loop"] == pytest.approx(0.1)


def test_a_first_message_late_by_a_slot_wait_is_concurrency_slot():
    block = one_call([1.0], [1.5], [1.6], slot=0.45)
    assert block["lag_s"]["concurrency_slot"] == pytest.approx(0.45)
    assert block["lag_s"]["event_loop"] == pytest.approx(0.05)


def test_token_waits_count_before_slow_responses():
    block = one_call([0.0, 0.1], [0.0, 0.5], [0.5, 0.51], token=[0.3, 0.0])
    assert block["lag_s"]["token_waits"] == pytest.approx(0.3)
    assert block["lag_s"]["slow_responses"] == pytest.approx(0.1)


def test_messages_on_time_are_not_late():
    block = one_call([0.0, 0.1], [0.001, 0.105], [0.002, 0.11])
    assert block["late_messages"] == 0 and block["largest"] is None


def test_worker_blocks_add_up_and_keep_the_worst_loop_delay():
    a = one_call([0.0, 0.1], [0.0, 0.6], [0.5, 0.61])
    b = one_call([0.0, 0.1], [0.0, 1.0], [1.0, 1.01], retry=[0.8, 0.0])
    a["loop_delay_ms"] = {"samples": 10, "p50": 1.0, "p99": 3.0, "max": 9.0}
    b["loop_delay_ms"] = {"samples": 5, "p50": 2.0, "p99": 2.0, "max": 4.0}
    total = add_lateness([a, b])
    assert total["late_messages"] == 2
    assert total["lag_s"]["retry_waits"] == pytest.approx(0.8)
    assert total["loop_delay_ms"] == {"samples": 15, "p50": 2.0, "p99": 3.0, "max": 9.0}


def test_batches_added_one_by_one_give_the_same_block_as_all_at_once():
    due, sent, done = [0.0, 0.1, 0.2, 0.3], [0.0, 0.6, 0.9, 1.5], [0.5, 0.85, 1.4, 1.6]
    whole = one_call(due, sent, done, retry=[0.3, 0.0, 0.2, 0.0])
    tally = Lateness()
    for lo, hi in ((0, 1), (1, 3), (3, 4)):  # a call spanning three batches
        waits = Waits(hi - lo)
        for i in range(lo, hi):
            if i:
                waits.held(i - lo, done[i - 1], [0.3, 0.0, 0.2, 0.0][i - 1])
        tally.add(np.array(due[lo:hi]), np.array(sent[lo:hi]), np.arange(lo, hi) == 0, waits)
    assert tally.block() == whole


def test_a_message_never_sent_is_not_late():
    tally = Lateness()
    tally.add(np.array([0.0, 0.1]), np.array([0.0, NAN]), np.array([True, False]), Waits(2))
    assert tally.block()["late_messages"] == 0


def test_the_wait_in_an_open_bulk_request_is_bulk_window_and_only_bulk_runs_show_it():
    # message 1 joined the open request behind message 0 (nothing held it) and waited 0.15 s
    waits = Waits(2, bulk=True)
    waits.held(1, -np.inf)
    waits.window_s[:] = [0.19, 0.15]
    tally = Lateness()
    tally.add(np.array([0.0, 0.05]), np.array([0.2, 0.2]), np.array([True, False]), waits)
    block = tally.block()
    assert list(block["lag_s"]) == ["concurrency_slot", "call_creation", "retry_waits",
                                    "token_waits", "slow_responses", "bulk_window",
                                    "connection_wait", "event_loop"]
    assert block["lag_s"]["bulk_window"] == pytest.approx(0.34)
    assert block["lag_s"]["event_loop"] == pytest.approx(0.01)
    assert block["largest"] == "bulk_window"
    assert "bulk_window" not in one_call([0.0], [0.5], [0.6])["lag_s"]


def test_a_bulk_message_held_by_its_previous_request_gets_that_requests_retry_waits():
    # message 1 (due 0.1) waited for the request of message 0, answered at 1.0 after 0.7 s of
    # retry waits, then 0.05 s in its own open request
    waits = Waits(2, bulk=True)
    waits.held(1, 1.0, 0.7, 0.0)
    waits.window_s[1] = 0.05
    tally = Lateness()
    tally.add(np.array([0.0, 0.1]), np.array([0.0, 1.06]), np.array([True, False]), waits)
    lag = tally.block()["lag_s"]
    assert lag["retry_waits"] == pytest.approx(0.7)
    assert lag["slow_responses"] == pytest.approx(0.2)
    assert lag["bulk_window"] == pytest.approx(0.05)
    assert lag["event_loop"] == pytest.approx(0.01)


def test_worker_blocks_of_bulk_runs_add_up_with_their_bulk_window():
    a = {"late_ms": 20.0, "late_messages": 2, "loop_delay_ms": None,
         "lag_s": {"slow_responses": 0.1, "bulk_window": 0.3, "event_loop": 0.0}}
    b = {"late_ms": 20.0, "late_messages": 1, "loop_delay_ms": None,
         "lag_s": {"slow_responses": 0.0, "bulk_window": 0.2, "event_loop": 0.1}}
    total = add_lateness([a, b])
    assert total["lag_s"]["bulk_window"] == pytest.approx(0.5)
    assert total["largest"] == "bulk_window" and total["late_messages"] == 3


def _summary(lateness, *, timeouts=0, tokens=None):
    return {
        "latency_ms": {"lag": {"p99": 205.0, "max": 420.0},
                       "service": {"p99": 2.8, "max": 1000.0}},
        "counts": {"failed_by_reason": {"timeout": timeouts} if timeouts else {}},
        "options": {"max_concurrency": None},
        "lateness": lateness, "tokens": tokens,
    }


def test_the_note_names_retry_waits_when_they_are_the_largest_cause():
    block = one_call([0.0, 0.1], [0.0, 1.0], [1.0, 1.01], retry=[0.8, 0.0])
    assert lateness_note(_summary(block)) == (
        "Messages were late: schedule lag p99 was 205 ms (max 420 ms). Of the 1 messages 20 ms"
        " or more late, most of the lateness (89% of 0.9 s) came from waiting out retries of the"
        " message before them in the same call (--retries, the endpoint's Retry-After): a call"
        " sends its next message only once the previous one is done; the endpoint refused or"
        " failed messages at this speed, so lower --speed or allow fewer --retries. The rest:"
        " slow responses 11%."
    )


def test_the_note_names_timeouts_behind_slow_responses_even_when_service_p99_is_fast():
    block = one_call([0.0, 0.1], [0.0, 1.0], [1.0, 1.01])
    note = lateness_note(_summary(block, timeouts=44))
    assert "came from waiting for the response to the message before them in the same call" \
           " (service p99 2.8 ms, max 1,000 ms, 44 timed out)" in note
    assert "fast" not in note


def test_the_token_note_names_the_option_when_shared_tokens_are_refused_as_reused():
    tokens = {"mode": "shared", "refused_after_accepted": 5209, "refused_naming_reuse": 0}
    assert token_note({"tokens": tokens}) == (
        "Tokens were refused as reused: 5,209 requests got 401 for a token the endpoint had"
        " accepted before; it accepts each token (its jti) only once, and --jwt-mode shared"
        " sends one token with every request: run with --jwt-mode per-request (a fresh token"
        " for every request, as Salesforce's own clients send them)."
    )


def test_the_token_note_says_when_requests_waited_for_tokens():
    tokens = {"mode": "per-request", "minters": 1, "requests_waited": 40, "wait_s": 2.5}
    assert token_note({"tokens": tokens}) == (
        "40 requests waited for a per-request token (2.5 s in all): the 1 minter process(es)"
        " did not keep up; raise --jwt-minters."
    )
    assert token_note({"tokens": None}) is None


def test_the_token_note_says_when_no_token_was_ever_accepted():
    tokens = {"mode": "per-request", "unauthorized": 157, "refused_after_accepted": 0,
              "refused_naming_reuse": 0}
    assert token_note({"tokens": tokens, "counts": {"accepted": 0}}) == (
        "No token was accepted: 157 requests got 401 and no message was accepted. Check that"
        " --org-id and --call-center (and --jwt-audience) are right and that the public half"
        " of --jwt-key is the certificate registered for this call center."
    )
    assert token_note({"tokens": tokens, "counts": {"accepted": 3}}) is None


def test_the_note_names_the_bulk_window_when_it_is_the_largest_cause():
    waits = Waits(2, bulk=True)
    waits.window_s[:] = [0.2, 0.2]
    tally = Lateness()
    tally.add(np.array([0.0, 0.0]), np.array([0.2, 0.5]), np.array([True, True]), waits)
    summary = _summary(tally.block()) | {"options": {"bulk": True, "bulk_window_s": 0.2}}
    summary["latency_ms"]["lag"] = {"p99": 500.0, "max": 500.0}  # past the window: attributed
    assert lateness_note(summary) == (
        "Messages were late: schedule lag p99 was 500 ms (max 500 ms). Of the 2 messages 20 ms"
        " or more late, most of the lateness (57% of 0.7 s) came from waiting in their batch"
        " for it to leave (--bulk-window, 200 ms): that wait is the batching, not a late load"
        " generator; a smaller --bulk-window sends sooner, in smaller batches. The rest:"
        " event loop 43%."
    )


def test_a_message_that_waited_for_a_connection_is_late_by_connection_wait():
    # message 0 on time; message 1 due at 0.1, handed over at 0.1, on the wire at 0.4
    block = one_call([0.0, 0.1], [0.0, 0.4], [0.01, 0.41], connect=[0.0, 0.3])
    assert block["lag_s"]["connection_wait"] == pytest.approx(0.3)
    assert block["lag_s"]["event_loop"] == pytest.approx(0.0)
    assert block["largest"] == "connection_wait"


def test_a_first_message_waits_for_a_connection_after_its_slot():
    block = one_call([1.0], [1.5], [1.6], slot=0.2, connect=[0.25])
    assert block["lag_s"]["concurrency_slot"] == pytest.approx(0.2)
    assert block["lag_s"]["connection_wait"] == pytest.approx(0.25)
    assert block["lag_s"]["event_loop"] == pytest.approx(0.05)


def test_a_message_own_token_wait_counts_as_token_waits():
    block = one_call([0.0, 0.1], [0.0, 0.4], [0.01, 0.41], own_token=[0.0, 0.3])
    assert block["lag_s"]["token_waits"] == pytest.approx(0.3)


def test_the_note_names_connection_waits_with_the_limit():
    summary = {"lateness": one_call([0.0, 0.1], [0.0, 0.4], [0.01, 0.41], connect=[0.0, 0.3]),
               "connections": {"limit": 256, "peak_open": 256, "waited": 1200, "wait_s": 9.0},
               "latency_ms": {"service": {"p99": 5.0, "max": 9.0},
                              "lag": {"p99": 300.0, "max": 300.0}},
               "counts": {"failed_by_reason": {}}}
    assert "waiting for a free connection (at most 256 per process, --connections; 1,200 " \
           "requests waited)" in lateness_note(summary, late_ms=20)
