"""Where each request's token comes from: one shared token, or a fresh one per request minted
ahead of need by separate processes and read without blocking the gevent loop.

    tokens = authorizer_for(config.jwt)   # TokenMinter (shared), TokenFeed (per-request), None
    header = tokens.authorization()       # "Bearer <jwt>"
    wait_for_tokens(tokens)               # before the start: the minters' first tokens are in
    token_stats(tokens)                   # the summary's `tokens` block (counts, no token)
    close_tokens(tokens)                  # stops the minter processes

Per-request (`TokenFeed`). RS256 signing costs ~0.2 ms of CPU: at thousands of requests a
second that is a core or more, which the sending process cannot spare. So `settings.minters`
processes (`python -m replay.minter`, each loading the key itself) sign tokens and write them
to a pipe; a greenlet per minter reads them as they arrive (`gevent.socket.wait_read`, never a
blocking read) into a queue of ready tokens. `authorization()` takes the oldest ready token, so
it costs the sending process a queue pop; each token is used once. The queue is bounded: it
asks the minters for `batch` more whenever fewer than `ready` tokens are queued or on their
way (`ready` is 256 when the run starts, or the prefill up to 2,048, then follows the rate:
what a quarter-second needs, between `batch` and 2,048, asked for an eighth at a time), so
tokens are minted just ahead of need and sent well before they expire; one whose `use_before`
has passed (80% of its life, as a shared token is renewed) is dropped, never sent.
A keeper greenlet replaces queued tokens before they get that old, so the queue stays fresh
through quiet spells. A request that finds the queue empty waits (counted in
`requests_waited`, `wait_s`); if every minter has died, tokens are signed here instead
(`minted_in_sending_process`, logged once).

Prefill (`settings.prefill`, --jwt-prefill N): before the start, the minters sign N tokens
between them and keep them (`stock`, replay.minter), and `wait_until_ready` waits for that; they
then hand those over first, as asked, so a burst beyond their signing rate is served from the
stock, by the same reads as ever. A minter stops stocking, and drops a stocked token, once the
first has spent half of its usable life (`prefilled` says how many were signed).

Processes: each minter exits when its stdin closes (`close()`, or the replay process dying),
and ignores Ctrl-C (the replay decides when to stop). `close()` is also registered at exit.
"""

from __future__ import annotations

import atexit
import contextlib
import dataclasses
import json
import logging
import os
import subprocess
import sys
import time
from collections import deque
from collections.abc import Callable
from typing import Any

import gevent
from gevent.event import Event
from gevent.socket import wait_read

from replay.auth import JwtSettings, TokenMinter, load_private_key, mint

logger = logging.getLogger(__name__)

READY_TOKENS = 256  # tokens kept queued or asked for at the start
MOST_READY = 2048  # at most, at high rates
AHEAD_S = 0.25  # then: the tokens the last second's rate uses in this long
BATCH = 16  # tokens asked of one minter at a time (and the fewest kept ready) ...
MOST_BATCH = 256  # ... up to this many at high rates: fewer reads and wake-ups per token
RATE_WINDOW_S = 1.0
KEEP_FRESH_S = 0.25  # how often queued tokens near their use_before are replaced ...
REPLACE_AHEAD_S = 1.5  # ... counting those this close to it as gone already
STOP_WAIT_S = 2.0  # a minter has this long to exit after its stdin closes, then it is killed
WAIT_STEP_S = 1.0
READY_TIMEOUT_S = 30.0  # the minters' first tokens, at the latest (a slow start of Python)


