"""capacity.html in headless Chromium: every threshold chart draws, without a script error."""

from __future__ import annotations

import re
import subprocess

import pytest

from replay.capacity.outputs import capacity_document, write_capacity

from .test_outputs import META, _found

pytestmark = pytest.mark.browser

FLAGS = ("--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
         "--disable-component-update", "--disable-sync", "--no-first-run",
         "--proxy-server=http://127.0.0.1:9", "--proxy-bypass-list=<-loopback>",
         "--virtual-time-budget=60000")


def test_every_threshold_chart_renders_without_script_errors(require_tool, tmp_path):
    chromium = require_tool("chromium")
    document = capacity_document(_found(tmp_path), META)
    document["fail_on"] = "p99>100ms"
    page = write_capacity(tmp_path, document)[1]
    result = subprocess.run(
        [chromium, *FLAGS, f"--user-data-dir={tmp_path / 'profile'}", "--dump-dom",
         page.as_uri()], capture_output=True, text=True, timeout=180, check=False)
    assert result.returncode == 0, result.stderr[-2000:]
    body = dict(re.findall(r'([\w-]+)="([^"]*)"', re.search(r"<body([^>]*)>", result.stdout)[1]))
    assert body["data-render"] == "done"
    assert body["data-script-errors"] == "0"
    assert body["data-charts-rendered"] == body["data-charts-expected"] == "1"
