"""The mock's memory: calls, every transcript message it accepted, and the counters.

    ledger = Ledger()
    call = ledger.call(key) or ledger.open_call(key)
    outcome = ledger.record(call, message, arrived_ms)   # "stored", "duplicate", "outside_window"
    ledger.rows()      # one dict per accepted message, in arrival order (schema below)
    ledger.stats()     # the counters of GET /__admin/stats
    write_ledger(rows, path)                               # .jsonl or .parquet

Messages are kept in columns, not one object per message. Strings are shared references
(the call's key, the parsed messageId and participantId, one string per sender type); number
columns are appended to plain lists (the cheapest append) and moved into typed arrays every
COMPACT_ROWS messages (8 bytes each then). Outcomes other than "stored" are kept sparsely, and
call_seq is derived from arrival order when rows are read.

Ledger rows (GET /__admin/ledger, --ledger-out), one per accepted message:

| key | type | meaning |
|---|---|---|
| vendorCallKey | str | the call |
| messageId | str | as sent |
| participantId | str | as Salesforce stores it: `{vendorCallKey}END_USER` (resp. SUPERVISOR, |
| | | VIRTUAL_AGENT) for those sender types, whatever was sent; as sent otherwise |
| senderType | str | |
| startTime, endTime | int | epoch ms, as sent |
| arrived_ms | int | epoch ms when the mock took the request |
| arrived_us | int | the same moment in epoch microseconds (to measure lag at the endpoint) |
| outcome | str | `stored`; `duplicate` (messageId seen before in the call); |
| | | `outside_window` (timestamps outside the call's start..end: taken, not stored) |
| call_seq | int | arrival order within its call, from 0 |
| worker | int | the server process that took it (0 with one worker) |
"""

from __future__ import annotations

import itertools
from array import array
from collections import Counter
from collections.abc import Iterable, Iterator
from pathlib import Path
from typing import Any

import orjson

from replay.atomic import atomic_path
from replay.mock.validation import Message

STORED = 0
DUPLICATE = 1
OUTSIDE_WINDOW = 2
OUTCOMES = ("stored", "duplicate", "outside_window")
NORMALISED_SENDERS = frozenset(("END_USER", "SUPERVISOR", "VIRTUAL_AGENT"))
COMPACT_ROWS = 65_536
ROW_KEYS = ("vendorCallKey", "messageId", "participantId", "senderType", "startTime", "endTime",
            "arrived_ms", "arrived_us", "outcome", "call_seq", "worker")


class Call:
    """One conversation: its window, whether it ended, and the messageIds it has taken."""

    __slots__ = ("created_by_api", "ended", "key", "message_ids", "voice_call_id", "window")

    def __init__(self, key: str, voice_call_id: str | None, created_by_api: bool) -> None:
        self.key = key
        self.voice_call_id = voice_call_id
        self.created_by_api = created_by_api
        # (start_ms, end_ms), either may be None; None when neither is known (no window).
        self.window: tuple[int | None, int | None] | None = None
        self.ended = False
        self.message_ids: set[str] = set()

    @property
    def start_ms(self) -> int | None:
        return self.window[0] if self.window else None

    @property
    def end_ms(self) -> int | None:
        return self.window[1] if self.window else None

    def outside(self, start_time: int, end_time: int) -> bool:
        """Whether a message's timestamps fall outside the call's window."""
        window = self.window
        return window is not None and (
            (window[0] is not None and start_time < window[0])
            or (window[1] is not None and end_time > window[1])
        )

    def set_window(self, start_ms: int | None = None, end_ms: int | None = None) -> None:
        """Change the start and/or end of the window (None keeps the current value)."""
        start = start_ms if start_ms is not None else self.start_ms
        end = end_ms if end_ms is not None else self.end_ms
        self.window = None if start is None and end is None else (start, end)


