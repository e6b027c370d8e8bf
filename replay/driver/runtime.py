"""Process-wide settings of a replay process, applied by the program's edge, never by a library.

    quiet_interrupts()       once, where the Locust program starts (replay.driver.install)
    freeze_loaded_data()     once the dataset is loaded and planned, before sending (the session)

- gevent's hub prints the traceback of any exception that ends a greenlet or a threadpool task;
  a Ctrl-C while the dataset loads reaches the waiting caller as KeyboardInterrupt, and the
  caller says what was interrupted, so the hub is told it is not an error (`Hub.NOT_ERROR`).
- The garbage collector: everything loaded (the dataset, the plan) is frozen out of its reach
  (`gc.freeze()`) and its thresholds raised, since its pauses otherwise push schedule lag p99
  from ~5 ms to 30-70 ms (measured; see docs/performance.md).
"""

from __future__ import annotations

import gc

import gevent

GC_THRESHOLDS = (100_000, 50, 100)


def quiet_interrupts() -> None:
    """This thread's gevent hub does not print a KeyboardInterrupt as an error."""
    hub = gevent.get_hub()
    if KeyboardInterrupt not in hub.NOT_ERROR:
        hub.NOT_ERROR = (*hub.NOT_ERROR, KeyboardInterrupt)


def freeze_loaded_data() -> None:
    """Collect once, move every object alive now out of the collector's reach, raise its
    thresholds: the loaded data is never scanned again while sending."""
    gc.collect()
    gc.freeze()
    gc.set_threshold(*GC_THRESHOLDS)
