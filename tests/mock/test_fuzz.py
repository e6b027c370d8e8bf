"""Property tests (issue 8): whatever bodies, headers and tokens it gets, the mock answers 4xx or
2xx, never 5xx (injected faults are off), and it is still serving afterwards."""

from __future__ import annotations

import http.client
import json
from urllib.parse import quote, urlsplit

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from replay.mock.process import start_mock

from .mock_helpers import message, post_message, unique_key

SETTINGS = settings(max_examples=150, deadline=None,
                    suppress_health_check=[HealthCheck.function_scoped_fixture])

json_values = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False) | st.text(max_size=20),
    lambda inner: st.lists(inner, max_size=4) | st.dictionaries(st.text(max_size=10), inner,
                                                                  max_size=4),
    max_leaves=12,
)
field_values = st.one_of(st.none(), st.booleans(), st.integers(), st.floats(), st.text(max_size=30),
                         st.lists(st.integers(), max_size=2))
messages = st.fixed_dictionaries(
    {},
    optional={name: field_values for name in ("participantId", "messageId", "startTime",
                                               "endTime", "content", "senderType")},
)
header_values = st.text(st.characters(min_codepoint=32, max_codepoint=126), max_size=60)
content_types = st.sampled_from(["application/json", "application/json; utf-8",
                                 "application/xml", "text/xml", "", "application/json;;;",
                                 "*/*"]) | header_values


@pytest.fixture(scope="module")
def servers(keys):
    limit = ["--max-body-bytes", "20000"]
    with start_mock(["--public-key", str(keys.public_pem), *limit]) as authed, \
            start_mock(["--no-auth", *limit]) as open_:
        yield authed, open_


def _raw(url: str, method: str, path: str, body: bytes, headers: dict[str, str]) -> int:
    parts = urlsplit(url)
    connection = http.client.HTTPConnection(parts.hostname, parts.port, timeout=10)
    try:
        connection.putrequest(method, path, skip_accept_encoding=True)
        for name, value in headers.items():
            connection.putheader(name, value)
        connection.putheader("Content-Length", str(len(body)))
        connection.endheaders(body)
        return connection.getresponse().status
    finally:
        connection.close()


def _still_serving(url: str) -> None:
    assert post_message(url, unique_key(), message()).status == 202


@SETTINGS
@given(body=st.binary(max_size=400), content_type=content_types)
def test_random_bytes_never_get_5xx(servers, body, content_type):
    _, open_ = servers
    status = _raw(open_.url, "POST", f"/telephony/v1/voiceCalls/{unique_key()}/messages", body,
                  {"Content-Type": content_type})
    assert 400 <= status < 500


@SETTINGS
@given(document=json_values | messages)
def test_random_json_documents_never_get_5xx(servers, document):
    _, open_ = servers
    body = json.dumps(document).encode()
    status = _raw(open_.url, "POST", f"/telephony/v1/voiceCalls/{unique_key()}/messages", body,
                  {"Content-Type": "application/json"})
    assert status == 202 or 400 <= status < 500


@SETTINGS
@given(document=json_values)
def test_random_bulk_and_lifecycle_bodies_never_get_5xx(servers, document):
    _, open_ = servers
    body = json.dumps(document).encode()
    for method, path in (("POST", "/telephony/v1/voiceCalls/messages"),
                         ("POST", "/telephony/v1/voiceCalls"),
                         ("PATCH", f"/telephony/v1/voiceCalls/{unique_key()}")):
        status = _raw(open_.url, method, path, body, {"Content-Type": "application/json"})
        assert status < 500


@SETTINGS
@given(children=st.lists(st.tuples(st.sampled_from(["participantId", "messageId", "startTime",
                                                     "endTime", "content", "senderType", "x"]),
                                    st.text(max_size=20)), max_size=8))
def test_random_xml_never_gets_5xx(servers, children):
    from xml.sax.saxutils import escape

    _, open_ = servers
    inner = "".join(f"<{name}>{escape(text)}</{name}>" for name, text in children)
    status = _raw(open_.url, "POST", f"/telephony/v1/voiceCalls/{unique_key()}/messages",
                  f"<message>{inner}</message>".encode(errors="replace"),
                  {"Content-Type": "application/xml"})
    assert status == 202 or 400 <= status < 500


