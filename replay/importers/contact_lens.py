"""Amazon Connect Contact Lens post-call analysis files -> one call each.

    calls = read(data, source, options)       # [Call] with offsets from the recording's start

In: `<contactId>_analysis_<timestamp>.json` (under Analysis/Voice/...), a JSON object whose
`Transcript` lists entries `{Id, ParticipantId: AGENT|CUSTOMER, Content, BeginOffsetMillis,
EndOffsetMillis, ...}`; other fields (Sentiment, LoudnessScore, Redaction, ...) are ignored.
Out: messageId = Id; CUSTOMER -> END_USER (participantId `{contactId}END_USER`); AGENT ->
HUMAN_AGENT (participantId `--agent-id`) or VIRTUAL_AGENT with `--agent-as virtual`. Entries
overlap at times, so they are sent in order of BeginOffsetMillis (file order among equals).
The call key is `CustomerMetadata.ContactId` when present, else the file name's contact id.

Redacted twins (`..._analysis_redacted_...`, or a `Redacted` folder) are chosen by `select`:
without `--redacted` the raw file of a contact is imported and its redacted twin skipped (a
redacted file without a raw twin is imported); with `--redacted` only redacted files are. A
contact analysed twice keeps only its latest file (the later timestamp in the name). Chat
analyses (under `Analysis/Chat/`) are skipped, so a whole `Analysis/` prefix can be given.
"""

from __future__ import annotations

from replay.importers.json_fields import load_json, need_int, need_list, need_object, need_text
from replay.importers.model import Call, SourceProblem, expected
from replay.importers.options import ImportOptions
from replay.importers.sources import Source
from replay.importers.speakers import participant_id

NAME = "contact-lens"
SUFFIXES = (".json",)
OFFSETS = True
_ANALYSIS = "_analysis_"


def check(options: ImportOptions) -> None:
    if options.agents.agent_as == "human":
        options.agents.require_agent_id("contact-lens sends AGENT entries as HUMAN_AGENT")


def contact_of(name: str) -> str:
    """`1a2b..._analysis_2025-11-25T09:12:03Z.json` -> `1a2b...`; else the name minus .json."""
    if _ANALYSIS in name:
        return name.split(_ANALYSIS, 1)[0]
    return name.removesuffix(".json")


def is_redacted(source: Source) -> bool:
    return "_analysis_redacted_" in source.name or "/Redacted/" in f"/{source.display}"


def select(sources: list[Source], options: ImportOptions) -> tuple[list[Source], dict[str, int]]:
    """One file per contact: the raw one, or with --redacted the redacted one; the latest
    analysis (the last name in sorted order) when a contact was analysed more than once."""
    raw_contacts = {contact_of(s.name) for s in sources if not is_redacted(s)}
    latest = {(contact_of(s.name), is_redacted(s)): s.name for s in sorted(sources, key=_name)}
    kept, skipped = [], {}
    for source in sources:
        redacted = is_redacted(source)
        if "/Analysis/Chat/" in f"/{source.display}":
            reason = "chat analysis (Analysis/Chat/), not a voice call"
        elif options.redacted and not redacted:
            reason = "raw file (--redacted imports the redacted twins only)"
        elif not options.redacted and redacted and contact_of(source.name) in raw_contacts:
            reason = "redacted twin of a raw file (--redacted imports these instead)"
        elif latest[contact_of(source.name), redacted] != source.name:
            reason = "older analysis of a contact analysed again"
        else:
            kept.append(source)
            continue
        skipped[reason] = skipped.get(reason, 0) + 1
    return kept, skipped


def _name(source: Source) -> str:
    return source.name


def read(data: bytes, source: Source, options: ImportOptions) -> list[Call]:
    document = need_object(load_json(data), "")
    metadata = document.get("CustomerMetadata")
    contact = ""
    if type(metadata) is dict and type(metadata.get("ContactId")) is str:
        contact = metadata["ContactId"].strip()
    contact = contact or contact_of(source.name)
    call = Call(call_key=options.call_key(contact), offsets=True, contact_id=contact)
    entries = need_list(document, "Transcript", "")
    senders = {"CUSTOMER": "END_USER", "AGENT": options.agents.sender_type}
    read_entries(entries, "Transcript", "ParticipantId", senders, call, options)
    return [call]


def read_entries(
    entries: list, where: str, role_key: str, senders: dict[str, str], call: Call,
    options: ImportOptions,
) -> None:
    """Add `{Id, <role_key>, Content, BeginOffsetMillis, EndOffsetMillis}` entries to `call`.

    Shared with Amazon Transcribe Call Analytics output, whose entries have the same shape.
    """
    participants = {
        sender: participant_id(sender, call.call_key, options.agents)
        for sender in senders.values()
    }
    rows = []
    seen = set()
    for index, entry in enumerate(entries):
        at = f"{where}[{index}]"
        if type(entry) is not dict:
            raise expected(at, "an object", entry)
        begin = entry.get("BeginOffsetMillis")
        end = entry.get("EndOffsetMillis")
        if type(begin) is not int or begin < 0:
            begin = need_int(entry, "BeginOffsetMillis", at, "a whole number of milliseconds")
            raise expected(f"{at}.BeginOffsetMillis", "milliseconds (0 or more)", begin)
        if type(end) is not int or end < begin:
            end = need_int(entry, "EndOffsetMillis", at, "a whole number of milliseconds")
            raise SourceProblem(
                f"{at}.EndOffsetMillis", f"{end} is before BeginOffsetMillis {begin}",
                "end before begin",
            )
        role = entry.get(role_key)
        sender = senders.get(role)
        if sender is None:
            role = need_text(entry, role_key, at)
            known = " or ".join(senders)
            raise SourceProblem(f"{at}.{role_key}", f"expected {known}, found {role!r}",
                                "unknown participant")
        message_id = entry.get("Id")
        if type(message_id) is not str or not message_id:
            message_id = need_text(entry, "Id", at, empty=False)
        if message_id in seen:
            raise SourceProblem(f"{at}.Id", f"{message_id!r} is repeated in this file",
                                "repeated Id")
        seen.add(message_id)
        content = entry.get("Content")
        if type(content) is not str:
            content = need_text(entry, "Content", at)
        if not content.strip():
            call.drop("empty content")
            continue
        rows.append((begin, index, end, message_id, sender, content))
    rows.sort()
    for begin, _, end, message_id, sender, content in rows:
        call.add(message_id, participants[sender], begin, end, content, sender)
