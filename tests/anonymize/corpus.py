"""A corpus of utterances with personal data planted in many spellings, for the recall tests.

    items = planted(seed=3, per_kind=300)    # [Planted(kind, spelling, value, text, expected)]

Each item is one utterance: an ordinary sentence around one planted value. `expected` is the
utterance with the value replaced by its placeholder (`[PHONE]`, ...): the detector found the
item when its output is exactly that (an account number of 10 digits that is also a valid US
phone number may come out as [PHONE] instead: `accepted` lists the placeholders that count).
Kinds: PHONE (US national and international, other
countries' international formats), EMAIL (written and spoken), CARD (Luhn-valid, grouped by
spaces or dashes or not at all), SSN, IBAN (valid check digits, compact or in groups of 4),
DATE, NUMBER (account numbers in digits) and SPOKEN (digits said as words, one by one or in
pairs such as "twenty six seventy one"; masked as NUMBER).
The surrounding sentences hold no digits and no digit words, so they never join a planted run.
"""

from __future__ import annotations

import random
from dataclasses import dataclass

import phonenumbers

CONTEXTS = (
    "{x}",
    "My details are {x}, thanks.",
    "Sure, it's {x}.",
    "You can reach me at {x} any time after lunch.",
    "Okay so that is {x}? Let me check.",
    "Please write this down: {x}",
    "({x})",
    "I said {x} and the system did not accept it.",
    "Can you read back {x} for me please?",
    "Yes. {x}. That's the right one, I think.",
)
WORDS = ("zero", "one", "two", "three", "four", "five", "six", "seven", "eight", "nine")
US_AREAS = ("212", "415", "312", "617", "202", "303", "206", "512", "713", "305", "646", "818")
REGIONS = ("GB", "DE", "FR", "IN", "AU", "BR", "ES", "IT", "NL", "MX", "JP", "ZA", "IE", "CA")
IBAN_FORMATS = {"GB": "4a14n", "DE": "18n", "FR": "10n11c2n", "NL": "4a10n", "ES": "20n",
                "IT": "1a10n12c", "BE": "12n", "CH": "5n12c"}  # fmt: skip
NAMES = ("jo", "maria.lopez", "j_smith", "Chen.Wei", "a.b.c", "olivia+billing", "noah99")
DOMAINS = ("example.com", "mail.example.co.uk", "gmail.com", "outlook.com", "corp.example.org")


@dataclass(frozen=True)
class Planted:
    kind: str  # the placeholder expected: PHONE, EMAIL, ... (SPOKEN expects NUMBER)
    spelling: str  # how it was written, e.g. "us-dots"
    value: str
    text: str
    expected: str

    def accepted(self) -> set[str]:
        if self.kind != "NUMBER":
            return {self.expected}
        return {self.expected, self.expected.replace("[NUMBER]", "[PHONE]")}


def planted(seed: int = 3, per_kind: int = 300) -> list[Planted]:
    rng = random.Random(seed)
    makers = {
        "PHONE": _phone, "EMAIL": _email, "CARD": _card, "SSN": _ssn, "IBAN": _iban,
        "DATE": _date, "NUMBER": _account, "SPOKEN": _spoken,
    }  # fmt: skip
    items = []
    for kind, make in makers.items():
        for _ in range(per_kind):
            spelling, value = make(rng)
            context = rng.choice(CONTEXTS)
            placeholder = "[NUMBER]" if kind == "SPOKEN" else f"[{kind}]"
            if spelling == "prefixed":  # letters are not digits: "AC12345" -> "AC[NUMBER]"
                placeholder = "AC" + placeholder
            items.append(
                Planted(
                    kind=kind,
                    spelling=spelling,
                    value=value,
                    text=context.format(x=value),
                    expected=context.format(x=placeholder),
                )
            )
    return items


def _phone(rng: random.Random) -> tuple[str, str]:
    if rng.random() < 0.5:
        while True:
            area = rng.choice(US_AREAS)
            exchange, line = f"{rng.randint(200, 999)}", f"{rng.randint(0, 9999):04d}"
            number = phonenumbers.parse(f"+1{area}{exchange}{line}")
            if phonenumbers.is_valid_number(number):
                break
        spellings = {
            "us-parens": f"({area}) {exchange}-{line}",
            "us-dashes": f"{area}-{exchange}-{line}",
            "us-dots": f"{area}.{exchange}.{line}",
            "us-spaces": f"{area} {exchange} {line}",
            "us-plus1": f"+1 {area} {exchange} {line}",
            "us-plus1-dashes": f"+1-{area}-{exchange}-{line}",
            "us-e164": f"+1{area}{exchange}{line}",
            "us-1-parens": f"1 ({area}) {exchange}-{line}",
        }
        spelling = rng.choice(sorted(spellings))
        return spelling, spellings[spelling]
    region = rng.choice(REGIONS)
    types = phonenumbers.PhoneNumberType
    kind = rng.choice((types.MOBILE, types.FIXED_LINE))
    example = phonenumbers.example_number_for_type(region, kind)
    national = phonenumbers.national_significant_number(example)
    for _ in range(1000):
        keep = max(3, len(national) - 4)
        digits = national[:keep] + "".join(str(rng.randint(0, 9)) for _ in national[keep:])
        number = phonenumbers.parse(f"+{example.country_code}{digits}")
        if phonenumbers.is_valid_number(number):
            break
    else:
        raise AssertionError(f"no valid {region} number near {national}")
    if rng.random() < 0.5:
        return f"{region}-international", phonenumbers.format_number(
            number, phonenumbers.PhoneNumberFormat.INTERNATIONAL
        )
    return f"{region}-e164", phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.E164)


