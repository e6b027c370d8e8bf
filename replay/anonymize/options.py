"""The anonymization options, declared once (replay.options) for every command that offers them.

    add_arguments(parser, AnonymizeOptions, title="anonymization")   # replay anonymize, import
    options = build(AnonymizeOptions, args)
    settings = options.settings(max_content_length=10_000)           # reads and checks the key

--key-file PATH, --content mask|synthetic|keep, --shift-to ISO8601, --phone-region CC.
A bad value raises ConfigError naming the flag (exit 2).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime

import phonenumbers

from replay.anonymize.keys import read_key
from replay.anonymize.table import CONTENT_MODES, Settings
from replay.errors import ConfigError
from replay.options import option

EXAMPLE_TIME = "2026-01-05T09:00:00Z"


def parse_shift_to(text: str, flag: str) -> datetime:
    try:
        moment = datetime.fromisoformat(str(text).replace("Z", "+00:00"))
    except ValueError:
        raise ConfigError(
            f"{flag} {text!r} is not an ISO 8601 time; write e.g. {EXAMPLE_TIME}"
        ) from None
    moment = moment if moment.tzinfo else moment.replace(tzinfo=UTC)
    if moment.year < 1970:
        raise ConfigError(f"{flag} {text!r} is before 1970; timestamps cannot be")
    return moment


def parse_region(text: str, flag: str) -> str:
    region = str(text).upper()
    if region not in phonenumbers.SUPPORTED_REGIONS:
        raise ConfigError(
            f"{flag} {text!r} is not a country code phonenumbers knows; write e.g. US, GB, DE"
        )
    return region


@dataclass(frozen=True, kw_only=True)
class AnonymizeOptions:
    """How to anonymize: the key, what becomes of content and times, which phone formats."""

    key_file: str | None = option(
        flag="--key-file", metavar="PATH", shown=False,
        help="the secret key file (make one with replay anonymize --new-key PATH)")
    content: str = option(
        "mask", flag="--content", choices=CONTENT_MODES,
        help="mask personal data with [PHONE], [EMAIL], ...; replace each utterance by "
             "synthetic text; or keep it (ids only)")
    shift_to: datetime | None = option(
        flag="--shift-to", metavar="ISO8601", parse=parse_shift_to,
        default_text="times unchanged",
        help=f"move all times by one offset so the earliest startTime is this, e.g. "
             f"{EXAMPLE_TIME}")
    phone_region: str = option(
        "US", flag="--phone-region", metavar="CC", parse=parse_region,
        help="country whose national phone formats are recognised; international +CC numbers "
             "are recognised for every country")  # fmt: skip

    def settings(self, max_content_length: int = 10_000) -> Settings:
        """The table-level settings, with the key read (ConfigError when missing or short)."""
        if not self.key_file:
            raise ConfigError(
                "--key-file is required; make a key once with: replay anonymize --new-key PATH"
            )
        return Settings(
            key=read_key(self.key_file),
            content=self.content,
            phone_region=self.phone_region,
            max_content_length=max_content_length,
        )
