"""The --fail-on grammar: good expressions, bad ones pinned to their messages, evaluation."""

from __future__ import annotations

import pytest

from replay.errors import ConfigError

# ruff: noqa: E501 (pinned error messages are kept verbatim, one per line)
from replay.results.verdict import METRICS, Threshold, evaluate, format_verdict, parse_fail_on

VALID = ", ".join(METRICS)
HINT = "write METRIC OP VALUE[UNIT] such as p95>300ms, OP one of > >= < <="


@pytest.mark.parametrize(
    ("text", "metric", "op", "limit", "unit"),
    [
        ("error_rate>0.5%", "error_rate", ">", 0.5, "%"),
        ("error_rate>0.005", "error_rate", ">", 0.5, "%"),
        ("error_rate >= 1 %", "error_rate", ">=", 1.0, "%"),
        ("p95>300ms", "p95", ">", 300.0, "ms"),
        ("p95>300", "p95", ">", 300.0, "ms"),
        ("p99>1.5s", "p99", ">", 1500.0, "ms"),
        ("P99.9 > 2S", "p99_9", ">", 2000.0, "ms"),
        ("p99_9>20ms", "p99_9", ">", 20.0, "ms"),
        ("max>.5s", "max", ">", 500.0, "ms"),
        ("lag_p99>50ms", "lag_p99", ">", 50.0, "ms"),
        ("sched_p95>=250ms", "sched_p95", ">=", 250.0, "ms"),
        ("lag_mean>5ms", "lag_mean", ">", 5.0, "ms"),
        ("unsent>0", "unsent", ">", 0.0, "count"),
        ("failed>=10", "failed", ">=", 10.0, "count"),
        ("unaccounted>0", "unaccounted", ">", 0.0, "count"),
        ("achieved_ratio<95%", "achieved_ratio", "<", 95.0, "%"),
        ("achieved_ratio<=0.9", "achieved_ratio", "<=", 90.0, "%"),
    ],
)
def test_parse_a_valid_threshold(text, metric, op, limit, unit):
    (threshold,) = parse_fail_on(text)
    assert threshold == Threshold(
        expression=text.strip(), metric=metric, op=op, limit=pytest.approx(limit), unit=unit
    )


def test_parse_several_thresholds_in_order():
    thresholds = parse_fail_on(" error_rate>0.5%, p95>300ms ,lag_p99>50ms")
    assert [t.expression for t in thresholds] == ["error_rate>0.5%", "p95>300ms", "lag_p99>50ms"]


@pytest.mark.parametrize("text", [None, "", "   "])
def test_parse_nothing_gives_no_thresholds(text):
    assert parse_fail_on(text) == ()


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("p95>>300ms", f"--fail-on: 'p95>>300ms' is not a threshold; {HINT} (valid metrics: {VALID})"),
        ("p95=300ms", f"--fail-on: 'p95=300ms' is not a threshold; {HINT} (valid metrics: {VALID})"),
        ("p95>", f"--fail-on: 'p95>' is not a threshold; {HINT} (valid metrics: {VALID})"),
        ("p95>-1ms", f"--fail-on: 'p95>-1ms' is not a threshold; {HINT} (valid metrics: {VALID})"),
        ("p97>300ms", f"--fail-on: 'p97>300ms': unknown metric 'p97'; valid metrics: {VALID}"),
        ("errors>1%", f"--fail-on: 'errors>1%': unknown metric 'errors'; valid metrics: {VALID}"),
        ("p95>300ms,,lag_p99>5ms", f"--fail-on 'p95>300ms,,lag_p99>5ms': empty threshold between commas; {HINT}"),
        ("p95>3%", "--fail-on: 'p95>3%': unit '%' does not fit p95, a latency; use ms or s"),
        ("lag_max>3min", "--fail-on: 'lag_max>3min': unit 'min' does not fit lag_max, a latency; use ms or s"),
        ("error_rate>5ms", "--fail-on: 'error_rate>5ms': unit 'ms' does not fit error_rate, a share; use % or a fraction from 0 to 1"),
        ("error_rate>5", "--fail-on: 'error_rate>5': a share without % is a fraction from 0 to 1; write 5% or 0.05"),
        ("unsent>1%", "--fail-on: 'unsent>1%': unsent is a count of messages and takes no unit"),
    ],
)  # fmt: skip
def test_parse_a_bad_threshold_quotes_it_and_says_what_fits(text, message):
    with pytest.raises(ConfigError) as error:
        parse_fail_on(text)
    assert str(error.value) == message


def _summary(*, sent=1000, failed=3, p95=120.0, lag_p99=None, unsent=0, achieved=80.0,
             partial_reason=None, unaccounted=0):
    latency = {"count": 1, "mean": 1.0, "p50": 1.0, "p90": 1.0, "p95": p95, "p99": 1.0,
               "p99_9": 1.0, "max": 1.0}  # fmt: skip
    return {
        "run": {"partial": partial_reason is not None, "partial_reason": partial_reason},
        "counts": {"sent": sent, "failed": failed, "unsent": unsent},
        "rates": {"intended_mps": 100.0, "achieved_mps": achieved},
        "latency_ms": {
            "service": latency,
            "from_schedule": latency,
            "lag": {**latency, "p99": lag_p99},
        },
        "reconciliation": {"unaccounted": unaccounted},
    }


