"""The HTML pages' templates: Jinja2, autoescaped, in replay/report/templates/.

    html = render("report.html.j2", page=...)     # every {{ value }} is HTML-escaped

Templates get one filter, `show` (replay.report.formatting.show: `{{ value | show("ms") }}`).
Markup lives in the templates; the Python side hands them plain values. Text that is already
safe for its place (JSON inside a <script>, the base64 plotly bundle) is marked `| safe` in the
template, next to where it goes.
"""

from __future__ import annotations

from functools import cache
from typing import Any

from jinja2 import Environment, PackageLoader, StrictUndefined

from replay.report.formatting import show


@cache
def environment() -> Environment:
    env = Environment(loader=PackageLoader("replay.report", "templates"), autoescape=True,
                      undefined=StrictUndefined)
    env.filters["show"] = show
    return env


def render(template: str, **context: Any) -> str:
    return environment().get_template(template).render(**context)
