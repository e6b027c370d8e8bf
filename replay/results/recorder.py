"""Record each planned message's outcome into preallocated arrays, cheaply, from the hot path.

    recorder = OutcomeRecorder(len(plan))          # one slot per planned message, by plan index
    recorder.sent(i, now_s)                        # first attempt starts
    recorder.retried(i, now_s)                     # a later attempt starts (retries only)
    recorder.done(i, now_s, status, classify(status, error), attempts)
    recorder.not_sent(i, "call_aborted")           # optional: why a message was never sent
    recorder.mark_unsent("stopped")                # at stop: every message never sent
    recorder.snapshot(now_s, due_s)                # progress numbers, any time, stateless

Arrays, indexed like the plan (times are run-clock seconds, see docs/architecture.md "Clock"):

    sent_s        float64  first attempt started; NaN until sent
    final_sent_s  float64  final attempt started; NaN when there was no retry (then = sent_s)
    done_s        float64  final attempt ended; NaN until done
    status        int16    HTTP status of the final attempt; 0 = no response; -1 = not sent
    reason_code   int16    index into `reasons` ("" = none); see `classify`
    attempts      int16    attempts made; 0 until done

A message is accepted when `done` gets no reason and a 2xx status; anything else is failed, with
the reason given, or `http_<status>` (`no_response` for status 0). Each index must be marked
`sent` once and `done` once; the counters are kept incrementally and not re-checked.
No Locust or gevent import: exceptions are classified by stdlib class, then by class name.
"""

from __future__ import annotations

import socket
import ssl

import numpy as np

ACCEPTED = ""
NOT_SENT = "not_sent"
TIMEOUT = "timeout"
CONNECTION_ERROR = "connection_error"
TLS_ERROR = "tls_error"
DNS_ERROR = "dns_error"
INVALID_RESPONSE = "invalid_response"
NO_RESPONSE = "no_response"
UNFINISHED = "unfinished"
KNOWN_REASONS = (
    ACCEPTED, NOT_SENT, TIMEOUT, CONNECTION_ERROR, TLS_ERROR, DNS_ERROR, INVALID_RESPONSE,
    NO_RESPONSE, UNFINISHED,
)  # fmt: skip
_NAME_HINTS = (
    ("timeout", TIMEOUT),
    ("timedout", TIMEOUT),
    ("ssl", TLS_ERROR),
    ("certificate", TLS_ERROR),
    ("gaierror", DNS_ERROR),
    ("connect", CONNECTION_ERROR),
    ("network", CONNECTION_ERROR),
    ("reset", CONNECTION_ERROR),
    ("refused", CONNECTION_ERROR),
    ("brokenpipe", CONNECTION_ERROR),
    ("parse", INVALID_RESPONSE),
    ("protocol", INVALID_RESPONSE),
)


def http_reason(status: int) -> str:
    """`http_<status>` for a received status, `no_response` for 0."""
    return f"http_{status}" if status > 0 else NO_RESPONSE


def classify(status: int | None, exception: BaseException | None = None) -> str | None:
    """The failure reason of a final attempt, or None when it was accepted (2xx, no exception).

    An exception wins over the status: ssl errors -> `tls_error`, TimeoutError -> `timeout`,
    socket.gaierror -> `dns_error`, ConnectionError/OSError -> `connection_error`; other classes
    (gevent's Timeout, geventhttpclient's errors, ...) by words in their class names (timeout,
    ssl, connect, network, reset, parse, protocol, ...), and otherwise `error_<ClassName>`.
    The exception's `__cause__` is consulted when its own class says nothing.
    """
    if exception is not None:
        return _classify_exception(exception)
    if status is not None and 200 <= status < 300:
        return None
    return http_reason(status or 0)


def _classify_exception(exception: BaseException) -> str:
    for candidate in (exception, exception.__cause__):
        if candidate is None:
            continue
        if isinstance(candidate, ssl.SSLError | ssl.CertificateError):
            return TLS_ERROR
        if isinstance(candidate, TimeoutError):
            return TIMEOUT
        if isinstance(candidate, socket.gaierror):
            return DNS_ERROR
        for klass in type(candidate).__mro__:
            name = klass.__name__.lower()
            for hint, reason in _NAME_HINTS:
                if hint in name:
                    return reason
        if isinstance(candidate, OSError):
            return CONNECTION_ERROR
    return f"error_{type(exception).__name__}"