class Ledger:
    """Calls by key, accepted messages in columns, and request counters."""

    def __init__(self, worker: int = 0) -> None:
        self.worker = worker
        self.reset()

    def reset(self) -> None:
        self.calls: dict[str, Call] = {}
        self._by_voice_call_id: dict[str, Call] = {}
        # Columns, one entry per accepted message. Outcomes are sparse: only the rows that are
        # not "stored" are listed in _unusual (row -> outcome), as they are rare.
        self._key: list[str] = []
        self._message_id: list[str] = []
        self._participant_id: list[str] = []
        self._sender_type: list[str] = []
        self._start, self._start_hot = array("q"), []
        self._end, self._end_hot = array("q"), []
        self._arrived, self._arrived_hot = array("d"), []  # epoch seconds
        self._unusual: dict[int, int] = {}
        self.duplicates = 0
        self.outside_window = 0
        self.received = 0
        self.bulk_requests = 0
        self.after_end = 0
        self.rejected: Counter[int] = Counter()
        self.lifecycle_rejected: Counter[int] = Counter()
        self.faults: Counter[str] = Counter()
        self.calls_created = 0
        self.calls_ended = 0
        self._voice_call_counter = 0

    # Calls.
    def call(self, key: str) -> Call | None:
        return self.calls.get(key)

    def call_by_key_or_id(self, key_or_id: str) -> Call | None:
        return self.calls.get(key_or_id) or self._by_voice_call_id.get(key_or_id)

    def open_call(self, key: str, *, created_by_api: bool = False) -> Call:
        """A new call; a voiceCallId (15 chars, `0LQ...`) is given only when created by API."""
        call = Call(key, None, created_by_api)
        self.calls[key] = call
        if created_by_api:
            self.adopt(call)
        return call

    def adopt(self, call: Call) -> None:
        """Mark a call as created through POST /voiceCalls and give it a voiceCallId."""
        self._voice_call_counter += 1
        call.created_by_api = True
        call.voice_call_id = f"0LQ{self.worker:02d}{self._voice_call_counter:010d}"
        self._by_voice_call_id[call.voice_call_id] = call
        self.calls_created += 1

    def end_call(self, call: Call, end_ms: int | None) -> None:
        if end_ms is not None:
            call.set_window(end_ms=end_ms)
        if not call.ended:
            call.ended = True
            self.calls_ended += 1

    # Messages.
    def record(self, call: Call, message: Message, arrived_s: float) -> int:
        """Add an accepted message arrived at `arrived_s` (epoch seconds); returns its outcome,
        STORED, DUPLICATE or OUTSIDE_WINDOW."""
        participant_id, message_id, start_time, end_time, _content, sender_type = message
        ids = call.message_ids
        outcome = STORED
        if message_id in ids:
            outcome = DUPLICATE
            self.duplicates += 1
            self._unusual[len(self._key)] = DUPLICATE
        else:
            ids.add(message_id)
            window = call.window
            if window is not None and (
                (window[0] is not None and start_time < window[0])
                or (window[1] is not None and end_time > window[1])
            ):
                outcome = OUTSIDE_WINDOW
                self.outside_window += 1
                self._unusual[len(self._key)] = OUTSIDE_WINDOW
        self._key.append(call.key)
        self._message_id.append(message_id)
        self._participant_id.append(participant_id)
        self._sender_type.append(sender_type)
        start_hot = self._start_hot
        start_hot.append(start_time)
        self._end_hot.append(end_time)
        self._arrived_hot.append(arrived_s)
        if len(start_hot) >= COMPACT_ROWS:
            self._compact()
        return outcome

    def _compact(self) -> None:
        """Move the hot number lists into their typed arrays."""
        for cold, hot in ((self._start, self._start_hot), (self._end, self._end_hot),
                          (self._arrived, self._arrived_hot)):
            cold.extend(hot)
            hot.clear()

    def __len__(self) -> int:
        return len(self._key)

    def rows(self, key: str | None = None) -> Iterator[dict[str, Any]]:
        """Accepted messages as ledger rows, in arrival order; only call `key` if given.

        The rows are those recorded when it is called, even if more arrive while it runs.
        """
        self._compact()
        count = len(self._key)
        columns = itertools.islice(
            zip(self._key, self._message_id, self._participant_id, self._sender_type,
                self._start, self._end, self._arrived,
                strict=False),  # string columns may grow while this runs; islice bounds it
            count,
        )
        unusual = self._unusual
        worker = self.worker
        seq: Counter[str] = Counter()
        for row, (call_key, message_id, participant, sender, start, end, arrived) in enumerate(
            columns
        ):
            call_seq = seq[call_key]
            seq[call_key] = call_seq + 1
            if key is not None and call_key != key:
                continue
            yield {
                "vendorCallKey": call_key,
                "messageId": message_id,
                "participantId": call_key + sender if sender in NORMALISED_SENDERS
                else participant,
                "senderType": sender,
                "startTime": start,
                "endTime": end,
                "arrived_ms": int(arrived * 1000),
                "arrived_us": round(arrived * 1_000_000),
                "outcome": OUTCOMES[unusual.get(row, STORED)],
                "call_seq": call_seq,
                "worker": worker,
            }

    def stats(self) -> dict[str, Any]:
        accepted = len(self._key)
        return {
            "received": self.received,
            "bulk_requests": self.bulk_requests,
            "accepted": accepted,
            "stored": accepted - self.duplicates - self.outside_window,
            "duplicates": self.duplicates,
            "outside_window": self.outside_window,
            "after_end": self.after_end,
            "rejected": {str(status): n for status, n in sorted(self.rejected.items())},
            "lifecycle_rejected": {
                str(status): n for status, n in sorted(self.lifecycle_rejected.items())
            },
            "faults": dict(sorted(self.faults.items())),
            "calls": len(self.calls),
            "calls_created": self.calls_created,
            "calls_ended": self.calls_ended,
            "workers": 1,
        }

    def call_summary(self, call: Call) -> dict[str, Any]:
        rows = list(self.rows(call.key))
        counts = Counter(row["outcome"] for row in rows)
        return {
            "vendorCallKey": call.key,
            "voiceCallId": call.voice_call_id,
            "created_by_api": call.created_by_api,
            "active": not call.ended,
            "start_ms": call.start_ms,
            "end_ms": call.end_ms,
            "messages": len(rows),
            "stored": counts["stored"],
            "duplicates": counts["duplicate"],
            "outside_window": counts["outside_window"],
            "ledger": rows,
        }


