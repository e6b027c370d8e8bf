"""A live "Replay" tab in Locust's web UI: progress, rates, lag and reconciliation as the run goes.

    install_live_tab(environment, snapshot_fn)     # in an `init` listener, before the UI serves

`snapshot_fn()` returns a flat dict of numbers (None when not measured yet), for example the one
`replay.results.recorder.OutcomeRecorder.snapshot` makes:

    now_s, planned, due, sent, done, accepted, failed, in_flight, behind, interval_s, rate_mps,
    recent, lag_p50_ms, lag_p99_ms

(`rate_mps` and the lags are labelled as measured over the last `interval_s` seconds)

(any other keys are shown too, under their own names). It is called once per poll of the web UI
(every couple of seconds per open browser tab), from the web server's greenlet: keep it cheap.

Uses only the extension points Locust documents (`environment.web_ui`, its `template_args`
`extended_tabs` / `extended_tables`, and Flask hooks on `web_ui.app`, as in Locust's
`examples/extend_web_ui.py`); it does not import Locust:

- the tab's table rows ride on the UI's own `/stats/requests` poll, as `extended_stats`;
- `GET /replay/live` answers the raw snapshot and the rows as JSON, for scripts and tests.
"""

from __future__ import annotations

import json
import logging
import math
from collections.abc import Callable
from typing import Any

from flask import jsonify, request

from replay.report.formatting import show

logger = logging.getLogger(__name__)

TAB_KEY = "replay"
TAB_TITLE = "Replay"
LIVE_PATH = "/replay/live"
STATS_PATH = "/stats/requests"

# snapshot key -> (label, formatting kind); the order is the table's
LABELS: dict[str, tuple[str, str]] = {
    "planned": ("messages planned", "int"),
    "due": ("due so far", "int"),
    "sent": ("sent", "int"),
    "accepted": ("accepted", "int"),
    "failed": ("failed", "int"),
    "in_flight": ("in flight (sent, no answer yet)", "int"),
    "behind": ("behind schedule (due, not sent)", "int"),
    "rate_mps": ("send rate, msg/s{recent}", "number"),
    "intended_mps": ("intended rate, msg/s", "number"),
    "lag_p50_ms": ("schedule lag p50{recent}", "ms"),
    "lag_p99_ms": ("schedule lag p99{recent}", "ms"),
    "now_s": ("run clock", "s"),
}
HIDDEN = frozenset({"interval_s", "recent", "done"})


def install_live_tab(environment: Any, snapshot_fn: Callable[[], dict[str, Any]]) -> bool:
    """Add the Replay tab to `environment.web_ui`; False (and nothing done) without a web UI."""
    web_ui = getattr(environment, "web_ui", None)
    if web_ui is None:
        return False
    args = web_ui.template_args
    args["extended_tabs"] = [*args.get("extended_tabs", []), {"title": TAB_TITLE, "key": TAB_KEY}]
    args["extended_tables"] = [*args.get("extended_tables", []), {
        "key": TAB_KEY,
        "structure": [{"key": "metric", "title": "Metric"}, {"key": "value", "title": "Value"}],
    }]

    def live() -> Any:
        snapshot = _safe_snapshot(snapshot_fn)
        return jsonify({"snapshot": snapshot, "rows": snapshot_rows(snapshot)})

    def add_rows_to_stats(response: Any) -> Any:
        if not request.path.endswith(STATS_PATH) or response.status_code != 200:
            return response
        body = response.get_json(silent=True)
        if isinstance(body, dict):
            rows = snapshot_rows(_safe_snapshot(snapshot_fn))
            extended = [item for item in body.get("extended_stats", [])
                        if item.get("key") != TAB_KEY]
            body["extended_stats"] = [*extended, {"key": TAB_KEY, "data": rows}]
            response.set_data(json.dumps(body))
        return response

    web_ui.app.add_url_rule(LIVE_PATH, "replay_live", live)
    web_ui.app.after_request(add_rows_to_stats)
    return True


def snapshot_rows(snapshot: dict[str, Any]) -> list[dict[str, str]]:
    """The tab's table: one {metric, value} row per known key in order, then any other keys."""
    rows = []
    planned = snapshot.get("planned")
    window = snapshot.get("interval_s")
    recent = f" (last {show(window, 's')})" if _positive(window) else ""
    for key, (label, kind) in LABELS.items():
        if key in snapshot:
            label = label.format(recent=recent)
            value = show(snapshot[key], kind)
            if key == "sent" and _positive(planned) and _number(snapshot[key]):
                value += f" ({snapshot[key] / planned * 100:.1f}% of planned)"
            rows.append({"metric": label, "value": value})
    if _number(snapshot.get("accepted")) and _number(snapshot.get("failed")) and _number(
            snapshot.get("sent")):
        answered = snapshot["accepted"] + snapshot["failed"]
        rows.append({"metric": "reconciliation: sent = accepted + failed + in flight",
                     "value": f"{snapshot['sent']:,} = {snapshot['accepted']:,} + "
                              f"{snapshot['failed']:,} + {snapshot['sent'] - answered:,}"})
    for key, value in snapshot.items():
        if key not in LABELS and key not in HIDDEN:
            kind = "number" if _number(value) else "text"
            rows.append({"metric": key, "value": show(value, kind)})
    return rows


def _safe_snapshot(snapshot_fn: Callable[[], dict[str, Any]]) -> dict[str, Any]:
    try:
        snapshot = snapshot_fn()
    except Exception:
        logger.exception("the Replay tab's snapshot failed")
        return {"error": "snapshot failed; see the log"}
    return {key: _json_value(value) for key, value in dict(snapshot or {}).items()}


def _json_value(value: Any) -> Any:
    if hasattr(value, "item"):  # numpy scalar
        value = value.item()
    if isinstance(value, float) and not math.isfinite(value):
        return None
    return value


def _number(value: Any) -> bool:
    return isinstance(value, int | float) and not isinstance(value, bool)


def _positive(value: Any) -> bool:
    return _number(value) and value > 0
