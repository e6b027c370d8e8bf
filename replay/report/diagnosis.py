"""The report's "Why late, and tokens" section: the end-of-run notes, where the schedule lag of
late messages came from (summary.json `lateness`), and how tokens were minted and used
(`tokens`).

    values = diagnosis(summary)    # None when the summary has neither block; else
                                   # {"notes": [...], "lateness": {...} | None, "tokens": rows}
The page's template (templates/report.html.j2) renders them.
"""

from __future__ import annotations

from typing import Any

from replay.report.formatting import show
from replay.results.lateness import BULK_CAUSES, CAUSES
from replay.results.progress import lateness_note, token_note

CAUSE_NOTES = {
    "concurrency_slot": "its call waited for a free --max-concurrency slot",
    "call_creation": "its call's VoiceCall was being created (--lifecycle)",
    "retry_waits": "the previous message of its call was waiting out retries",
    "token_waits": "the previous message of its call was waiting for a token",
    "slow_responses": "the previous message of its call was waiting for its response",
    "bulk_window": "it waited in its open batch for the batch to leave (--bulk-window)",
    "event_loop": "the load generator itself (CPU, event loop)",
}
TOKEN_ROWS = (
    ("mode", "text", "--jwt-mode"),
    ("minters", "int", "minter processes (all workers)"),
    ("minted", "int", "tokens signed and handed over"),
    ("used", "int", "requests that carried one (each once in per-request mode)"),
    ("expired_unused", "int", "dropped unsent: past 80% of their life"),
    ("requests_waited", "int", "requests that found no token ready"),
    ("wait_s", "s", "time those requests waited"),
    ("minted_in_sending_process", "int", "signed by the sending process itself"),
    ("prefilled", "int", "signed before the start (--jwt-prefill)"),
    ("unauthorized", "int", "401 answers"),
    ("refused_after_accepted", "int", "401 for a token accepted before (reused)"),
    ("refused_naming_reuse", "int", "401 whose body names a reused token (jti)"),
)


def diagnosis(summary: dict[str, Any]) -> dict[str, Any] | None:
    lateness, tokens = summary.get("lateness"), summary.get("tokens")
    if not lateness and not tokens:
        return None
    return {
        "notes": [note for note in (token_note(summary), lateness_note(summary)) if note],
        "lateness": _lateness(lateness) if lateness else None,
        "tokens": [(name, show(tokens.get(name), kind), note)
                   for name, kind, note in TOKEN_ROWS if name in tokens] if tokens else [],
    }


def _lateness(block: dict[str, Any]) -> dict[str, Any]:
    causes = block.get("lag_s") or {}
    total = sum(causes.values()) or 0.0
    rows = [(name.replace("_", " "), show(causes.get(name), "s"),
             (f"{100 * causes.get(name, 0.0) / total:.0f}% · " if total else "")
             + CAUSE_NOTES[name])
            for name in BULK_CAUSES if name in CAUSES or name in causes]
    head = (f'{show(block.get("late_messages"), "int")} messages were '
            f'{show(block.get("late_ms"), "number")} ms or more late; their lag, by cause:')
    loop = block.get("loop_delay_ms")
    if loop:
        rows.append(("event loop probe", f"p99 {show(loop.get('p99'), 'ms')}",
                     f"max {show(loop.get('max'), 'ms')} over {show(loop.get('samples'), 'int')}"
                     " wake-ups: how late the loop ran"))
    return {"head": head, "rows": rows}
