"""The outcome recorder's arrays and counters, progress snapshots, and failure classification."""

from __future__ import annotations

import socket
import ssl

import numpy as np
import pytest

from replay.results.recorder import OutcomeRecorder, classify


def test_new_recorder_holds_unsent_slots():
    recorder = OutcomeRecorder(3)
    assert np.isnan(recorder.sent_s).all() and np.isnan(recorder.done_s).all()
    assert recorder.status.tolist() == [-1, -1, -1]
    assert recorder.attempts.tolist() == [0, 0, 0]
    assert (recorder.sent_count, recorder.done_count) == (0, 0)


def test_a_2xx_without_reason_counts_as_accepted():
    recorder = OutcomeRecorder(2)
    recorder.sent(1, 0.5)
    recorder.done(1, 0.75, 202)
    assert (recorder.sent_count, recorder.accepted_count, recorder.failed_count) == (1, 1, 0)
    assert recorder.sent_s[1] == 0.5 and recorder.done_s[1] == 0.75
    assert recorder.status[1] == 202 and recorder.attempts[1] == 1
    assert recorder.reasons[recorder.reason_code[1]] == ""


@pytest.mark.parametrize(
    ("status", "reason", "stored_reason"),
    [
        (500, None, "http_500"),
        (429, None, "http_429"),
        (0, None, "no_response"),
        (0, "timeout", "timeout"),
        (200, "invalid_response", "invalid_response"),
    ],
)
def test_anything_but_a_clean_2xx_counts_as_failed_with_its_reason(status, reason, stored_reason):
    recorder = OutcomeRecorder(1)
    recorder.sent(0, 1.0)
    recorder.done(0, 1.1, status, reason, attempts=3)
    assert (recorder.accepted_count, recorder.failed_count) == (0, 1)
    assert recorder.reasons[recorder.reason_code[0]] == stored_reason
    assert recorder.attempts[0] == 3


def test_reason_codes_are_shared_by_equal_reasons():
    recorder = OutcomeRecorder(3)
    for i in range(3):
        recorder.sent(i, 0.0)
        recorder.done(i, 0.1, 503)
    assert len(set(recorder.reason_code.tolist())) == 1
    assert recorder.reasons.count("http_503") == 1


def test_retried_keeps_the_first_attempt_in_sent_s():
    recorder = OutcomeRecorder(1)
    recorder.sent(0, 1.0)
    recorder.retried(0, 2.5)
    recorder.done(0, 2.6, 202, attempts=2)
    assert recorder.sent_s[0] == 1.0 and recorder.final_sent_s[0] == 2.5
    assert recorder.sent_count == 1


def test_not_sent_records_why():
    recorder = OutcomeRecorder(2)
    recorder.not_sent(0, "call_aborted")
    assert recorder.reasons[recorder.reason_code[0]] == "call_aborted"
    assert recorder.reason_code[1] == 0


def test_mark_unsent_gives_every_unsent_message_without_a_reason_the_reason():
    recorder = OutcomeRecorder(4)
    recorder.sent(0, 0.0)
    recorder.not_sent(1, "call_aborted")
    assert recorder.mark_unsent("stopped") == 2
    reasons = [recorder.reasons[code] for code in recorder.reason_code]
    assert reasons == ["", "call_aborted", "stopped", "stopped"]


