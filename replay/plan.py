"""The replay's timeline: when each message is due, in which call, in what order. Pure arithmetic.

    plan = build_plan(transcripts.table, PlanOptions(speed=10.0, send_at="end"))
    plan.due_s[i]       # run-clock seconds when message i is due
    plan.row[i]         # positional row of message i in the table

In: the dataset table (columns as in docs/architecture.md; only vendorCallKey, startTime and endTime
are read here). Out: a `Plan` of numpy arrays indexed by message, messages grouped by call,
calls ordered by their first due time (ties: first pass, then the order of appearance):

| array | dtype | meaning |
|---|---|---|
| due_s | float64 | seconds after t0 when the message is due; 0 for every message at speed max |
| row | int64 | positional index of the message's row in the table |
| call | int32 | the call's number in the plan, 0..calls-1, in order of first due time |
| call_seq | int32 | the message's position within its call, from 0 |
| pass_index | int16 | the `--loops` pass, from 0 |
| call_start, call_end | int64 (per call) | slice of the message arrays that holds the call |

A message is due at `(T - T0) / speed`, T its endTime (or startTime with send_at="start") and
T0 the earliest T replayed. `max_gap_s` (dataset seconds) shortens any silence inside a call to
at most that long, moving the rest of the call earlier. Pass k of `loops` replays the same calls
`k * (span + 1 s)` later, with ids suffixed `-p{k}` (pass 0 keeps the originals).
No gevent, no I/O: the driver turns this into sleeps and posts.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from replay.errors import ConfigError

SEND_AT_COLUMNS = {"end": "endTime", "start": "startTime"}
PASS_GAP_S = 1.0  # replay seconds between the end of one --loops pass and the next


def check_speed(speed: float | None) -> None:
    """The one rule for a replay speed: a positive finite number, or None for 'max'."""
    if speed is not None and not (speed > 0 and np.isfinite(speed)):
        raise ConfigError(f"--speed must be a positive number or 'max', got {speed:g}")


def parse_speed(text: str | float, flag: str = "--speed") -> float | None:
    """'max' -> None (as fast as possible); a positive number -> float; ConfigError otherwise."""
    if isinstance(text, str) and text.strip().lower() == "max":
        return None
    try:
        speed = float(text)
    except (TypeError, ValueError):
        raise ConfigError(f"{flag} must be a number or 'max', got {text!r}") from None
    check_speed(speed)
    return speed


@dataclass(frozen=True, kw_only=True)
class PlanOptions:
    """How to lay the dataset on the replay's timeline. `speed=None` means as fast as possible."""

    speed: float | None = 1.0
    send_at: str = "end"
    max_gap_s: float | None = None
    loops: int = 1
    calls: int | None = None
    sample: float | None = None
    seed: int = 0

    def __post_init__(self) -> None:
        check_speed(self.speed)
        if self.send_at not in SEND_AT_COLUMNS:
            raise ConfigError(f"--send-at must be 'end' or 'start', got {self.send_at!r}")
        if self.max_gap_s is not None and not self.max_gap_s >= 0:
            raise ConfigError(f"--max-gap must be 0 or more seconds, got {self.max_gap_s}")
        if self.loops < 1:
            raise ConfigError(f"--loops must be 1 or more, got {self.loops}")
        if self.calls is not None and self.calls < 1:
            raise ConfigError(f"--calls must be 1 or more, got {self.calls}")
        if self.sample is not None and not 0 < self.sample <= 1:
            raise ConfigError(f"--sample must be a fraction in (0, 1], got {self.sample}")


@dataclass(frozen=True, kw_only=True, eq=False)
class Plan:
    """The timeline: arrays indexed by message (see the module docstring) plus a few figures."""

    due_s: np.ndarray
    row: np.ndarray
    call: np.ndarray
    call_seq: np.ndarray
    pass_index: np.ndarray
    call_start: np.ndarray
    call_end: np.ndarray
    speed: float | None
    send_at: str
    t0_ms: int  # T0: the earliest send time replayed, epoch ms in the dataset's own time
    span_s: float  # due time of the last message (replay seconds); 0 at speed max
    peak_concurrency: int  # most calls active at once (first to last message), speed-independent
    rate_per_s: np.ndarray  # intended messages per run-clock second (index = whole second)

    @property
    def messages(self) -> int:
        return int(self.due_s.size)

    @property
    def calls(self) -> int:
        return int(self.call_start.size)

    @property
    def paced(self) -> bool:
        return self.speed is not None

    @property
    def intended_mps(self) -> float:
        """Mean intended rate over the timeline (messages per second), never above the busiest
        second (see `mean_rate`); 0 if unpaced."""
        if not self.paced or not self.messages:
            return 0.0
        return mean_rate(self.messages, self.span_s, self.peak_intended_mps)

    @property
    def peak_intended_mps(self) -> int:
        return int(self.rate_per_s.max()) if self.rate_per_s.size else 0


