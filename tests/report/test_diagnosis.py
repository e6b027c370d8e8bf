"""The report's section on why messages were late and how tokens were used."""

from __future__ import annotations

from replay.report.diagnosis import diagnosis
from replay.report.page import render_page

SUMMARY = {
    "latency_ms": {"lag": {"p99": 205.0, "max": 420.0}, "service": {"p99": 2.8, "max": 9.0}},
    "counts": {"failed_by_reason": {}},
    "options": {},
    "lateness": {"late_ms": 20.0, "late_messages": 12, "largest": "retry_waits",
                 "lag_s": {"concurrency_slot": 0.0, "call_creation": 0.0,
                           "retry_waits": 3.0, "token_waits": 0.0, "slow_responses": 1.0,
                           "event_loop": 0.0},
                 "loop_delay_ms": {"samples": 100, "p50": 0.5, "p99": 2.0, "max": 4.0}},
    "tokens": {"mode": "shared", "minted": 1, "refused_after_accepted": 7},
}


def test_the_section_shows_each_cause_the_note_and_the_token_counts():
    html = render_page(SUMMARY, [], [], outcome_rows=0)
    assert "<h2>Why late, and tokens</h2>" in html
    assert "came from waiting out retries" in html
    assert "Tokens were refused as reused: 7 requests got 401" in html
    assert "<td>retry waits</td>" in html and "75% · the previous message" in html
    assert "<td>refused after accepted</td>" not in html  # names as in summary.json
    assert "<td>refused_after_accepted</td>" in html


def test_no_section_without_either_block():
    assert diagnosis({"lateness": None, "tokens": None}) is None
    assert "Why late, and tokens" not in render_page({}, [], [], outcome_rows=0)


def test_a_bulk_run_shows_its_bulk_window_row_and_others_do_not():
    lateness = {**SUMMARY["lateness"], "largest": "bulk_window",
                "lag_s": {**SUMMARY["lateness"]["lag_s"], "bulk_window": 4.0}}
    rows = diagnosis({**SUMMARY, "lateness": lateness})["lateness"]["rows"]
    names = [name for name, _value, _note in rows]
    assert names == ["concurrency slot", "call creation", "retry waits", "token waits",
                     "slow responses", "bulk window", "connection wait", "event loop",
                     "event loop probe"]
    assert rows[5][2] == ("50% · it waited in its open batch for the batch to leave"
                          " (--bulk-window)")
    assert "bulk window" not in [name for name, _v, _n in
                                 diagnosis(SUMMARY)["lateness"]["rows"]]
