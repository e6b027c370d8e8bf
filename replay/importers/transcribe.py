"""Amazon Transcribe batch output -> one call per file, offsets from the audio's start.

Two outputs, told apart by their fields:

- Call Analytics (`Transcript[]` of `{Id, ParticipantRole: AGENT|CUSTOMER, Content,
  BeginOffsetMillis, EndOffsetMillis}`): read like Contact Lens (see contact_lens.py):
  CUSTOMER -> END_USER, AGENT -> HUMAN_AGENT (`--agent-id`) or VIRTUAL_AGENT (`--agent-as`).
- Standard (`results.items[]` of `{start_time: "4.87", end_time: "5.02", alternatives:
  [{content}], type: pronunciation|punctuation, speaker_label | channel_label}`): words carry no
  role, so `--speakers spk_0=HUMAN_AGENT,spk_1=END_USER` (or `ch_0=...`) is required. A
  punctuation item has no times and joins the word before it; words, in time order, become one
  utterance until the speaker changes or a pause longer than `--turn-gap` seconds (default 3).
  Items without a label of their own take it from `speaker_labels.segments[].items[]` by
  start time. messageId = `<vendorCallKey>-0001`, `-0002`, ... in time order.

The vendorCallKey is the file name without .json (`--call-key-from filename`, default) or the
job name in the file (`--call-key-from job-name`).
"""

from __future__ import annotations

from replay.errors import ConfigError
from replay.importers.contact_lens import read_entries
from replay.importers.json_fields import load_json, need_list, need_object, optional_text
from replay.importers.model import MISSING, Call, SourceProblem, expected, numbered_id
from replay.importers.options import ImportOptions
from replay.importers.sources import Source
from replay.importers.speakers import participant_id

_MAX_MS = 10**12  # about 31 years of audio: anything larger is not an offset
NAME = "transcribe"
SUFFIXES = (".json",)
OFFSETS = True


def check(options: ImportOptions) -> None:
    if "HUMAN_AGENT" in options.speakers.values():
        options.agents.require_agent_id("--speakers maps a label to HUMAN_AGENT")


def read(data: bytes, source: Source, options: ImportOptions) -> list[Call]:
    document = need_object(load_json(data), "")
    if "Transcript" in document:
        return [_call_analytics(document, source, options)]
    if "results" in document:
        return [_standard(document, source, options)]
    raise SourceProblem(
        "", "neither Call Analytics output (a Transcript list) nor standard output "
        "(results.items)", "unknown output",
    )


def _call_key(document: dict, source: Source, options: ImportOptions, job_key: str) -> str:
    if options.call_key_from == "job-name":
        job = optional_text(document, job_key)
        if not job:
            raise expected(job_key, "the job name (--call-key-from job-name)",
                           document.get(job_key, MISSING), "no job name")
        return job
    return source.name.removesuffix(".json")


def _call_analytics(document: dict, source: Source, options: ImportOptions) -> Call:
    if options.agents.agent_as == "human":
        options.agents.require_agent_id("transcribe Call Analytics sends AGENT as HUMAN_AGENT")
    own = _call_key(document, source, options, "JobName")
    call = Call(call_key=options.call_key(own), offsets=True, contact_id=own)
    entries = need_list(document, "Transcript", "")
    senders = {"CUSTOMER": "END_USER", "AGENT": options.agents.sender_type}
    read_entries(entries, "Transcript", "ParticipantRole", senders, call, options)
    return call


