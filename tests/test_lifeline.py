"""replay.lifeline: a pipe whose end-of-file tells a child its parent is gone."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import textwrap

import pytest

from replay.errors import ConfigError
from replay.lifeline import Lifeline, parent_gone, parse_parent_fd

# A parent that hands a lifeline to a child, says its pid, then dies by SIGKILL.
PARENT = textwrap.dedent("""
    import os, signal, subprocess, sys
    from replay.lifeline import Lifeline
    lifeline = Lifeline()
    child = subprocess.Popen(
        [sys.executable, "-c",
         "import sys; from replay.lifeline import parent_gone; "
         "print('gone' if parent_gone(int(sys.argv[1]), 60) else 'timeout', flush=True)",
         str(lifeline.fd)],
        pass_fds=(lifeline.fd,))
    print(child.pid, flush=True)
    os.kill(os.getpid(), signal.SIGKILL)
""")


def test_the_lifeline_reads_as_open_while_the_parent_holds_it_and_as_gone_once_closed():
    lifeline = Lifeline()
    fd = os.dup(lifeline.fd)  # the child's copy
    try:
        assert not parent_gone(fd)
        lifeline.close()
        lifeline.close()  # idempotent
        assert parent_gone(fd)
    finally:
        os.close(fd)


def test_a_child_sees_its_parent_gone_when_the_parent_is_killed_with_sigkill():
    done = subprocess.run([sys.executable, "-c", PARENT], capture_output=True, text=True,
                          timeout=90)
    assert done.returncode == -signal.SIGKILL
    # the child shares the parent's stdout: its verdict follows the parent's line
    lines = done.stdout.split()
    assert lines[1:] == ["gone"], done.stdout + done.stderr


def test_parse_parent_fd_takes_an_inherited_pipe():
    with Lifeline() as lifeline:
        assert parse_parent_fd(str(lifeline.fd), "--parent-fd") == lifeline.fd


@pytest.mark.parametrize("text", ["x", "999", "0"])
def test_parse_parent_fd_refuses_what_is_not_an_open_pipe(text, tmp_path):
    with open(tmp_path / "file", "w") as handle:
        if text == "0":  # an open descriptor, but a file: not a lifeline
            text = str(handle.fileno())
        with pytest.raises(ConfigError) as error:
            parse_parent_fd(text, "--parent-fd")
    assert str(error.value) == (
        f"--parent-fd {text}: not an open pipe inherited from the parent process; the program "
        "that starts this one passes it (replay run does): leave it out when you start this "
        "one yourself")
