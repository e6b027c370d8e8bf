"""The HTML pages come from autoescaped templates: text from a run never becomes markup."""

from __future__ import annotations

import copy

from replay.report.compare import CompareSettings, compare_summaries, render_html
from replay.report.page import render_page
from replay.results.outcomes import SCHEMA
from replay.results.summary import build_summary

HOSTILE = '<script>alert("x")</script>'


def test_the_report_escapes_every_value_from_the_run():
    summary = build_summary(run={"id": HOSTILE, "duration_s": 1.0, "host": HOSTILE},
                            dataset={"path": HOSTILE}, options={"note": HOSTILE},
                            outcomes=SCHEMA.empty_table())
    html = render_page(summary, [], [], outcome_rows=0)
    assert HOSTILE not in html
    assert "Replay report: &lt;script&gt;alert(&#34;x&#34;)&lt;/script&gt;" in html
    assert html.startswith("<!doctype html>")


def test_the_comparison_page_escapes_labels_and_warnings():
    a = build_summary(run={"id": HOSTILE, "duration_s": 1.0}, dataset={"path": "a"}, options={},
                      outcomes=SCHEMA.empty_table())
    b = copy.deepcopy(a)
    b["dataset"]["path"] = HOSTILE
    html = render_html(compare_summaries(a, b, CompareSettings()))
    assert HOSTILE not in html
    assert "<b>&lt;script&gt;alert(&#34;x&#34;)&lt;/script&gt;</b>" in html
