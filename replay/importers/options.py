"""The options of `replay import` that the format modules read, parsed once at the edge.

    options = ImportOptions(format="contact-lens", agents=Agents(agent_as="virtual"))

`call_keys` (from `--call-keys PATH`, see `load_call_keys`) maps a source's own call or
conversation id to the vendorCallKey to send; ids not in it are kept as they are.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from types import MappingProxyType

from replay.errors import ConfigError
from replay.importers.speakers import Agents

DEFAULT_TURN_GAP_S = 3.0


@dataclass(frozen=True, kw_only=True)
class ImportOptions:
    format: str
    on_invalid: str = "fail"
    agents: Agents = field(default_factory=Agents)
    redacted: bool = False
    speakers: Mapping[str, str] = field(default_factory=dict)
    turn_gap_s: float = DEFAULT_TURN_GAP_S
    call_key_from: str = "filename"
    call_keys: Mapping[str, str] = field(default_factory=dict)

    def __post_init__(self) -> None:
        object.__setattr__(self, "speakers", MappingProxyType(dict(self.speakers)))
        object.__setattr__(self, "call_keys", MappingProxyType(dict(self.call_keys)))
        if self.on_invalid not in ("fail", "skip"):
            raise ConfigError(f"--on-invalid must be fail or skip, not {self.on_invalid!r}")
        if not self.turn_gap_s > 0:
            raise ConfigError(f"--turn-gap must be a positive number of seconds, not "
                              f"{self.turn_gap_s}")
        if self.call_key_from not in ("filename", "job-name"):
            raise ConfigError(
                f"--call-key-from must be filename or job-name, not {self.call_key_from!r}"
            )

    def call_key(self, own_id: str) -> str:
        return self.call_keys.get(own_id, own_id)


def load_call_keys(path: str) -> dict[str, str]:
    """A CSV with a header naming `conversationId` and `vendorCallKey` columns (any order)."""
    try:
        text = Path(path).read_text(encoding="utf-8-sig")
    except FileNotFoundError:
        raise ConfigError(f"--call-keys {path}: no such file") from None
    except (OSError, UnicodeDecodeError) as error:
        raise ConfigError(f"--call-keys {path}: cannot be read as UTF-8 text ({error})") from None
    reader = csv.DictReader(io.StringIO(text))
    columns = [name.strip() for name in reader.fieldnames or []]
    if "conversationId" not in columns or "vendorCallKey" not in columns:
        raise ConfigError(
            f"--call-keys {path}: expected a header with conversationId and vendorCallKey "
            f"columns; found {', '.join(columns) or 'none'}"
        )
    keys: dict[str, str] = {}
    for row in reader:
        row = {name.strip(): (value or "").strip() for name, value in row.items() if name}
        if not row["conversationId"] or not row["vendorCallKey"]:
            raise ConfigError(
                f"--call-keys {path}, line {reader.line_num}: both conversationId and "
                "vendorCallKey must be set"
            )
        keys[row["conversationId"]] = row["vendorCallKey"]
    return keys
