"""Why messages were late: each late message's schedule lag split into measured causes.

    waits = Waits.for_plan(messages=plan.messages, calls=plan.calls)   # filled by the driver
    block = attribute(due_s, sent_s, done_s, call_start, call_end, waits, loop=probe.stats())
    block = add_lateness([worker_block, ...])                   # a distributed master
    lateness_note(summary, late_ms=20)                          # names the largest cause

A message is late when its schedule lag (sent - due) is `LATE_MS` or more. Each call sends its
messages one after the other, so a late message was held back by one of, in this order:
  concurrency_slot  its call waited for a free --max-concurrency slot (first message of a call)
  call_creation     its call's VoiceCall was being created (--lifecycle; first message)
  retry_waits       the message before it, in the same call, was waiting out retries past
                    this one's due time
  token_waits       ... was waiting for a per-request token
  slow_responses    ... was waiting for responses (the rest of that time)
  connection_wait   its own request waited for a connection: every connection of the pool
                    (--connections) was busy, or connecting took that long
  token_waits       (again) its own request waited for a per-request token
  event_loop        the rest: the load generator itself was late (CPU, its event loop), which
                    the loop probe measures independently (`loop_delay_ms`)
The blocked time is the part of the lag during which the previous message was still being sent
(min(done_prev, sent) - due); its retry waits and token waits are counted first, the rest as
slow responses. A message is sent when its request goes out on a connection, so its own wait
for a connection and for its token come next. The block holds, per cause, the seconds of lag
summed over late messages; the note names the largest. No Locust or gevent import: arrays in,
a dict out.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any

import numpy as np

LATE_MS = 20.0
CAUSES = ("concurrency_slot", "call_creation", "retry_waits", "token_waits", "slow_responses",
          "connection_wait", "event_loop")


@dataclass(frozen=True)
class Waits:
    """Measured waits, filled in by the driver: per message (its retry and token waits, and
    its first attempt's wait for a connection) and per call (its slot wait and its VoiceCall
    creation's end, run-clock seconds)."""

    retry_s: np.ndarray
    token_s: np.ndarray
    slot_s: np.ndarray
    created_s: np.ndarray
    connect_s: np.ndarray

    @classmethod
    def for_plan(cls, *, messages: int, calls: int) -> Waits:
        return cls(retry_s=np.zeros(messages), token_s=np.zeros(messages),
                   slot_s=np.zeros(calls), created_s=np.full(calls, np.nan),
                   connect_s=np.zeros(messages))


def attribute(
    due_s: np.ndarray, sent_s: np.ndarray, done_s: np.ndarray, call_start: np.ndarray,
    call_end: np.ndarray, waits: Waits, *, loop: Mapping[str, Any] | None = None,
    late_ms: float = LATE_MS,
) -> dict[str, Any]:
    """The summary's `lateness` block for one process's messages (see the module docstring)."""
    lag = sent_s - due_s
    late = np.nan_to_num(lag, nan=-1.0) >= late_ms / 1000.0
    causes = dict.fromkeys(CAUSES, 0.0)
    first = np.zeros(len(due_s), dtype=bool)
    first[call_start[call_end > call_start]] = True
    call_of = np.repeat(np.arange(len(call_start)), call_end - call_start)
    # first messages of calls: slot wait, then VoiceCall creation
    heads = np.flatnonzero(late & first)
    if heads.size:
        head_lag = lag[heads]
        slot = np.minimum(head_lag, waits.slot_s[call_of[heads]])
        created = waits.created_s[call_of[heads]]
        creation = np.clip(np.nan_to_num(np.minimum(created, sent_s[heads]) - due_s[heads]),
                           0.0, None)
        creation = np.minimum(creation, head_lag - slot)
        causes["concurrency_slot"] = float(slot.sum())
        causes["call_creation"] = float(creation.sum())
        _own_waits(causes, heads, head_lag - slot - creation, waits)
    # later messages: behind the previous message of their call
    rest = np.flatnonzero(late & ~first)
    if rest.size:
        rest_lag = lag[rest]
        previous_done = np.nan_to_num(done_s[rest - 1], nan=np.inf)
        blocked = np.clip(np.minimum(previous_done, sent_s[rest]) - due_s[rest], 0.0, rest_lag)
        retry = np.minimum(blocked, waits.retry_s[rest - 1])
        token = np.minimum(blocked - retry, waits.token_s[rest - 1])
        causes["retry_waits"] += float(retry.sum())
        causes["token_waits"] += float(token.sum())
        causes["slow_responses"] += float((blocked - retry - token).sum())
        _own_waits(causes, rest, rest_lag - blocked, waits)
    return {
        "late_ms": late_ms,
        "late_messages": int(late.sum()),
        "lag_s": {name: round(value, 6) for name, value in causes.items()},
        "largest": largest(causes),
        "loop_delay_ms": dict(loop) if loop else None,
    }


def _own_waits(causes: dict[str, float], messages: np.ndarray, left: np.ndarray,
               waits: Waits) -> None:
    """The lag `left` of `messages` after what held their call back: their own wait for a
    connection, then for their token, the rest the event loop's."""
    connect = np.minimum(left, waits.connect_s[messages])
    token = np.minimum(left - connect, waits.token_s[messages])
    causes["connection_wait"] += float(connect.sum())
    causes["token_waits"] += float(token.sum())
    causes["event_loop"] += float((left - connect - token).sum())


def largest(causes: Mapping[str, float]) -> str | None:
    name = max(CAUSES, key=lambda cause: causes.get(cause) or 0.0)
    return name if causes.get(name) else None


def add_lateness(parts: Iterable[Mapping[str, Any] | None]) -> dict[str, Any] | None:
    """Workers' blocks added up: counts and seconds summed, the worst loop delay kept."""
    parts = [part for part in parts if part]
    if not parts:
        return None
    causes = {name: round(sum(p["lag_s"].get(name, 0.0) for p in parts), 6) for name in CAUSES}
    loops = [p["loop_delay_ms"] for p in parts if p.get("loop_delay_ms")]
    loop = None
    if loops:
        loop = {key: max((part.get(key) or 0.0) for part in loops) for key in loops[0]}
        loop["samples"] = sum(part.get("samples") or 0 for part in loops)
    return {"late_ms": parts[0]["late_ms"],
            "late_messages": sum(p["late_messages"] for p in parts),
            "lag_s": causes, "largest": largest(causes), "loop_delay_ms": loop}


def attributed_note(summary: Mapping[str, Any], *, concurrency_cap: int | None = None) -> str:
    """The sentences after "Messages were late: ...": the largest cause, what to do, the rest."""
    block = summary["lateness"]
    causes = block["lag_s"]
    total = sum(causes.values())
    name = block.get("largest")
    if not name or total <= 0:
        return ""
    share = 100.0 * causes[name] / total
    late = block["late_messages"]
    cause = _explain(name, summary, concurrency_cap)
    text = (f"Of the {late:,} messages {block['late_ms']:g} ms or more late, most of the"
            f" lateness ({share:.0f}% of {total:,.1f} s) came from {cause}.")
    others = [f"{cause.replace('_', ' ')} {100.0 * causes[cause] / total:.0f}%"
              for cause in CAUSES if cause != name and causes.get(cause, 0.0) / total >= 0.01]
    if others:
        text += " The rest: " + ", ".join(others) + "."
    return text


def _explain(cause: str, summary: Mapping[str, Any], cap: int | None) -> str:
    service = summary["latency_ms"]["service"]
    if cause == "concurrency_slot":
        limit = cap or (summary.get("options") or {}).get("max_concurrency")
        return (f"waiting for a free slot under the cap of {limit} concurrent calls"
                " (--max-concurrency): raise the cap or lower --speed")
    if cause == "call_creation":
        return ("waiting for their VoiceCall to be created (--lifecycle, at most --create-rate a"
                " second): raise --create-rate or lower --speed")
    if cause == "retry_waits":
        return ("waiting out retries of the message before them in the same call (--retries,"
                " the endpoint's Retry-After): a call sends its next message only once the"
                " previous one is done; the endpoint refused or failed messages at this speed,"
                " so lower --speed or allow fewer --retries")
    if cause == "token_waits":
        waited = (summary.get("tokens") or {}).get("requests_waited") or 0
        return (f"waiting for per-request tokens ({waited:,} requests waited): the minter"
                " processes did not keep up; raise --jwt-minters, or use --jwt-mode shared if"
                " the endpoint accepts a token more than once")
    if cause == "connection_wait":
        connections = summary.get("connections") or {}
        limit = connections.get("limit") or (summary.get("options") or {}).get("connections")
        return (f"waiting for a free connection (at most {limit} per process, --connections;"
                f" {connections.get('waited', 0):,} requests waited): the endpoint's answers"
                " held the connections; raise --connections if it can take more at once, or"
                " lower --speed")
    if cause == "slow_responses":
        timeouts = (summary["counts"].get("failed_by_reason") or {}).get("timeout") or 0
        timed_out = f", {timeouts:,} timed out" if timeouts else ""
        return (f"waiting for the response to the message before them in the same call"
                f" (service p99 {_ms(service.get('p99'))}, max {_ms(service.get('max'))}"
                f"{timed_out}): the endpoint did not keep up at this speed; lower --speed")
    loop = (summary.get("lateness") or {}).get("loop_delay_ms") or {}
    measured = (f"; its event loop woke up late by up to {_ms(loop.get('max'))}, p99"
                f" {_ms(loop.get('p99'))}" if loop else "")
    return ("the load generator itself (CPU or its event loop" + measured + "): add workers"
            " (--workers) or lower --speed")


def _ms(value: float | None) -> str:
    if value is None:
        return "n/a"
    return f"{value:,.0f} ms" if value >= 10 else f"{value:.1f} ms"
