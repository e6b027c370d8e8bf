"""Lag at the endpoint: the mock's ledger arrivals against the replay's due times."""

from __future__ import annotations

import time
import urllib.request

import orjson
import pandas as pd
import pytest

from bench.endpoint_lag import endpoint_lag, ledger_arrivals
from replay.mock.process import start_mock

T0 = 1_764_086_400.0


def test_the_lag_is_arrival_minus_t0_plus_due_over_the_messages_in_both():
    arrivals = pd.DataFrame({"vendorCallKey": ["a", "a", "b", "z"],
                             "messageId": ["1", "2", "1", "9"],
                             "arrived_us": [1_764_086_400_001_500, 1_764_086_401_003_000,
                                            1_764_086_400_502_000, 1]})
    outcomes = pd.DataFrame({"vendorCallKey": pd.Categorical(["a", "a", "b", "c"]),
                             "messageId": ["1", "2", "1", "1"],
                             "due_s": [0.0, 1.0, 0.5, 2.0]})
    lag = endpoint_lag(arrivals, outcomes, t0_epoch_s=T0)
    assert lag["count"] == 3
    assert lag["max_ms"] == pytest.approx(3.0)
    assert lag["p50_ms"] == pytest.approx(2.0)


def test_a_repeated_message_counts_its_first_arrival():
    arrivals = pd.DataFrame({"vendorCallKey": ["a", "a"], "messageId": ["1", "1"],
                             "arrived_us": [1_764_086_400_001_000, 1_764_086_405_000_000]})
    outcomes = pd.DataFrame({"vendorCallKey": ["a"], "messageId": ["1"], "due_s": [0.0]})
    assert endpoint_lag(arrivals, outcomes, t0_epoch_s=T0)["max_ms"] == pytest.approx(1.0)


def test_no_message_in_both_gives_no_figures():
    empty = pd.DataFrame({"vendorCallKey": [], "messageId": [], "arrived_us": []})
    outcomes = pd.DataFrame({"vendorCallKey": ["a"], "messageId": ["1"], "due_s": [0.0]})
    assert endpoint_lag(empty, outcomes, t0_epoch_s=T0) == {
        "count": 0, "p50_ms": None, "p99_ms": None, "max_ms": None}


def test_arrivals_are_read_from_a_running_mocks_ledger():
    body = orjson.dumps({"participantId": "p", "messageId": "m1", "startTime": 1, "endTime": 2,
                         "content": "hello", "senderType": "END_USER"})
    with start_mock(["--no-auth"]) as mock:
        before_us = time.time() * 1e6
        request = urllib.request.Request(
            f"{mock.url}/telephony/v1/voiceCalls/call-1/messages", data=body, method="POST",
            headers={"Content-Type": "application/json"})
        with urllib.request.urlopen(request, timeout=10) as response:
            assert response.status in (200, 202)
        arrivals = ledger_arrivals(mock.url)
    assert arrivals[["vendorCallKey", "messageId"]].values.tolist() == [["call-1", "m1"]]
    assert arrivals["arrived_us"].iloc[0] >= before_us - 1_000_000