def mean_rate(count: int, span_s: float, peak_per_s: int) -> float:
    """`count` messages over `span_s` seconds, capped at `peak_per_s`, the most in one whole
    second: over a span shorter than the whole seconds its messages fall in (a short run, or
    the last message's second counted in full), count / span would claim a rate no second saw."""
    if span_s <= 0:
        return float(peak_per_s)
    return min(count / span_s, float(peak_per_s))


def pass_suffix(pass_index: int) -> str:
    """The id suffix of a `--loops` pass: '' for the first pass, '-p1', '-p2', ... after it."""
    return f"-p{pass_index}" if pass_index else ""


def ids_as_sent(values: np.ndarray, pass_index: np.ndarray) -> np.ndarray:
    """vendorCallKey or messageId values with their pass suffix, as an object array."""
    out = np.asarray(values, dtype=object).copy()
    for k in np.unique(pass_index):
        if k:
            where = pass_index == k
            out[where] = out[where] + pass_suffix(int(k))
    return out


def earliest_send_ms(table: pd.DataFrame, send_at: str = "end") -> int | None:
    """The earliest send time in a table (epoch ms), or None if it is empty."""
    column = table[SEND_AT_COLUMNS[send_at]]
    return int(column.min()) if len(column) else None


def build_plan(table: pd.DataFrame, options: PlanOptions, *, t0_ms: int | None = None) -> Plan:
    """Lay the table's messages on the replay timeline (see the module docstring).

    `t0_ms` fixes T0 from outside: workers that each hold a share of the dataset use the earliest
    send time of the whole dataset, so their shares land on one common timeline.
    """
    send_ms = table[SEND_AT_COLUMNS[options.send_at]].to_numpy(dtype=np.int64)
    codes, uniques = pd.factorize(table["vendorCallKey"], sort=False)
    codes = codes.astype(np.int64)
    n_calls = int(codes.max()) + 1 if codes.size else 0

    first_ms = np.full(n_calls, np.iinfo(np.int64).max, dtype=np.int64)
    np.minimum.at(first_ms, codes, send_ms)
    chosen = _choose_calls(first_ms, np.asarray(uniques, dtype=object), options)

    # Messages of the chosen calls: calls by first send time, then messages by send time, then
    # by file order; a stable sort keeps equal times in the order the dataset gave them.
    rank = np.empty(n_calls, dtype=np.int64)
    rank[np.lexsort((np.arange(n_calls), first_ms))] = np.arange(n_calls)
    rows = np.flatnonzero(chosen[codes]) if n_calls else np.empty(0, dtype=np.int64)
    rows = rows[np.lexsort((rows, send_ms[rows], rank[codes[rows]]))]
    msg_call = codes[rows]
    times_ms = send_ms[rows].astype(np.float64)

    starts = _group_starts(msg_call)
    if options.max_gap_s is not None:
        times_ms = cap_gaps(times_ms, starts, options.max_gap_s * 1000.0)
    if t0_ms is None:
        t0_ms = int(times_ms.min()) if times_ms.size else 0
    base_s = (times_ms - t0_ms) / 1000.0
    ends = np.r_[starts[1:], rows.size].astype(np.int64)
    peak = _peak_concurrency(base_s[starts], base_s[ends - 1]) if rows.size else 0

    one_pass_due = base_s / options.speed if options.speed else np.zeros_like(base_s)
    pass_span = float(one_pass_due.max()) if one_pass_due.size else 0.0
    return _repeat_passes(
        rows=rows, due=one_pass_due, starts=starts, ends=ends, options=options,
        pass_span=pass_span, t0_ms=t0_ms, peak=peak,
    )