def _standard(document: dict, source: Source, options: ImportOptions) -> Call:
    if not options.speakers:
        raise ConfigError(
            f"{source.display} is Transcribe standard output, whose speakers carry no role: "
            "pass --speakers, e.g. --speakers spk_0=HUMAN_AGENT,spk_1=END_USER (or ch_0=...)"
        )
    own = _call_key(document, source, options, "jobName")
    call = Call(call_key=options.call_key(own), offsets=True, contact_id=own)
    results = need_object(document["results"], "results")
    items = need_list(results, "items", "results")
    segment_labels = None  # read from speaker_labels only if an item has no label of its own
    words: list[list] = []  # [start_ms, end_ms, label, text], punctuation joined
    speakers = options.speakers
    for index, item in enumerate(items):
        try:  # the common, well-formed item without a call per field
            kind = item["type"]
            content = item["alternatives"][0]["content"].strip()
            if kind == "pronunciation":
                start = round(float(item["start_time"]) * 1000)
                end = round(float(item["end_time"]) * 1000)
                if not 0 <= start < _MAX_MS or not 0 <= end < _MAX_MS:
                    raise ValueError
            elif kind != "punctuation":
                raise ValueError
        except (KeyError, IndexError, TypeError, ValueError, AttributeError, OverflowError):
            kind, content, start, end = _checked_item(item, f"results.items[{index}]")
        if kind == "punctuation":
            if words:
                words[-1][3] += content
            continue
        label = item.get("speaker_label") or item.get("channel_label")
        if label is None:
            segment_labels = segment_labels or _segment_labels(results)
            label = segment_labels.get(item.get("start_time"))
        if label not in speakers:
            _unknown_speaker(item, label, f"results.items[{index}]")
        if content:
            words.append([start, end, label, content])
    words.sort(key=lambda word: word[0])
    _add_turns(call, words, options)
    return call


def _add_turns(call: Call, words: list[list], options: ImportOptions) -> None:
    gap_ms = options.turn_gap_s * 1000
    participants = {label: participant_id(sender, call.call_key, options.agents)
                    for label, sender in options.speakers.items()}
    turn: list[list] = []
    for word in words:
        if turn and (word[2] != turn[-1][2] or word[0] - turn[-1][1] > gap_ms):
            _add_turn(call, turn, participants, options)
            turn = []
        turn.append(word)
    if turn:
        _add_turn(call, turn, participants, options)


def _add_turn(call: Call, turn: list[list], participants: dict[str, str],
              options: ImportOptions) -> None:
    label = turn[0][2]
    call.add(numbered_id(call.call_key, len(call) + 1), participants[label], turn[0][0],
             max(word[1] for word in turn), " ".join(word[3] for word in turn),
             options.speakers[label])


def _segment_labels(results: dict) -> dict:
    """start_time text -> speaker label, from speaker_labels.segments (older outputs)."""
    labels = {}
    speaker_labels = results.get("speaker_labels")
    if type(speaker_labels) is dict and type(speaker_labels.get("segments")) is list:
        for segment in speaker_labels["segments"]:
            if type(segment) is dict and type(segment.get("items")) is list:
                for item in segment["items"]:
                    if type(item) is dict and "start_time" in item:
                        labels[item["start_time"]] = item.get("speaker_label")
    return labels


def _checked_item(item: object, at: str) -> tuple[str, str, int, int]:
    """(type, content, start ms, end ms) of an item, or the SourceProblem saying what is wrong."""
    if type(item) is not dict:
        raise expected(at, "an object", item)
    content = _content(item, at)
    kind = item.get("type")
    if kind == "punctuation":
        return kind, content, 0, 0
    if kind != "pronunciation":
        raise expected(f"{at}.type", "pronunciation or punctuation", kind)
    return kind, content, _milliseconds(item, "start_time", at), _milliseconds(item, "end_time", at)


def _unknown_speaker(item: dict, label: object, at: str) -> None:
    if type(label) is not str:
        raise SourceProblem(at, "the word has no speaker_label or channel_label; run the "
                            "job with speaker or channel identification", "no speaker")
    raise SourceProblem(f"{at}.speaker_label" if "speaker_label" in item else at,
                        f"speaker {label!r} is not in --speakers", "speaker not in --speakers",
                        fix=f"add {label}=TYPE to --speakers")


def _content(item: dict, at: str) -> str:
    alternatives = item.get("alternatives")
    if type(alternatives) is not list or not alternatives or type(alternatives[0]) is not dict:
        raise expected(f"{at}.alternatives", "a non-empty list", alternatives)
    content = alternatives[0].get("content")
    if type(content) is not str:
        raise expected(f"{at}.alternatives[0].content", "text", content)
    return content.strip()


def _milliseconds(item: dict, key: str, at: str) -> int:
    value = item.get(key, MISSING)
    try:
        milliseconds = round(float(value) * 1000) if type(value) in (str, int, float) else -1
    except (ValueError, OverflowError):
        milliseconds = -1
    if not 0 <= milliseconds < _MAX_MS:
        raise expected(f"{at}.{key}", 'seconds as text, e.g. "4.87"', value)
    return milliseconds
