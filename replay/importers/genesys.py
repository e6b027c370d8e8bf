"""Genesys Cloud speech and text analytics transcripts -> one call per file, absolute times.

In (field names from Genesys's published API typings; what we could not confirm is tolerated):
a JSON object `{conversationId, startTime, participants[{participantPurpose, userId,
startTimeMs, endTimeMs}], transcripts[{transcriptId, phrases[{text, startTimeMs,
duration{milliseconds}, participantPurpose: internal|external, phraseIndex, ...}]}]}`.

Out: one utterance per phrase, in start order. startTime = `startTimeMs` (epoch ms); endTime =
startTime + `duration.milliseconds` (0 when missing). external (or customer) -> END_USER;
internal (or agent) -> HUMAN_AGENT (participantId `--agent-id`), or VIRTUAL_AGENT with
`--agent-as virtual`; an internal phrase that starts while an `ivr` participant is connected
(its startTimeMs..endTimeMs), or a phrase whose purpose is ivr or bot, -> VIRTUAL_AGENT.
messageId = `<transcriptId>-<phraseIndex>` (the phrase's position when phraseIndex is absent).
vendorCallKey = `conversationId` (else the file name), or its `--call-keys` mapping.

Assumptions (documented in docs/guides/import.md): `startTimeMs` is epoch milliseconds; a value
under one year (31,536,000,000) is read as an offset from the top-level `startTime` or
`conversationStartTime` (ISO 8601) when the file has one.
"""

from __future__ import annotations

from replay.importers.json_fields import (
    load_json,
    need_int,
    need_list,
    need_object,
    need_text,
    optional_text,
)
from replay.importers.model import Call, SourceProblem, expected
from replay.importers.options import ImportOptions
from replay.importers.sources import Source
from replay.importers.speakers import participant_id
from replay.importers.timebase import parse_instant

NAME = "genesys"
SUFFIXES = (".json",)
OFFSETS = False
ONE_YEAR_MS = 31_536_000_000
_EXTERNAL = ("external", "customer")
_INTERNAL = ("internal", "agent", "user")
_VIRTUAL = ("ivr", "bot", "acd")


def check(options: ImportOptions) -> None:
    if options.agents.agent_as == "human":
        options.agents.require_agent_id("genesys sends internal phrases as HUMAN_AGENT")


def read(data: bytes, source: Source, options: ImportOptions) -> list[Call]:
    document = need_object(load_json(data), "")
    conversation = optional_text(document, "conversationId") or source.name.removesuffix(".json")
    call = Call(call_key=options.call_key(conversation), offsets=False, contact_id=conversation)
    ivr = _ivr_windows(document.get("participants"))
    base_ms = _conversation_start(document)
    rows = []
    for t_index, transcript in enumerate(need_list(document, "transcripts", "")):
        t_at = f"transcripts[{t_index}]"
        transcript = need_object(transcript, t_at)
        transcript_id = optional_text(transcript, "transcriptId") or str(t_index)
        for p_index, phrase in enumerate(need_list(transcript, "phrases", t_at)):
            at = f"{t_at}.phrases[{p_index}]"
            phrase = need_object(phrase, at)
            rows.append(_row(phrase, at, transcript_id, p_index, base_ms, ivr, options))
    rows.sort()
    seen = set()
    for start, _, end, message_id, sender, content in rows:
        if message_id in seen:
            raise SourceProblem("", f"phrase id {message_id!r} is repeated", "repeated phrase")
        seen.add(message_id)
        if not content.strip():
            call.drop("empty content")
            continue
        call.add(message_id, participant_id(sender, call.call_key, options.agents), start, end,
                 content, sender)
    return [call]


def _row(phrase: dict, at: str, transcript_id: str, position: int, base_ms: int | None,
         ivr: list[tuple[int, int]], options: ImportOptions) -> tuple:
    content = need_text(phrase, "text", at)
    start = need_int(phrase, "startTimeMs", at, "epoch milliseconds")
    if start < 0:
        raise expected(f"{at}.startTimeMs", "epoch milliseconds (0 or more)", start)
    if start < ONE_YEAR_MS and base_ms is not None:
        start += base_ms
    duration = phrase.get("duration")
    length = 0
    if duration is not None:
        length = need_int(need_object(duration, f"{at}.duration"), "milliseconds",
                          f"{at}.duration")
        if length < 0:
            raise expected(f"{at}.duration.milliseconds", "0 or more milliseconds", length)
    purpose = need_text(phrase, "participantPurpose", at).lower()
    if purpose in _EXTERNAL:
        sender = "END_USER"
    elif purpose in _VIRTUAL or (purpose in _INTERNAL and _within(start, ivr)):
        sender = "VIRTUAL_AGENT"
    elif purpose in _INTERNAL:
        sender = options.agents.sender_type
    else:
        raise SourceProblem(f"{at}.participantPurpose",
                            f"expected internal or external, found {purpose!r}",
                            "unknown participant")
    index = phrase.get("phraseIndex")
    number = index if type(index) is int else position
    return (start, number, start + length, f"{transcript_id}-{number}", sender, content)


def _ivr_windows(participants: object) -> list[tuple[int, int]]:
    windows = []
    if type(participants) is list:
        for participant in participants:
            if (type(participant) is dict
                    and str(participant.get("participantPurpose", "")).lower() == "ivr"):
                start, end = participant.get("startTimeMs"), participant.get("endTimeMs")
                if type(start) is int and type(end) is int:
                    windows.append((start, end))
    return windows


def _within(moment: int, windows: list[tuple[int, int]]) -> bool:
    return any(start <= moment < end for start, end in windows)


def _conversation_start(document: dict) -> int | None:
    for key in ("startTime", "conversationStartTime"):
        text = optional_text(document, key)
        if text:
            try:
                return round(parse_instant(text).timestamp() * 1000)
            except ValueError:
                continue
    return None
