"""Find personal data in an utterance and replace each item by a typed placeholder.

    detector = Detector(phone_region="US")
    masked, found = detector.mask("call me on (415) 555-0132 or jo@example.com")
    # masked == "call me on [PHONE] or [EMAIL]"; found == [("PHONE", ...), ("EMAIL", ...)]

`found` holds (kind, original text) pairs for the caller to count; it must never be printed.
The detectors run in this order, each on the text the earlier ones left, so a card number is
a [CARD] and not four [NUMBER]s:

    EMAIL   written (jo.smith+x@mail.example.co.uk) or spoken ("jo dot smith at gmail dot com")
    IBAN    2 letters, 2 check digits, 11-30 letters or digits, spaces allowed; mod-97 checked
    CARD    13-19 digits, spaces or dashes allowed, Luhn checked
    SSN     US social security numbers written 123-45-6789 or 123 45 6789 (valid ranges)
    DATE    numeric dates: 03/12/1985, 3-12-85, 1985-12-03
    PHONE   phone numbers phonenumbers accepts as valid: international (+44 20 7946 0958,
            0044 ...) and national for `phone_region` ((415) 555-0132, 415.555.0132)
    NUMBER  any other run of 4 or more digits, written or spoken ("four one one one",
            "oh", "double five", "twenty six seventy one", "nineteen eighty five"),
            grouped by spaces, commas or dashes: 5135-4405, 1 2 3 4

`CANDIDATE` is a cheap RE2 pattern (pyarrow.compute) that every text with something to find
matches; texts that do not match are left alone without running any detector.
"""

from __future__ import annotations

import re
from collections.abc import Callable

import phonenumbers

DIGIT_WORDS = {
    "zero": "0", "oh": "0", "one": "1", "two": "2", "three": "3", "four": "4", "five": "5",
    "six": "6", "seven": "7", "eight": "8", "nine": "9", "niner": "9",
}  # fmt: skip
_WORD = "|".join(DIGIT_WORDS)
_UNIT = "one|two|three|four|five|six|seven|eight|nine"
_TENS = "twenty|thirty|forty|fifty|sixty|seventy|eighty|ninety"
_TEENS = "ten|eleven|twelve|thirteen|fourteen|fifteen|sixteen|seventeen|eighteen|nineteen"
_ANY_WORD = rf"{_TENS}|{_TEENS}|{_WORD}|double|triple"
_TOKEN_WORD = (
    rf"\b(?:(?:double|triple)[ \t]+(?:{_WORD})|(?:{_TENS})(?:[ \t-]+(?:{_UNIT}))?|{_TEENS}"
    rf"|{_WORD})\b"
)
CANDIDATE = rf"(?i)[0-9@]|\bdot\b|\b(?:{_ANY_WORD})\b[\s,.-]+\b(?:{_ANY_WORD})\b"
TLDS = "com|net|org|edu|gov|mil|int|io|co|uk|us|ca|au|de|fr|es|it|nl|ie|info|biz|me"

_EMAIL = re.compile(r"[A-Za-z0-9._%+-]+@[A-Za-z0-9-]+(?:\.[A-Za-z0-9-]+)*\.[A-Za-z]{2,}")
_SPOKEN_EMAIL = re.compile(
    rf"(?i)\b[a-z0-9_+-]+(?:\s+dot\s+[a-z0-9_+-]+)*\s+at\s+[a-z0-9-]+(?:\s+dot\s+[a-z0-9-]+)*"
    rf"\s+dot\s+(?:{TLDS})\b"
)
_IBAN = re.compile(r"\b[A-Z]{2}[0-9]{2}(?: ?[A-Z0-9]){11,30}")
_CARD = re.compile(r"(?<![0-9+])[0-9](?:[ -]?[0-9]){12,18}(?![0-9])")
_SSN = re.compile(r"(?<![0-9+-])([0-9]{3})([ -])([0-9]{2})\2([0-9]{4})(?![0-9]|-[0-9])")
_DATE = re.compile(
    r"(?<![0-9])(?:[0-9]{1,2}([/.-])[0-9]{1,2}\1(?:[0-9]{4}|[0-9]{2})|[0-9]{4}-[0-9]{2}-[0-9]{2})"
    r"(?![0-9])"
)
_PHONE_LIKE = re.compile(r"(?:\+|\(\+?)?[0-9][0-9 ().\-/\t]*[0-9]")  # digits, phone punctuation
_RUN = re.compile(
    rf"(?i)(?<![0-9])(?:[0-9]+|{_TOKEN_WORD})(?:(?:[ \t]*[,-][ \t]*|[ \t]+|\.(?=[0-9]{{3}}))"
    rf"(?:[0-9]+|{_TOKEN_WORD}))*(?![0-9])"
)
_SPOKEN = re.compile(
    rf"(?i)\b(double|triple)\b|\b((?:{_TENS})(?:[ \t-]+(?:{_UNIT}))?|{_TEENS})\b"
    rf"|\b(?:{_WORD})\b"
)