def test_snapshot_reports_counts_and_the_rate_and_lag_of_the_last_window():
    recorder = OutcomeRecorder(6)
    due = np.array([0.0, 0.5, 1.0, 1.5, 8.0, 9.0])
    for i, lag in zip(range(4), (0.001, 0.002, 0.003, 0.100), strict=True):
        recorder.sent(i, due[i] + lag)
    recorder.done(0, 0.1, 202)
    recorder.done(1, 0.6, 500)
    early = recorder.snapshot(2.0, due)
    assert early["planned"] == 6 and early["due"] == 4 and early["sent"] == 4
    assert (early["done"], early["accepted"], early["failed"], early["in_flight"]) == (2, 1, 1, 2)
    assert early["interval_s"] == 2.0  # the run is younger than the window
    assert early["rate_mps"] == pytest.approx(2.0)  # 4 sends in the first 2 s
    assert early["lag_p50_ms"] == pytest.approx(2.5)
    assert early["lag_p99_ms"] == pytest.approx(97.09)
    assert early["behind"] == 0

    recorder.sent(4, 8.004)
    later = recorder.snapshot(10.0, due)
    assert later["interval_s"] == 5.0
    assert later["recent"] == 1 and later["rate_mps"] == pytest.approx(1 / 5)
    assert later["lag_p50_ms"] == pytest.approx(4.0)
    assert later["behind"] == 1  # message 5 was due at 9 s


def test_snapshot_is_stateless_so_several_callers_see_the_same_numbers():
    recorder = OutcomeRecorder(3)
    due = np.array([0.0, 1.0, 2.0])
    recorder.sent(0, 0.01)
    recorder.sent(1, 1.02)
    assert recorder.snapshot(3.0, due) == recorder.snapshot(3.0, due)


def test_snapshot_with_nothing_sent_has_no_lag():
    snapshot = OutcomeRecorder(2).snapshot(1.0, np.array([0.0, 5.0]))
    assert snapshot["lag_p99_ms"] is None and snapshot["rate_mps"] == 0.0
    assert snapshot["behind"] == 1


def test_snapshot_at_time_zero_has_no_rate():
    assert OutcomeRecorder(1).snapshot(0.0, np.array([0.0]))["rate_mps"] is None


class Timeout(BaseException):  # named like gevent.Timeout, a BaseException
    pass


class ConnectionTimeout(Exception):  # named like geventhttpclient's
    pass


class HTTPParseError(Exception):  # geventhttpclient's, for a malformed response
    pass


class HTTPConnectionClosed(HTTPParseError):
    pass


class ReadTimeout(Exception):
    pass


class ConnectError(Exception):
    pass


class NetworkError(Exception):
    pass


class DecodingError(Exception):
    pass


def _chained_tls_error() -> Exception:
    try:
        raise ssl.SSLCertVerificationError("certificate verify failed")
    except ssl.SSLError as cause:
        error = RuntimeError("request failed")
        error.__cause__ = cause
        return error


@pytest.mark.parametrize(
    ("status", "exception", "reason"),
    [
        (200, None, None),
        (202, None, None),
        (503, None, "http_503"),
        (401, None, "http_401"),
        (0, None, "no_response"),
        (None, None, "no_response"),
        (None, TimeoutError(), "timeout"),
        (None, ConnectionResetError(), "connection_error"),
        (None, ConnectionRefusedError(), "connection_error"),
        (None, BrokenPipeError(), "connection_error"),
        (None, OSError("network unreachable"), "connection_error"),
        (None, socket.gaierror(-2, "Name or service not known"), "dns_error"),
        (None, ssl.SSLCertVerificationError("bad cert"), "tls_error"),
        (None, ssl.SSLError("wrong version"), "tls_error"),
        (None, Timeout(), "timeout"),
        (None, ConnectionTimeout(), "timeout"),
        (None, HTTPParseError("bad status line"), "invalid_response"),
        (None, HTTPConnectionClosed("closed"), "connection_error"),
        (None, ReadTimeout(), "timeout"),
        (None, ConnectError(), "connection_error"),
        (None, NetworkError(), "connection_error"),
        (None, DecodingError(), "error_DecodingError"),
        (None, KeyError("x"), "error_KeyError"),
        (None, _chained_tls_error(), "tls_error"),
        (200, TimeoutError(), "timeout"),
    ],
)
def test_classify_by_status_then_exception_class_then_name(status, exception, reason):
    assert classify(status, exception) == reason