def _email(rng: random.Random) -> tuple[str, str]:
    name, domain = rng.choice(NAMES), rng.choice(DOMAINS)
    name = f"{name}{rng.randint(1, 999)}" if rng.random() < 0.5 else name
    roll = rng.random()
    if roll < 0.2:
        return "upper", f"{name}@{domain}".upper()
    if roll < 0.5:
        return "spoken", f"{name.replace('.', ' dot ')} at {domain.replace('.', ' dot ')}"
    return "written", f"{name}@{domain}"


def _luhn_complete(partial: str) -> str:
    total = 0
    for position, char in enumerate(reversed(partial)):
        digit = int(char)
        if position % 2 == 0:
            digit = digit * 2 - 9 if digit > 4 else digit * 2
        total += digit
    return partial + str((10 - total % 10) % 10)


def _card(rng: random.Random) -> tuple[str, str]:
    brand = rng.choice(("visa", "mastercard", "amex", "discover"))
    prefix, length = {
        "visa": ("4", 16),
        "mastercard": ("5" + str(rng.randint(1, 5)), 16),
        "amex": (rng.choice(("34", "37")), 15),
        "discover": ("6011", 16),
    }[brand]
    body = prefix + "".join(str(rng.randint(0, 9)) for _ in range(length - len(prefix) - 1))
    number = _luhn_complete(body)
    groups = (4, 6, 5) if length == 15 else (4, 4, 4, 4)
    parts, start = [], 0
    for size in groups:
        parts.append(number[start : start + size])
        start += size
    separator = rng.choice((" ", "-", ""))
    return f"{brand}-{separator or 'none'}", separator.join(parts)


def _ssn(rng: random.Random) -> tuple[str, str]:
    area = rng.choice([n for n in range(1, 900) if n != 666])
    group, serial = rng.randint(1, 99), rng.randint(1, 9999)
    separator = rng.choice(("-", " "))
    return f"ssn-{separator}", f"{area:03d}{separator}{group:02d}{separator}{serial:04d}"


def _iban(rng: random.Random) -> tuple[str, str]:
    country = rng.choice(sorted(IBAN_FORMATS))
    bban = ""
    for count, kind in _pieces(IBAN_FORMATS[country]):
        alphabet = {"n": "0123456789", "a": "ABCDEFGHIJKLMNOPQRSTUVWXYZ",
                    "c": "ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789"}[kind]  # fmt: skip
        bban += "".join(rng.choice(alphabet) for _ in range(count))
    numeric = "".join(str(int(char, 36)) for char in bban + country + "00")
    iban = f"{country}{98 - int(numeric) % 97:02d}{bban}"
    if rng.random() < 0.5:
        return f"{country}-compact", iban
    return f"{country}-groups", " ".join(iban[i : i + 4] for i in range(0, len(iban), 4))


def _pieces(pattern: str) -> list[tuple[int, str]]:
    pieces, number = [], ""
    for char in pattern:
        if char.isdigit():
            number += char
        else:
            pieces.append((int(number), char))
            number = ""
    return pieces


def _date(rng: random.Random) -> tuple[str, str]:
    year, month, day = rng.randint(1930, 2010), rng.randint(1, 12), rng.randint(1, 28)
    spellings = {
        "slashes": f"{month:02d}/{day:02d}/{year}",
        "short-slashes": f"{month}/{day}/{year % 100:02d}",
        "dashes": f"{day}-{month}-{year}",
        "dots": f"{day:02d}.{month:02d}.{year}",
        "iso": f"{year}-{month:02d}-{day:02d}",
    }
    spelling = rng.choice(sorted(spellings))
    return spelling, spellings[spelling]


def _account(rng: random.Random) -> tuple[str, str]:
    digits = "".join(str(rng.randint(0, 9)) for _ in range(rng.randint(4, 12)))
    spellings = {
        "plain": digits,
        "grouped-spaces": " ".join(digits[i : i + 4] for i in range(0, len(digits), 4)),
        "grouped-dashes": "-".join(digits[i : i + 3] for i in range(0, len(digits), 3)),
        "prefixed": f"AC{digits}",
    }
    spelling = rng.choice(sorted(spellings))
    return spelling, spellings[spelling]


TEENS = ("ten", "eleven", "twelve", "thirteen", "fourteen", "fifteen", "sixteen", "seventeen",
         "eighteen", "nineteen")
TENS = ("", "", "twenty", "thirty", "forty", "fifty", "sixty", "seventy", "eighty", "ninety")


def _pair(tens: int, unit: int) -> str:
    """Two digits as people say them in a phone number or a year: "twenty six", "oh five"."""
    if tens == 0:
        return f"oh {WORDS[unit]}"
    if tens == 1:
        return TEENS[unit]
    return TENS[tens] if unit == 0 else f"{TENS[tens]} {WORDS[unit]}"


def _spoken(rng: random.Random) -> tuple[str, str]:
    digits = [rng.randint(0, 9) for _ in range(rng.randint(4, 10))]
    if rng.random() < 0.2:
        pairs = [_pair(digits[i], digits[i + 1]) for i in range(0, len(digits) - 1, 2)]
        if len(pairs) >= 2:
            return "pairs", " ".join(pairs)
    words = [("oh" if d == 0 and rng.random() < 0.5 else WORDS[d]) for d in digits]
    roll = rng.random()
    if roll < 0.15 and len(words) >= 4 and digits[1] == digits[2]:
        words[1:3] = [f"double {words[1]}"]
        return "double", " ".join(words)
    if roll < 0.3:
        return "commas", ", ".join(words)
    if roll < 0.45:
        return "dashes", "-".join(words)
    if roll < 0.6:
        return "capitalised", " ".join(word.capitalize() for word in words)
    if roll < 0.75:
        head = "".join(str(d) for d in digits[:2])
        return "mixed", " ".join([head, *words[2:]])
    return "words", " ".join(words)
