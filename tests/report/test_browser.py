"""The report in a real browser: headless Chromium draws every chart without a script error.

Chromium runs with networking pointed at a dead proxy, so a page that needed anything from the
network (a CDN, a font) could not render its charts. The screenshot stays in the test's tmp_path.
"""

from __future__ import annotations

import re
import subprocess
from html import unescape
from pathlib import Path

import pytest

from replay.report import write_report

pytestmark = pytest.mark.browser

CHROMIUM_FLAGS = (
    "--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
    "--disable-component-update", "--disable-sync", "--no-first-run", "--hide-scrollbars",
    "--proxy-server=http://127.0.0.1:9", "--proxy-bypass-list=<-loopback>",
    "--window-size=1400,2400",
)
# virtual time for the page to settle; the longer budget only when a slow machine had not
# finished drawing within the first
BUDGETS_MS = (20_000, 120_000)


def _chromium(chromium: str, tmp_path: Path, page: Path, *action: str,
              budget_ms: int = BUDGETS_MS[0]) -> str:
    result = subprocess.run(
        [chromium, *CHROMIUM_FLAGS, f"--virtual-time-budget={budget_ms}",
         f"--user-data-dir={tmp_path / 'profile'}", *action, page.as_uri()],
        capture_output=True, text=True, timeout=180, check=False,
    )
    assert result.returncode == 0, result.stderr[-2000:]
    return result.stdout


def _rendered_dom(chromium: str, tmp_path: Path, page: Path) -> str:
    """The DOM once the page says it is done drawing (or after the longest budget)."""
    for budget_ms in BUDGETS_MS:
        dom = _chromium(chromium, tmp_path, page, "--dump-dom", budget_ms=budget_ms)
        if _body_attributes(dom).get("data-render") == "done":
            break
    return dom


def _body_attributes(dom: str) -> dict[str, str]:
    body = re.search(r"<body([^>]*)>", dom)[1]
    return dict(re.findall(r'([\w-]+)="([^"]*)"', body))


def test_every_chart_renders_without_script_errors(require_tool, tmp_path, small_run):
    chromium = require_tool("chromium")
    run_dir = tmp_path / "run"
    run_dir.mkdir()
    for name in ("summary.json", "outcomes.parquet", "locust_stats.csv"):
        (run_dir / name).write_bytes((small_run / name).read_bytes())
    page = write_report(run_dir)

    dom = _rendered_dom(chromium, tmp_path, page)
    body = _body_attributes(dom)
    errors = unescape(re.search(r'<pre id="script-errors"[^>]*>(.*?)</pre>', dom, re.S)[1])
    assert errors == ""
    assert body["data-script-errors"] == "0"
    assert body["data-render"] == "done"
    assert body["data-charts-rendered"] == body["data-charts-expected"] == "7"
    assert dom.count('data-rendered="yes"') == 7

    screenshot = tmp_path / "report.png"
    _chromium(chromium, tmp_path, page, f"--screenshot={screenshot}")
    assert screenshot.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    assert screenshot.stat().st_size > 50_000  # a page of charts, not a blank one


def test_a_script_error_is_reported_in_the_page(require_tool, tmp_path, small_run):
    """The self-check itself works: a broken figure shows up as an error and a missing chart."""
    chromium = require_tool("chromium")
    run_dir = tmp_path / "run"
    run_dir.mkdir()
    for name in ("summary.json", "outcomes.parquet"):
        (run_dir / name).write_bytes((small_run / name).read_bytes())
    page = write_report(run_dir)
    html = page.read_text()
    html = html.replace('"key":"rates"', '"key":"no-such-chart"', 1)
    page.write_text(html)

    body = _body_attributes(_rendered_dom(chromium, tmp_path, page))
    assert body["data-render"] == "done"
    assert body["data-charts-rendered"] == "6"
    assert int(body["data-script-errors"]) >= 1