class OutcomeRecorder:
    """Preallocated outcome arrays for `size` planned messages; see the module docstring."""

    def __init__(self, size: int) -> None:
        self.size = int(size)
        self.sent_s = np.full(self.size, np.nan)
        self.final_sent_s = np.full(self.size, np.nan)
        self.done_s = np.full(self.size, np.nan)
        self.status = np.full(self.size, -1, dtype=np.int16)
        self.reason_code = np.zeros(self.size, dtype=np.int16)
        self.attempts = np.zeros(self.size, dtype=np.int16)
        self.reasons: list[str] = list(KNOWN_REASONS)
        self._codes = {reason: code for code, reason in enumerate(self.reasons)}
        self.sent_count = 0
        self.done_count = 0
        self.accepted_count = 0
        self.failed_count = 0

    # -- hot path ----------------------------------------------------------------------------

    def sent(self, i: int, t: float) -> None:
        """Message i's first attempt started at run-clock second t."""
        self.sent_s[i] = t
        self.sent_count += 1

    def retried(self, i: int, t: float) -> None:
        """Message i's next attempt started at t (sent_s keeps the first attempt)."""
        self.final_sent_s[i] = t

    def done(
        self, i: int, t: float, status: int, reason: str | None = None, attempts: int = 1
    ) -> None:
        """Message i's final attempt ended at t with `status` (0 = no response) and `reason`."""
        self.done_s[i] = t
        self.status[i] = status
        self.attempts[i] = attempts
        self.done_count += 1
        if not reason and 200 <= status < 300:
            self.accepted_count += 1
            return
        self.failed_count += 1
        self.reason_code[i] = self.code(reason or http_reason(status))

    def not_sent(self, i: int, reason: str = NOT_SENT) -> None:
        """Message i will not be sent, and why (default `not_sent`)."""
        self.reason_code[i] = self.code(reason)

    def mark_unsent(self, reason: str = NOT_SENT) -> int:
        """Give every message not sent so far, and without a reason yet, this reason (at stop).

        Returns how many were marked. Vectorised: use it rather than `not_sent` in a loop.
        """
        unmarked = np.isnan(self.sent_s) & (self.reason_code == 0)
        self.reason_code[unmarked] = self.code(reason)
        return int(np.count_nonzero(unmarked))

    def code(self, reason: str) -> int:
        """The reason's code in `reasons`, adding it when new."""
        code = self._codes.get(reason)
        if code is None:
            code = self._codes[reason] = len(self.reasons)
            self.reasons.append(reason)
        return code

    # -- progress ----------------------------------------------------------------------------

    def snapshot(
        self, now_s: float, due_s: np.ndarray, window_s: float = 5.0
    ) -> dict[str, float | int | None]:
        """Progress now: counts, and the rate and lag of the sends in the last `window_s`.

        Keys: now_s, planned, due (messages due by now), sent, done, accepted, failed,
        in_flight, behind (due but not yet sent), interval_s (the window used: window_s, or
        now_s early in the run), recent (messages sent in it), rate_mps (recent / interval_s),
        lag_p50_ms and lag_p99_ms (schedule lag of the recent sends; None if none). Stateless,
        so any number of callers (console, web UI) may ask; costs a few passes over the arrays
        (about a millisecond per million messages), nothing on the hot path.
        """
        interval = min(window_s, now_s)
        recent = np.flatnonzero(self.sent_s >= now_s - interval)  # NaN (unsent) is False
        lag_ms = np.maximum(self.sent_s[recent] - due_s[recent], 0.0) * 1000.0
        due = int(np.count_nonzero(due_s <= now_s))
        sent = self.sent_count
        return {
            "now_s": now_s,
            "planned": self.size,
            "due": due,
            "sent": sent,
            "done": self.done_count,
            "accepted": self.accepted_count,
            "failed": self.failed_count,
            "in_flight": sent - self.done_count,
            "behind": max(due - sent, 0),
            "interval_s": interval,
            "recent": int(recent.size),
            "rate_mps": recent.size / interval if interval > 0 else None,
            "lag_p50_ms": float(np.percentile(lag_ms, 50)) if lag_ms.size else None,
            "lag_p99_ms": float(np.percentile(lag_ms, 99)) if lag_ms.size else None,
        }
