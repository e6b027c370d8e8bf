"""Why messages were late: each late message's schedule lag split into measured causes.

    waits = Waits(batch.plan.messages, bulk=False)              # filled by the driver
    tally = Lateness()
    tally.add(due_s, sent_s, first, waits)                      # per batch, as batches finish
    block = tally.block(loop=probe.stats())                     # summary.json `lateness`
    block = add_lateness([worker_block, ...])                   # a distributed master
    lateness_note(summary, late_ms=20)                          # names the largest cause

A message is late when its schedule lag (sent - due) is `LATE_MS` or more. Each call sends its
messages one after the other, so a late message was held back by one of, in this order:
  concurrency_slot  its call waited for a free --max-concurrency slot (first message of a call)
  call_creation     its call's VoiceCall was being created (--lifecycle; first message)
  retry_waits       what held it (the message before it in the same call, or with --bulk the
                    batch holding that one) was waiting out retries past this one's due time
  token_waits       ... was waiting for a per-request token
  slow_responses    ... was waiting for responses (the rest of that time)
  bulk_window       --bulk only: it waited in its open batch for the batch to leave
  connection_wait   its own request waited for a connection: every connection of the pool
                    (--connections) was busy, or connecting took that long
  token_waits       (again) its own request waited for a per-request token
  event_loop        the rest: the load generator itself was late (CPU, its event loop), which
                    the loop probe measures independently (`loop_delay_ms`)
The held time is the part of the lag during which what held it was still being sent
(min(held_until, sent) - due); its retry waits and token waits are counted first, the rest as
slow responses. With --bulk, its wait in the open batch comes next. A message is sent when its
request goes out on a connection, so its own wait for a connection and for its token come
next (`Waits.went_out`). The block holds, per cause, the seconds of lag summed over late
messages (`bulk_window` only on --bulk runs); the note names the largest.

The driver records what held each message as it happens (`Waits`, one per batch of messages),
and a `Lateness` tally adds each batch up once its messages are done, so memory follows the
batches in flight, never the run. No Locust or gevent import: arrays in, a dict out.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any

import numpy as np

LATE_MS = 20.0
CAUSES = ("concurrency_slot", "call_creation", "retry_waits", "token_waits", "slow_responses",
          "connection_wait", "event_loop")
BULK_WINDOW = "bulk_window"
BULK_CAUSES = (*CAUSES[:5], BULK_WINDOW, *CAUSES[5:])  # after slow_responses


class Waits:
    """What held each message of a batch back (indexed like the batch's plan), filled in by
    the driver as it happens. Dicts hold the rare waits (only the messages that had one)."""

    def __init__(self, messages: int, *, bulk: bool = False) -> None:
        # not first in its call: when what held it (the message before it; with --bulk the
        # request holding that one, when it had left) was answered; -inf: nothing held it
        # (--bulk: it joined its previous message's open request); NaN: never answered
        self.held_until_s = np.full(messages, -np.inf if bulk else np.nan)
        self.retry_s: dict[int, float] = {}  # retry waits of what held message i
        self.token_s: dict[int, float] = {}  # token waits of what held message i
        self.slot_s: dict[int, float] = {}  # first messages: their call's wait for a slot
        self.created_s: dict[int, float] = {}  # first messages: their VoiceCall created at
        self.window_s = np.zeros(messages) if bulk else None  # --bulk: time in its open batch
        self.connect_s: dict[int, float] = {}  # its own wait for a connection (first attempt)
        self.own_token_s: dict[int, float] = {}  # its own wait for a token

    def held(self, i: int, until_s: float, retry_s: float = 0.0, token_s: float = 0.0) -> None:
        """Message i was held by something answered at `until_s` after these waits."""
        self.held_until_s[i] = until_s
        if retry_s:
            self.retry_s[i] = retry_s
        if token_s:
            self.token_s[i] = token_s


    def went_out(self, i: int, connect_s: float, token_s: float = 0.0) -> None:
        """Message i's own request waited these times before it went out."""
        if connect_s:
            self.connect_s[i] = connect_s
        if token_s:
            self.own_token_s[i] = token_s


def _pick(values: dict[int, float], index: np.ndarray, default: float) -> np.ndarray:
    """values[i] for each i of `index` (`default` where there is none), vectorised."""
    if not values:
        return np.full(index.size, default)
    keys = np.fromiter(values.keys(), dtype=np.int64, count=len(values))
    found = np.fromiter(values.values(), dtype=np.float64, count=len(values))
    order = np.argsort(keys)
    keys, found = keys[order], found[order]
    at = np.minimum(np.searchsorted(keys, index), keys.size - 1)
    return np.where(keys[at] == index, found[at], default)


def _own_waits(causes: dict[str, float], messages: np.ndarray, left: np.ndarray,
               waits: Waits) -> None:
    """The lag `left` of `messages` after what held them: their own wait for a connection,
    then for their token; the rest is the event loop's."""
    connect = np.minimum(left, _pick(waits.connect_s, messages, 0.0))
    token = np.minimum(left - connect, _pick(waits.own_token_s, messages, 0.0))
    causes["connection_wait"] += float(connect.sum())
    causes["token_waits"] += float(token.sum())
    causes["event_loop"] += float((left - connect - token).sum())


class Lateness:
    """Late messages' lag per cause, added up batch by batch; `block()` is summary.json's."""

    def __init__(self, *, late_ms: float = LATE_MS) -> None:
        self.late_ms = late_ms
        self.late_messages = 0
        self.lag_s = dict.fromkeys(BULK_CAUSES, 0.0)
        self.bulk = False  # a batch was posted with --bulk: the block shows `bulk_window`

    def add(self, due_s: np.ndarray, sent_s: np.ndarray, first: np.ndarray,
            waits: Waits) -> None:
        """A batch's messages (NaN sent: never sent, never late)."""
        lag = sent_s - due_s
        late = np.nan_to_num(lag, nan=-1.0) >= self.late_ms / 1000.0
        self.late_messages += int(late.sum())
        causes = self.lag_s
        window = waits.window_s
        self.bulk = self.bulk or window is not None
        heads = np.flatnonzero(late & first)  # first messages: slot wait, VoiceCall creation
        if heads.size:
            head_lag = lag[heads]
            slot = np.minimum(head_lag, _pick(waits.slot_s, heads, 0.0))
            created = _pick(waits.created_s, heads, np.nan)
            creation = np.clip(np.nan_to_num(np.minimum(created, sent_s[heads]) - due_s[heads]),
                               0.0, None)
            creation = np.minimum(creation, head_lag - slot)
            left = head_lag - slot - creation
            causes["concurrency_slot"] += float(slot.sum())
            causes["call_creation"] += float(creation.sum())
            if window is not None:
                batched = np.minimum(window[heads], left)
                causes[BULK_WINDOW] += float(batched.sum())
                left = left - batched
            _own_waits(causes, heads, left, waits)
        rest = np.flatnonzero(late & ~first)  # later messages: held by the one before them
        if rest.size:
            rest_lag = lag[rest]
            held_until = np.nan_to_num(waits.held_until_s[rest], nan=np.inf)
            blocked = np.clip(np.minimum(held_until, sent_s[rest]) - due_s[rest], 0.0, rest_lag)
            retry = np.minimum(blocked, _pick(waits.retry_s, rest, 0.0))
            token = np.minimum(blocked - retry, _pick(waits.token_s, rest, 0.0))
            left = rest_lag - blocked
            causes["retry_waits"] += float(retry.sum())
            causes["token_waits"] += float(token.sum())
            causes["slow_responses"] += float((blocked - retry - token).sum())
            if window is not None:
                batched = np.minimum(window[rest], left)
                causes[BULK_WINDOW] += float(batched.sum())
                left = left - batched
            _own_waits(causes, rest, left, waits)

    def merge(self, other: Lateness) -> None:
        self.late_messages += other.late_messages
        self.bulk = self.bulk or other.bulk
        for name, value in other.lag_s.items():
            self.lag_s[name] += value

    def block(self, *, loop: Mapping[str, Any] | None = None) -> dict[str, Any]:
        """The summary's `lateness` block (see the module docstring)."""
        causes = {name: self.lag_s[name] for name in (BULK_CAUSES if self.bulk else CAUSES)}
        return {
            "late_ms": self.late_ms,
            "late_messages": self.late_messages,
            "lag_s": {name: round(value, 6) for name, value in causes.items()},
            "largest": largest(causes),
            "loop_delay_ms": dict(loop) if loop else None,
        }


def largest(causes: Mapping[str, float]) -> str | None:
    names = [name for name in BULK_CAUSES if name in causes]
    if not names:
        return None
    name = max(names, key=lambda cause: causes.get(cause) or 0.0)
    return name if causes.get(name) else None


def add_lateness(parts: Iterable[Mapping[str, Any] | None]) -> dict[str, Any] | None:
    """Workers' blocks added up: counts and seconds summed, the worst loop delay kept."""
    parts = [part for part in parts if part]
    if not parts:
        return None
    names = BULK_CAUSES if any(BULK_WINDOW in p["lag_s"] for p in parts) else CAUSES
    causes = {name: round(sum(p["lag_s"].get(name, 0.0) for p in parts), 6) for name in names}
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
              for cause in BULK_CAUSES
              if cause != name and (causes.get(cause) or 0.0) / total >= 0.01]
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
    if cause == "slow_responses":
        timeouts = (summary["counts"].get("failed_by_reason") or {}).get("timeout") or 0
        timed_out = f", {timeouts:,} timed out" if timeouts else ""
        return (f"waiting for the response to the message before them in the same call"
                f" (service p99 {_ms(service.get('p99'))}, max {_ms(service.get('max'))}"
                f"{timed_out}): the endpoint did not keep up at this speed; lower --speed")
    if cause == "connection_wait":
        connections = summary.get("connections") or {}
        limit = connections.get("limit") or (summary.get("options") or {}).get("connections")
        return (f"waiting for a free connection (at most {limit} per process, --connections;"
                f" {connections.get('waited', 0):,} requests waited): the endpoint's answers"
                " held the connections; raise --connections if it can take more at once, or"
                " lower --speed")
    if cause == BULK_WINDOW:
        window = (summary.get("options") or {}).get("bulk_window_s")
        shown = f", {_ms(window * 1000.0)}" if window is not None else ""
        return (f"waiting in their batch for it to leave (--bulk-window{shown}): that wait is"
                " the batching, not a late load generator; a smaller --bulk-window sends"
                " sooner, in smaller batches")
    loop = (summary.get("lateness") or {}).get("loop_delay_ms") or {}
    measured = (f"; its event loop woke up late by up to {_ms(loop.get('max'))}, p99"
                f" {_ms(loop.get('p99'))}" if loop else "")
    return ("the load generator itself (CPU or its event loop" + measured + "): add workers"
            " (--workers) or lower --speed")


def _ms(value: float | None) -> str:
    if value is None:
        return "n/a"
    return f"{value:,.0f} ms" if value >= 10 else f"{value:.1f} ms"
