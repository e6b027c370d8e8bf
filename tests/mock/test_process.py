"""replay.mock.process: the mock as a child process, and its admin client."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import textwrap

CLIENT = textwrap.dedent("""
    from replay.mock.process import start_mock

    with start_mock(["--no-auth"]) as mock:
        mock.reset()
        print(mock.stats()["received"], len(mock.ledger()))
""")


def closed_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def test_the_admin_client_reaches_the_loopback_mock_past_an_environment_proxy():
    """A proxy for the outside world cannot reach this machine's loopback: the admin calls go
    direct. (A fresh interpreter: urllib reads the proxy variables once per process.)"""
    proxy = f"http://127.0.0.1:{closed_port()}"
    env = {name: value for name, value in os.environ.items()
           if name.lower() not in ("no_proxy", "http_proxy", "https_proxy", "all_proxy")}
    env.update(HTTP_PROXY=proxy, http_proxy=proxy, HTTPS_PROXY=proxy, ALL_PROXY=proxy)
    done = subprocess.run([sys.executable, "-c", CLIENT], capture_output=True, text=True,
                          env=env, timeout=60)
    assert done.returncode == 0, done.stderr[-2000:]
    assert done.stdout.split() == ["0", "0"]
