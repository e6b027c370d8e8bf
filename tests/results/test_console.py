"""The end-of-run text block, built from a real summary of a hand-built outcomes table."""

from __future__ import annotations

from replay.results.console import format_summary
from replay.results.verdict import parse_fail_on
from tests.results.test_summary import outcomes_frame, summary_of

# ruff: noqa: E501 (the expected console text is kept verbatim)
EXPECTED = """\
Replay run-1 against http://127.0.0.1:8080: 10s, 1 worker - PARTIAL run (stopped by SIGTERM)
Messages: planned 103, sent 90, accepted 80, failed 10, skipped 3, unsent 10
  failed by reason: http_500 5, http_429 2, connection_error 1, timeout 1, unfinished 1
  unsent by reason: not_sent 8, worker_lost 2
Rates: intended 10 msg/s (peak 10/s), achieved 10 msg/s (peak 10/s)
Latency:
  latency            count       p50       p90       p95       p99     p99.9       max      mean
  schedule lag          90     44 ms     80 ms   84.9 ms   88.9 ms   88.9 ms     89 ms   44.5 ms
  service               89     10 ms     10 ms     10 ms     10 ms     10 ms     10 ms     10 ms
  from schedule         89     54 ms     90 ms     94 ms     98 ms     98 ms     98 ms     54 ms
Reconciliation: balanced (103 planned = 80 accepted + 10 failed + 3 skipped + 10 unsent)
  mock ledger matches the accepted messages: 80 stored + 0 outside the call window (1 duplicates, 3 failed without a response)
Messages were late: schedule lag p99 was 88.9 ms (max 89 ms). Responses were fast (service p99 10
ms), so the load generator itself fell behind (CPU or the event loop): add workers (--workers) or
lower --speed.
Verdict: FAILED (1 of 2 thresholds)
  FAIL  error_rate>1%  measured 11.11 %
  pass  p95>300ms      measured 10 ms"""


def test_format_summary_shows_counts_rates_latency_reconciliation_note_and_verdict():
    summary = summary_of(
        mock_stats={"stored": 80, "outside_window": 0, "duplicates": 1},
        thresholds=parse_fail_on("error_rate>1%,p95>300ms"),
    )
    summary["run"].update(partial=True, partial_reason="stopped by SIGTERM")
    assert format_summary(summary) == EXPECTED


def test_an_unbalanced_run_says_how_many_messages_are_unaccounted_for():
    text = format_summary(summary_of(planned=105))
    assert "Reconciliation: NOT balanced, 5 messages unaccounted for (108 planned = " in text


def test_a_mock_ledger_that_does_not_match_says_so():
    text = format_summary(summary_of(mock_stats={"stored": 70, "outside_window": 0}))
    assert "  mock ledger DOES NOT match the accepted messages: 70 stored" in text


def test_a_run_where_nothing_was_accepted_says_so_in_its_first_line():
    summary = summary_of()
    summary["counts"].update(sent=5010, accepted=0, failed=5010, planned=5010)
    first = format_summary(summary).splitlines()[0]
    assert first.endswith(" - NOTHING WAS ACCEPTED: 5,010 of 5,010 sent messages failed")


def test_retried_messages_and_attempts_in_all_are_stated():
    frame = outcomes_frame()
    frame.loc[[3, 4], "attempts"] = [2, 4]
    text = format_summary(summary_of(frame))
    assert ("  retries: 2 messages needed a retry, 94 attempts in all (Locust's own table counts"
            " every attempt; the counts above count each message once)") in text.splitlines()


def test_retries_enabled_but_unused_say_none():
    summary = summary_of(options={"retries": 3})
    assert "  retries: none (90 attempts for 90 messages sent)" in format_summary(summary)


def test_no_retries_line_when_retries_are_off_and_none_happened():
    assert "retries" not in format_summary(summary_of())


def test_a_bulk_run_states_its_batch_limits_and_window():
    summary = summary_of()
    summary["options"].update(bulk=True, bulk_max_calls=5, bulk_max_messages=5,
                              bulk_window_s=0.2)
    assert ("Bulk: batches of at most 5 calls x 5 messages, leaving when full or after 200 ms "
            "(that wait counts as schedule lag)") in format_summary(summary).splitlines()


def test_connections_are_stated_when_requests_waited_for_them():
    waited = {"limit": 1000, "peak_open": 1000, "waited": 9950, "wait_s": 1903.2}
    text = format_summary(summary_of(connections=waited))
    assert ("Connections: 1,000 open at most (--connections 1,000 per process); 9,950 "
            "requests waited 1,903.2 s in all for one") in text
    quiet = {"limit": 1000, "peak_open": 12, "waited": 3, "wait_s": 0.004}
    assert "Connections:" not in format_summary(summary_of(connections=quiet))
