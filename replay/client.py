"""What goes over the wire: URLs, headers and bodies of the replay's requests, built at send time.

    endpoint = Endpoint.from_host("https://acme.my.salesforce-scrt.com/telephony/v1")
    builder = RequestBuilder(table=table, plan=plan, endpoint=endpoint, settings=..., minter=...)
    request = builder.message(i, anchor_ms=clock.epoch_ms(plan.due_s[i]))
    # request.method, request.path, request.body (bytes), request.headers (dict), request.name
    headers = builder.sign(request.headers)     # + Authorization: Bearer <current token>
    authorization = builder.authorization()     # the token of one attempt (None: no key)
    lines = builder.header_lines(request.headers, authorization)  # as "Name: value\r\n" lines

In: the dataset table (the six fields, read from Arrow columns by position, no per-row dicts
kept), the plan (which row and pass each message is), and a token source with an
`authorization()` method (replay.driver.tokens: a shared `TokenMinter` or a per-request
`TokenFeed`; None: no Authorization header). Out: `Request` objects; sending them is the
driver's job.

- `--host` may be a bare origin (`http://127.0.0.1:8080`) or the base URL Salesforce hands out
  (`https://x.my.salesforce-scrt.com/telephony/v1`); either way paths end up under
  `/telephony/v1`. Any other path (a proxy prefix) gets `/telephony/v1` appended.
- Message body (docs/contract.md):
  participantId, messageId, startTime, endTime, content, senderType.
  With `--loops`, vendorCallKey and messageId carry the pass suffix (`-p1`, ...).
- Timestamps: by default moved onto the replay clock. The send time (endTime, or startTime with
  `--send-at start`) becomes the wall-clock moment the message is due (`anchor_ms`), and the
  utterance's duration is divided by the speed (kept as is at speed max). `keep_timestamps`
  sends the dataset's originals.
- JSON via orjson, or XML: `<message>` with the six fields as child elements, text escaped and
  characters XML 1.0 forbids removed.
- Bulk (`--bulk`): `POST /voiceCalls/messages`, JSON only; replay.driver.bulk makes the batches.
- Lifecycle (`--lifecycle`): `POST /voiceCalls` creates the VoiceCall before its first message,
  `PATCH /voiceCalls/{key}` with isActiveCall false ends it after its last.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any
from urllib.parse import quote, urlsplit
from xml.sax.saxutils import escape

import numpy as np
import orjson
import pandas as pd
import pyarrow as pa

from replay.errors import ConfigError
from replay.plan import Plan, pass_suffix

API_PREFIX = "/telephony/v1"
CONTENT_TYPES = {"json": "application/json", "xml": "application/xml"}
FIELDS = ("participantId", "messageId", "startTime", "endTime", "content", "senderType")
PLACEHOLDER_TO = "+15550100000"
PLACEHOLDER_FROM = "+15550100001"
_HEADER_VALUE = re.compile("[\t\x20-\x7e\x80-\xff]*")  # RFC 9110 field-value characters
_XML_FORBIDDEN = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ufffe\uffff]")


@dataclass(frozen=True, kw_only=True)
class Endpoint:
    """Where requests go: `origin` (scheme://host[:port]) and the API path `prefix`."""

    origin: str
    prefix: str

    @classmethod
    def from_host(cls, host: str) -> Endpoint:
        parts = urlsplit(host.strip())
        if parts.scheme not in ("http", "https") or not parts.netloc:
            raise ConfigError(
                f"--host {host!r} is not an http(s) URL; expected for example "
                "https://acme.my.salesforce-scrt.com/telephony/v1 or http://127.0.0.1:8080"
            )
        if parts.query or parts.fragment:
            raise ConfigError(f"--host {host!r}: remove the query string or fragment")
        path = parts.path.rstrip("/")
        if not path.endswith(API_PREFIX):
            path += API_PREFIX
        return cls(origin=f"{parts.scheme}://{parts.netloc}", prefix=path)

    @property
    def base_url(self) -> str:
        return self.origin + self.prefix

    def messages_path(self, vendor_call_key: str) -> str:
        return f"{self.prefix}/voiceCalls/{quote(vendor_call_key, safe='')}/messages"

    def bulk_messages_path(self) -> str:
        return f"{self.prefix}/voiceCalls/messages"

    def voice_calls_path(self) -> str:
        return f"{self.prefix}/voiceCalls"

    def voice_call_path(self, vendor_call_key: str) -> str:
        return f"{self.prefix}/voiceCalls/{quote(vendor_call_key, safe='')}"


@dataclass(frozen=True, kw_only=True)
class RequestSettings:
    """How requests look (from the options): body format, provider header, timestamps."""

    content_type: str = "json"
    provider_name: str | None = None
    keep_timestamps: bool = False
    call_center: str = ""

    def __post_init__(self) -> None:
        if self.content_type not in CONTENT_TYPES:
            raise ConfigError(f"--content-type must be json or xml, got {self.content_type!r}")
        if self.provider_name is not None and not _HEADER_VALUE.fullmatch(self.provider_name):
            raise ConfigError(
                f"--provider-name {self.provider_name!r} cannot be an HTTP header value: use "
                "printable characters only (no line breaks or control characters)"
            )


@dataclass(frozen=True, slots=True)
class Request:
    method: str
    path: str
    body: bytes
    headers: dict  # without Authorization: `RequestBuilder.sign` adds it at each attempt
    name: str  # the statistics name: one per endpoint, never one per call


def shift_times(
    start_ms: int, end_ms: int, *, anchor_ms: int, send_at: str, speed: float | None
) -> tuple[int, int]:
    """Move an utterance onto the replay clock: its send time becomes anchor_ms, its duration
    is divided by speed (unchanged at speed max). Returns (startTime, endTime)."""
    duration = (end_ms - start_ms) / (speed or 1.0)
    if send_at == "start":
        return anchor_ms, anchor_ms + round(duration)
    return anchor_ms - round(duration), anchor_ms


def iso_utc(epoch_ms: int) -> str:
    """Epoch ms as ISO 8601 UTC with milliseconds, e.g. 2026-11-25T17:00:00.000Z."""
    moment = datetime.fromtimestamp(epoch_ms / 1000.0, tz=UTC)
    return moment.strftime("%Y-%m-%dT%H:%M:%S.") + f"{moment.microsecond // 1000:03d}Z"


def xml_body(fields: dict) -> bytes:
    parts = ["<?xml version=\"1.0\" encoding=\"UTF-8\"?><message>"]
    for name in FIELDS:
        parts.append(f"<{name}>{escape(_XML_FORBIDDEN.sub('', str(fields[name])))}</{name}>")
    parts.append("</message>")
    return "".join(parts).encode("utf-8")


class TextColumn:
    """A string column read row by row without a Python object per row: `column[row] -> str`.

    Holds the column's UTF-8 bytes and offsets as views of its Arrow buffers (no copy), so a
    value costs a slice and a decode (~0.25 µs, half of an Arrow scalar's `as_py()`). A null
    reads as None, as `as_py()` gives it.
    """

    def __init__(self, series: pd.Series) -> None:
        array = pa.array(series)
        if isinstance(array, pa.ChunkedArray):
            array = array.combine_chunks()
        array = array.cast(pa.large_string())
        _, offsets, data = array.buffers()
        self._offsets = np.frombuffer(offsets, dtype=np.int64)[
            array.offset : array.offset + len(array) + 1
        ]
        self._data = memoryview(data) if data is not None else memoryview(b"")
        self._nulls = array if array.null_count else None

    def __getitem__(self, row: int) -> str | None:
        if self._nulls is not None and not self._nulls[row].is_valid:
            return None
        offsets = self._offsets
        return str(self._data[offsets[row] : offsets[row + 1]], "utf-8")


class RequestBuilder:
    """Builds each request when it is sent, from the table's columns and the plan's arrays."""

    def __init__(
        self, *, table: pd.DataFrame, plan: Plan, endpoint: Endpoint,
        settings: RequestSettings, minter: Any, like: RequestBuilder | None = None,
    ) -> None:
        """`like`: a builder of the same settings whose header sets (and so whose cached header
        lines) this one shares, as the slices of a streamed dataset do."""
        self._plan = plan
        self._endpoint = endpoint
        self._settings = settings
        self._minter = minter
        self._keys = TextColumn(table["vendorCallKey"])
        self._participants = TextColumn(table["participantId"])
        self._message_ids = TextColumn(table["messageId"])
        self._contents = TextColumn(table["content"])
        self._senders = TextColumn(table["senderType"])
        self._starts = table["startTime"].to_numpy(dtype=np.int64)
        self._ends = table["endTime"].to_numpy(dtype=np.int64)
        self._encode = xml_body if settings.content_type == "xml" else orjson.dumps
        self._base_headers = {
            "Content-Type": CONTENT_TYPES[settings.content_type],
            "Accept": "application/json",
        }
        if settings.provider_name:
            self._base_headers["Telephony-Provider-Name"] = settings.provider_name
        self._json_headers = self._base_headers | {"Content-Type": "application/json"}
        # per header set: (headers, their lines, the last Authorization, the lines with it)
        self._lines: dict[int, tuple[dict, str, str | None, str]] = {}
        if like is not None:
            self._base_headers, self._json_headers = like._base_headers, like._json_headers

    @property
    def base_url(self) -> str:
        return self._endpoint.base_url

    def sign(self, headers: dict) -> dict:
        """The headers plus a current Authorization (none without a minter); called per attempt,
        so a retry long after the first attempt still carries a valid token."""
        if self._minter is None:
            return headers
        return {**headers, "Authorization": self._minter.authorization()}

    def authorization(self) -> str | None:
        """The Authorization value for one attempt (None without a token source); in
        per-request mode a token no other request carries."""
        return self._minter.authorization() if self._minter is not None else None

    def header_lines(self, headers: dict, authorization: str | None = None) -> str:
        """`headers` plus Authorization serialised as "Name: value\\r\\n" lines, for the HTTP
        client; called per attempt with `authorization()` (taken from the source when not
        given). `headers` must be one of the builder's own (a request's `headers`): the string
        is made once per token and header set, and reused while the token is (shared mode)."""
        if authorization is None and self._minter is not None:
            authorization = self._minter.authorization()
        cached = self._lines.get(id(headers))
        if cached is None or cached[0] is not headers:
            unsigned = "".join(f"{name}: {value}\r\n" for name, value in headers.items())
            cached = (headers, unsigned, None, unsigned)
        elif cached[2] is authorization:
            return cached[3]
        lines = (cached[1] if authorization is None
                 else f"{cached[1]}Authorization: {authorization}\r\n")
        self._lines[id(headers)] = (headers, cached[1], authorization, lines)
        return lines

    def call_key(self, i: int) -> str:
        """vendorCallKey of message i as sent (with its pass suffix)."""
        suffix = pass_suffix(int(self._plan.pass_index[i]))
        return self._keys[int(self._plan.row[i])] + suffix

    def fields(self, i: int, *, anchor_ms: int) -> dict:
        """The six body fields of message i; `anchor_ms` is its send moment on the wall clock."""
        row = int(self._plan.row[i])
        suffix = pass_suffix(int(self._plan.pass_index[i]))
        start, end = int(self._starts[row]), int(self._ends[row])
        if not self._settings.keep_timestamps:
            start, end = shift_times(
                start, end, anchor_ms=anchor_ms, send_at=self._plan.send_at, speed=self._plan.speed
            )
        return {
            "participantId": self._participants[row],
            "messageId": self._message_ids[row] + suffix,
            "startTime": start,
            "endTime": end,
            "content": self._contents[row],
            "senderType": self._senders[row],
        }

    def messages_path(self, i: int) -> str:
        """The path message i is posted to (the same for every message of its call)."""
        return self._endpoint.messages_path(self.call_key(i))

    def message(self, i: int, *, anchor_ms: int, path: str | None = None) -> Request:
        """POST /voiceCalls/{vendorCallKey}/messages for message i; `path`, when the caller
        already has it from `messages_path` (once per call), saves building it again."""
        return Request(
            method="POST",
            path=path or self.messages_path(i),
            body=self._encode(self.fields(i, anchor_ms=anchor_ms)),
            headers=self._base_headers,
            name="/voiceCalls/{vendorCallKey}/messages",
        )

    def bulk_messages(self, body: bytes) -> Request:
        """POST /voiceCalls/messages with a JSON body of entries (replay.driver.bulk builds it)."""
        return Request(method="POST", path=self._endpoint.bulk_messages_path(), body=body,
                       headers=self._json_headers, name="/voiceCalls/messages")

    def call_window_ms(
        self, call: int, *, first_anchor_ms: int, last_anchor_ms: int
    ) -> tuple[int, int]:
        """(start, end) epoch ms that hold every message of a call, as its messages are sent."""
        lo, hi = int(self._plan.call_start[call]), int(self._plan.call_end[call])
        rows = self._plan.row[lo:hi]
        starts, ends = self._starts[rows], self._ends[rows]
        if self._settings.keep_timestamps:
            return int(starts.min()), int(ends.max())
        longest = int(np.ceil((ends - starts).max() / (self._plan.speed or 1.0)))
        if self._plan.send_at == "start":
            return first_anchor_ms, last_anchor_ms + longest
        return first_anchor_ms - longest, last_anchor_ms

    def create_call(self, call: int, *, start_ms: int) -> Request:
        """POST /voiceCalls: create the VoiceCall of a plan call before its first message."""
        key = self.call_key(int(self._plan.call_start[call]))
        body = {
            "callCenterApiName": self._settings.call_center,
            "vendorCallKey": key,
            "to": PLACEHOLDER_TO,
            "from": PLACEHOLDER_FROM,
            "initiationMethod": "Inbound",
            "startTime": iso_utc(start_ms),
            "participants": [{"participantKey": PLACEHOLDER_FROM, "type": "END_USER"}],
        }
        return Request(
            method="POST", path=self._endpoint.voice_calls_path(), body=orjson.dumps(body),
            headers=self._json_headers, name="/voiceCalls",
        )

    def end_call(self, call: int, *, end_ms: int) -> Request:
        """PATCH /voiceCalls/{vendorCallKey}: close the conversation after its last message."""
        key = self.call_key(int(self._plan.call_start[call]))
        body = {"endTime": iso_utc(end_ms), "isActiveCall": False}
        return Request(
            method="PATCH", path=self._endpoint.voice_call_path(key), body=orjson.dumps(body),
            headers=self._json_headers, name="/voiceCalls/{vendorCallKey}",
        )