def _choose_calls(first_ms: np.ndarray, keys: np.ndarray, options: PlanOptions) -> np.ndarray:
    """Boolean mask over calls: about a `sample` fraction, then the earliest `calls`.

    The sample is decided per vendorCallKey by a seeded hash, so it is the same whichever process
    or worker looks at the call, and at least one call is kept.
    """
    chosen = np.ones(first_ms.size, dtype=bool)
    if options.sample is not None and first_ms.size:
        hashes = pd.util.hash_array(keys, hash_key=f"{options.seed:016d}"[-16:])
        chosen = (hashes >> np.uint64(11)).astype(np.float64) / 2.0**53 < options.sample
        if not chosen.any():
            chosen[int(np.argmin(hashes))] = True
    if options.calls is not None:
        candidates = np.flatnonzero(chosen)
        order = candidates[np.lexsort((candidates, first_ms[candidates]))]
        chosen[:] = False
        chosen[order[: options.calls]] = True
    return chosen


def _group_starts(group: np.ndarray) -> np.ndarray:
    if not group.size:
        return np.empty(0, dtype=np.int64)
    return np.flatnonzero(np.r_[True, group[1:] != group[:-1]]).astype(np.int64)


def cap_gaps(times_ms: np.ndarray, starts: np.ndarray, max_gap_ms: float) -> np.ndarray:
    """Shorten every silence inside a call to at most max_gap_ms, shifting later messages back."""
    gaps = np.diff(times_ms, prepend=times_ms[:1])
    gaps[starts] = 0.0
    excess = np.maximum(gaps - max_gap_ms, 0.0)
    shift = np.cumsum(excess)
    call_sizes = np.diff(np.r_[starts, times_ms.size])
    shift_at_start = np.repeat(shift[starts] - excess[starts], call_sizes)
    return times_ms - (shift - shift_at_start)


def _peak_concurrency(first_s: np.ndarray, last_s: np.ndarray) -> int:
    """Most calls whose [first, last] message windows overlap at one instant."""
    begins = np.sort(first_s)
    finishes = np.sort(last_s)
    # At each call's start: calls started so far minus calls finished strictly before it.
    active = np.arange(1, begins.size + 1) - np.searchsorted(finishes, begins, side="left")
    return int(active.max())


def _repeat_passes(
    *, rows: np.ndarray, due: np.ndarray, starts: np.ndarray, ends: np.ndarray,
    options: PlanOptions, pass_span: float, t0_ms: int, peak: int,
) -> Plan:
    loops = options.loops
    n = rows.size
    call_sizes = ends - starts
    seq = np.arange(n, dtype=np.int64) - np.repeat(starts, call_sizes)
    offset = pass_span + PASS_GAP_S if options.speed else 0.0
    pass_index = np.repeat(np.arange(loops, dtype=np.int16), n)
    due_all = np.tile(due, loops) + pass_index * offset
    n_calls = starts.size
    call_all = np.tile(np.repeat(np.arange(n_calls, dtype=np.int64), call_sizes), loops)
    call_all += pass_index.astype(np.int64) * n_calls
    # Calls of all passes, ordered by first due time (then pass): stable within each call.
    first_due = due_all[np.tile(starts, loops) + np.repeat(np.arange(loops) * n, n_calls)]
    call_order = np.lexsort((np.arange(first_due.size), first_due))
    call_rank = np.empty_like(call_order)
    call_rank[call_order] = np.arange(call_order.size)
    order = np.lexsort((np.arange(due_all.size), call_rank[call_all]))
    call_numbers = call_rank[call_all][order].astype(np.int32)
    new_starts = _group_starts(call_numbers)
    due_final = due_all[order]
    return Plan(
        due_s=due_final,
        row=np.tile(rows, loops)[order].astype(np.int64),
        call=call_numbers,
        call_seq=np.tile(seq, loops)[order].astype(np.int32),
        pass_index=pass_index[order],
        call_start=new_starts,
        call_end=np.r_[new_starts[1:], due_final.size].astype(np.int64),
        speed=options.speed,
        send_at=options.send_at,
        t0_ms=t0_ms,
        span_s=float(due_final.max()) if due_final.size else 0.0,
        peak_concurrency=peak,
        rate_per_s=_rate_per_second(due_final) if options.speed else np.empty(0, dtype=np.int64),
    )


def _rate_per_second(due_s: np.ndarray) -> np.ndarray:
    if not due_s.size:
        return np.empty(0, dtype=np.int64)
    return np.bincount(np.floor(due_s).astype(np.int64))
