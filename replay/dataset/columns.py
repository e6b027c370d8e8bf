"""The dataset's fields, and the mapping from an export's column names to them.

The API fields a transcript row carries (see docs/contract.md) are `FIELDS`. An export that names
them differently is mapped with `--map field=column,...` or a TOML file:

    [columns]
    vendorCallKey = "ContactId"
    content = "Text"

`parse_column_map` and `load_column_map_file` turn either into `{field: column}` and raise
ConfigError for an unknown field or bad syntax. `resolve_columns` pairs each field with the
column to read from a file's header and raises DatasetError when one is missing.
"""

from __future__ import annotations

import tomllib
from collections.abc import Mapping, Sequence
from pathlib import Path

from replay.errors import ConfigError, DatasetError

FIELDS = (
    "vendorCallKey",
    "participantId",
    "messageId",
    "startTime",
    "endTime",
    "content",
    "senderType",
)
TIME_FIELDS = ("startTime", "endTime")
SENDER_TYPES = ("END_USER", "HUMAN_AGENT", "VIRTUAL_AGENT", "SUPERVISOR", "EXTERNAL_USER")


def _check_field(field: str, where: str) -> None:
    if field not in FIELDS:
        raise ConfigError(f"{where}: unknown field {field!r}; expected one of {', '.join(FIELDS)}")


def parse_column_map(text: str) -> dict[str, str]:
    """`"vendorCallKey=ContactId,content=Text"` -> `{"vendorCallKey": "ContactId", ...}`."""
    mapping: dict[str, str] = {}
    for item in (part.strip() for part in text.split(",")):
        if not item:
            continue
        field, equals, column = (side.strip() for side in item.partition("="))
        if not equals or not field or not column:
            raise ConfigError(
                f"--map: {item!r} is not field=column; "
                "write e.g. --map vendorCallKey=ContactId,content=Text"
            )
        _check_field(field, "--map")
        mapping[field] = column
    return mapping


def load_column_map_file(path: str | Path) -> dict[str, str]:
    """Read the `[columns]` table of a TOML file: `field = "column in the export"`."""
    try:
        with open(path, "rb") as file:
            document = tomllib.load(file)
    except FileNotFoundError:
        raise ConfigError(f"{path}: no such column map file") from None
    except OSError as error:
        raise ConfigError(f"{path}: cannot read the column map file ({error.strerror})") from None
    except (tomllib.TOMLDecodeError, UnicodeDecodeError) as error:
        raise ConfigError(f"{path}: not valid TOML ({error})") from None
    columns = document.get("columns")
    if not isinstance(columns, dict):
        raise ConfigError(
            f'{path}: expected a [columns] table, e.g. [columns] vendorCallKey = "ContactId"'
        )
    mapping: dict[str, str] = {}
    for field, column in columns.items():
        _check_field(field, str(path))
        if not isinstance(column, str) or not column:
            raise ConfigError(
                f"{path}: {field} must name a column as a non-empty string, not {column!r}"
            )
        mapping[field] = column
    return mapping


def resolve_columns(
    header: Sequence[str], column_map: Mapping[str, str], where: str
) -> dict[str, str]:
    """`{field: column to read}` for every field, or DatasetError naming what is missing.

    A header name padded with spaces (" content ") still matches.
    """
    for field in column_map:
        _check_field(field, "column map")
    wanted = {field: column_map.get(field, field) for field in FIELDS}
    present = {name.strip(): name for name in reversed(header)} | {name: name for name in header}
    missing = [field for field, column in wanted.items() if column not in present]
    if missing:
        names = ", ".join(f"{wanted[f]} (for {f})" if wanted[f] != f else f for f in missing)
        found = ", ".join(header) if header else "none"
        plural = "s" if len(missing) > 1 else ""
        raise DatasetError(
            f"{where}: missing required column{plural} {names}; columns found: {found}. "
            f"{_separator_hint(header)}Rename the columns in the file, or map them with "
            "--map field=column (e.g. --map vendorCallKey=ContactId)"
        )
    return {field: present[column] for field, column in wanted.items()}


def _separator_hint(header: Sequence[str]) -> str:
    if len(header) == 1:
        for separator, name in ((";", "semicolons"), ("\t", "tabs"), ("|", "bars")):
            if separator in header[0]:
                return f"The header looks separated by {name}: save the file with commas. "
    return ""


def column_label(field: str, column_map: Mapping[str, str]) -> str:
    """How an error names a column: its name in the file, and the field when mapped."""
    column = column_map.get(field, field)
    return field if column == field else f"{column} (mapped to {field})"
