"""The telephony routes against a real mock: one test per rule of the transcript endpoint."""

from __future__ import annotations

import pytest

from replay.mock.process import start_mock

from .mock_helpers import TRANSCRIPT, call, message, post_message, unique_key

XML_BODY = (b"<message><participantId>p</participantId><messageId>x-1</messageId>"
            b"<startTime>1</startTime><endTime>2</endTime><content>hi</content>"
            b"<senderType>EXTERNAL_USER</senderType></message>")


@pytest.fixture(scope="module")
def open_mock():
    with start_mock(["--no-auth", "--max-body-bytes", "4096"]) as running:
        yield running


def test_accepted_message_answers_the_documented_body(open_mock):
    answer = post_message(open_mock.url, unique_key(), message())
    assert answer.status == 202
    assert answer.json == {"result": "Accepted"}
    assert answer.headers["content-type"] == "application/json"


@pytest.mark.parametrize("content_type", [
    "application/json", "application/json; charset=utf-8", "application/json; utf-8",
])
def test_content_type_with_parameters_is_accepted(open_mock, content_type):
    assert post_message(open_mock.url, unique_key(), message(),
                        content_type=content_type).status == 202


def test_trailing_slash_is_accepted(open_mock):
    key = unique_key()
    answer = call(open_mock.url, "POST", TRANSCRIPT.format(key=key) + "/", message(),
                  {"Content-Type": "application/json", "Accept": "application/json"})
    assert answer.status == 202
    assert open_mock.call(key)["stored"] == 1


def test_xml_body_is_accepted(open_mock):
    key = unique_key()
    answer = post_message(open_mock.url, key, XML_BODY, content_type="application/xml")
    assert answer.status == 202
    assert open_mock.call(key)["ledger"][0]["messageId"] == "x-1"


def test_invalid_fields_get_400_listing_every_problem(open_mock):
    answer = post_message(open_mock.url, unique_key(),
                          message(startTime="soon", senderType="BOT"))
    assert answer.status == 400
    assert answer.error == "INVALID_FIELDS"
    assert {p["field"] for p in answer.json["errors"]} == {"startTime", "senderType"}


@pytest.mark.parametrize(("body", "content_type"), [
    (b"{not json", "application/json"),
    (b"\xff\xfe", "application/json"),
    (b"<unclosed>", "application/xml"),
    (b'<?xml version="1.0"?><!DOCTYPE a [<!ENTITY a "aaaa"><!ENTITY b "&a;&a;&a;&a;">]>'
     b"<m><content>&b;</content></m>", "application/xml"),
], ids=["json", "utf8", "xml", "xml_entity_bomb"])
def test_malformed_bodies_get_400_and_the_server_keeps_serving(open_mock, body, content_type):
    answer = post_message(open_mock.url, unique_key(), body, content_type=content_type)
    assert answer.status == 400
    assert answer.error == "INVALID_BODY"
    assert post_message(open_mock.url, unique_key(), message()).status == 202


@pytest.mark.parametrize("content_type", ["text/plain", "application/x-www-form-urlencoded", None])
def test_wrong_or_missing_content_type_gets_415(open_mock, content_type):
    headers = {"Content-Type": content_type} if content_type else {}
    answer = call(open_mock.url, "POST", TRANSCRIPT.format(key=unique_key()), message(), headers)
    assert answer.status == 415
    assert answer.error == "UNSUPPORTED_MEDIA_TYPE"


@pytest.mark.parametrize("method", ["GET", "PUT", "DELETE", "PATCH"])
def test_wrong_method_gets_405_with_allow(open_mock, method):
    answer = call(open_mock.url, method, TRANSCRIPT.format(key=unique_key()))
    assert answer.status == 405
    assert answer.headers["allow"] == "POST"


@pytest.mark.parametrize("path", ["/", "/telephony/v1/other", "/telephony/v2/voiceCalls/k/messages",
                                  "/telephony/v1/voiceCalls/a/b/c"])
def test_unknown_path_gets_404(open_mock, path):
    answer = call(open_mock.url, "POST", path, message(), {"Content-Type": "application/json"})
    assert answer.status in (404, 405)
    assert answer.json["status"] == answer.status


def test_body_over_the_limit_gets_413(open_mock):
    answer = post_message(open_mock.url, unique_key(), message(content="x" * 5000))
    assert answer.status == 413
    assert answer.error == "BODY_TOO_LARGE"


def test_chunked_body_over_the_limit_gets_413(open_mock):
    import socket
    from urllib.parse import urlsplit

    parts = urlsplit(open_mock.url)
    chunk = b"3e8\r\n" + b"x" * 1000 + b"\r\n"
    request = (f"POST {TRANSCRIPT.format(key=unique_key())} HTTP/1.1\r\nHost: x\r\n"
               "Content-Type: application/json\r\nTransfer-Encoding: chunked\r\n\r\n"
               ).encode() + chunk * 10 + b"0\r\n\r\n"
    with socket.create_connection((parts.hostname, parts.port), timeout=10) as sock:
        sock.sendall(request)
        assert sock.recv(4096).startswith(b"HTTP/1.1 413 ")


def test_duplicate_message_id_is_accepted_once_and_counted(open_mock):
    key = unique_key()
    for _ in range(3):
        assert post_message(open_mock.url, key, message("same")).status == 202
    summary = open_mock.call(key)
    assert (summary["stored"], summary["duplicates"]) == (1, 2)
    assert [row["outcome"] for row in summary["ledger"]] == ["stored", "duplicate", "duplicate"]


def test_unknown_call_is_created_on_its_first_message(open_mock):
    key = unique_key()
    post_message(open_mock.url, key, message())
    summary = open_mock.call(key)
    assert summary["created_by_api"] is False and summary["active"] is True


def test_participant_id_is_normalised_for_end_user(open_mock):
    key = unique_key()
    post_message(open_mock.url, key, message(participantId="END_USER"))
    post_message(open_mock.url, key, message("m-2", participantId="005xx000001Sv6A",
                                             senderType="HUMAN_AGENT"))
    rows = open_mock.call(key)["ledger"]
    assert [row["participantId"] for row in rows] == [f"{key}END_USER", "005xx000001Sv6A"]


def test_call_seq_counts_arrivals_within_each_call(open_mock):
    first, second = unique_key(), unique_key()
    for number in range(3):
        post_message(open_mock.url, first, message(f"m-{number}"))
        post_message(open_mock.url, second, message(f"m-{number}"))
    assert [row["call_seq"] for row in open_mock.call(first)["ledger"]] == [0, 1, 2]


@pytest.mark.parametrize(("options", "status"), [(["--success-status", "200"], 200),
                                                 ([], 202)])
def test_success_status_is_an_option(options, status):
    with start_mock(["--no-auth", *options]) as running:
        assert post_message(running.url, unique_key(), message()).status == status


def test_duplicates_reject_answers_409():
    with start_mock(["--no-auth", "--duplicates", "reject"]) as running:
        key = unique_key()
        assert post_message(running.url, key, message("m")).status == 202
        answer = post_message(running.url, key, message("m"))
        assert answer.status == 409
        assert answer.error == "DUPLICATE_MESSAGE"
        assert running.stats()["rejected"] == {"409": 1}


def test_strict_calls_answers_404_for_an_unknown_call():
    with start_mock(["--no-auth", "--strict-calls"]) as running:
        answer = post_message(running.url, unique_key(), message())
        assert answer.status == 404
        assert answer.error == "UNKNOWN_CALL"
