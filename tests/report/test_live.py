"""The live Replay tab, on a real Locust Environment and web UI on port 0."""

from __future__ import annotations

import json
import sys
import urllib.request

import gevent
import pytest
from locust import HttpUser, task
from locust.env import Environment

from replay.report.live import LIVE_PATH, TAB_KEY, install_live_tab, snapshot_rows


class _IdleUser(HttpUser):
    host = "http://127.0.0.1:9"

    @task
    def nothing(self) -> None:  # never spawned: the tests start no users
        pass


SNAPSHOT = {
    "now_s": 12.5, "planned": 3000, "due": 1300, "sent": 1200, "done": 1190,
    "accepted": 1180, "failed": 10, "in_flight": 10, "behind": 100, "interval_s": 2.0,
    "rate_mps": 98.5, "recent": 197, "lag_p50_ms": 0.4, "lag_p99_ms": 3.2,
}


@pytest.fixture
def web_ui(monkeypatch):
    # the web UI parses sys.argv for its extra options: give it a plain `locust` command line
    monkeypatch.setattr(sys, "argv", ["locust"])
    environment = Environment(user_classes=[_IdleUser])
    environment.create_local_runner()
    ui = environment.create_web_ui("127.0.0.1", 0, delayed_start=True)
    yield environment, ui
    ui.stop()
    environment.runner.quit()


def _start(ui) -> str:
    ui.start()
    for _ in range(200):
        if ui.server is not None and ui.server.server_port:
            return f"http://127.0.0.1:{ui.server.server_port}"
        gevent.sleep(0.01)
    raise AssertionError("the web UI did not start")


def _get_json(url: str) -> dict:
    with urllib.request.urlopen(url, timeout=10) as response:
        assert response.status == 200
        return json.loads(response.read())


def test_live_endpoint_serves_the_current_snapshot_and_rows(web_ui):
    environment, ui = web_ui
    calls = []

    def snapshot():
        calls.append(1)
        return {**SNAPSHOT, "sent": 1200 + len(calls)}

    assert install_live_tab(environment, snapshot)
    base = _start(ui)
    first = _get_json(base + LIVE_PATH)
    second = _get_json(base + LIVE_PATH)
    assert first["snapshot"]["planned"] == 3000
    assert second["snapshot"]["sent"] == first["snapshot"]["sent"] + 1
    values = {row["metric"]: row["value"] for row in first["rows"]}
    assert values["messages planned"] == "3,000"
    assert values["schedule lag p99 (last 2 s)"] == "3.2 ms"
    assert values["send rate, msg/s (last 2 s)"] == "98.5"


def test_tab_is_declared_to_the_web_ui_and_its_rows_ride_on_stats_requests(web_ui):
    environment, ui = web_ui
    install_live_tab(environment, lambda: dict(SNAPSHOT))
    base = _start(ui)
    with urllib.request.urlopen(base + "/", timeout=10) as response:
        page = response.read().decode()
    assert '"extended_tabs": [{"key": "replay", "title": "Replay"}]' in page
    stats = _get_json(base + "/stats/requests")
    extended = {item["key"]: item["data"] for item in stats["extended_stats"]}
    rows = {row["metric"]: row["value"] for row in extended[TAB_KEY]}
    assert rows["accepted"] == "1,180"
    assert rows["reconciliation: sent = accepted + failed + in flight"] == "1,200 = 1,180 + 10 + 10"
    assert "stats" in stats  # Locust's own payload is kept


def test_failing_snapshot_shows_an_error_row_instead_of_breaking_the_ui(web_ui):
    environment, ui = web_ui

    def broken():
        raise RuntimeError("boom")

    install_live_tab(environment, broken)
    base = _start(ui)
    body = _get_json(base + LIVE_PATH)
    assert body["snapshot"] == {"error": "snapshot failed; see the log"}
    assert _get_json(base + "/stats/requests")["extended_stats"][0]["data"][0]["metric"] == "error"


def test_without_a_web_ui_nothing_is_installed():
    environment = Environment(user_classes=[_IdleUser])
    assert install_live_tab(environment, lambda: dict(SNAPSHOT)) is False


@pytest.mark.parametrize(
    ("snapshot", "metric", "value"),
    [
        ({"sent": 50, "planned": 200}, "sent", "50 (25.0% of planned)"),
        ({"lag_p99_ms": None}, "schedule lag p99", "–"),
        ({"lag_p99_ms": 2.5, "interval_s": 5.0}, "schedule lag p99 (last 5 s)", "2.5 ms"),
        ({"workers": 4}, "workers", "4"),
        ({"now_s": 61.25}, "run clock", "61.2 s"),
    ],
)
def test_snapshot_rows_label_and_format_each_value(snapshot, metric, value):
    rows = {row["metric"]: row["value"] for row in snapshot_rows(snapshot)}
    assert rows[metric] == value
