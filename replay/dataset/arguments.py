"""The dataset options every command that loads transcripts shares, declared once.

    add_arguments(parser, DatasetOptions, title="dataset")   # replay validate; replay run and
    options = build(DatasetOptions, args)                     # the locustfile via ReplayConfig
    load_transcripts(path, options.load_options())

--map FIELD=COLUMN,... (repeatable; overrides --map-file), --map-file FILE, --on-invalid
fail|skip, --send-at end|start (the time a message is sent at: its endTime by default),
--max-content-length N. A bad map or map file raises ConfigError when the options are built.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from replay.dataset.columns import load_column_map_file, parse_column_map
from replay.dataset.load import LoadOptions
from replay.options import option, whole

SEND_AT = {"end": "endTime", "start": "startTime"}
DEFAULT_MAX_CONTENT_LENGTH = 10_000


@dataclass(frozen=True, kw_only=True)
class DatasetOptions:
    """How to read a dataset: column names, invalid rows, send time, content limit."""

    map: tuple[str, ...] = option(
        (), flag="--map", metavar="FIELD=COLUMN,...", repeatable=True, shown=False,
        help="read a field from a differently named column, e.g. vendorCallKey=ContactId,"
             "content=Text (repeatable; overrides --map-file)")
    map_file: str | None = option(
        flag="--map-file", metavar="FILE", shown=False,
        help="TOML file with a [columns] table of field = column name")
    on_invalid: str = option(
        "fail", flag="--on-invalid", choices=("fail", "skip"),
        help="invalid dataset rows: fail (list the rows to fix), or skip them and say how many "
             "and why")
    send_at: str = option(
        "end", flag="--send-at", choices=tuple(SEND_AT),
        help="send each message at its endTime or its startTime")
    max_content_length: int = option(
        DEFAULT_MAX_CONTENT_LENGTH, flag="--max-content-length", metavar="N", parse=whole(1),
        help="longest content allowed, in characters")
    column_map: dict[str, str] = field(init=False, compare=False)

    def __post_init__(self) -> None:
        column_map = load_column_map_file(self.map_file) if self.map_file else {}
        for text in self.map:
            column_map |= parse_column_map(text)
        object.__setattr__(self, "column_map", column_map)

    def load_options(self, partition: tuple[int, int] | None = None) -> LoadOptions:
        return LoadOptions(
            column_map=self.column_map,
            on_invalid=self.on_invalid,
            max_content_length=self.max_content_length,
            order_by=SEND_AT[self.send_at],
            partition=partition,
        )
