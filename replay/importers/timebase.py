"""When each call started: turns a file's offsets (ms from the call's start) into epoch ms.

    base = TimeBase(TimeBaseOptions(start_at=datetime(2025, 11, 25, 9, tzinfo=UTC)))
    start_ms = base.start_ms(call, source)     # epoch ms the call's offsets count from

One of three ways, chosen once by the options:

    contact-times  --contact-times PATH: contact records, one per contact, as CSV, JSON lines or
                   a JSON list (optionally .gz; a local path or an fsspec URL such as
                   s3://...); `--id-column` (default ContactId) names the contact and
                   `--time-column` (default InitiationTimestamp; a dotted path such as
                   Agent.ConnectedToAgentTimestamp reaches into JSON objects) its start, as
                   ISO 8601 or epoch milliseconds.
    start-at       --start-at ISO8601 [--spacing SECONDS]: call i, in file order, starts at
                   start-at + i * spacing.
    file-name      the timestamp in the file's name (e.g. ..._analysis_2025-11-25T09:12:03Z.json):
                   an approximation (for Contact Lens it is when the analysis was written, after
                   the call), so the import prints a warning when it is used.
"""

from __future__ import annotations

import csv
import gzip
import io
import re
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

import orjson

from replay.errors import ConfigError
from replay.importers.model import Call, SourceProblem
from replay.importers.sources import Source

DEFAULT_TIME_COLUMN = "InitiationTimestamp"
DEFAULT_ID_COLUMN = "ContactId"
DEFAULT_SPACING_S = 10.0
_NAME_TIME = re.compile(
    r"(?<!\d)(\d{4})-?(\d{2})-?(\d{2})[T_](\d{2})[:\-]?(\d{2})(?:[:\-]?(\d{2})(?:[.,](\d{1,6}))?)?"
)


@dataclass(frozen=True, kw_only=True)
class TimeBaseOptions:
    contact_times: str | None = None
    time_column: str = DEFAULT_TIME_COLUMN
    id_column: str = DEFAULT_ID_COLUMN
    start_at: datetime | None = None
    spacing_s: float = DEFAULT_SPACING_S

    def __post_init__(self) -> None:
        if self.contact_times and self.start_at:
            raise ConfigError("--contact-times and --start-at both set a time base: choose one")
        if not self.spacing_s >= 0:
            raise ConfigError(f"--spacing must be zero or more seconds, not {self.spacing_s}")

    @property
    def kind(self) -> str:
        if self.contact_times:
            return "contact-times"
        return "start-at" if self.start_at else "file-name"


class TimeBase:
    """Gives each call (in file order) the epoch ms its offsets count from."""

    def __init__(self, options: TimeBaseOptions) -> None:
        self.options = options
        self.kind = options.kind
        self._times = load_contact_times(options) if self.kind == "contact-times" else {}
        self._calls = 0

    def describe(self) -> str:
        options = self.options
        if self.kind == "contact-times":
            return (
                f"contact times from {options.contact_times} (column {options.time_column}, "
                f"{len(self._times):,} contact{'s' if len(self._times) != 1 else ''})"
            )
        if self.kind == "start-at":
            start = options.start_at.isoformat().replace("+00:00", "Z")
            return f"calls laid out from {start}, {options.spacing_s:g} s apart, in file order"
        return "timestamps in the file names (approximate)"

    def start_ms(self, call: Call, source: Source) -> int:
        if self.kind == "contact-times":
            contact = call.contact_id or call.call_key
            if contact not in self._times:
                raise SourceProblem(
                    "",
                    f"contact {contact} is not in {self.options.contact_times} (or has no "
                    f"{self.options.time_column})",
                    "no contact time", fix=f"add it to {self.options.contact_times}",
                )
            return self._times[contact]
        if self.kind == "start-at":
            index, self._calls = self._calls, self._calls + 1
            return _epoch_ms(self.options.start_at) + round(index * self.options.spacing_s * 1000)
        moment = name_time_ms(source.name)
        if moment is None:
            raise SourceProblem(
                "",
                "the file name carries no timestamp to place the call in time; pass "
                "--contact-times PATH or --start-at ISO8601",
                "no time base",
            )
        return moment


def name_time_ms(name: str) -> int | None:
    """The last date-time in a file name, as epoch ms (UTC), or None."""
    matches = _NAME_TIME.findall(name)
    if not matches:
        return None
    year, month, day, hour, minute, second, fraction = matches[-1]
    try:
        moment = datetime(
            int(year), int(month), int(day), int(hour), int(minute), int(second or 0),
            int((fraction or "0").ljust(6, "0")), tzinfo=UTC,
        )
    except ValueError:
        return None
    return _epoch_ms(moment)


