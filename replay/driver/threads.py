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
    meanwhile reaches the caller as KeyboardInterrupt, which the hub is told not to print
    (`Hub.NOT_ERROR`): the caller says what was interrupted.
    """
    hub = gevent.get_hub()
    quiet = "NOT_ERROR" not in vars(hub)
    if quiet:
        hub.NOT_ERROR = (*hub.NOT_ERROR, KeyboardInterrupt)
    try:
        result, error = hub.threadpool.apply(_outcome_of, (function, args, kwargs))
    finally:
        if quiet:
            del hub.NOT_ERROR
    if error is not None:
        raise error
    return result


def _outcome_of(function, args, kwargs) -> tuple[object, Exception | None]:
    try:
        return function(*args, **kwargs), None
    except Exception as error:  # raised again by in_thread, on the loop side
        return None, error
