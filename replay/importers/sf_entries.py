"""Salesforce's stored conversation entries -> calls with absolute times.

Two shapes, told apart by the first line:

- Connect REST API responses (`GET /connect/conversation/{id}/entries`): a JSON object with
  `conversationEntries[]` of `{identifier, messageText, clientTimestamp (epoch ms),
  clientDuration (ms), sender{role, subject, appType}, serverReceivedTimestamp, ...}`. The
  response does not name its conversation: the id is the top-level `conversationId` or
  `conversationIdentifier` when present, else the file name (`<id>.json`, `<id>_page2.json`),
  else, for names that are only a page (`page-2.json`, `3.json`), the parent folder. Responses
  are paginated, so a call's entries may come from several files: an entry seen on an earlier
  page is left out once.
- The bulk-upload format: newline-delimited JSON, a `{"type": "conversation", "payload":
  {"conversationId"}}` line, then `{"type": "conversationEntry", "payload": {conversationId, id,
  clientSentTimestamp, clientDuration, messageText, sender{role, subject, appType}}}` lines.

Out: messageId = identifier (id); startTime = the client timestamp, endTime = it plus the
client duration (a missing duration counts as 0); senderType from `sender.role` (EndUser /
END_USER, Agent / HUMAN_AGENT, VirtualAgent / Bot, Supervisor, ExternalUser, in any case);
participantId = `sender.subject` (for a missing subject: see speakers.py). vendorCallKey = the
conversation id, or its `--call-keys` mapping.
"""

from __future__ import annotations

import re

import orjson

from replay.importers.json_fields import (
    load_json,
    need_int,
    need_list,
    need_object,
    need_text,
    optional_text,
    path_of,
)
from replay.importers.model import Call, SourceProblem, expected
from replay.importers.options import ImportOptions
from replay.importers.sources import Source
from replay.importers.speakers import participant_id

NAME = "sf-entries"
SUFFIXES = (".json", ".jsonl", ".ndjson")
OFFSETS = False
CALLS_SPAN_FILES = True
ROLES = {
    "enduser": "END_USER", "customer": "END_USER",
    "agent": "HUMAN_AGENT", "humanagent": "HUMAN_AGENT",
    "virtualagent": "VIRTUAL_AGENT", "bot": "VIRTUAL_AGENT", "chatbot": "VIRTUAL_AGENT",
    "supervisor": "SUPERVISOR",
    "externaluser": "EXTERNAL_USER",
}
_PAGE_SUFFIX = re.compile(r"[-_. ]*(?:page|p)[-_]?\d+$", re.IGNORECASE)
_ONLY_PAGE = re.compile(r"^(?:(?:page|p)[-_]?)?\d+$", re.IGNORECASE)


def check(options: ImportOptions) -> None:
    """Nothing to check: the files carry their own roles and times."""


def read(data: bytes, source: Source, options: ImportOptions) -> list[Call]:
    first_line = data.lstrip().split(b"\n", 1)[0]
    try:
        first = orjson.loads(first_line)
    except orjson.JSONDecodeError:
        first = None
    if type(first) is dict and "type" in first:
        return _bulk_upload(data, options)
    document = need_object(load_json(data), "")
    conversation = (optional_text(document, "conversationId")
                    or optional_text(document, "conversationIdentifier")
                    or conversation_of(source))
    call = Call(call_key=options.call_key(conversation), offsets=False, contact_id=conversation)
    rows = []
    for index, entry in enumerate(need_list(document, "conversationEntries", "")):
        at = f"conversationEntries[{index}]"
        entry = need_object(entry, at)
        rows.append(_row(entry, at, "identifier", "clientTimestamp", index))
    _add_rows(call, rows, options)
    return [call]


def conversation_of(source: Source) -> str:
    """`<id>.json`, `<id>_page2.json` -> `<id>`; `<id>/page-2.json`, `<id>/3.json` -> `<id>`."""
    stem = source.name.rsplit(".", 1)[0]
    if _ONLY_PAGE.match(stem):
        return source.parent or stem
    return _PAGE_SUFFIX.sub("", stem) or stem


def _bulk_upload(data: bytes, options: ImportOptions) -> list[Call]:
    calls: dict[str, list] = {}
    for number, line in enumerate(data.split(b"\n"), start=1):
        if not line.strip():
            continue
        where = f"line {number}"
        try:
            record = orjson.loads(line)
        except orjson.JSONDecodeError as error:
            raise SourceProblem(where, f"not valid JSON ({error.msg})",
                                "not valid JSON") from None
        record = need_object(record, where)
        kind = need_text(record, "type", where)
        payload = need_object(record.get("payload"), f"{where} payload")
        if kind == "conversation":
            calls.setdefault(need_text(payload, "conversationId", f"{where} payload",
                                       empty=False), [])
        elif kind == "conversationEntry":
            conversation = need_text(payload, "conversationId", f"{where} payload", empty=False)
            row = _row(payload, f"{where} payload", "id", "clientSentTimestamp", number)
            calls.setdefault(conversation, []).append(row)
        else:
            raise SourceProblem(f"{where}.type",
                                f"expected conversation or conversationEntry, found {kind!r}",
                                "unknown line type")
    result = []
    for conversation, rows in calls.items():
        call = Call(call_key=options.call_key(conversation), offsets=False,
                    contact_id=conversation)
        _add_rows(call, rows, options)
        result.append(call)
    return result


def _row(entry: dict, at: str, id_key: str, time_key: str, order: int) -> tuple:
    message_id = need_text(entry, id_key, at, empty=False)
    start = need_int(entry, time_key, at, "epoch milliseconds")
    if start < 0:
        raise expected(path_of(at, time_key), "epoch milliseconds (0 or more)", start)
    duration = entry.get("clientDuration", 0)
    if type(duration) is not int or duration < 0:
        raise expected(path_of(at, "clientDuration"), "milliseconds (0 or more)", duration)
    content = need_text(entry, "messageText", at)
    sender = need_object(entry.get("sender"), path_of(at, "sender"))
    role = need_text(sender, "role", path_of(at, "sender"))
    sender_type = ROLES.get(role.replace("_", "").replace(" ", "").lower())
    if sender_type is None:
        raise SourceProblem(
            path_of(at, "sender.role"),
            f"unknown role {role!r}; expected EndUser, Agent, VirtualAgent, Supervisor or "
            "ExternalUser",
            "unknown role",
        )
    subject = optional_text(sender, "subject")
    return (start, order, start + duration, message_id, subject, content, sender_type, at)


def _add_rows(call: Call, rows: list[tuple], options: ImportOptions) -> None:
    rows.sort()
    seen = set()
    for start, _, end, message_id, subject, content, sender_type, at in rows:
        if message_id in seen:
            call.drop("repeated entry (already on another page)")
            continue
        seen.add(message_id)
        if not content.strip():
            call.drop("empty content")
            continue
        participant = subject or participant_id(sender_type, call.call_key, options.agents)
        if not participant:
            raise SourceProblem(
                path_of(at, "sender.subject"),
                "an agent entry without a subject (the agent's Salesforce user id); pass "
                "--agent-id 005... to send such entries with that id",
                "no agent id",
            )
        call.add(message_id, participant, start, end, content, sender_type)