class _Minter:
    """One minter process and its pipes (raw file descriptors, non-blocking)."""

    def __init__(self, settings: JwtSettings, stock: int = 0) -> None:
        self.process = subprocess.Popen(
            [sys.executable, "-m", "replay.minter"], stdin=subprocess.PIPE,
            stdout=subprocess.PIPE, close_fds=True,
        )
        self.to_fd = self.process.stdin.fileno()
        self.from_fd = self.process.stdout.fileno()
        self.outstanding = 0
        self.alive = True
        self.stocked = not stock  # the answer to `stock` came (or none was asked)
        self.stock = 0  # of its prefill, tokens not handed over yet (about: it drops old ones)
        line = json.dumps(dataclasses.asdict(settings)).encode() + b"\n"
        if stock:
            line += b"stock %d\n" % stock
        os.write(self.to_fd, line)  # a fresh pipe holds 64 KiB: this cannot block
        os.set_blocking(self.to_fd, False)
        os.set_blocking(self.from_fd, False)

    def ask(self, count: int) -> bool:
        try:
            os.write(self.to_fd, b"%d\n" % count)
        except BlockingIOError:
            return False
        except OSError:
            self.alive = False
            return False
        self.outstanding += count
        return True

    def close(self) -> None:
        for stream in (self.process.stdin, self.process.stdout):
            with contextlib.suppress(OSError):
                stream.close()
        try:
            self.process.wait(timeout=STOP_WAIT_S)
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.wait()