def parse_instant(text: str) -> datetime:
    """ISO 8601 (naive means UTC) -> aware datetime; ValueError if it is not one."""
    moment = datetime.fromisoformat(text.strip().replace("Z", "+00:00"))
    return moment if moment.tzinfo else moment.replace(tzinfo=UTC)


def _epoch_ms(moment: datetime) -> int:
    return round(moment.timestamp() * 1000)


def load_contact_times(options: TimeBaseOptions) -> dict[str, int]:
    location = options.contact_times
    data = _read(location)
    name = location.lower().removesuffix(".gz")
    if name.endswith(".csv"):
        records = _csv_records(data, location)
    elif data.lstrip().startswith(b"["):
        records = _json_array(data, location)
    else:
        records = _json_lines(data, location)
    times: dict[str, int] = {}
    for where, record in records:
        contact = _lookup(record, options.id_column)
        value = _lookup(record, options.time_column)
        if contact in (None, "") or value in (None, ""):
            continue
        times[str(contact)] = _time_value(value, f"{location}, {where}, {options.time_column}")
    if not times:
        raise ConfigError(
            f"--contact-times {location}: no record has both {options.id_column} and "
            f"{options.time_column}; name the columns with --id-column and --time-column"
        )
    return times


def _read(location: str) -> bytes:
    """The bytes of a local file or an fsspec URL (s3://...), decompressed when it ends .gz."""
    where = f"--contact-times {location}"
    try:
        if "://" in location and not location.startswith("file://"):
            import fsspec

            with fsspec.open(location, "rb") as handle:
                data = handle.read()
        else:
            data = Path(location.removeprefix("file://")).read_bytes()
        return gzip.decompress(data) if location.lower().endswith(".gz") else data
    except FileNotFoundError:
        raise ConfigError(f"{where}: no such file") from None
    except ImportError as error:
        raise ConfigError(f"{where}: reading this store needs {error.name}") from None
    except (OSError, EOFError, ValueError) as error:
        raise ConfigError(f"{where}: cannot be read ({error})") from None


def _csv_records(data: bytes, path: str) -> list[tuple[str, Mapping]]:
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError:
        raise ConfigError(f"--contact-times {path}: not UTF-8 text") from None
    reader = csv.DictReader(io.StringIO(text))
    return [(f"line {reader.line_num}", row) for row in reader]


def _json_array(data: bytes, path: str) -> list[tuple[str, Mapping]]:
    try:
        records = orjson.loads(data)
    except orjson.JSONDecodeError as error:
        raise ConfigError(
            f"--contact-times {path}, line {error.lineno} column {error.colno}: not valid JSON "
            f"({error.msg})"
        ) from None
    if not all(isinstance(record, dict) for record in records):
        raise ConfigError(f"--contact-times {path}: expected a list of JSON objects")
    return [(f"record {index}", record) for index, record in enumerate(records)]


def _json_lines(data: bytes, path: str) -> list[tuple[str, Mapping]]:
    records = []
    for number, line in enumerate(data.splitlines(), start=1):
        if not line.strip():
            continue
        try:
            record = orjson.loads(line)
        except orjson.JSONDecodeError as error:
            raise ConfigError(
                f"--contact-times {path}, line {number}: not valid JSON ({error.msg}); expected "
                "one contact record (a JSON object) per line, or a .csv file"
            ) from None
        if not isinstance(record, dict):
            raise ConfigError(
                f"--contact-times {path}, line {number}: expected a JSON object per line"
            )
        records.append((f"line {number}", record))
    return records


def _lookup(record: Mapping, name: str) -> object:
    """`name` as a key, else as a dotted path into nested objects (Agent.ConnectedToAgent...)."""
    if name in record:
        return record[name]
    value: object = record
    for part in name.split("."):
        if not isinstance(value, Mapping) or part not in value:
            return None
        value = value[part]
    return value


def _time_value(value: object, where: str) -> int:
    if isinstance(value, int) and not isinstance(value, bool):
        return value
    if isinstance(value, str):
        text = value.strip()
        if text.isdigit():
            return int(text)
        try:
            return _epoch_ms(parse_instant(text))
        except ValueError:
            pass
    raise ConfigError(
        f"--contact-times {where}: {value!r} is not a time; expected ISO 8601 "
        "(2025-11-25T09:00:00Z) or epoch milliseconds"
    )
