"""replay.driver.runtime: the process-wide settings the program's edge applies."""

from __future__ import annotations

import gc

import gevent

from replay.driver.runtime import GC_THRESHOLDS, freeze_loaded_data, quiet_interrupts


def test_quiet_interrupts_tells_the_hub_once_that_ctrl_c_is_not_an_error():
    quiet_interrupts()
    quiet_interrupts()
    errors = gevent.get_hub().NOT_ERROR
    assert errors.count(KeyboardInterrupt) == 1


def test_freeze_loaded_data_moves_what_is_alive_out_of_the_collectors_reach():
    loaded = [object() for _ in range(1000)]
    before = gc.get_freeze_count()
    freeze_loaded_data()
    assert gc.get_freeze_count() >= before + len(loaded)
    assert gc.get_threshold() == GC_THRESHOLDS
