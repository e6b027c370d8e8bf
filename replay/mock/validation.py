"""Request bodies of the telephony API: parsing (JSON, safe XML) and the transcript's six fields.

    kind = content_kind(b"application/json; charset=utf-8")   # JSON, XML or None (-> 415)
    document, problems = parse_document(body, kind)            # value, and [] or problems
    fields = message_fields(document)                          # tuple, or list of problems
    entries, problems = bulk_messages(document)                # [(vendorCallKey, [tuple])]

A problem is `{"field": "startTime", "message": "must be an integer (epoch ms), not 'x'"}`;
a request gets every problem in one 400. The rules (docs/contract.md, Create a Transcript):

| field | rule |
|---|---|
| participantId | non-empty string |
| messageId | non-empty string |
| startTime | integer, epoch milliseconds, 0 <= t < 2**63 |
| endTime | same, and endTime >= startTime |
| content | string (may be empty) |
| senderType | END_USER, HUMAN_AGENT, VIRTUAL_AGENT, SUPERVISOR or EXTERNAL_USER |

Unknown extra fields are ignored. XML (element names UNKNOWN in public material): the root's
child elements are the six fields, their text the values; a DTD, entity or external reference is
refused (defusedxml), so entity bombs never expand.
"""

from __future__ import annotations

import functools
from typing import Any
from xml.etree.ElementTree import ParseError

import orjson
from defusedxml import DefusedXmlException
from defusedxml.ElementTree import fromstring as xml_fromstring

JSON = 1
XML = 2
# Each sender type maps to one shared string, so the ledger holds no copy per message.
SENDER_TYPES = {name: name for name in
                ("END_USER", "HUMAN_AGENT", "VIRTUAL_AGENT", "SUPERVISOR", "EXTERNAL_USER")}
FIELDS = ("participantId", "messageId", "startTime", "endTime", "content", "senderType")
INT64_LIMIT = 2**63
_MEDIA_TYPES = {b"application/json": JSON, b"application/xml": XML}

Problem = dict[str, str]


# A valid message is a plain tuple in FIELDS order (a NamedTuple costs 0.4 µs more per request):
# (participantId, messageId, startTime, endTime, content, senderType).
Message = tuple[str, str, int, int, str, str]


@functools.lru_cache(maxsize=256)
def content_kind(content_type: bytes | None) -> int | None:
    """JSON or XML for a Content-Type header (parameters such as '; utf-8' ignored), else None."""
    if content_type is None:
        return None
    return _MEDIA_TYPES.get(content_type.split(b";", 1)[0].strip().lower())


def problem(field: str, message: str) -> Problem:
    return {"field": field, "message": message}


def parse_document(body: bytes, kind: int) -> tuple[Any, list[Problem]]:
    """The body as a JSON value or, for XML, a dict of the root's children's texts."""
    if kind == JSON:
        try:
            return orjson.loads(body), []
        except orjson.JSONDecodeError as error:
            return None, [problem("body", f"not valid JSON (UTF-8): {error}")]
    return _parse_xml(body)


def _parse_xml(body: bytes) -> tuple[Any, list[Problem]]:
    try:
        root = xml_fromstring(body, forbid_dtd=True)
    except DefusedXmlException as error:
        return None, [problem("body", f"XML with a DTD or entities is refused: {error}")]
    except (ParseError, ValueError) as error:
        return None, [problem("body", f"not well-formed XML: {error}")]
    document: dict[str, Any] = {}
    for child in root:
        name = child.tag.rsplit("}", 1)[-1] if isinstance(child.tag, str) else ""
        if name in document:
            return None, [problem(name, "appears more than once in the XML body")]
        text = child.text or ""
        if name in ("startTime", "endTime"):
            stripped = text.strip()
            if stripped.isascii() and stripped.isdigit():
                document[name] = int(stripped)
                continue
        document[name] = text
    return document, []


def _describe(value: Any) -> str:
    text = repr(value)
    return text if len(text) <= 40 else text[:37] + "..."


