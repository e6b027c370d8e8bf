"""The report's "Why late, and tokens" section: the end-of-run notes, where the schedule lag of
late messages came from (summary.json `lateness`), and how tokens were minted and used
(`tokens`).

    html = diagnosis_section(summary)    # "" when the summary has neither block
"""

from __future__ import annotations

from html import escape
from typing import Any

from replay.report.formatting import show
from replay.results.lateness import CAUSES
from replay.results.progress import lateness_note, token_note

CAUSE_NOTES = {
    "concurrency_slot": "its call waited for a free --max-concurrency slot",
    "call_creation": "its call's VoiceCall was being created (--lifecycle)",
    "retry_waits": "the previous message of its call was waiting out retries",
    "token_waits": "the previous message of its call was waiting for a token",
    "slow_responses": "the previous message of its call was waiting for its response",
    "event_loop": "the load generator itself (CPU, event loop)",
}
TOKEN_ROWS = (
    ("mode", "text", "--jwt-mode"),
    ("minters", "int", "minter processes (all workers)"),
    ("minted", "int", "tokens signed"),
    ("used", "int", "requests that carried one (each once in per-request mode)"),
    ("expired_unused", "int", "dropped unsent: past 80% of their life"),
    ("requests_waited", "int", "requests that found no token ready"),
    ("wait_s", "s", "time those requests waited"),
    ("minted_in_sending_process", "int", "signed by the sending process itself"),
    ("unauthorized", "int", "401 answers"),
    ("refused_after_accepted", "int", "401 for a token accepted before (reused)"),
    ("refused_naming_reuse", "int", "401 whose body names a reused token (jti)"),
)


def diagnosis_section(summary: dict[str, Any]) -> str:
    lateness, tokens = summary.get("lateness"), summary.get("tokens")
    if not lateness and not tokens:
        return ""
    parts = [f'<p class="no">{escape(note)}</p>' for note in
             (token_note(summary), lateness_note(summary)) if note]
    if lateness:
        parts.append(_lateness(lateness))
    if tokens:
        parts.append("<h3>Tokens</h3>" + _rows(
            (name, show(tokens.get(name), kind), note) for name, kind, note in TOKEN_ROWS
            if name in tokens))
    return ('<section id="diagnosis"><h2>Why late, and tokens</h2>' + "".join(parts)
            + "</section>")


def _lateness(block: dict[str, Any]) -> str:
    causes = block.get("lag_s") or {}
    total = sum(causes.values()) or 0.0
    rows = [(name.replace("_", " "), show(causes.get(name), "s"),
             (f"{100 * causes[name] / total:.0f}% · " if total else "") + CAUSE_NOTES[name])
            for name in CAUSES]
    head = (f'<p class="sub">{show(block.get("late_messages"), "int")} messages were '
            f'{show(block.get("late_ms"), "number")} ms or more late; their lag, by cause:</p>')
    loop = block.get("loop_delay_ms")
    if loop:
        rows.append(("event loop probe", f"p99 {show(loop.get('p99'), 'ms')}",
                     f"max {show(loop.get('max'), 'ms')} over {show(loop.get('samples'), 'int')}"
                     " wake-ups: how late the loop ran"))
    return head + _rows(rows)


def _rows(rows) -> str:
    return '<table class="kv">' + "".join(
        f'<tr><td>{escape(name)}</td><td class="n">{escape(value)}</td>'
        f'<td class="sub">{escape(note)}</td></tr>' for name, value, note in rows) + "</table>"
