"""Blocking work off the gevent loop: `in_thread(function, *args)` runs it in gevent's threadpool.

    table = in_thread(load_share, config)     # the loop (heartbeats, web UI, sends) keeps going
"""

from __future__ import annotations

import gevent


def in_thread(function, *args, **kwargs):
    """Run a blocking function in gevent's threadpool: the loop (heartbeats, UI) keeps going.

    The task itself never raises: gevent's hub would print the traceback of an exception
    raised in a threadpool task (a DatasetError too). It hands the exception back instead,
    and it is raised again here, on the loop side, where the caller handles it. A Ctrl-C
    meanwhile reaches the caller as KeyboardInterrupt (which the program's edge tells the hub
    not to print: replay.driver.runtime.quiet_interrupts).
    """
    result, error = gevent.get_hub().threadpool.apply(_outcome_of, (function, args, kwargs))
    if error is not None:
        raise error
    return result


def _outcome_of(function, args, kwargs) -> tuple[object, Exception | None]:
    try:
        return function(*args, **kwargs), None
    except Exception as error:  # raised again by in_thread, on the loop side
        return None, error