class TokenFeed:
    """Per-request tokens from minter processes; see the module docstring."""

    mode = "per-request"

    def __init__(self, settings: JwtSettings, *, ready: int = READY_TOKENS, batch: int = BATCH,
                 clock: Callable[[], float] = time.time) -> None:
        self._settings = settings
        self._key = load_private_key(settings.key_path)  # a bad key fails here, not in a child
        self._clock = clock
        # tokens kept queued or on their way, and asked at a time: they follow the rate
        # (`_adapt`); with a prefill, the run starts with as many queued as that allows
        self._batch = batch
        self._target = min(MOST_READY, max(ready, settings.prefill))
        self._ask = self._ask_for(self._target)
        self._ready: deque[tuple[float, str]] = deque()
        self._arrived = Event()
        self._in_flight = 0
        self._window: tuple[float, int] | None = None  # (start, tokens used since), once begun
        self.minted = 0
        self.used = 0
        self.expired_unused = 0
        self.requests_waited = 0
        self.wait_s = 0.0
        self.minted_here = 0
        self.prefilled = 0
        self._closed = False
        count = settings.minters
        shares = [settings.prefill // count + (i < settings.prefill % count) for i in range(count)]
        if settings.prefill:
            logger.info("signing %d tokens before the start (--jwt-prefill)", settings.prefill)
        self._minters = [_Minter(settings, share) for share in shares]
        self._readers = [gevent.spawn(self._read, minter) for minter in self._minters]
        self._keeper = gevent.spawn(self._keep_fresh)
        atexit.register(self.close)
        self._refill()

    def __repr__(self) -> str:
        return f"TokenFeed(minters={len(self._minters)}, ready={len(self._ready)}, key=<hidden>)"

    @property
    def prefill_wanted(self) -> int:
        return self._settings.prefill

    @property
    def pids(self) -> list[int]:
        return [minter.process.pid for minter in self._minters]

    def authorization(self) -> str:
        """`Bearer <jwt>` with a token no request has carried; waits (cooperatively) for one
        when none is ready."""
        value = self._take()
        if value is None:
            value = self._wait_for_token()
        self.used += 1
        if len(self._ready) + self._in_flight < self._target:
            self._refill()
        return value

    def wait_until_ready(self, timeout_s: float = READY_TIMEOUT_S) -> bool:
        """Wait (cooperatively) until a first token is queued and the --jwt-prefill tokens are
        signed, so the run's first requests do not wait for the minters to start; False if
        that did not happen within `timeout_s` (plus, with a prefill, the half of the tokens'
        usable life that the minters give themselves to sign it)."""
        if self._settings.prefill:
            timeout_s += self._settings.ttl_s * self._settings.renew_fraction / 2
        deadline = time.monotonic() + timeout_s
        try:
            while not self._is_ready() and any(minter.alive for minter in self._minters):
                remaining = deadline - time.monotonic()
                if remaining <= 0:
                    return False
                self._arrived.clear()
                self._arrived.wait(min(remaining, WAIT_STEP_S))
            return self._is_ready()
        finally:  # the run starts: the queue follows its rate from now on
            self._window = (time.monotonic(), self.used)

    def _is_ready(self) -> bool:
        """A token is queued; with a prefill, it is signed and the first asked have come."""
        if not self._settings.prefill:
            return bool(self._ready)
        alive = [minter for minter in self._minters if minter.alive]
        return bool(self._ready) and all(m.stocked for m in alive) and (
            not self._in_flight or not alive)

    def _keep_fresh(self) -> None:
        """Every KEEP_FRESH_S: drop queued tokens that would pass their use_before before the
        next look, follow the rate, and ask for more: the queue holds fresh tokens even while
        no request takes any, so a request after a quiet spell does not wait."""
        ready = self._ready
        while True:
            gevent.sleep(KEEP_FRESH_S)
            now = self._clock()
            while ready and ready[0][0] < now + 2 * KEEP_FRESH_S:
                ready.popleft()
                self.expired_unused += 1
            ending = 0  # queued in mint order: the soonest to go are first
            for use_before, _ in ready:
                if use_before >= now + REPLACE_AHEAD_S:
                    break
                ending += 1
            self._adapt()
            self._refill(ending=ending)

    def _adapt(self) -> None:
        """Keep about AHEAD_S of the recent rate ready, so slow runs waste few tokens; not
        before the run starts (`wait_until_ready`): no rate while it loads says anything."""
        if self._window is None:
            return
        started, used = self._window
        now = time.monotonic()
        if now - started >= RATE_WINDOW_S:
            rate = (self.used - used) / (now - started)
            self._target = min(MOST_READY, max(self._batch, int(rate * AHEAD_S)))
            self._ask = self._ask_for(self._target)
            self._window = (now, self.used)

    def _ask_for(self, target: int) -> int:
        return min(MOST_BATCH, max(self._batch, target // 8))

    def _take(self) -> str | None:
        ready = self._ready
        if not ready:
            return None
        now = self._clock()
        while ready:
            use_before, value = ready.popleft()
            if now < use_before:
                return value
            self.expired_unused += 1
        return None

    def _wait_for_token(self) -> str:
        started = time.perf_counter()
        self.requests_waited += 1
        try:
            while True:
                self._refill()
                if not any(minter.alive for minter in self._minters):
                    return self._mint_here()
                self._arrived.clear()
                self._arrived.wait(WAIT_STEP_S)
                value = self._take()
                if value is not None:
                    return value
        finally:
            self.wait_s += time.perf_counter() - started

    def _mint_here(self) -> str:
        if not self.minted_here:
            logger.error("the token minter processes have stopped: tokens are now signed in "
                         "the sending process, which slows it down")
        self.minted_here += 1
        token, _ = mint(self._key, self._settings, self._clock())
        return f"Bearer {token}"

    def _refill(self, ending: int = 0) -> None:
        """Ask the least busy minters for tokens until `ready` are queued or on their way,
        not counting the `ending` queued tokens that are about to be dropped; of those, the
        one with the most prefilled tokens left (so none signs while another has some)."""
        while (len(self._ready) - ending + self._in_flight < self._target
               and not self._closed):
            alive = [minter for minter in self._minters if minter.alive]
            if not alive:
                return
            minter = min(alive, key=lambda m: (m.outstanding, -m.stock))
            if not minter.ask(self._ask):
                return
            self._in_flight += self._ask

    def _read(self, minter: _Minter) -> None:
        pending = b""
        try:
            while True:
                wait_read(minter.from_fd)
                try:
                    data = os.read(minter.from_fd, 1 << 16)
                except BlockingIOError:
                    continue
                if not data:
                    break
                lines = (pending + data).split(b"\n")
                pending = lines.pop()
                if lines and lines[0].startswith(b"error "):
                    logger.error("token minter: %s", lines[0][6:].decode(errors="replace"))
                    break
                if lines and lines[0].startswith(b"stocked "):  # the first line, if any
                    minter.stock = int(lines.pop(0)[8:])
                    self.prefilled += minter.stock
                    minter.stocked = True
                for line in lines:
                    use_before, _, token = line.partition(b" ")
                    self._ready.append((float(use_before), "Bearer " + token.decode("ascii")))
                count = len(lines)
                minter.outstanding -= count
                minter.stock = max(0, minter.stock - count)
                self._in_flight -= count
                self.minted += count
                self._arrived.set()
        except OSError:
            pass
        finally:
            minter.alive = False
            self._in_flight -= minter.outstanding
            minter.outstanding = 0
            self._arrived.set()

    def stats(self) -> dict[str, Any]:
        return {
            "mode": self.mode, "minters": len(self._minters),
            "minted": self.minted + self.minted_here, "used": self.used,
            "expired_unused": self.expired_unused, "requests_waited": self.requests_waited,
            "wait_s": round(self.wait_s, 6), "minted_in_sending_process": self.minted_here,
            "prefilled": self.prefilled,
        }

    def close(self) -> None:
        """Stop the minters (each exits when its stdin closes; killed after STOP_WAIT_S)."""
        if self._closed:
            return
        self._closed = True
        atexit.unregister(self.close)
        for greenlet in (*self._readers, self._keeper):
            greenlet.kill(block=False)
        for minter in self._minters:
            minter.close()


def authorizer_for(settings: JwtSettings | None, *, in_process: bool = False) -> Any:
    """The token source for `settings`: None without a key, a TokenMinter in shared mode (or
    `in_process`, for a dry run), else a TokenFeed with its minter processes started."""
    if settings is None:
        return None
    if settings.mode == "shared" or in_process:
        return TokenMinter(settings=settings)
    return TokenFeed(settings)


def token_stats(tokens: Any) -> dict[str, Any] | None:
    """The summary's `tokens` block for a token source (None without one)."""
    if tokens is None:
        return None
    if isinstance(tokens, TokenFeed):
        return tokens.stats()
    return {"mode": "shared", "minters": 0, "minted": tokens.minted, "used": None,
            "expired_unused": 0, "requests_waited": 0, "wait_s": 0.0,
            "minted_in_sending_process": tokens.minted, "prefilled": 0}


def wait_for_tokens(tokens: Any) -> None:
    """Before a run starts: let per-request minters sign the --jwt-prefill tokens and hand
    over their first ones."""
    if not isinstance(tokens, TokenFeed):
        return
    if not tokens.wait_until_ready():
        logger.warning("the token minters gave no token in %.0f s; requests will wait for "
                       "them", READY_TIMEOUT_S)
    wanted = tokens.prefill_wanted
    if tokens.prefilled < wanted:
        logger.warning("the token minters signed %d of the %d --jwt-prefill tokens before "
                       "half of the first one's usable life had passed: raise --jwt-ttl or "
                       "--jwt-minters, or lower --jwt-prefill", tokens.prefilled, wanted)


def close_tokens(tokens: Any) -> None:
    if isinstance(tokens, TokenFeed):
        tokens.close()


def add_token_stats(parts: list[dict[str, Any] | None]) -> dict[str, Any] | None:
    """Workers' `tokens` blocks added up (counts and seconds summed; the mode is shared)."""
    parts = [part for part in parts if part]
    if not parts:
        return None
    total = dict(parts[0])
    for part in parts[1:]:
        for key, value in part.items():
            if isinstance(value, int | float) and not isinstance(value, bool):
                total[key] = (total.get(key) or 0) + value
    if "wait_s" in total:
        total["wait_s"] = round(total["wait_s"], 6)
    return total
