"""Requests as they go out: URL joining, JSON and XML bodies, timestamps, headers, lifecycle."""

from __future__ import annotations

import numpy as np
import orjson
import pandas as pd
import pyarrow as pa
import pytest
from defusedxml import ElementTree

from replay.client import (
    FIELDS,
    Endpoint,
    RequestBuilder,
    RequestSettings,
    TextColumn,
    iso_utc,
    shift_times,
)
from replay.errors import ConfigError
from replay.plan import PlanOptions, build_plan

BASE = 1_764_000_000_000


def dataset() -> pd.DataFrame:
    return pd.DataFrame(
        {
            "vendorCallKey": pd.array(["call/1", "call/1", "c2"], dtype="string[pyarrow]"),
            "participantId": ["call/1END_USER", "005xx0000012345", "c2END_USER"],
            "messageId": ["m1", "m2", "m3"],
            "startTime": np.array([BASE, BASE + 2_000, BASE + 500], dtype=np.int64),
            "endTime": np.array([BASE + 1_000, BASE + 6_000, BASE + 1_500], dtype=np.int64),
            "content": ["Hi <there> & \"you\"", "Hello\x01 again", "ok"],
            "senderType": ["END_USER", "HUMAN_AGENT", "END_USER"],
            "row": np.array([2, 3, 4], dtype=np.int64),
        }
    )


def builder(speed=2.0, loops=1, **settings) -> RequestBuilder:
    table = dataset()
    plan = build_plan(table, PlanOptions(speed=speed, loops=loops))
    return RequestBuilder(
        table=table, plan=plan, endpoint=Endpoint.from_host("http://127.0.0.1:8080"),
        settings=RequestSettings(**settings), minter=None,
    )


@pytest.mark.parametrize(
    ("host", "base_url"),
    [
        ("http://127.0.0.1:8080", "http://127.0.0.1:8080/telephony/v1"),
        ("http://127.0.0.1:8080/", "http://127.0.0.1:8080/telephony/v1"),
        ("https://acme.my.salesforce-scrt.com/telephony/v1",
         "https://acme.my.salesforce-scrt.com/telephony/v1"),
        ("https://acme.my.salesforce-scrt.com/telephony/v1/",
         "https://acme.my.salesforce-scrt.com/telephony/v1"),
        ("https://proxy.example.com/scrt", "https://proxy.example.com/scrt/telephony/v1"),
        ("  http://[::1]:9000  ", "http://[::1]:9000/telephony/v1"),
    ],
)
def test_host_is_joined_to_the_api_path_whether_or_not_it_has_it(host, base_url):
    endpoint = Endpoint.from_host(host)
    assert endpoint.base_url == base_url
    assert endpoint.origin + endpoint.messages_path("K1") == base_url + "/voiceCalls/K1/messages"


def test_vendor_call_keys_are_percent_encoded_in_paths():
    endpoint = Endpoint.from_host("http://h")
    assert endpoint.messages_path("a/b c") == "/telephony/v1/voiceCalls/a%2Fb%20c/messages"


@pytest.mark.parametrize("host", ["127.0.0.1:8080", "ftp://h/x", "http://", "http://h/?a=1"])
def test_a_host_that_is_not_an_http_url_is_refused(host):
    with pytest.raises(ConfigError, match="--host"):
        Endpoint.from_host(host)


@pytest.mark.parametrize(
    ("send_at", "speed", "expected"),
    [
        ("end", 2.0, (9_000, 10_000)),
        ("end", None, (8_000, 10_000)),
        ("start", 2.0, (10_000, 11_000)),
        ("start", 0.5, (10_000, 14_000)),
    ],
)
def test_shift_times_anchors_the_send_time_and_scales_the_duration(send_at, speed, expected):
    assert shift_times(1_000, 3_000, anchor_ms=10_000, send_at=send_at, speed=speed) == expected


def test_json_body_has_the_six_fields_on_the_replay_clock():
    request = builder(speed=2.0).message(0, anchor_ms=1_800_000_000_000)
    assert request.method == "POST"
    assert request.path == "/telephony/v1/voiceCalls/call%2F1/messages"
    assert request.name == "/voiceCalls/{vendorCallKey}/messages"
    assert orjson.loads(request.body) == {
        "participantId": "call/1END_USER",
        "messageId": "m1",
        "startTime": 1_800_000_000_000 - 500,
        "endTime": 1_800_000_000_000,
        "content": "Hi <there> & \"you\"",
        "senderType": "END_USER",
    }


def test_keep_timestamps_sends_the_originals():
    body = orjson.loads(builder(keep_timestamps=True).message(2, anchor_ms=1).body)
    assert (body["startTime"], body["endTime"]) == (BASE + 500, BASE + 1_500)
    assert body["messageId"] == "m3"


def test_later_passes_suffix_the_call_key_and_message_id():
    b = builder(loops=2)
    request = b.message(3, anchor_ms=1)
    assert request.path == "/telephony/v1/voiceCalls/call%2F1/messages".replace("1/m", "1-p1/m")
    assert orjson.loads(request.body)["messageId"] == "m1-p1"
    assert b.call_key(3) == "call/1-p1"


