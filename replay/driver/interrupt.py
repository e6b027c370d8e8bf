"""Ctrl-C in a headless run: ask the run to stop, instead of raising KeyboardInterrupt anywhere.

    call_on_ctrl_c(role.on_ctrl_c)      # from now on, in this process (master, worker)
    with on_ctrl_c(stop_event.set):     # inside the block only (a local run)
        ...

Python's own SIGINT handler raises KeyboardInterrupt in whatever greenlet runs at that moment:
inside the writing of the outputs it lost them (and the exit code said 0), inside the master's
coordination it left a traceback. Here the first Ctrl-C only asks the run to stop (the callback,
run on the gevent loop) and the run ends by itself, outputs written, as with SIGTERM. A second
Ctrl-C is Python's own again: KeyboardInterrupt, at once. Call from the main thread (greenlets
of the main thread included).
"""

from __future__ import annotations

import contextlib
import signal
from collections.abc import Callable, Iterator
from typing import Any

import gevent


def call_on_ctrl_c(callback: Callable[[], None]) -> Any:
    """Install the handler; return the previous one."""
    hub = gevent.get_hub()

    def on_sigint(signum: int, frame: Any) -> None:
        signal.signal(signal.SIGINT, signal.default_int_handler)  # a second Ctrl-C: at once
        hub.loop.run_callback_threadsafe(callback)

    return signal.signal(signal.SIGINT, on_sigint)


@contextlib.contextmanager
def on_ctrl_c(callback: Callable[[], None]) -> Iterator[None]:
    """`call_on_ctrl_c` inside the block; the previous handler after it."""
    previous = call_on_ctrl_c(callback)
    try:
        yield
    finally:
        signal.signal(signal.SIGINT, previous)
