"""Late messages' lag split into measured causes, and the note naming the largest."""

from __future__ import annotations

import numpy as np
import pytest

from replay.results.lateness import Waits, add_lateness, attribute
from replay.results.progress import lateness_note, token_note

NAN = np.nan


def one_call(due, sent, done, *, retry=None, token=None, slot=0.0, created=NAN, connect=None):
    waits = Waits.for_plan(messages=len(due), calls=1)
    if connect:
        waits.connect_s[:] = connect
    if retry:
        waits.retry_s[:] = retry
    if token:
        waits.token_s[:] = token
    waits.slot_s[0] = slot
    waits.created_s[0] = created
    return attribute(np.array(due, float), np.array(sent, float), np.array(done, float),
                     np.array([0]), np.array([len(due)]), waits)


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
    block = one_call([0.0, 0.1], [0.0, 0.4], [0.01, 0.41], token=[0.0, 0.3])
    assert block["lag_s"]["token_waits"] == pytest.approx(0.3)


def test_the_note_names_connection_waits_with_the_limit():
    summary = {"lateness": one_call([0.0, 0.1], [0.0, 0.4], [0.01, 0.41], connect=[0.0, 0.3]),
               "connections": {"limit": 256, "peak_open": 256, "waited": 1200, "wait_s": 9.0},
               "latency_ms": {"service": {"p99": 5.0, "max": 9.0},
                              "lag": {"p99": 300.0, "max": 300.0}},
               "counts": {"failed_by_reason": {}}}
    assert "waiting for a free connection (at most 256 per process, --connections; 1,200 " \
           "requests waited)" in lateness_note(summary, late_ms=20)


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
