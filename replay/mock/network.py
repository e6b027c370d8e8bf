"""Sockets and addresses of the mock: bind, name the URL, announce it.

    sock = bind_socket("127.0.0.1", 0)              # MockConfigError when unusable
    url = public_url("0.0.0.0", 8080)               # -> http://127.0.0.1:8080
    write_ready_file(path, url)                     # {"url": ..., "pid": ...}, atomically
"""

from __future__ import annotations

import json
import os
import socket
from pathlib import Path

from replay.atomic import write_atomically
from replay.mock.config import MockConfigError


def bind_socket(host: str, port: int, *, reuse_port: bool = False) -> socket.socket:
    """A bound (not yet listening) TCP socket; MockConfigError if the address is unusable."""
    family = socket.AF_INET6 if ":" in host else socket.AF_INET
    sock = socket.socket(family, socket.SOCK_STREAM)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    if reuse_port:
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEPORT, 1)
    try:
        sock.bind((host, port))
    except OSError as error:
        sock.close()
        raise MockConfigError(f"cannot listen on {host}:{port}: {error.strerror}; "
                              "choose another --port (0 picks a free one)") from None
    sock.set_inheritable(True)
    return sock


def public_url(host: str, port: int) -> str:
    """The URL clients use: a wildcard bind address is reached through loopback."""
    if host in ("0.0.0.0", ""):
        host = "127.0.0.1"
    elif host == "::":
        host = "::1"
    return f"http://[{host}]:{port}" if ":" in host else f"http://{host}:{port}"


def write_ready_file(path: Path, url: str) -> None:
    """Tell whoever waits (--ready-file) where the mock listens, and its pid."""
    write_atomically(path, json.dumps({"url": url, "pid": os.getpid()}))
