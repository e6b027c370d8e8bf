"""Keyed pseudonyms for the dataset's identifiers, shaped like the originals.

    names = Pseudonyms(key)
    names.call("9db41d16-684f-4f8a-b775-d278f203488d")   # another UUID, same for the same key
    names.participant("9db41d16-...-d278f203488dEND_USER")  # names.call(...) + "END_USER"
    names.message(...)                                    # messageIds
    names.column(arrow_strings, names.message)            # the same, for an Arrow column

Each pseudonym is HMAC-SHA256(key, field + value), so one key gives the same pseudonym in every
run and file, two keys give unrelated ones, and nothing maps back without the key. The shape the
API (and people reading a report) care about is kept:

- a UUID stays a UUID (version 4, the original's letter case);
- an 18-character Salesforce id (a valid case-safe suffix, or any `005` user id) keeps its
  3-character object prefix, gets 12 new characters and the right suffix; a 15-character `005`
  user id keeps `005`;
- `{vendorCallKey}END_USER`, `...SUPERVISOR`, `...VIRTUAL_AGENT` become the call's pseudonym
  followed by the same suffix;
- any other id keeps its length, its punctuation and each character's class (digit, lower,
  upper); runs of hexadecimal digits stay hexadecimal.
"""

from __future__ import annotations

import hashlib
import hmac
import re
from collections.abc import Callable

import pyarrow as pa
import pyarrow.compute as pc

PARTICIPANT_SUFFIXES = ("END_USER", "SUPERVISOR", "VIRTUAL_AGENT")
_UUID = re.compile(r"[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}")
_ALNUM = re.compile(r"[0-9A-Za-z]+")
_SEGMENTS = re.compile(r"[0-9A-Za-z]+|[^0-9A-Za-z]+")
_HEX_RUN = re.compile(r"(?=[0-9a-f]*[a-f])(?=[0-9a-f]*[0-9])[0-9a-f]{6,}|"
                      r"(?=[0-9A-F]*[A-F])(?=[0-9A-F]*[0-9])[0-9A-F]{6,}")  # fmt: skip
_BASE62 = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz"
_SUFFIX_CHARS = "ABCDEFGHIJKLMNOPQRSTUVWXYZ012345"


class Pseudonyms:
    """Pseudonyms for one key. Holds the key; never shows it (no repr of it, no logging)."""

    __slots__ = ("_key",)

    def __init__(self, key: bytes) -> None:
        self._key = key

    def __repr__(self) -> str:
        return "Pseudonyms(key=<hidden>)"

    def call(self, value: str) -> str:
        return _shaped(self._bytes(b"vendorCallKey", value), value)

    def message(self, value: str, attempt: int = 0) -> str:
        """`attempt` > 0 gives another pseudonym of the same shape (to resolve a clash)."""
        salted = f"{value}\0{attempt}" if attempt else value
        return _shaped(self._bytes(b"messageId", salted), value)

    def participant(self, value: str) -> str:
        for suffix in PARTICIPANT_SUFFIXES:
            if value.endswith(suffix) and len(value) > len(suffix):
                return self.call(value[: -len(suffix)]) + suffix
        return _shaped(self._bytes(b"participantId", value), value)

    def column(
        self,
        column: pa.Array | pa.ChunkedArray,
        rename: Callable[[str], str],
        *,
        repeats: bool = True,
    ) -> pa.Array:
        """`rename` applied to every value of a string column: once per distinct value when
        values repeat (calls, participants), straight down the column when they hardly do."""
        if not repeats:
            return pa.array([rename(value) for value in column.to_pylist()], pa.large_string())
        distinct = pc.unique(column)
        renamed = pa.array([rename(value) for value in distinct.to_pylist()], pa.large_string())
        return renamed.take(pc.index_in(column, value_set=distinct))

    def _bytes(self, field: bytes, value: str) -> bytes:
        return hmac.digest(self._key, field + b"\0" + value.encode("utf-8"), "sha256")


def _shaped(random: bytes, value: str) -> str:
    if len(value) == 36 and _UUID.fullmatch(value):
        return _uuid(random, upper=value != value.lower())
    if len(value) in (15, 18) and _ALNUM.fullmatch(value):
        user = value.startswith("005")
        if len(value) == 18 and (user or _suffix(value[:15]) == value[15:]):
            return _salesforce_id(random, value[:3])
        if user:
            return _salesforce_id(random, "005")[:15]
    return _same_classes(random, value)


def _uuid(random: bytes, *, upper: bool) -> str:
    raw = bytearray(random[:16])
    raw[6] = (raw[6] & 0x0F) | 0x40
    raw[8] = (raw[8] & 0x3F) | 0x80
    text = raw.hex()
    text = f"{text[:8]}-{text[8:12]}-{text[12:16]}-{text[16:20]}-{text[20:]}"
    return text.upper() if upper else text


def _salesforce_id(random: bytes, prefix: str) -> str:
    fifteen = prefix + "".join(_BASE62[byte % 62] for byte in random[: 15 - len(prefix)])
    return fifteen + _suffix(fifteen)


def _suffix(fifteen: str) -> str:
    """Salesforce's case-safe suffix: one character per 5, the bits of its upper-case letters."""
    letters = []
    for start in (0, 5, 10):
        bits = sum(
            1 << i for i, char in enumerate(fifteen[start : start + 5]) if "A" <= char <= "Z"
        )
        letters.append(_SUFFIX_CHARS[bits])
    return "".join(letters)


def _same_classes(random: bytes, value: str) -> str:
    """Same length and punctuation; digits, lower- and upper-case letters, hex runs kept."""
    if len(value) > len(random):
        random = hashlib.shake_256(random).digest(len(value))
    out = []
    position = 0
    for segment in _SEGMENTS.findall(value):
        if not segment[0].isascii() or not segment[0].isalnum():
            out.append(_other(random, position, segment))
        elif _HEX_RUN.fullmatch(segment):
            alphabet = "0123456789abcdef" if segment.lower() == segment else "0123456789ABCDEF"
            out.append("".join(alphabet[random[(position + i) % len(random)] % 16]
                               for i in range(len(segment))))  # fmt: skip
        else:
            out.append("".join(_like(char, random[(position + i) % len(random)])
                               for i, char in enumerate(segment)))  # fmt: skip
        position += len(segment)
    return "".join(out)


def _other(random: bytes, position: int, segment: str) -> str:
    """Punctuation and spaces stay; letters and digits of other scripts become ASCII ones."""
    return "".join(
        _like(char, random[(position + i) % len(random)]) if char.isalnum() else char
        for i, char in enumerate(segment)
    )


def _like(char: str, byte: int) -> str:
    if char.isdigit():
        return "0123456789"[byte % 10]
    if "A" <= char <= "Z":
        return "ABCDEFGHIJKLMNOPQRSTUVWXYZ"[byte % 26]
    return "abcdefghijklmnopqrstuvwxyz"[byte % 26]
