"""Progress and lateness in plain words, for the console of a headless run.

    progress_line(recorder.snapshot(now_s, due_s), planned, timeline_s, elapsed_s)
      -> "sent 1,234/3,000 (41%) | timeline 40% | ETA 1m12s | 812 msg/s | lag p99 3.1 ms"
    lateness_note(summary)   # None when on time, else why messages were late and what to do
    token_note(summary)      # None, or why tokens were refused (reused) or requests waited

In: a snapshot dict from `OutcomeRecorder.snapshot` (keys sent, failed, behind, rate_mps,
lag_p99_ms), and a summary.json dict (latency_ms.lag and .service, options).
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from replay.results.lateness import attributed_note
from replay.results.units import format_count, format_duration, format_ms, format_rate

TOKEN_WAIT_NOTED_S = 0.1  # requests waited this long in all for tokens: say so
LATE_MS = 20.0  # schedule lag p99 at or above this counts as "late" in the end-of-run note


def progress_line(
    snapshot: Mapping[str, Any], planned: int, timeline_s: float, elapsed_s: float
) -> str:
    """One progress line. timeline_s: when the last message is due (0 at --speed max)."""
    sent = int(snapshot["sent"])
    share = f" ({100 * sent // planned}%)" if planned else ""
    parts = [f"sent {format_count(sent)}/{format_count(planned)}{share}"]
    if timeline_s > 0:
        parts.append(f"timeline {min(100, int(100 * elapsed_s / timeline_s))}%")
    parts.append(f"ETA {format_duration(eta_s(snapshot, planned, timeline_s, elapsed_s))}")
    parts.append(format_rate(snapshot.get("rate_mps")))
    parts.append(f"lag p99 {format_ms(snapshot.get('lag_p99_ms'))}")
    if snapshot.get("failed"):
        parts.append(f"{format_count(snapshot['failed'])} failed")
    if snapshot.get("behind"):
        parts.append(f"{format_count(snapshot['behind'])} behind schedule")
    return " | ".join(parts)


def eta_s(
    snapshot: Mapping[str, Any], planned: int, timeline_s: float, elapsed_s: float
) -> float | None:
    """Seconds left: the rest of the timeline, or past its end the backlog at the current rate."""
    remaining = planned - int(snapshot["sent"])
    if remaining <= 0:
        return 0.0
    if timeline_s > elapsed_s:
        return timeline_s - elapsed_s
    rate = snapshot.get("rate_mps")
    return remaining / rate if rate else None


def lateness_note(
    summary: Mapping[str, Any], *, late_ms: float = LATE_MS, concurrency_cap: int | None = None
) -> str | None:
    """Plain words on why messages were late, or None when schedule lag p99 < late_ms.

    concurrency_cap: the cap on concurrent calls when the driver hit it during the run.
    """
    lag = summary["latency_ms"]["lag"]
    if lag["p99"] is None or lag["p99"] < late_ms:
        return None
    service = summary["latency_ms"]["service"]
    head = (
        f"Messages were late: schedule lag p99 was {format_ms(lag['p99'])}"
        f" (max {format_ms(lag['max'])})."
    )
    window_ms = _bulk_window_ms(summary)  # a lag within the window: the batching, whatever
    # else the attribution found (its `bulk_window` cause measures the same wait per message)
    if window_ms is not None and lag["p99"] <= window_ms + late_ms:
        return (
            f"{head} With --bulk a message waits up to --bulk-window ({format_ms(window_ms)})"
            " for its batch to leave: that wait is the batching, not a late load generator;"
            " a smaller --bulk-window sends sooner, in smaller batches."
        )
    lateness = summary.get("lateness")
    if lateness and lateness.get("largest"):
        return f"{head} {attributed_note(summary, concurrency_cap=concurrency_cap)}"
    if concurrency_cap is not None:
        return (
            f"{head} The cap of {format_count(concurrency_cap)} concurrent calls was reached,"
            " so calls waited for a free slot; raise the cap or lower --speed."
        )
    if service["p99"] is not None and service["p99"] >= late_ms:
        return (
            f"{head} The endpoint's responses (service p99 {format_ms(service['p99'])}) held"
            " calls back: each call sends its next message only after the previous response,"
            " so slow responses delay the messages behind them. The endpoint did not keep up"
            " at this speed; lower --speed to replay on time."
        )
    return (
        f"{head} Responses were fast (service p99 {format_ms(service['p99'])}), so the load"
        " generator itself fell behind (CPU or the event loop): add workers (--workers) or"
        " lower --speed."
    )


def _bulk_window_ms(summary: Mapping[str, Any]) -> float | None:
    """--bulk-window in ms when the run posted in batches, else None."""
    options = summary.get("options") or {}
    if not options.get("bulk") or options.get("bulk_window_s") is None:
        return None
    return float(options["bulk_window_s"]) * 1000.0


def token_note(summary: Mapping[str, Any]) -> str | None:
    """Plain words when 401s point at reused tokens or at tokens never accepted, or requests
    waited for tokens; else None."""
    tokens = summary.get("tokens")
    if not tokens:
        return None
    after = tokens.get("refused_after_accepted") or 0
    named = tokens.get("refused_naming_reuse") or 0
    notes = []
    if after or named:
        evidence = []
        if after:
            evidence.append(f"{format_count(after)} requests got 401 for a token the endpoint had"
                            " accepted before")
        if named:
            evidence.append(f"{format_count(named)} 401 answers named a reused token (jti)")
        if tokens.get("mode") == "shared":
            advice = ("it accepts each token (its jti) only once, and --jwt-mode shared sends"
                      " one token with every request: run with --jwt-mode per-request (a fresh"
                      " token for every request, as Salesforce's own clients send them)")
        else:
            advice = ("yet every request carried its own token (--jwt-mode per-request): check"
                      " whether something between the replay and the endpoint sends requests"
                      " again")
        notes.append("Tokens were refused as reused: " + " and ".join(evidence) + "; " + advice
                     + ".")
    unauthorized = tokens.get("unauthorized") or 0
    accepted = (summary.get("counts") or {}).get("accepted")
    if unauthorized and not (after or named) and accepted == 0:
        notes.append(
            f"No token was accepted: {format_count(unauthorized)} requests got 401 and no"
            " message was accepted. Check that --org-id and --call-center (and --jwt-audience)"
            " are right and that the public half of --jwt-key is the certificate registered for"
            " this call center."
        )
    waited = tokens.get("requests_waited") or 0
    if waited and (tokens.get("wait_s") or 0) >= TOKEN_WAIT_NOTED_S:
        notes.append(
            f"{format_count(waited)} requests waited for a per-request token"
            f" ({tokens['wait_s']:.1f} s in all): the {tokens.get('minters')} minter process(es)"
            " did not keep up; raise --jwt-minters."
        )
    return " ".join(notes) or None