def merge_rows(parts: Iterable[Iterable[dict[str, Any]]]) -> list[dict[str, Any]]:
    """Rows of several workers as one ledger: by arrival, call_seq and duplicates re-derived.

    A messageId first seen by one worker and again by another is a duplicate in the merged
    ledger, as it would have been with a single worker.
    """
    rows = sorted((row for part in parts for row in part),
                  key=lambda row: (row.get("arrived_us", row["arrived_ms"] * 1000), row["worker"],
                                   row["call_seq"]))
    seen: set[tuple[str, str]] = set()
    seq: Counter[str] = Counter()
    for row in rows:
        identity = (row["vendorCallKey"], row["messageId"])
        if identity in seen:
            row["outcome"] = "duplicate"
        seen.add(identity)
        row["call_seq"] = seq[row["vendorCallKey"]]
        seq[row["vendorCallKey"]] += 1
    return rows


def write_ledger(rows: Iterable[dict[str, Any]], path: Path) -> int:
    """Write rows to `path` (.jsonl or .parquet) atomically; returns the number written."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    with atomic_path(path) as temporary:
        if path.suffix == ".parquet":
            count = _write_parquet(list(rows), temporary)
        else:
            count = 0
            with open(temporary, "wb") as out:
                for row in rows:
                    out.write(orjson.dumps(row, option=orjson.OPT_APPEND_NEWLINE))
                    count += 1
    return count


def _write_parquet(rows: list[dict[str, Any]], path: Path) -> int:
    import pyarrow as pa  # imported only when asked: the server itself never needs it
    import pyarrow.parquet as pq

    types = {"startTime": pa.int64(), "endTime": pa.int64(), "arrived_ms": pa.int64(),
             "arrived_us": pa.int64(),
             "call_seq": pa.int32(), "worker": pa.int16()}
    table = pa.table({
        name: pa.array([row[name] for row in rows], type=types.get(name, pa.string()))
        for name in ROW_KEYS
    })
    pq.write_table(table, path)
    return len(rows)


def read_ledger(path: Path) -> list[dict[str, Any]]:
    """Rows from a file written by write_ledger."""
    path = Path(path)
    if path.suffix == ".parquet":
        import pyarrow.parquet as pq

        return pq.read_table(path).to_pylist()
    with open(path, "rb") as source:
        return [orjson.loads(line) for line in source if line.strip()]
