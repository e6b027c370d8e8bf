"""Small Markdown helpers for the generated pages: table cells and tables."""

from __future__ import annotations

import html
import re
from collections.abc import Iterable, Sequence

_CODE_SPAN = re.compile(r"(`[^`]*`)")


def cell(text: object) -> str:
    """Text for a table cell: HTML-escaped and pipes escaped, except inside `code spans`."""
    parts = _CODE_SPAN.split(" ".join(str(text).split()))
    return "".join(
        part if part.startswith("`") else html.escape(part, quote=False).replace("|", "\\|")
        for part in parts
    )


def code(text: object) -> str:
    """A code span that survives backticks in the text."""
    text = str(text)
    fence = "``" if "`" in text else "`"
    return f"{fence}{text}{fence}" if fence == "`" else f"{fence} {text} {fence}"


def table(header: Sequence[str], rows: Iterable[Sequence[object]]) -> str:
    """A Markdown table; cells are passed through as given (use cell() and code())."""
    lines = ["| " + " | ".join(header) + " |", "|" + "---|" * len(header)]
    lines += ["| " + " | ".join(str(value) for value in row) + " |" for row in rows]
    return "\n".join(lines)