class Detector:
    """The detectors, configured once; `mask` is safe to call from any thread."""

    def __init__(self, phone_region: str = "US") -> None:
        self.phone_region = phone_region
        self._steps: tuple[tuple[str, Callable[[str], list[tuple[int, int]]]], ...] = (
            ("EMAIL", _emails),
            ("IBAN", _ibans),
            ("CARD", _cards),
            ("SSN", _ssns),
            ("DATE", _dates),
            ("PHONE", self._phones),
            ("NUMBER", _digit_runs),
        )

    def mask(self, text: str) -> tuple[str, list[tuple[str, str]]]:
        found: list[tuple[str, str]] = []
        for kind, spans_of in self._steps:
            spans = spans_of(text)
            if not spans:
                continue
            pieces, last = [], 0
            for start, end in spans:
                found.append((kind, text[start:end]))
                pieces += (text[last:start], f"[{kind}]")
                last = end
            pieces.append(text[last:])
            text = "".join(pieces)
        return text, found

    def _phones(self, text: str) -> list[tuple[int, int]]:
        """Each phone-like run that is one valid number; else phonenumbers' own text search.

        Parsing the runs directly is about twice as fast as PhoneNumberMatcher, which is only
        needed when a run is not exactly one number (a number glued to other digits, say).
        """
        runs = _phone_runs(text)
        spans = []
        for start, end in runs:
            try:
                number = phonenumbers.parse(text[start:end], self.phone_region)
            except phonenumbers.NumberParseException:
                break
            if not phonenumbers.is_valid_number(number):
                break
            spans.append((start, end))
        else:
            return spans
        matcher = phonenumbers.PhoneNumberMatcher(
            text, self.phone_region, leniency=phonenumbers.Leniency.VALID
        )
        return [_balanced(text, match.start, match.end) for match in matcher]


def _phone_runs(text: str) -> list[tuple[int, int]]:
    """Runs of digits and phone punctuation long enough to be a phone number: 9 digits or more,
    or 7 or more after a +, the shortest valid numbers. Shorter runs (order numbers) never reach
    phonenumbers (about 50 µs a text); they are still masked, as [NUMBER].
    """
    runs = []
    for match in _PHONE_LIKE.finditer(text):
        run = match.group()
        digits = sum(char.isdigit() for char in run)
        if digits >= 9 or (digits >= 7 and run.lstrip("(")[0] == "+"):
            runs.append(_balanced(text, *match.span()))
    return runs


def _balanced(text: str, start: int, end: int) -> tuple[int, int]:
    """Without an opening parenthesis the match took from the sentence: "(+1 415 ...)"."""
    piece = text[start:end]
    if piece.startswith("(") and piece.count("(") > piece.count(")"):
        start += 1
    return start, end


def _emails(text: str) -> list[tuple[int, int]]:
    spans = [match.span() for match in _EMAIL.finditer(text)] if "@" in text else []
    if " dot " in text.lower():
        spans = _merge(spans, [match.span() for match in _SPOKEN_EMAIL.finditer(text)])
    return spans


def _ibans(text: str) -> list[tuple[int, int]]:
    spans = []
    for match in _IBAN.finditer(text):
        candidate = match.group()
        while len(candidate.replace(" ", "")) >= 15:  # shortest IBAN (Norway)
            if _mod97_ok(candidate.replace(" ", "")):
                spans.append((match.start(), match.start() + len(candidate)))
                break
            candidate = candidate[:-1].rstrip()
    return spans


def _mod97_ok(iban: str) -> bool:
    if len(iban) > 34 or not iban[4:].isalnum():
        return False
    moved = iban[4:] + iban[:4]
    return int("".join(str(int(char, 36)) for char in moved)) % 97 == 1


def _cards(text: str) -> list[tuple[int, int]]:
    return [match.span() for match in _CARD.finditer(text) if _luhn_ok(match.group())]


def _luhn_ok(number: str) -> bool:
    digits = [int(char) for char in number if char.isdigit()]
    total = 0
    for position, digit in enumerate(reversed(digits)):
        if position % 2:
            digit = digit * 2 - 9 if digit > 4 else digit * 2
        total += digit
    return total % 10 == 0


def _ssns(text: str) -> list[tuple[int, int]]:
    spans = []
    for match in _SSN.finditer(text):
        area, _, group, serial = match.groups()
        if area not in ("000", "666") and area[0] != "9" and group != "00" and serial != "0000":
            spans.append(match.span())
    return spans


def _dates(text: str) -> list[tuple[int, int]]:
    return [match.span() for match in _DATE.finditer(text)]


def _digit_runs(text: str) -> list[tuple[int, int]]:
    return [match.span() for match in _RUN.finditer(text) if _digit_count(match.group()) >= 4]


def _digit_count(run: str) -> int:
    count = sum(char.isdigit() for char in run)
    multiplier = 1
    for match in _SPOKEN.finditer(run):
        if match.group(1):
            multiplier = 2 if match.group(1).lower() == "double" else 3
        elif match.group(2):
            count += 2  # "twenty", "twenty six", "fifteen": two digits each
            multiplier = 1
        else:
            count += multiplier
            multiplier = 1
    return count


def _merge(first: list[tuple[int, int]], second: list[tuple[int, int]]) -> list[tuple[int, int]]:
    """Both lists' spans in order, overlapping ones joined."""
    merged: list[tuple[int, int]] = []
    for start, end in sorted(first + second):
        if merged and start < merged[-1][1]:
            merged[-1] = (merged[-1][0], max(end, merged[-1][1]))
        else:
            merged.append((start, end))
    return merged
