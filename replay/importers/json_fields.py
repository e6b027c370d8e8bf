"""Read JSON source files with errors that say where: a line and column, or a JSON path.

    document = load_json(data)                         # SourceProblem("line 3 column 7", ...)
    items = need_list(document, "Transcript", "Transcript")
    begin = need_int(entry, "BeginOffsetMillis", "Transcript[2]")

Every reader raises `SourceProblem` (model.py) naming the path, what was expected and what was
found, e.g. `Transcript[2].BeginOffsetMillis: expected an integer (milliseconds), found
"12a" (a string)`.
"""

from __future__ import annotations

from typing import Any

import orjson

from replay.importers.model import MISSING, SourceProblem, expected


def load_json(data: bytes) -> Any:
    try:
        return orjson.loads(data)
    except orjson.JSONDecodeError as error:
        if not data.strip():
            raise SourceProblem(
                "", "the file is empty; expected a JSON document", "empty file"
            ) from None
        raise SourceProblem(
            f"line {error.lineno} column {error.colno}",
            f"not valid JSON ({error.msg})",
            "not valid JSON",
        ) from None


def path_of(parent: str, key: str | int) -> str:
    if isinstance(key, int):
        return f"{parent}[{key}]"
    return f"{parent}.{key}" if parent else key


def need_object(value: Any, where: str) -> dict:
    if type(value) is not dict:
        raise expected(where or "the document", "a JSON object", value)
    return value


def need_list(parent: dict, key: str, where: str) -> list:
    value = parent.get(key, MISSING)
    if type(value) is not list:
        reason = "missing field" if value is MISSING else "wrong type"
        raise expected(path_of(where, key), "a list", value, reason)
    return value


def need_int(parent: dict, key: str, where: str, what: str = "an integer") -> int:
    value = parent.get(key, MISSING)
    if type(value) is not int:
        reason = "missing field" if value is MISSING else "wrong type"
        raise expected(path_of(where, key), what, value, reason)
    return value


def need_text(parent: dict, key: str, where: str, *, empty: bool = True) -> str:
    value = parent.get(key, MISSING)
    if type(value) is not str or (not empty and not value):
        reason = "missing field" if value is MISSING else "wrong type"
        raise expected(path_of(where, key), "text" if empty else "non-empty text", value, reason)
    return value


def optional_text(parent: dict, key: str) -> str:
    """A string field if present and non-empty, else ""."""
    value = parent.get(key)
    return value if type(value) is str else ""
