"""A lifeline from a parent process to a child it starts: the child ends soon after the parent,
however the parent ends (exit, exception, SIGKILL, the OOM killer), with no signal from it.

    # the parent
    with Lifeline() as lifeline:
        child = subprocess.Popen([..., "--parent-fd", str(lifeline.fd)],
                                 pass_fds=(lifeline.fd,))
        ...
    # the child: its event loop watches the fd it was given (parse_parent_fd checks it)
    loop.add_reader(fd, stop)                # asyncio (the mock)
    gevent.socket.wait_read(fd); stop()      # gevent (Locust)
    parent_gone(fd, timeout=0.1)             # a plain loop (the mock's worker supervisor)

The parent holds the write end of a pipe and never writes to it; the child inherits the read
end. The kernel closes the parent's descriptors when it exits, whatever ends it, and the read
end then reads as end-of-file: it becomes readable, which the child's loop notices at once.
Both ends are non-inheritable (Python's default), so no other child of the parent holds the
write end and keeps the pipe open; `pass_fds` hands the read end to the one child. Closing the
lifeline (leaving the block) tells the child the same thing. Only the standard library is used,
so it also works inside a gevent-patched Locust process.
"""

from __future__ import annotations

import contextlib
import os
import select
import stat

from replay.errors import ConfigError


class Lifeline:
    """The parent's side: `fd` is the read end to hand to the child; hold the lifeline while
    the child should live."""

    def __init__(self) -> None:
        self.fd, self._write_fd = os.pipe()
        self._open = True

    def close(self) -> None:
        """Tell the child the parent is gone (idempotent)."""
        if self._open:
            self._open = False
            for fd in (self._write_fd, self.fd):
                with contextlib.suppress(OSError):
                    os.close(fd)

    def __enter__(self) -> Lifeline:
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.close()


def parse_parent_fd(text: str, flag: str) -> int:
    """--parent-fd's value: an inherited pipe's descriptor number; ConfigError otherwise."""
    try:
        fd = int(text)
        mode = os.fstat(fd).st_mode
    except (ValueError, OSError):
        mode = None
    if mode is None or not stat.S_ISFIFO(mode):
        raise ConfigError(f"{flag} {text}: not an open pipe inherited from the parent process; "
                          "the program that starts this one passes it (replay run does): "
                          "leave it out when you start this one yourself")
    return fd


def parent_gone(fd: int, timeout: float = 0.0) -> bool:
    """True once the lifeline `fd` reads as end-of-file, waiting up to `timeout` seconds."""
    readable, _, _ = select.select([fd], [], [], timeout)
    return bool(readable)
