"""replay.driver.parent: a Locust process stops as on SIGTERM once its parent is gone."""

from __future__ import annotations

import subprocess
import sys
import textwrap
import time

from replay.lifeline import Lifeline

# Stands for a Locust process: a gevent SIGTERM handler (Locust's) that notes the signal and
# what became of stdout, then exits.
ON_SIGTERM = """
import os, signal, sys
import gevent

def on_sigterm():
    print("printed after the parent was gone", flush=True)
    with open(sys.argv[1], "w") as note:
        note.write("SIGTERM")
    os._exit(0)

gevent.signal_handler(signal.SIGTERM, on_sigterm)
"""

WATCHING_A_LIFELINE = ON_SIGTERM + textwrap.dedent("""
    from replay.driver.parent import watch_lifeline
    watch_lifeline(int(sys.argv[2]))
    print("watching", flush=True)
    gevent.sleep(60)
""")

FORKED_WORKER = textwrap.dedent("""
    import os, sys
    master = os.getpid()
    if os.fork():
        os._exit(0)  # the master dies at once
""") + ON_SIGTERM + textwrap.dedent("""
    from replay.driver.parent import watch_parent
    watch_parent(master)
    gevent.sleep(60)
""")


def wait_for(path, timeout: float = 30.0) -> str:
    deadline = time.monotonic() + timeout
    while not path.exists() and time.monotonic() < deadline:
        time.sleep(0.05)
    return path.read_text() if path.exists() else "(nothing)"


def test_the_lifeline_closing_stops_the_process_as_sigterm_and_quiets_its_output(tmp_path):
    note = tmp_path / "note"
    with Lifeline() as lifeline:
        child = subprocess.Popen(
            [sys.executable, "-c", WATCHING_A_LIFELINE, str(note), str(lifeline.fd)],
            stdout=subprocess.PIPE, text=True, pass_fds=(lifeline.fd,))
        assert child.stdout.readline() == "watching\n"
    output, _ = child.communicate(timeout=60)
    assert child.returncode == 0
    assert note.read_text() == "SIGTERM"
    assert output == ""  # the parent read stdout: once it is gone, output goes to /dev/null


def test_a_forked_worker_stops_as_on_sigterm_when_its_master_dies(tmp_path):
    note = tmp_path / "note"
    subprocess.run([sys.executable, "-c", FORKED_WORKER, str(note)], timeout=60, check=True,
                   stdout=subprocess.DEVNULL)
    assert wait_for(note) == "SIGTERM"
