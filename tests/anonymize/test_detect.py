"""The detectors: recall on a planted corpus, precision on ordinary text, each rule's edges."""

from __future__ import annotations

import re
from collections import Counter
from pathlib import Path

import pandas as pd
import pytest

from replay.anonymize.detect import Detector
from replay.synth import text as bank_text

from .corpus import planted

REPO_SAMPLE = Path(__file__).resolve().parents[2] / "datasets" / "sample.parquet"
CORPUS = planted(seed=3, per_kind=300)
KINDS = sorted({item.kind for item in CORPUS})


@pytest.fixture(scope="module")
def detector() -> Detector:
    return Detector("US")


@pytest.mark.parametrize("kind", KINDS)
def test_recall_of_planted_items_is_at_least_99_percent_per_kind(detector, kind):
    items = [item for item in CORPUS if item.kind == kind]
    found = sum(detector.mask(item.text)[0] in item.accepted() for item in items)
    assert found / len(items) >= 0.99, f"{kind}: {found} of {len(items)}"


def test_every_spelling_of_the_corpus_is_found_at_least_once(detector):
    found = {(item.kind, item.spelling) for item in CORPUS
             if detector.mask(item.text)[0] in item.accepted()}  # fmt: skip
    assert found == {(item.kind, item.spelling) for item in CORPUS}


def test_found_items_are_reported_by_kind(detector):
    text = "call (415) 555-0132 or mail jo@example.com, card 4111 1111 1111 1111"
    masked, found = detector.mask(text)
    assert masked == "call [PHONE] or mail [EMAIL], card [CARD]"
    assert [kind for kind, _ in found] == ["EMAIL", "CARD", "PHONE"]


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("card 4111 1111 1111 1112 please", "card [NUMBER] please"),  # fails Luhn
        ("GB82 WEST 1234 5698 7654 33", "GB82 WEST [NUMBER]"),  # fails mod 97
        ("GB82 WEST 1234 5698 7654 32 thanks", "[IBAN] thanks"),
        ("SSN 666-12-3456", "SSN [NUMBER]"),  # 666 is never issued
        ("it's four one one one", "it's [NUMBER]"),
        ("oh double five, seven", "[NUMBER]"),
        ("order 5135-4405 went out", "order [NUMBER] went out"),
        ("account AB123456", "account AB[NUMBER]"),
        ("born 1985-12-03", "born [DATE]"),
        ("+44 20 7946 0958", "[PHONE]"),
        ("020 7946 0958", "[NUMBER]"),  # a UK national number with --phone-region US
        ("jo dot smith at gmail dot com", "[EMAIL]"),
        ("four one five, five five five, twenty six seventy one", "[NUMBER]"),
        ("born nineteen eighty-five", "born [NUMBER]"),
    ],
)
def test_each_rule_masks_what_it_should(detector, text, expected):
    assert detector.mask(text)[0] == expected


def test_phone_region_decides_which_national_numbers_are_phones():
    assert Detector("GB").mask("ring 020 7946 0958 now")[0] == "ring [PHONE] now"


@pytest.mark.parametrize(
    "text",
    [
        "I have one or two questions.",
        "Oh, okay. One moment.",
        "Someone called about it twice.",
        "It costs $40.12 a month, three times a year.",
        "Call me at 5 or 6 tomorrow.",
        "I'm at home, dot the i's please.",
        "I've been on hold for twenty five minutes.",
        "It was five hundred dollars, and ten more for delivery.",
    ],
)
def test_ordinary_text_is_left_alone(detector, text):
    assert detector.mask(text) == (text, [])


def test_no_template_of_the_generator_is_masked_without_its_numbers(detector):
    slots = {"company": "Northwind Energy", "customer": "Maria", "agent": "James",
             "supervisor": "Aisha", "order": "the order", "amount": "the amount",
             "last4": "those", "product": "router", "plan": "Plus", "org": "Allied Movers",
             "day": "Monday", "days": "a few"}  # fmt: skip
    lines = {line.format_map(slots) for bank in bank_text.BANKS.values() for line in bank}
    lines |= {line.format_map(slots) for lines_ in bank_text.LEAD_INS.values() for line in lines_}
    changed = [line for line in sorted(lines) if detector.mask(line)[1]]
    assert changed == []


def test_on_the_bundled_sample_only_order_references_and_last_four_digits_are_masked(detector):
    content = pd.read_parquet(REPO_SAMPLE, columns=["content"])["content"]
    kinds: Counter[str] = Counter()
    shapes: Counter[str] = Counter()
    changed = 0
    for text in content:
        _, found = detector.mask(text)
        changed += bool(found)
        for kind, original in found:
            kinds[kind] += 1
            shapes[re.sub(r"[0-9]", "9", original)] += 1
    assert len(content) == 5_010
    assert kinds == {"NUMBER": 276} and changed == 276
    assert shapes == {"9999": 211, "9999-9999": 62, "9999-9999 9": 3}
