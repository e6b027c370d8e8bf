"""Anonymize a table of transcript rows: ids pseudonymised, content masked, times kept or shifted.

    settings = Settings(key=read_key(path), content="mask")
    table, counts = anonymize_table(batch, settings)      # any size; call it batch by batch

In: a pyarrow Table or RecordBatch with the dataset's fields (vendorCallKey, participantId,
messageId, content, senderType as text; startTime, endTime as epoch ms or anything
replay.dataset.timestamps reads) and valid rows (validate first: a timestamp that cannot be read
raises DatasetError). Other columns are dropped: they may hold personal data too.
Out: a Table with exactly those fields, in that order, the same rows in the same order;
startTime/endTime as int64 epoch milliseconds plus `settings.shift_ms`; and `BatchCounts`
(rows, utterances changed, replacements by kind, the distinct pseudonymous call and participant
ids), which never says what was replaced.

The function is pure: one key gives the same output for the same rows, in any batching.
Within one batch, two different messageIds of a call never get the same pseudonym: a clash
(possible only for short ids, whose shapes hold few values) is resolved by re-deriving the later
one with a counter.
"""

from __future__ import annotations

import hmac
from collections import Counter
from dataclasses import dataclass, field
from typing import Literal

import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc

from replay.anonymize.content import mask_column, synthetic_column
from replay.anonymize.detect import Detector
from replay.anonymize.pseudonyms import Pseudonyms
from replay.dataset.columns import FIELDS, TIME_FIELDS
from replay.dataset.timestamps import OK, parse_epoch_ms
from replay.errors import ConfigError, DatasetError

CONTENT_MODES = ("mask", "synthetic", "keep")
MAX_ATTEMPTS = 10_000
KINDS = ("PHONE", "EMAIL", "CARD", "SSN", "IBAN", "DATE", "NUMBER")


@dataclass(frozen=True, kw_only=True)
class Settings:
    key: bytes = field(repr=False)
    content: Literal["mask", "synthetic", "keep"] = "mask"
    shift_ms: int = 0
    phone_region: str = "US"
    max_content_length: int = 10_000

    def __post_init__(self) -> None:
        if self.content not in CONTENT_MODES:
            raise ConfigError(
                f"--content must be one of {', '.join(CONTENT_MODES)}, not {self.content!r}"
            )


@dataclass(frozen=True, kw_only=True)
class BatchCounts:
    rows: int
    changed: int  # utterances whose content was altered (mask) or replaced (synthetic)
    replacements: dict[str, int]
    calls: tuple[str, ...]  # distinct pseudonymous vendorCallKeys in the batch
    participants: tuple[str, ...]


def anonymize_table(
    table: pa.Table | pa.RecordBatch, settings: Settings, *, detector: Detector | None = None
) -> tuple[pa.Table, BatchCounts]:
    if isinstance(table, pa.RecordBatch):
        table = pa.Table.from_batches([table])
    names = Pseudonyms(settings.key)
    text = {name: _text(table, name) for name in FIELDS if name not in TIME_FIELDS}
    calls = names.column(text["vendorCallKey"], names.call)
    participants = names.column(text["participantId"], names.participant)
    messages = _unique_within_calls(
        names,
        text["vendorCallKey"],
        text["messageId"],
        names.column(text["messageId"], names.message, repeats=False),
    )
    replacements: Counter[str] = Counter()
    content = text["content"]
    if settings.content == "mask":
        content, replacements, changed = mask_column(
            content, detector or Detector(settings.phone_region)
        )
    elif settings.content == "synthetic":
        seeds = _seeds(settings.key, text["vendorCallKey"], text["messageId"])
        content = synthetic_column(content, text["senderType"], seeds, settings.max_content_length)
        changed = table.num_rows
    else:
        changed = 0
    columns = {
        "vendorCallKey": calls,
        "participantId": participants,
        "messageId": messages,
        "startTime": _epoch_ms(table, "startTime", settings.shift_ms),
        "endTime": _epoch_ms(table, "endTime", settings.shift_ms),
        "content": content,
        "senderType": text["senderType"],
    }
    counts = BatchCounts(
        rows=table.num_rows,
        changed=changed,
        replacements={kind: replacements[kind] for kind in KINDS if replacements[kind]},
        calls=tuple(pc.unique(calls).to_pylist()),
        participants=tuple(pc.unique(participants).to_pylist()),
    )
    return pa.table(columns), counts


def _text(table: pa.Table, name: str) -> pa.Array:
    column = table.column(name).combine_chunks()
    if pa.types.is_dictionary(column.type):
        column = column.cast(column.type.value_type)
    return column if pa.types.is_large_string(column.type) else column.cast(pa.large_string())


def _epoch_ms(table: pa.Table, name: str, shift_ms: int) -> pa.Array:
    ms, status = parse_epoch_ms(table.column(name))
    bad = int((status != OK).sum())
    if bad:
        raise DatasetError(
            f"column {name}: {bad} value{'s' if bad != 1 else ''} not a timestamp; "
            "check the dataset with replay validate first"
        )
    return pa.array(ms + shift_ms if shift_ms else ms, pa.int64())


def _seeds(key: bytes, calls: pa.Array, messages: pa.Array) -> list[bytes]:
    return [
        hmac.digest(key, f"content\0{call}\0{message}".encode(), "sha256")
        for call, message in zip(calls.to_pylist(), messages.to_pylist(), strict=True)
    ]


def _unique_within_calls(
    names: Pseudonyms, calls: pa.Array, originals: pa.Array, renamed: pa.Array
) -> pa.Array:
    """`renamed`, with any pseudonym that two different messageIds of a call share re-derived."""
    frame = pd.DataFrame({"call": calls, "old": originals, "new": renamed})
    pairs = frame.drop_duplicates(["call", "old"])
    clash = pairs.duplicated(["call", "new"], keep="first")
    if not clash.any():
        return renamed
    fixed: dict[tuple[str, str], str] = {}
    for call, group in pairs.groupby("call", sort=False):
        if not clash[group.index].any():
            continue
        taken: set[str] = set()
        for old, new in zip(group["old"], group["new"], strict=True):
            attempt = 0
            while new in taken:
                attempt += 1
                if attempt > MAX_ATTEMPTS:
                    raise DatasetError(
                        f"call {call}: too many messageIds of the same short shape to give each "
                        "a distinct pseudonym; use longer messageIds"
                    )
                new = names.message(old, attempt)
            taken.add(new)
            fixed[(call, old)] = new
    keys = list(zip(frame["call"], frame["old"], strict=True))
    values = [fixed.get(pair, new) for pair, new in zip(keys, frame["new"], strict=True)]
    return pa.array(values, pa.large_string())