@pytest.mark.parametrize(
    ("text", "summary", "measured", "passed"),
    [
        ("error_rate>0.5%", _summary(failed=3), 0.3, True),
        ("error_rate>0.5%", _summary(failed=6), 0.6, False),
        ("error_rate>=0.6%", _summary(failed=6), 0.6, False),
        ("p95>300ms", _summary(p95=120.0), 120.0, True),
        ("p95>0.1s", _summary(p95=120.0), 120.0, False),
        ("p95<100ms", _summary(p95=120.0), 120.0, True),
        ("unsent>0", _summary(unsent=2), 2.0, False),
        ("achieved_ratio<90%", _summary(achieved=80.0), 80.0, False),
        ("unaccounted>0", _summary(), 0.0, True),
        ("lag_p99>50ms", _summary(lag_p99=None), None, False),  # not measured: fails
        ("error_rate>1%", _summary(sent=0, failed=0), None, False),
    ],
)
def test_evaluate_fails_a_threshold_whose_condition_holds(text, summary, measured, passed):
    verdict = evaluate(parse_fail_on(text), summary)
    (row,) = verdict["thresholds"]
    assert row["measured"] == (None if measured is None else pytest.approx(measured))
    assert row["passed"] is passed and verdict["passed"] is passed
    assert row["expression"] == text and row["limit"] == parse_fail_on(text)[0].limit


def test_evaluate_passes_only_when_every_threshold_passes():
    thresholds = parse_fail_on("error_rate>0.5%,p95>100ms")
    verdict = evaluate(thresholds, _summary(failed=1, p95=150.0))
    assert [row["passed"] for row in verdict["thresholds"]] == [True, False]
    assert verdict["passed"] is False
    assert evaluate((), _summary(failed=0))["passed"] is True


def test_format_verdict_lists_each_threshold_with_its_measure():
    thresholds = parse_fail_on("error_rate>0.5%,p95>100ms,lag_p99>50ms,unsent>0")
    summary = _summary(failed=1, p95=150.0, lag_p99=None, unsent=2)
    assert format_verdict(evaluate(thresholds, summary)) == (
        "Verdict: FAILED (3 of 4 thresholds)\n"
        "  pass  error_rate>0.5%  measured 0.1 %\n"
        "  FAIL  p95>100ms        measured 150 ms\n"
        "  FAIL  lag_p99>50ms     not measured\n"
        "  FAIL  unsent>0         measured 2"
    )


def test_without_thresholds_any_failed_message_fails_the_verdict_and_says_why():
    verdict = evaluate((), _summary(sent=5010, failed=5010))
    assert verdict["passed"] is False
    assert verdict["decided_by"] == "failures"
    assert format_verdict(verdict) == (
        "Verdict: FAILED: 5,010 of 5,010 sent messages failed, and without --fail-on thresholds"
        " any failed message fails the run (Locust's rule)"
    )


def test_without_thresholds_a_run_with_no_failure_passes_and_says_by_which_rule():
    verdict = evaluate((), _summary(failed=0))
    assert verdict["passed"] is True
    assert format_verdict(verdict) == (
        "Verdict: PASSED: no message failed (without --fail-on thresholds any failed message"
        " would fail the run, as in Locust)"
    )


def test_with_thresholds_the_verdict_says_the_thresholds_decided():
    verdict = evaluate(parse_fail_on("p95>100ms"), _summary(failed=3, p95=50.0))
    assert (verdict["passed"], verdict["decided_by"]) == (True, "thresholds")
    assert verdict["reason"] == "every --fail-on threshold passed (1)"


ENDPOINT_DOWN = "endpoint_down: 5,010 messages not sent"


@pytest.mark.parametrize(
    ("thresholds", "summary", "problems"),
    [
        ("", _summary(sent=0, failed=0, unsent=5010, partial_reason=ENDPOINT_DOWN),
         [f"the run is partial ({ENDPOINT_DOWN})"]),
        ("p95>300ms", _summary(partial_reason="stopped: 12 messages not sent"),
         ["the run is partial (stopped: 12 messages not sent)"]),
        ("", _summary(unaccounted=1200), ["1,200 planned messages are unaccounted for"]),
        ("", _summary(partial_reason="worker_lost: 40 messages not sent", unaccounted=40),
         ["the run is partial (worker_lost: 40 messages not sent)",
          "40 planned messages are unaccounted for"]),
    ],
)  # fmt: skip
def test_a_partial_or_unaccounted_run_never_passes(thresholds, summary, problems):
    verdict = evaluate(parse_fail_on(thresholds), summary)
    assert verdict["passed"] is False
    assert verdict["problems"] == problems


def test_format_verdict_of_a_partial_run_without_thresholds_says_what_happened():
    summary = _summary(sent=0, failed=0, unsent=5010, partial_reason=ENDPOINT_DOWN)
    assert format_verdict(evaluate((), summary)) == (
        f"Verdict: FAILED: the run is partial ({ENDPOINT_DOWN})"
    )


def test_format_verdict_of_a_partial_run_with_failed_thresholds_names_both():
    summary = _summary(p95=500.0, partial_reason="stopped: 3 messages not sent")
    assert format_verdict(evaluate(parse_fail_on("p95>300ms,failed>10"), summary)) == (
        "Verdict: FAILED: the run is partial (stopped: 3 messages not sent); 1 of 2 thresholds"
        " failed\n"
        "  FAIL  p95>300ms  measured 500 ms\n"
        "  pass  failed>10  measured 3"
    )
