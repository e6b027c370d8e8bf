"""WebVTT captions with `<v Name>` voice tags -> one call per file, offsets from the media start.

In: a `.vtt` file (`WEBVTT` header, cues `[hh:]mm:ss.ttt --> [hh:]mm:ss.ttt`), parsed by
webvtt-py. Each cue must name its speaker with a voice tag; `--speakers NAME=SENDERTYPE,...`
(required) gives each voice name a sender type. Out: one utterance per cue, in start order:
messageId = the cue's identifier when it has one, else `<vendorCallKey>-0001`, ...; content =
the cue's text with tags removed, entities decoded and line breaks as spaces. The call key is
the file name without .vtt. A cue whose timing line is malformed is an error (webvtt-py would
drop it silently).
"""

from __future__ import annotations

import html
import re

import webvtt
from webvtt.errors import MalformedCaptionError, MalformedFileError

from replay.errors import ConfigError
from replay.importers.model import Call, SourceProblem, numbered_id
from replay.importers.options import ImportOptions
from replay.importers.sources import Source
from replay.importers.speakers import participant_id

NAME = "webvtt"
SUFFIXES = (".vtt",)
OFFSETS = True
_TIME = r"(?:\d{1,10}:)?\d{1,2}:\d{1,2}\.\d{1,3}"
_TIMING = re.compile(rf"^\s*{_TIME}\s+-->\s+{_TIME}(?:\s.*)?$")


def check(options: ImportOptions) -> None:
    if not options.speakers:
        raise ConfigError(
            "webvtt needs --speakers: the sender type of each voice name, e.g. "
            '--speakers "Dana Reyes=HUMAN_AGENT,Caller=END_USER"'
        )
    if "HUMAN_AGENT" in options.speakers.values():
        options.agents.require_agent_id("--speakers maps a voice to HUMAN_AGENT")


def read(data: bytes, source: Source, options: ImportOptions) -> list[Call]:
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError as error:
        raise SourceProblem(f"byte {error.start}", "not UTF-8 text", "not UTF-8") from None
    for number, line in enumerate(text.splitlines(), start=1):
        if "-->" in line and not _TIMING.match(line):
            raise SourceProblem(f"line {number}", f"malformed cue timing {line.strip()!r}; "
                                "expected e.g. 00:01.200 --> 00:04.000", "malformed cue")
    try:
        captions = webvtt.from_string(text).captions
    except (MalformedFileError, MalformedCaptionError) as error:
        raise SourceProblem("", f"not a WebVTT file ({error}); it must start with WEBVTT",
                            "not WebVTT") from None
    own = source.name.removesuffix(".vtt")
    call = Call(call_key=options.call_key(own), offsets=True, contact_id=own)
    participants = {voice: participant_id(sender, call.call_key, options.agents)
                    for voice, sender in options.speakers.items()}
    rows = []
    for number, caption in enumerate(captions, start=1):
        at = f"cue {number} ({caption.start_time})"
        voice = caption.voice
        if voice is None:
            raise SourceProblem(at, "no <v Name> voice tag; every cue must name its speaker",
                                "no voice tag")
        voice = voice.strip()
        if voice not in options.speakers:
            raise SourceProblem(at, f"voice {voice!r} is not in --speakers",
                                "speaker not in --speakers", fix=f"add {voice}=TYPE to --speakers")
        start, end = _ms(caption.start_time), _ms(caption.end_time)
        if end < start:
            raise SourceProblem(at, f"ends at {caption.end_time}, before it starts",
                                "end before begin")
        content = html.unescape(" ".join(caption.text.split()))
        if not content:
            call.drop("empty content")
            continue
        rows.append((start, number, end, caption.identifier, voice, content))
    rows.sort()
    identifiers = set()
    for start, number, end, identifier, voice, content in rows:
        message_id = identifier.strip() if identifier and identifier.strip() else ""
        if not message_id or message_id in identifiers:
            message_id = numbered_id(call.call_key, number)
        identifiers.add(message_id)
        call.add(message_id, participants[voice], start, end, content, options.speakers[voice])
    return [call]


def _ms(timestamp: webvtt.models.Timestamp) -> int:
    hours, minutes, seconds, milliseconds = timestamp.to_tuple()
    return ((hours * 60 + minutes) * 60 + seconds) * 1000 + milliseconds
