"""What an importer makes of one source file, and the problems it can find there.

    call = Call(call_key="c-1", offsets=True)      # times are ms from the call's start
    call.add("m1", "c-1END_USER", 0, 1200, "Hello", "END_USER")

A format module (contact_lens, sf_entries, transcribe, genesys, webvtt) turns the bytes of one
file into a list of `Call`s, or raises `SourceProblem(where, message, reason)`: `where` is the
place in the file (a JSON path such as `Transcript[3].BeginOffsetMillis`, or `line 12`),
`reason` the short name counted when `--on-invalid skip` skips the file.
"""

from __future__ import annotations

from dataclasses import dataclass, field


@dataclass(slots=True)
class Call:
    """One call's utterances from one file, as parallel columns, in send order."""

    call_key: str
    offsets: bool  # True: startTime/endTime are ms from the call's start (a time base is needed)
    contact_id: str = ""  # the id looked up in --contact-times; the call key when empty
    message_ids: list[str] = field(default_factory=list)
    participant_ids: list[str] = field(default_factory=list)
    starts: list[int] = field(default_factory=list)
    ends: list[int] = field(default_factory=list)
    contents: list[str] = field(default_factory=list)
    sender_types: list[str] = field(default_factory=list)
    dropped: dict[str, int] = field(default_factory=dict)  # utterances left out, by reason

    def add(
        self, message_id: str, participant_id: str, start: int, end: int, content: str,
        sender_type: str,
    ) -> None:
        self.message_ids.append(message_id)
        self.participant_ids.append(participant_id)
        self.starts.append(start)
        self.ends.append(end)
        self.contents.append(content)
        self.sender_types.append(sender_type)

    def drop(self, reason: str) -> None:
        self.dropped[reason] = self.dropped.get(reason, 0) + 1

    def __len__(self) -> int:
        return len(self.message_ids)


class SourceProblem(Exception):
    """A source file that cannot be imported: where in it, what is wrong, a short reason, and
    the fix (when it is not in the file itself: an option, the --contact-times records)."""

    def __init__(self, where: str, message: str, reason: str = "invalid file",
                 fix: str = "fix the file") -> None:
        super().__init__(f"{where}: {message}" if where else message)
        self.where = where
        self.message = message
        self.reason = reason
        self.fix = fix


def shown(value: object) -> str:
    """A JSON value as an error message shows it: short, with its JSON type when surprising."""
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, str):
        text = value if len(value) <= 40 else value[:39] + "…"
        return f'"{text}" (a string)'
    if isinstance(value, dict):
        return "an object"
    if isinstance(value, list):
        return "a list"
    return repr(value)


MISSING = object()  # what `expected` is given for a field that is absent


def expected(where: str, what: str, value: object, reason: str = "wrong type") -> SourceProblem:
    """`Transcript[3].BeginOffsetMillis: expected an integer (milliseconds), found "12a"`."""
    found = "nothing (the field is missing)" if value is MISSING else shown(value)
    return SourceProblem(where, f"expected {what}, found {found}", reason)



def numbered_id(call_key: str, number: int) -> str:
    """The messageId of the `number`th utterance of a call whose source has no ids of its own."""
    return f"{call_key}-{number:04d}"