def message_fields(document: Any, prefix: str = "") -> Message | list[Problem]:
    """The six fields of one transcript message (a tuple), or the list of every problem."""
    if type(document) is dict:
        participant_id = document.get("participantId")
        message_id = document.get("messageId")
        start = document.get("startTime")
        end = document.get("endTime")
        content = document.get("content")
        sender = document.get("senderType")
        if (
            type(participant_id) is str and participant_id
            and type(message_id) is str and message_id
            and type(start) is int and type(end) is int
            and 0 <= start <= end < INT64_LIMIT
            and type(content) is str
            and sender in SENDER_TYPES
        ):
            return (participant_id, message_id, start, end, content, SENDER_TYPES[sender])
    return _problems(document, prefix)


def _problems(document: Any, prefix: str) -> list[Problem]:
    if not isinstance(document, dict):
        kind = "an array" if isinstance(document, list) else _describe(document)
        return [problem(prefix.rstrip(".") or "body",
                        f"must be an object with the six transcript fields, not {kind}")]
    problems: list[Problem] = []
    for name in FIELDS:
        field = prefix + name
        if name not in document or document[name] is None:
            problems.append(problem(field, "is required"))
            continue
        value = document[name]
        if name in ("participantId", "messageId"):
            if not isinstance(value, str) or not value:
                problems.append(problem(field,
                                        f"must be a non-empty string, not {_describe(value)}"))
        elif name == "content":
            if not isinstance(value, str):
                problems.append(problem(field, f"must be a string, not {_describe(value)}"))
        elif name == "senderType":
            if value not in SENDER_TYPES if isinstance(value, str) else True:
                problems.append(problem(field, f"must be one of {', '.join(sorted(SENDER_TYPES))}"
                                               f", not {_describe(value)}"))
        elif type(value) is not int:
            problems.append(problem(field, f"must be an integer (epoch milliseconds), "
                                           f"not {_describe(value)}"))
        elif not 0 <= value < INT64_LIMIT:
            problems.append(problem(field, f"must be between 0 and 2**63-1, not {value}"))
    start, end = document.get("startTime"), document.get("endTime")
    in_range = type(start) is int and type(end) is int and 0 <= start < INT64_LIMIT
    if in_range and 0 <= end < INT64_LIMIT and end < start:
        problems.append(problem(prefix + "endTime",
                                f"must not be before startTime ({end} < {start})"))
    return problems


MAX_BULK_CALLS = 5
MAX_BULK_MESSAGES = 5


def bulk_messages(document: Any) -> tuple[list[tuple[str, list[Message]]], list[Problem]]:
    """The (vendorCallKey, messages) of a bulk body, and every problem found.

    Shape (docs/contract.md, Bulk transcripts): {"entries": [{"vendorCallKey": "...",
    "messages": [{six fields}, ...]}]}, 1 to 5 entries of 1 to 5 messages each.
    """
    entries = document.get("entries") if isinstance(document, dict) else None
    if not isinstance(entries, list) or not entries:
        return [], [problem("entries", 'the body must be {"entries": [{"vendorCallKey": ..., '
                                       '"messages": [...]}]} with 1 to 5 entries')]
    problems: list[Problem] = []
    if len(entries) > MAX_BULK_CALLS:
        problems.append(problem("entries", f"at most {MAX_BULK_CALLS} calls per request, "
                                           f"not {len(entries)}"))
    result: list[tuple[str, list[Message]]] = []
    for i, entry in enumerate(entries[:MAX_BULK_CALLS]):
        where = f"entries[{i}]"
        if not isinstance(entry, dict):
            problems.append(problem(where, "must be an object"))
            continue
        key = entry.get("vendorCallKey")
        if not isinstance(key, str) or not key or "/" in key:
            problems.append(problem(f"{where}.vendorCallKey",
                                    "must be a non-empty string without '/'"))
        messages = entry.get("messages")
        if not isinstance(messages, list) or not messages:
            problems.append(problem(f"{where}.messages",
                                    f"must be a list of 1 to {MAX_BULK_MESSAGES} messages"))
            continue
        if len(messages) > MAX_BULK_MESSAGES:
            problems.append(problem(f"{where}.messages",
                                    f"at most {MAX_BULK_MESSAGES} messages per call, "
                                    f"not {len(messages)}"))
        checked: list[Message] = []
        for j, item in enumerate(messages[:MAX_BULK_MESSAGES]):
            fields = message_fields(item, f"{where}.messages[{j}].")
            if type(fields) is tuple:
                checked.append(fields)
            else:
                problems.extend(fields)
        if isinstance(key, str):
            result.append((key, checked))
    return result, problems
