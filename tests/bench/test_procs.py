"""bench.procs: children are pinned, quoted when they fail, and always stopped with their group."""

from __future__ import annotations

import os
import signal
import time

import psutil
import pytest

from bench.procs import ChildFailed, Processes, bench_cores, signals_deferred, wait_until

SLEEPER = ["sh", "-c", "sleep 60 & sleep 60 & wait"]


def group_members(pgid: int) -> list[psutil.Process]:
    found = []
    for proc in psutil.process_iter():
        try:
            if os.getpgid(proc.pid) == pgid and proc.status() != psutil.STATUS_ZOMBIE:
                found.append(proc)
        except (ProcessLookupError, psutil.Error):
            pass
    return found


def started_group(procs: Processes) -> int:
    child = procs.start("sleeper", SLEEPER, core=None)
    wait_until(lambda: len(group_members(child.pid)) == 3, child=child, timeout_s=10,
               what="running its two sleeps")
    return child.pid


def test_leaving_the_block_stops_the_child_and_what_it_started(tmp_path):
    with Processes(tmp_path) as procs:
        pgid = started_group(procs)
    assert group_members(pgid) == []


def test_an_exception_inside_the_block_still_stops_every_child(tmp_path):
    with pytest.raises(RuntimeError, match="boom"), Processes(tmp_path) as procs:
        pgid = started_group(procs)
        raise RuntimeError("boom")
    assert group_members(pgid) == []


def test_a_child_that_ignores_sigterm_is_killed_after_the_grace_period(tmp_path):
    with Processes(tmp_path) as procs:
        child = procs.start("stubborn", ["sh", "-c", "trap '' TERM; echo up; sleep 60"],
                            core=None)
        wait_until(lambda: "up" in child.log_path.read_text(), child=child, timeout_s=10,
                   what="up")
        started = time.monotonic()
        child.stop(grace_s=0.5)
        assert not child.running()
        assert time.monotonic() - started < 10


def test_child_runs_pinned_to_the_core_it_was_given(tmp_path):
    core = bench_cores()[1]
    with Processes(tmp_path) as procs:
        child = procs.start("pinned", ["sleep", "30"], core=core)
        assert os.sched_getaffinity(child.pid) == {core}


def test_a_child_that_exits_early_fails_with_the_tail_of_its_log(tmp_path):
    with Processes(tmp_path) as procs:
        child = procs.start("broken", ["sh", "-c", "echo 'port already taken' >&2; exit 3"],
                            core=None)
        with pytest.raises(ChildFailed) as failure:
            wait_until(lambda: False, child=child, timeout_s=10, what="ready")
    message = str(failure.value)
    assert "broken exited before ready (exit code 3)" in message
    assert "port already taken" in message


def test_a_child_result_is_the_json_it_printed_after_a_clean_exit(tmp_path):
    with Processes(tmp_path) as procs:
        printed = procs.start("printer", ["sh", "-c", "echo noise; echo 'BENCH_JSON {\"a\": 1}'"],
                              core=None)
        silent = procs.start("silent", ["sh", "-c", "echo nothing"], core=None)
        failed = procs.start("failed", ["sh", "-c", "echo 'BENCH_JSON {}'; exit 2"], core=None)
        assert printed.result(10) == {"a": 1}
        assert silent.result(10) is None
        with pytest.raises(ChildFailed, match="failed did not finish cleanly"):
            failed.result(10)


@pytest.mark.parametrize("sig", [signal.SIGTERM, signal.SIGINT])
def test_a_signal_inside_a_deferred_block_interrupts_only_after_the_block(sig):
    finished = []
    with pytest.raises(KeyboardInterrupt), signals_deferred():
        os.kill(os.getpid(), sig)
        time.sleep(0.05)
        finished.append(True)
    assert finished == [True]
    assert signal.getsignal(signal.SIGTERM) is signal.SIG_DFL