def test_xml_body_has_a_message_root_with_escaped_fields():
    request = builder(content_type="xml").message(0, anchor_ms=5_000)
    root = ElementTree.fromstring(request.body)
    assert root.tag == "message"
    assert [child.tag for child in root] == list(FIELDS)
    assert root.findtext("content") == "Hi <there> & \"you\""
    assert root.findtext("endTime") == "5000"
    assert request.headers["Content-Type"] == "application/xml"


def test_xml_body_drops_characters_xml_forbids():
    body = builder(content_type="xml").message(1, anchor_ms=5_000).body
    assert ElementTree.fromstring(body).findtext("content") == "Hello again"


def test_headers_carry_content_type_accept_and_provider_name_and_no_auth_without_a_key():
    headers = builder(provider_name="amazon-connect").message(0, anchor_ms=1).headers
    assert headers == {
        "Content-Type": "application/json",
        "Accept": "application/json",
        "Telephony-Provider-Name": "amazon-connect",
    }


def test_sign_adds_the_minters_token_to_a_copy_of_the_headers():
    class Minter:
        def authorization(self):
            return "Bearer abc"

    table = dataset()
    b = RequestBuilder(
        table=table, plan=build_plan(table, PlanOptions()), endpoint=Endpoint.from_host("http://h"),
        settings=RequestSettings(), minter=Minter(),
    )
    request = b.message(0, anchor_ms=1)
    assert "Authorization" not in request.headers
    assert b.sign(request.headers)["Authorization"] == "Bearer abc"


class RenewingMinter:
    """authorization() hands out the same string object until `renew()`."""

    def __init__(self):
        self.value = "Bearer one"

    def authorization(self):
        return self.value

    def renew(self):
        self.value = "Bearer two"


def test_header_lines_are_the_signed_headers_as_http_lines_made_again_only_on_renewal():
    table = dataset()
    minter = RenewingMinter()
    b = RequestBuilder(
        table=table, plan=build_plan(table, PlanOptions()), endpoint=Endpoint.from_host("http://h"),
        settings=RequestSettings(provider_name="p"), minter=minter,
    )
    headers = b.message(0, anchor_ms=1).headers
    first = b.header_lines(headers)
    assert first == ("Content-Type: application/json\r\nAccept: application/json\r\n"
                     "Telephony-Provider-Name: p\r\nAuthorization: Bearer one\r\n")
    assert b.header_lines(b.message(1, anchor_ms=2).headers) is first
    minter.renew()
    assert b.header_lines(headers).endswith("Authorization: Bearer two\r\n")
    lifecycle = b.create_call(0, start_ms=1).headers
    assert b.header_lines(lifecycle).startswith("Content-Type: application/json\r\n")


def test_header_lines_without_a_minter_have_no_authorization():
    b = builder(content_type="xml")
    assert b.header_lines(b.message(0, anchor_ms=1).headers) == (
        "Content-Type: application/xml\r\nAccept: application/json\r\n")


@pytest.mark.parametrize("name", ["a\r\nX-Injected: 1", "tab\x00null", "line\nbreak"])
def test_a_provider_name_that_cannot_be_a_header_value_is_refused(name):
    with pytest.raises(ConfigError, match="--provider-name"):
        RequestSettings(provider_name=name)


def test_lifecycle_create_and_end_bodies():
    b = builder(call_center="replayCC")
    create = b.create_call(0, start_ms=1_800_000_000_000)
    assert (create.method, create.path) == ("POST", "/telephony/v1/voiceCalls")
    body = orjson.loads(create.body)
    assert body["callCenterApiName"] == "replayCC"
    assert body["vendorCallKey"] == "call/1"
    assert body["initiationMethod"] == "Inbound"
    assert body["startTime"] == "2027-01-15T08:00:00.000Z"
    end = b.end_call(0, end_ms=1_800_000_000_250)
    assert (end.method, end.path) == ("PATCH", "/telephony/v1/voiceCalls/call%2F1")
    assert orjson.loads(end.body) == {"endTime": "2027-01-15T08:00:00.250Z", "isActiveCall": False}


def test_call_window_holds_every_shifted_message():
    b = builder(speed=2.0)
    # call/1: durations 1 s and 4 s, halved -> the longest is 2 s before the first anchor
    assert b.call_window_ms(0, first_anchor_ms=10_000, last_anchor_ms=12_500) == (8_000, 12_500)


def test_iso_utc_has_milliseconds_and_z():
    assert iso_utc(0) == "1970-01-01T00:00:00.000Z"


def test_unknown_content_type_is_refused():
    with pytest.raises(ConfigError, match="--content-type must be json or xml, got 'yaml'"):
        RequestSettings(content_type="yaml")


@pytest.mark.parametrize("series", [
    pd.Series(["a", "", "zoë ☎", "x" * 300], dtype="string[pyarrow]"),
    pd.Series(["a", "", "zoë ☎", "x" * 300], dtype=object),
    pd.Series(["a", "", "zoë ☎", "x" * 300], dtype="str"),
    pd.Series(["skip", "a", "", "zoë ☎", "x" * 300], dtype="string[pyarrow]").iloc[1:],
    pd.Series(["a", None, "zoë ☎", "x" * 300], dtype="string[pyarrow]"),
])
def test_a_text_column_reads_each_row_as_arrow_would(series):
    column = TextColumn(series)
    expected = pa.array(series).to_pylist()
    assert [column[row] for row in range(len(series))] == expected
