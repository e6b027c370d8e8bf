"""Body parsing and the six-field rules, without a server."""

from __future__ import annotations

import pytest

from replay.mock.validation import (
    JSON,
    XML,
    content_kind,
    message_fields,
    parse_document,
)

from .mock_helpers import message


@pytest.mark.parametrize(("header", "kind"), [
    (b"application/json", JSON),
    (b"application/json; charset=utf-8", JSON),
    (b"application/json; utf-8", JSON),
    (b"Application/JSON", JSON),
    (b"application/xml", XML),
    (b"application/xml; charset=UTF-8", XML),
    (b"text/plain", None),
    (b"application/x-www-form-urlencoded", None),
    (b"", None),
    (None, None),
])
def test_content_type_parameters_are_ignored(header, kind):
    assert content_kind(header) == kind


def test_valid_message_gives_its_six_fields():
    fields = message_fields(message())
    assert fields == ("C-1END_USER", "m-1", 1764086400000, 1764086402500,
                             "Hello, I have a question about my bill.", "END_USER")


def test_extra_fields_are_ignored():
    assert isinstance(message_fields({**message(), "extra": [1, 2]}), tuple)


def test_empty_content_is_allowed():
    assert isinstance(message_fields(message(content="")), tuple)


@pytest.mark.parametrize(("changes", "field", "words"), [
    ({"participantId": None}, "participantId", "is required"),
    ({"messageId": ""}, "messageId", "non-empty string"),
    ({"messageId": 7}, "messageId", "non-empty string"),
    ({"startTime": "1764086400000"}, "startTime", "must be an integer"),
    ({"startTime": 1764086400000.5}, "startTime", "must be an integer"),
    ({"startTime": True}, "startTime", "must be an integer"),
    ({"endTime": -1}, "endTime", "between 0 and"),
    ({"endTime": 2**63}, "endTime", "between 0 and"),
    ({"endTime": 1764086399999}, "endTime", "must not be before startTime"),
    ({"content": None}, "content", "is required"),
    ({"content": ["a"]}, "content", "must be a string"),
    ({"senderType": "AGENT"}, "senderType", "must be one of"),
    ({"senderType": 3}, "senderType", "must be one of"),
])
def test_each_bad_field_is_named(changes, field, words):
    problems = message_fields(message(**changes))
    assert isinstance(problems, list)
    assert [p["field"] for p in problems] == [field]
    assert words in problems[0]["message"]


def test_every_problem_is_listed_at_once():
    problems = message_fields({"senderType": "X", "startTime": "a"})
    fields = {p["field"] for p in problems}
    assert fields == {"participantId", "messageId", "startTime", "endTime", "content",
                      "senderType"}


@pytest.mark.parametrize("document", [[], "text", 3, None])
def test_body_that_is_not_an_object_is_one_problem(document):
    problems = message_fields(document)
    assert len(problems) == 1 and problems[0]["field"] == "body"


def test_malformed_json_is_a_problem_with_its_position():
    document, problems = parse_document(b'{"messageId": ', JSON)
    assert document is None
    assert "not valid JSON" in problems[0]["message"]


XML_MESSAGE = (b"<message><participantId>005xx000001Sv6AAAS</participantId>"
               b"<messageId>m-1</messageId><startTime>1764086400000</startTime>"
               b"<endTime>1764086402500</endTime><content>Hi &amp; bye</content>"
               b"<senderType>HUMAN_AGENT</senderType></message>")


def test_xml_root_children_are_the_six_fields():
    document, problems = parse_document(XML_MESSAGE, XML)
    assert problems == []
    assert message_fields(document) == ("005xx000001Sv6AAAS", "m-1", 1764086400000,
                                               1764086402500, "Hi & bye", "HUMAN_AGENT")


def test_xml_with_namespace_is_accepted():
    body = XML_MESSAGE.replace(b"<message>", b'<message xmlns="urn:x">')
    document, problems = parse_document(body, XML)
    assert problems == []
    assert isinstance(message_fields(document), tuple)


def test_xml_time_that_is_not_digits_is_a_field_problem():
    document, _ = parse_document(XML_MESSAGE.replace(b"1764086400000", b"soon"), XML)
    assert [p["field"] for p in message_fields(document)] == ["startTime"]


XML_BOMB = b"""<?xml version="1.0"?>
<!DOCTYPE lolz [<!ENTITY lol "lol"><!ENTITY lol1 "&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;">
<!ENTITY lol2 "&lol1;&lol1;&lol1;&lol1;&lol1;&lol1;&lol1;&lol1;">]>
<message><content>&lol2;</content></message>"""
XML_EXTERNAL = b"""<?xml version="1.0"?>
<!DOCTYPE m [<!ENTITY x SYSTEM "file:///etc/passwd">]><message><content>&x;</content></message>"""


@pytest.mark.parametrize("body", [XML_BOMB, XML_EXTERNAL], ids=["entity_bomb", "external"])
def test_xml_with_entities_is_refused_without_expanding(body):
    document, problems = parse_document(body, XML)
    assert document is None
    assert "DTD or entities" in problems[0]["message"]


@pytest.mark.parametrize("body", [b"<message>", b"not xml", b"", b"<a><b>1</b><b>2</b></a>"])
def test_malformed_xml_is_a_problem(body):
    document, problems = parse_document(body, XML)
    assert document is None and problems