@SETTINGS
@given(authorization=header_values | st.builds(lambda parts: "Bearer " + ".".join(parts),
                                               st.lists(st.text(st.characters(
                                                   min_codepoint=33, max_codepoint=126),
                                                   max_size=40), min_size=1, max_size=4)),
       extra=st.dictionaries(st.from_regex(r"\A[A-Za-z][A-Za-z0-9-]{0,15}\Z"), header_values,
                             max_size=4))
def test_random_tokens_and_headers_get_401_never_5xx(servers, authorization, extra):
    authed, _ = servers
    headers = {**{k: v for k, v in extra.items()
                  if k.lower() not in ("content-length", "transfer-encoding", "host",
                                       "authorization", "content-type", "expect")},
               "Authorization": authorization, "Content-Type": "application/json"}
    status = _raw(authed.url, "POST", f"/telephony/v1/voiceCalls/{unique_key()}/messages",
                  json.dumps(message()).encode(), headers)
    assert status == 401


@SETTINGS
@given(method=st.sampled_from(["GET", "POST", "PUT", "PATCH", "DELETE", "OPTIONS", "HEAD"]),
       path=st.text(st.characters(min_codepoint=33, max_codepoint=0x2FF), max_size=60))
def test_random_paths_and_methods_never_get_5xx(servers, method, path):
    _, open_ = servers
    status = _raw(open_.url, method, "/" + quote(path, safe="/"), b"{}",
                  {"Content-Type": "application/json"})
    assert status < 500


RAW_ABUSE = [
    b"GARBAGE\r\n\r\n",
    b"POST /telephony/v1/voiceCalls/k/messages HTTP/1.1\r\nContent-Length: 100\r\n\r\n{\"a\"",
    b"POST /telephony/v1/voiceCalls/k/messages HTTP/1.1\r\nHost: x\r\nContent-Length: -5\r\n\r\n",
    b"POST /telephony/v1/voiceCalls/k/messages HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked"
    b"\r\n\r\nzz\r\n",
    b"GET /" + b"a" * 100_000 + b" HTTP/1.1\r\nHost: x\r\n\r\n",
    b"POST /telephony/v1/voiceCalls/k/messages HTTP/1.1\r\nHost: x\r\nX-Big: " + b"b" * 200_000
    + b"\r\nContent-Length: 2\r\n\r\n{}",
]


@pytest.mark.parametrize("request_bytes", RAW_ABUSE,
                         ids=["garbage", "cut_body", "negative_length", "bad_chunk", "long_path",
                              "huge_header"])
def test_broken_http_is_never_a_5xx_and_the_server_survives(servers, request_bytes):
    import socket

    _, open_ = servers
    parts = urlsplit(open_.url)
    with socket.create_connection((parts.hostname, parts.port), timeout=5) as sock:
        sock.sendall(request_bytes)
        sock.shutdown(socket.SHUT_WR)
        try:
            answer = sock.recv(64)
        except (ConnectionError, TimeoutError):
            answer = b""
    assert not answer.startswith(b"HTTP/1.1 5")
    _still_serving(open_.url)


def test_pipelined_requests_are_answered_in_order(servers):
    import socket

    _, open_ = servers
    parts = urlsplit(open_.url)
    key = unique_key()
    requests = b""
    for number in range(5):
        body = json.dumps(message(f"m-{number}")).encode()
        requests += (f"POST /telephony/v1/voiceCalls/{key}/messages HTTP/1.1\r\nHost: x\r\n"
                     f"Content-Type: application/json\r\nContent-Length: {len(body)}\r\n\r\n"
                     ).encode() + body
    with socket.create_connection((parts.hostname, parts.port), timeout=10) as sock:
        sock.sendall(requests)
        received = b""
        while received.count(b"HTTP/1.1 202") < 5:
            chunk = sock.recv(65536)
            assert chunk, received
            received += chunk
    assert [row["messageId"] for row in open_.call(key)["ledger"]] == [f"m-{n}" for n in range(5)]


def test_both_servers_still_serve_after_the_fuzzing(servers, token):
    authed, open_ = servers
    _still_serving(open_.url)
    assert post_message(authed.url, unique_key(), message(), token()).status == 202
    assert authed.alive() and open_.alive()
    assert "Traceback" not in authed.output() + open_.output()
